//! Encounters and what is recorded in them: pain drawings, exam findings, outcome measures.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use taut_core::exam::{Classification, Sign, Signs, classify};
use taut_core::records::{EncounterFields, FindingFields, OutcomeFields, PainMark};

use crate::{StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EncounterRecord {
    pub id: String,
    pub patient_id: String,
    #[serde(flatten)]
    pub fields: EncounterFields,
    pub clinician_id: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PainMarkRecord {
    pub id: String,
    pub encounter_id: String,
    #[serde(flatten)]
    pub mark: PainMark,
    pub created_at: String,
}

/// A finding with its classification, derived from the stored signs on every read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRecord {
    pub id: String,
    pub encounter_id: String,
    #[serde(flatten)]
    pub fields: FindingFields,
    pub classification: Classification,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeRecord {
    pub id: String,
    pub patient_id: String,
    #[serde(flatten)]
    pub fields: OutcomeFields,
    pub created_at: String,
}

fn sign(row: &AnyRow, column: &str) -> Result<Sign, StoreError> {
    let text: String = row.try_get(column)?;
    Sign::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("{column} = '{text}'")))
}

fn encounter(row: &AnyRow) -> Result<EncounterRecord, StoreError> {
    Ok(EncounterRecord {
        id: row.try_get("id")?,
        patient_id: row.try_get("patient_id")?,
        fields: EncounterFields {
            kind: row.try_get("kind")?,
            occurred_at: row.try_get("occurred_at")?,
            notes: row.try_get("notes")?,
        },
        clinician_id: row.try_get("clinician_id")?,
        created_at: row.try_get("created_at")?,
    })
}

fn finding(row: &AnyRow) -> Result<FindingRecord, StoreError> {
    let signs = Signs {
        taut_band: sign(row, "taut_band")?,
        spot_tenderness: sign(row, "spot_tenderness")?,
        referred_pain: sign(row, "referred_pain")?,
        pain_recognised: sign(row, "pain_recognised")?,
        local_twitch: sign(row, "local_twitch")?,
        jump_sign: sign(row, "jump_sign")?,
    };
    Ok(FindingRecord {
        id: row.try_get("id")?,
        encounter_id: row.try_get("encounter_id")?,
        fields: FindingFields {
            trigger_point: row.try_get("trigger_point")?,
            muscle: row.try_get("muscle")?,
            side: row.try_get("side")?,
            signs,
            pressure_threshold_kg_cm2: row.try_get("pressure_threshold_kg_cm2")?,
            notes: row.try_get("notes")?,
        },
        classification: classify(&signs),
        created_at: row.try_get("created_at")?,
    })
}

fn outcome(row: &AnyRow) -> Result<OutcomeRecord, StoreError> {
    Ok(OutcomeRecord {
        id: row.try_get("id")?,
        patient_id: row.try_get("patient_id")?,
        fields: OutcomeFields {
            measure: row.try_get("measure")?,
            name: row.try_get("name")?,
            value: row.try_get("value")?,
            unit: row.try_get("unit")?,
            encounter_id: row.try_get("encounter_id")?,
            recorded_at: row.try_get("recorded_at")?,
        },
        created_at: row.try_get("created_at")?,
    })
}

impl Tx {
    pub async fn insert_encounter(&mut self, e: &EncounterRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO encounters (id, patient_id, kind, occurred_at, clinician_id, notes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&e.id)
        .bind(&e.patient_id)
        .bind(&e.fields.kind)
        .bind(&e.fields.occurred_at)
        .bind(&e.clinician_id)
        .bind(&e.fields.notes)
        .bind(&e.created_at)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    pub async fn encounter(&mut self, id: &str) -> Result<EncounterRecord, StoreError> {
        let row = sqlx::query("SELECT * FROM encounters WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?
            .ok_or(StoreError::NotFound)?;
        encounter(&row)
    }

    /// A patient's encounters, oldest first.
    pub async fn encounters(&mut self, patient_id: &str) -> Result<Vec<EncounterRecord>, StoreError> {
        let rows = sqlx::query("SELECT * FROM encounters WHERE patient_id = $1 ORDER BY occurred_at, id")
            .bind(patient_id)
            .fetch_all(&mut *self.inner)
            .await?;
        rows.iter().map(encounter).collect()
    }

    pub async fn insert_pain_mark(&mut self, m: &PainMarkRecord, by: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO pain_marks (id, encounter_id, region, side, intensity, quality, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&m.id)
        .bind(&m.encounter_id)
        .bind(&m.mark.region)
        .bind(&m.mark.side)
        .bind(m.mark.intensity)
        .bind(&m.mark.quality)
        .bind(by)
        .bind(&m.created_at)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    pub async fn pain_marks(&mut self, encounter_id: &str) -> Result<Vec<PainMarkRecord>, StoreError> {
        let rows = sqlx::query("SELECT * FROM pain_marks WHERE encounter_id = $1 ORDER BY created_at, id")
            .bind(encounter_id)
            .fetch_all(&mut *self.inner)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(PainMarkRecord {
                    id: row.try_get("id")?,
                    encounter_id: row.try_get("encounter_id")?,
                    mark: PainMark {
                        region: row.try_get("region")?,
                        side: row.try_get("side")?,
                        intensity: row.try_get("intensity")?,
                        quality: row.try_get("quality")?,
                    },
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    pub async fn insert_finding(&mut self, f: &FindingRecord, by: &str) -> Result<(), StoreError> {
        let s = &f.fields.signs;
        sqlx::query(
            "INSERT INTO findings (id, encounter_id, trigger_point, muscle, side, taut_band, spot_tenderness, \
             referred_pain, pain_recognised, local_twitch, jump_sign, pressure_threshold_kg_cm2, notes, created_by, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(&f.id)
        .bind(&f.encounter_id)
        .bind(&f.fields.trigger_point)
        .bind(&f.fields.muscle)
        .bind(&f.fields.side)
        .bind(s.taut_band.as_str())
        .bind(s.spot_tenderness.as_str())
        .bind(s.referred_pain.as_str())
        .bind(s.pain_recognised.as_str())
        .bind(s.local_twitch.as_str())
        .bind(s.jump_sign.as_str())
        .bind(f.fields.pressure_threshold_kg_cm2)
        .bind(&f.fields.notes)
        .bind(by)
        .bind(&f.created_at)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    pub async fn findings(&mut self, encounter_id: &str) -> Result<Vec<FindingRecord>, StoreError> {
        let rows = sqlx::query("SELECT * FROM findings WHERE encounter_id = $1 ORDER BY created_at, id")
            .bind(encounter_id)
            .fetch_all(&mut *self.inner)
            .await?;
        rows.iter().map(finding).collect()
    }

    pub async fn insert_outcome(&mut self, o: &OutcomeRecord, by: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO outcomes (id, patient_id, encounter_id, measure, name, value, unit, recorded_at, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&o.id)
        .bind(&o.patient_id)
        .bind(&o.fields.encounter_id)
        .bind(&o.fields.measure)
        .bind(&o.fields.name)
        .bind(o.fields.value)
        .bind(&o.fields.unit)
        .bind(&o.fields.recorded_at)
        .bind(by)
        .bind(&o.created_at)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// A patient's outcome measures, oldest first.
    pub async fn outcomes(&mut self, patient_id: &str) -> Result<Vec<OutcomeRecord>, StoreError> {
        let rows = sqlx::query("SELECT * FROM outcomes WHERE patient_id = $1 ORDER BY recorded_at, id")
            .bind(patient_id)
            .fetch_all(&mut *self.inner)
            .await?;
        rows.iter().map(outcome).collect()
    }
}
