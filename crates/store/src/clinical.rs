//! Encounters and what is recorded in them: pain drawings, exam findings, outcome measures.

use serde::Serialize;
use taut_core::exam::{Classification, Sign, Signs, classify};
use taut_core::records::{EncounterFields, FindingFields, OutcomeFields, PainMark};
use uuid::Uuid;

use crate::types::{Stamp, id, opt_id};
use crate::{StoreError, Tx, on_tx};

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

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct EncounterRow {
    id: Uuid,
    patient_id: Uuid,
    kind: String,
    occurred_at: Stamp,
    clinician_id: Uuid,
    notes: Option<String>,
    created_at: Stamp,
}

impl From<EncounterRow> for EncounterRecord {
    fn from(r: EncounterRow) -> EncounterRecord {
        EncounterRecord {
            id: r.id.to_string(),
            patient_id: r.patient_id.to_string(),
            fields: EncounterFields {
                kind: r.kind,
                occurred_at: r.occurred_at.0,
                notes: r.notes,
            },
            clinician_id: r.clinician_id.to_string(),
            created_at: r.created_at.0,
        }
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct PainMarkRow {
    id: Uuid,
    encounter_id: Uuid,
    region: String,
    side: Option<String>,
    intensity: i64,
    quality: Option<String>,
    created_at: Stamp,
}

impl From<PainMarkRow> for PainMarkRecord {
    fn from(r: PainMarkRow) -> PainMarkRecord {
        PainMarkRecord {
            id: r.id.to_string(),
            encounter_id: r.encounter_id.to_string(),
            mark: PainMark {
                region: r.region,
                side: r.side,
                intensity: r.intensity,
                quality: r.quality,
            },
            created_at: r.created_at.0,
        }
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct FindingRow {
    id: Uuid,
    encounter_id: Uuid,
    trigger_point: String,
    muscle: String,
    side: Option<String>,
    taut_band: String,
    spot_tenderness: String,
    referred_pain: String,
    pain_recognised: String,
    local_twitch: String,
    jump_sign: String,
    pressure_threshold_kg_cm2: Option<f64>,
    notes: Option<String>,
    created_at: Stamp,
}

fn sign(column: &str, text: &str) -> Result<Sign, StoreError> {
    Sign::parse(text).ok_or_else(|| StoreError::Corrupt(format!("{column} = '{text}'")))
}

impl TryFrom<FindingRow> for FindingRecord {
    type Error = StoreError;

    fn try_from(r: FindingRow) -> Result<FindingRecord, StoreError> {
        let signs = Signs {
            taut_band: sign("taut_band", &r.taut_band)?,
            spot_tenderness: sign("spot_tenderness", &r.spot_tenderness)?,
            referred_pain: sign("referred_pain", &r.referred_pain)?,
            pain_recognised: sign("pain_recognised", &r.pain_recognised)?,
            local_twitch: sign("local_twitch", &r.local_twitch)?,
            jump_sign: sign("jump_sign", &r.jump_sign)?,
        };
        Ok(FindingRecord {
            id: r.id.to_string(),
            encounter_id: r.encounter_id.to_string(),
            fields: FindingFields {
                trigger_point: r.trigger_point,
                muscle: r.muscle,
                side: r.side,
                signs,
                pressure_threshold_kg_cm2: r.pressure_threshold_kg_cm2,
                notes: r.notes,
            },
            classification: classify(&signs),
            created_at: r.created_at.0,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct OutcomeRow {
    id: Uuid,
    patient_id: Uuid,
    encounter_id: Option<Uuid>,
    measure: String,
    name: Option<String>,
    value: f64,
    unit: String,
    recorded_at: Stamp,
    created_at: Stamp,
}

impl From<OutcomeRow> for OutcomeRecord {
    fn from(r: OutcomeRow) -> OutcomeRecord {
        OutcomeRecord {
            id: r.id.to_string(),
            patient_id: r.patient_id.to_string(),
            fields: OutcomeFields {
                measure: r.measure,
                name: r.name,
                value: r.value,
                unit: r.unit,
                encounter_id: r.encounter_id.map(|id| id.to_string()),
                recorded_at: r.recorded_at.0,
            },
            created_at: r.created_at.0,
        }
    }
}

pub(crate) const ENCOUNTER: &str =
    "SELECT id, patient_id, kind, occurred_at, clinician_id, notes, created_at FROM encounters";
pub(crate) const PAIN_MARK: &str =
    "SELECT m.id, m.encounter_id, m.region, m.side, m.intensity, m.quality, m.created_at FROM pain_marks m";
pub(crate) const FINDING: &str = "SELECT f.id, f.encounter_id, f.trigger_point, f.muscle, f.side, f.taut_band, \
     f.spot_tenderness, f.referred_pain, f.pain_recognised, f.local_twitch, f.jump_sign, \
     f.pressure_threshold_kg_cm2, f.notes, f.created_at FROM findings f";
pub(crate) const OUTCOME: &str = "SELECT id, patient_id, encounter_id, measure, name, value, unit, recorded_at, created_at \
                       FROM outcomes";

impl Tx {
    pub async fn insert_encounter(&mut self, e: &EncounterRecord) -> Result<(), StoreError> {
        let (eid, pid, cid) = (id(&e.id)?, id(&e.patient_id)?, id(&e.clinician_id)?);
        let (occurred, created) = (Stamp::from(&e.fields.occurred_at), Stamp::from(&e.created_at));
        const SQL: &str = "INSERT INTO encounters (id, patient_id, kind, occurred_at, clinician_id, notes, \
                           created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(eid)
            .bind(pid)
            .bind(&e.fields.kind)
            .bind(&occurred)
            .bind(cid)
            .bind(&e.fields.notes)
            .bind(&created)
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }

    pub async fn encounter(&mut self, encounter_id: &str) -> Result<EncounterRecord, StoreError> {
        let eid = id(encounter_id)?;
        let sql = sqlx::AssertSqlSafe(format!("{ENCOUNTER} WHERE id = $1"));
        let row: Option<EncounterRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(eid).fetch_optional(conn).await)?;
        Ok(row.ok_or(StoreError::NotFound)?.into())
    }

    /// A patient's encounters, oldest first.
    pub async fn encounters(&mut self, patient_id: &str) -> Result<Vec<EncounterRecord>, StoreError> {
        let pid = id(patient_id)?;
        let sql = sqlx::AssertSqlSafe(format!("{ENCOUNTER} WHERE patient_id = $1 ORDER BY occurred_at, id"));
        let rows: Vec<EncounterRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_all(conn).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub async fn insert_pain_mark(&mut self, m: &PainMarkRecord, by: &str) -> Result<(), StoreError> {
        let (mid, eid, by_id) = (id(&m.id)?, id(&m.encounter_id)?, id(by)?);
        let created = Stamp::from(&m.created_at);
        const SQL: &str = "INSERT INTO pain_marks (id, encounter_id, region, side, intensity, quality, created_by, \
                           created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(mid)
            .bind(eid)
            .bind(&m.mark.region)
            .bind(&m.mark.side)
            .bind(m.mark.intensity)
            .bind(&m.mark.quality)
            .bind(by_id)
            .bind(&created)
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }

    /// The pain drawing of one encounter.
    pub async fn pain_marks(&mut self, encounter_id: &str) -> Result<Vec<PainMarkRecord>, StoreError> {
        let eid = id(encounter_id)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "{PAIN_MARK} WHERE m.encounter_id = $1 ORDER BY m.created_at, m.id"
        ));
        let rows: Vec<PainMarkRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(eid).fetch_all(conn).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Every pain mark of every encounter of a patient, in one query.
    pub async fn patient_pain_marks(&mut self, patient_id: &str) -> Result<Vec<PainMarkRecord>, StoreError> {
        let pid = id(patient_id)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "{PAIN_MARK} JOIN encounters e ON e.id = m.encounter_id WHERE e.patient_id = $1 \
             ORDER BY m.created_at, m.id"
        ));
        let rows: Vec<PainMarkRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_all(conn).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub async fn insert_finding(&mut self, f: &FindingRecord, by: &str) -> Result<(), StoreError> {
        let s = &f.fields.signs;
        let (fid, eid, by_id) = (id(&f.id)?, id(&f.encounter_id)?, id(by)?);
        let created = Stamp::from(&f.created_at);
        const SQL: &str = "INSERT INTO findings (id, encounter_id, trigger_point, muscle, side, taut_band, \
             spot_tenderness, referred_pain, pain_recognised, local_twitch, jump_sign, pressure_threshold_kg_cm2, \
             notes, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(fid)
            .bind(eid)
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
            .bind(by_id)
            .bind(&created)
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }

    /// The exam findings of one encounter.
    pub async fn findings(&mut self, encounter_id: &str) -> Result<Vec<FindingRecord>, StoreError> {
        let eid = id(encounter_id)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "{FINDING} WHERE f.encounter_id = $1 ORDER BY f.created_at, f.id"
        ));
        let rows: Vec<FindingRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(eid).fetch_all(conn).await)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Every finding of every encounter of a patient, in one query.
    pub async fn patient_findings(&mut self, patient_id: &str) -> Result<Vec<FindingRecord>, StoreError> {
        let pid = id(patient_id)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "{FINDING} JOIN encounters e ON e.id = f.encounter_id WHERE e.patient_id = $1 ORDER BY f.created_at, f.id"
        ));
        let rows: Vec<FindingRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_all(conn).await)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    pub async fn insert_outcome(&mut self, o: &OutcomeRecord, by: &str) -> Result<(), StoreError> {
        let (oid, pid, by_id) = (id(&o.id)?, id(&o.patient_id)?, id(by)?);
        let eid = opt_id(o.fields.encounter_id.as_deref())?;
        let (recorded, created) = (Stamp::from(&o.fields.recorded_at), Stamp::from(&o.created_at));
        const SQL: &str = "INSERT INTO outcomes (id, patient_id, encounter_id, measure, name, value, unit, \
                           recorded_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(oid)
            .bind(pid)
            .bind(eid)
            .bind(&o.fields.measure)
            .bind(&o.fields.name)
            .bind(o.fields.value)
            .bind(&o.fields.unit)
            .bind(&recorded)
            .bind(by_id)
            .bind(&created)
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }

    /// A patient's outcome measures, oldest first.
    pub async fn outcomes(&mut self, patient_id: &str) -> Result<Vec<OutcomeRecord>, StoreError> {
        let pid = id(patient_id)?;
        let sql = sqlx::AssertSqlSafe(format!("{OUTCOME} WHERE patient_id = $1 ORDER BY recorded_at, id"));
        let rows: Vec<OutcomeRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_all(conn).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
