//! Self-care adherence reports: what share of the days the patient followed the home programme.

use serde::Serialize;
use uuid::Uuid;

use crate::types::{Day, Stamp, id, opt_id};
use crate::{StoreError, Tx, on_tx};

/// One report of adherence to the self-care programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdherenceRecord {
    pub id: String,
    pub patient_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procedure_id: Option<String>,
    /// `YYYY-MM-DD`.
    pub recorded_on: String,
    /// Days the programme was followed, as a percentage of the days since the previous report.
    pub percent_of_days: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub created_at: String,
}

#[derive(sqlx::FromRow)]
struct AdherenceRow {
    id: Uuid,
    patient_id: Uuid,
    procedure_id: Option<Uuid>,
    recorded_on: Day,
    percent_of_days: i64,
    notes: Option<String>,
    created_at: Stamp,
}

impl Tx {
    pub async fn insert_adherence(&mut self, a: &AdherenceRecord, by: &str) -> Result<(), StoreError> {
        let (aid, pid, proc_id, by) = (
            id(&a.id)?,
            id(&a.patient_id)?,
            opt_id(a.procedure_id.as_deref())?,
            id(by)?,
        );
        let (day, created) = (Day(a.recorded_on.clone()), Stamp::from(&a.created_at));
        const SQL: &str = "INSERT INTO selfcare_adherence (id, patient_id, procedure_id, recorded_on, percent_of_days, \
                           notes, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(aid)
            .bind(pid)
            .bind(proc_id)
            .bind(&day)
            .bind(a.percent_of_days)
            .bind(&a.notes)
            .bind(by)
            .bind(&created)
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }

    /// A patient's adherence reports, oldest first.
    pub async fn adherence(&mut self, patient_id: &str) -> Result<Vec<AdherenceRecord>, StoreError> {
        let pid = id(patient_id)?;
        const SQL: &str = "SELECT id, patient_id, procedure_id, recorded_on, percent_of_days, notes, created_at \
                           FROM selfcare_adherence WHERE patient_id = $1 ORDER BY recorded_on, id";
        let rows: Vec<AdherenceRow> = on_tx!(self, conn => sqlx::query_as(SQL).bind(pid).fetch_all(conn).await)?;
        Ok(rows
            .into_iter()
            .map(|r| AdherenceRecord {
                id: r.id.to_string(),
                patient_id: r.patient_id.to_string(),
                procedure_id: r.procedure_id.map(|p| p.to_string()),
                recorded_on: r.recorded_on.0,
                percent_of_days: r.percent_of_days,
                notes: r.notes,
                created_at: r.created_at.0,
            })
            .collect())
    }
}
