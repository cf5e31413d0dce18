//! Many records in few statements: multi-row inserts for imports (the demo data, bundles from elsewhere), where
//! one statement per row would spend its time handing rows to the database one at a time.

use sqlx::types::Json;
use uuid::Uuid;

use crate::patients::Bound;
use crate::types::{Stamp, id, opt_id, sqlite_id_list};
use crate::{
    EncounterRecord, FindingRecord, Inner, OutcomeRecord, PainMarkRecord, PatientRecord, StoreError, Tx, on_tx,
};

/// Records to insert together, each table in as few statements as the engines' parameter limits allow, with
/// the audit event of each write.
#[derive(Debug, Default)]
pub struct Bulk {
    pub patients: Vec<PatientRecord>,
    pub encounters: Vec<EncounterRecord>,
    pub pain_marks: Vec<PainMarkRecord>,
    pub findings: Vec<FindingRecord>,
    pub outcomes: Vec<OutcomeRecord>,
    pub events: Vec<BulkEvent>,
}

/// One audit event of a bulk write; who and when are the same for the whole batch.
#[derive(Debug, Clone)]
pub struct BulkEvent {
    pub action: &'static str,
    pub patient_id: String,
    pub record_type: &'static str,
    pub record_id: String,
}

/// Who writes a bulk, and when.
#[derive(Debug, Clone, Copy)]
pub struct BulkAuthor<'a> {
    pub user_id: &'a str,
    pub name: &'a str,
    pub at: &'a str,
}

/// Parameters per statement: below SQLite's 32,766 and PostgreSQL's 65,535.
const PARAMETERS: usize = 30_000;

fn rows_per_statement(columns: usize) -> usize {
    (PARAMETERS / columns).max(1)
}

/// Inserts `rows` into `table (columns)` in chunks, binding each row with `bind`.
macro_rules! insert_rows {
    ($tx:expr, $table_columns:expr, $count:expr, $rows:expr, |$b:ident, $row:ident| $bind:expr) => {
        for chunk in $rows.chunks(rows_per_statement($count)) {
            on_tx!($tx, conn => {
                let mut insert = sqlx::QueryBuilder::new(concat!("INSERT INTO ", $table_columns, " "));
                insert.push_values(chunk, |mut $b, $row| {
                    $bind;
                });
                insert.build().execute(conn).await.map(drop)
            })?;
        }
    };
}

impl Tx {
    /// Inserts everything in `bulk` in this transaction (patients first, then what refers to them).
    pub async fn insert_bulk(&mut self, bulk: &Bulk, author: BulkAuthor<'_>) -> Result<(), StoreError> {
        let by = id(author.user_id)?;
        self.defer_courses().await?;
        let patients = bulk
            .patients
            .iter()
            .map(|p| Ok((p, id(&p.id)?, Bound::of(&p.demographics))))
            .collect::<Result<Vec<_>, StoreError>>()?;
        insert_rows!(
            self,
            "patients (id, mrn, given_name, family_name, birth_date, sex, weight_kg, allergies, \
            conditions, medications, notes, search_key, family_key, given_key, mrn_key, version, created_at, \
            updated_at, updated_by)",
            19,
            patients,
            |b, row| {
                let (p, pid, bound) = row;
                let d = &p.demographics;
                b.push_bind(*pid)
                    .push_bind(d.mrn.clone())
                    .push_bind(d.given_name.clone())
                    .push_bind(d.family_name.clone())
                    .push_bind(bound.birth_date.clone())
                    .push_bind(d.sex.clone())
                    .push_bind(d.weight_kg)
                    .push_bind(Json(d.allergies.clone()))
                    .push_bind(Json(d.conditions.clone()))
                    .push_bind(Json(d.medications.clone()))
                    .push_bind(d.notes.clone())
                    .push_bind(bound.search_key.clone())
                    .push_bind(bound.family_key.clone())
                    .push_bind(bound.given_key.clone())
                    .push_bind(bound.mrn_key.clone())
                    .push_bind(p.version)
                    .push_bind(Stamp::from(&p.created_at))
                    .push_bind(Stamp::from(&p.updated_at))
                    .push_bind(by)
            }
        );
        insert_rows!(
            self,
            "patient_versions (patient_id, version, record, deleted_at, delete_reason, changed_by, \
            changed_at)",
            7,
            patients,
            |b, row| {
                let (p, pid, _) = row;
                b.push_bind(*pid)
                    .push_bind(p.version)
                    .push_bind(Json(p.demographics.clone()))
                    .push_bind(p.deleted_at.as_ref().map(Stamp::from))
                    .push_bind(p.delete_reason.clone())
                    .push_bind(by)
                    .push_bind(Stamp::from(&p.updated_at))
            }
        );
        let encounters = bulk
            .encounters
            .iter()
            .map(|e| Ok((e, id(&e.id)?, id(&e.patient_id)?, id(&e.clinician_id)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        insert_rows!(
            self,
            "encounters (id, patient_id, kind, occurred_at, clinician_id, notes, created_at)",
            7,
            encounters,
            |b, row| {
                let (e, eid, pid, cid) = row;
                b.push_bind(*eid)
                    .push_bind(*pid)
                    .push_bind(e.fields.kind.clone())
                    .push_bind(Stamp::from(&e.fields.occurred_at))
                    .push_bind(*cid)
                    .push_bind(e.fields.notes.clone())
                    .push_bind(Stamp::from(&e.created_at))
            }
        );
        let marks = bulk
            .pain_marks
            .iter()
            .map(|m| Ok((m, id(&m.id)?, id(&m.encounter_id)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        insert_rows!(
            self,
            "pain_marks (id, encounter_id, region, side, intensity, quality, created_by, created_at)",
            8,
            marks,
            |b, row| {
                let (m, mid, eid) = row;
                b.push_bind(*mid)
                    .push_bind(*eid)
                    .push_bind(m.mark.region.clone())
                    .push_bind(m.mark.side.clone())
                    .push_bind(m.mark.intensity)
                    .push_bind(m.mark.quality.clone())
                    .push_bind(by)
                    .push_bind(Stamp::from(&m.created_at))
            }
        );
        let findings = bulk
            .findings
            .iter()
            .map(|f| Ok((f, id(&f.id)?, id(&f.encounter_id)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        insert_rows!(
            self,
            "findings (id, encounter_id, trigger_point, muscle, side, taut_band, spot_tenderness, \
            referred_pain, pain_recognised, local_twitch, jump_sign, pressure_threshold_kg_cm2, notes, created_by, \
            created_at)",
            15,
            findings,
            |b, row| {
                let (f, fid, eid) = row;
                let s = &f.fields.signs;
                b.push_bind(*fid)
                    .push_bind(*eid)
                    .push_bind(f.fields.trigger_point.clone())
                    .push_bind(f.fields.muscle.clone())
                    .push_bind(f.fields.side.clone())
                    .push_bind(s.taut_band.as_str())
                    .push_bind(s.spot_tenderness.as_str())
                    .push_bind(s.referred_pain.as_str())
                    .push_bind(s.pain_recognised.as_str())
                    .push_bind(s.local_twitch.as_str())
                    .push_bind(s.jump_sign.as_str())
                    .push_bind(f.fields.pressure_threshold_kg_cm2)
                    .push_bind(f.fields.notes.clone())
                    .push_bind(by)
                    .push_bind(Stamp::from(&f.created_at))
            }
        );
        let outcomes = bulk
            .outcomes
            .iter()
            .map(|o| {
                Ok((
                    o,
                    id(&o.id)?,
                    id(&o.patient_id)?,
                    opt_id(o.fields.encounter_id.as_deref())?,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        insert_rows!(
            self,
            "outcomes (id, patient_id, encounter_id, measure, name, value, unit, recorded_at, \
            created_by, created_at)",
            10,
            outcomes,
            |b, row| {
                let (o, oid, pid, eid) = row;
                b.push_bind(*oid)
                    .push_bind(*pid)
                    .push_bind(*eid)
                    .push_bind(o.fields.measure.clone())
                    .push_bind(o.fields.name.clone())
                    .push_bind(o.fields.value)
                    .push_bind(o.fields.unit.clone())
                    .push_bind(Stamp::from(&o.fields.recorded_at))
                    .push_bind(by)
                    .push_bind(Stamp::from(&o.created_at))
            }
        );
        let audits = bulk
            .events
            .iter()
            .map(|a| Ok((a, uuid::Uuid::now_v7(), id(&a.patient_id)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        insert_rows!(
            self,
            "audit_events (id, at, actor_id, actor, action, patient_id, record_type, record_id, \
            details)",
            9,
            audits,
            |b, row| {
                let (a, aid, patient) = row;
                b.push_bind(*aid)
                    .push_bind(Stamp::from(author.at))
                    .push_bind(by)
                    .push_bind(author.name.to_owned())
                    .push_bind(a.action)
                    .push_bind(*patient)
                    .push_bind(a.record_type)
                    .push_bind(Some(a.record_id.clone()))
                    .push_bind(None::<Json<serde_json::Value>>)
            }
        );
        let patients: Vec<Uuid> = encounters
            .iter()
            .map(|e| e.2)
            .chain(outcomes.iter().map(|o| o.2))
            .collect();
        let visits: Vec<Uuid> = marks.iter().map(|m| m.2).chain(findings.iter().map(|f| f.2)).collect();
        self.refresh_courses(&patients, &visits).await
    }

    /// Each engine rebuilds a patient's stored course after each write of one of its records (migrations/*/0010);
    /// an import's statements each hold thousands of rows of many patients, so it asks for that to wait until
    /// [`Tx::refresh_courses`], for this transaction only: a setting on PostgreSQL, a row on SQLite (one writer).
    async fn defer_courses(&mut self) -> Result<(), StoreError> {
        match &mut self.inner {
            Inner::Postgres(tx) => sqlx::query("SELECT set_config('taut.defer_courses', 'on', true)")
                .execute(&mut **tx)
                .await
                .map(drop)?,
            Inner::Sqlite(tx) => sqlx::query("INSERT INTO course_deferrals VALUES (1)")
                .execute(tx.conn())
                .await
                .map(drop)?,
        }
        Ok(())
    }

    /// Stops deferring and rebuilds, once, the stored courses of these patients and of the patients of these
    /// encounters.
    async fn refresh_courses(&mut self, patients: &[Uuid], encounters: &[Uuid]) -> Result<(), StoreError> {
        match &mut self.inner {
            Inner::Postgres(tx) => sqlx::query(
                "SELECT set_config('taut.defer_courses', '', true), refresh_patient_courses(array( \
                 SELECT unnest($1::uuid[]) UNION SELECT patient_id FROM encounters WHERE id = ANY ($2)))",
            )
            .bind(patients)
            .bind(encounters)
            .execute(&mut **tx)
            .await
            .map(drop)?,
            Inner::Sqlite(tx) => {
                let (patients, encounters) = (sqlite_id_list(patients), sqlite_id_list(encounters));
                let conn = tx.conn();
                sqlx::query("DELETE FROM course_deferrals").execute(&mut *conn).await?;
                sqlx::query(
                    "INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view WHERE patient_id IN ( \
                     SELECT unhex(value) FROM json_each($1) \
                     UNION SELECT patient_id FROM encounters WHERE id IN (SELECT unhex(value) FROM json_each($2)))",
                )
                .bind(patients)
                .bind(encounters)
                .execute(conn)
                .await
                .map(drop)?
            }
        }
        Ok(())
    }
}
