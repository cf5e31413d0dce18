//! Patients, with every version kept and soft deletion.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use taut_core::records::Demographics;

use crate::{StoreError, Tx};

/// A patient as stored: demographics, identity and version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientRecord {
    pub id: String,
    #[serde(flatten)]
    pub demographics: Demographics,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_reason: Option<String>,
}

/// One state of a patient record in its history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientVersion {
    pub version: i64,
    pub record: Demographics,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_reason: Option<String>,
    pub changed_by: String,
    pub changed_at: String,
}

const COLUMNS: &str = "id, mrn, given_name, family_name, birth_date, sex, weight_kg, allergies, conditions, \
                       medications, notes, version, created_at, updated_at, deleted_at, delete_reason";

fn list(row: &AnyRow, column: &str) -> Result<Vec<String>, StoreError> {
    Ok(serde_json::from_str(&row.try_get::<String, _>(column)?)?)
}

fn patient(row: &AnyRow) -> Result<PatientRecord, StoreError> {
    Ok(PatientRecord {
        id: row.try_get("id")?,
        demographics: Demographics {
            mrn: row.try_get("mrn")?,
            given_name: row.try_get("given_name")?,
            family_name: row.try_get("family_name")?,
            birth_date: row.try_get("birth_date")?,
            sex: row.try_get("sex")?,
            weight_kg: row.try_get("weight_kg")?,
            allergies: list(row, "allergies")?,
            conditions: list(row, "conditions")?,
            medications: list(row, "medications")?,
            notes: row.try_get("notes")?,
        },
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        deleted_at: row.try_get("deleted_at")?,
        delete_reason: row.try_get("delete_reason")?,
    })
}

/// What a search matches: MRN and names, lower-cased here so that both engines compare alike (SQLite's
/// `lower()` only folds ASCII).
fn search_key(d: &Demographics) -> String {
    format!("{} {} {} {}", d.mrn, d.given_name, d.family_name, d.given_name).to_lowercase()
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds the demographics as parameters $1-$11 (ten fields, then the search key), shared by insert and update.
fn bind_demographics<'q>(query: Query<'q>, d: &'q Demographics) -> Result<Query<'q>, StoreError> {
    Ok(query
        .bind(&d.mrn)
        .bind(&d.given_name)
        .bind(&d.family_name)
        .bind(&d.birth_date)
        .bind(&d.sex)
        .bind(d.weight_kg)
        .bind(serde_json::to_string(&d.allergies)?)
        .bind(serde_json::to_string(&d.conditions)?)
        .bind(serde_json::to_string(&d.medications)?)
        .bind(&d.notes)
        .bind(search_key(d)))
}

fn mrn_taken(e: StoreError, mrn: &str) -> StoreError {
    match e {
        StoreError::Conflict(_) => StoreError::Conflict(format!("a patient with MRN '{mrn}' exists already")),
        other => other,
    }
}

impl Tx {
    pub async fn insert_patient(&mut self, p: &PatientRecord, by: &str) -> Result<(), StoreError> {
        let d = &p.demographics;
        let query = sqlx::query(
            "INSERT INTO patients (mrn, given_name, family_name, birth_date, sex, weight_kg, allergies, conditions, \
             medications, notes, search_key, id, version, created_at, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        );
        bind_demographics(query, d)?
            .bind(&p.id)
            .bind(p.version)
            .bind(&p.created_at)
            .bind(&p.updated_at)
            .bind(by)
            .execute(&mut *self.inner)
            .await
            .map_err(|e| mrn_taken(e.into(), &d.mrn))?;
        self.keep_version(p, by).await
    }

    /// Appends the record's current state to its history.
    async fn keep_version(&mut self, p: &PatientRecord, by: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO patient_versions (patient_id, version, record, deleted_at, delete_reason, changed_by, \
             changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&p.id)
        .bind(p.version)
        .bind(serde_json::to_string(&p.demographics)?)
        .bind(&p.deleted_at)
        .bind(&p.delete_reason)
        .bind(by)
        .bind(&p.updated_at)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }

    /// A patient, deleted or not.
    pub async fn patient(&mut self, id: &str) -> Result<PatientRecord, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM patients WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.inner)
        .await?
        .ok_or(StoreError::NotFound)?;
        patient(&row)
    }

    /// Patients not deleted whose name or MRN contains `q` (any case), by family then given name.
    pub async fn search_patients(
        &mut self,
        q: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<PatientRecord>, StoreError> {
        let pattern = format!(
            "%{}%",
            q.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM patients WHERE deleted_at IS NULL AND search_key LIKE $1 ESCAPE '\\' \
             ORDER BY lower(family_name), lower(given_name), id LIMIT $2 OFFSET $3"
        )))
        .bind(pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *self.inner)
        .await?;
        rows.iter().map(patient).collect()
    }

    /// Replaces the demographics if the stored version is still `expected_version`; keeps the new state in the
    /// history. A stale version is a conflict, never a silent overwrite.
    pub async fn update_patient(
        &mut self,
        id: &str,
        expected_version: i64,
        demographics: &Demographics,
        by: &str,
        at: &str,
    ) -> Result<PatientRecord, StoreError> {
        let d = demographics;
        let query = sqlx::query(
            "UPDATE patients SET mrn = $1, given_name = $2, family_name = $3, birth_date = $4, sex = $5, \
             weight_kg = $6, allergies = $7, conditions = $8, medications = $9, notes = $10, search_key = $11, \
             version = version + 1, updated_at = $12, updated_by = $13 WHERE id = $14 AND version = $15 \
             AND deleted_at IS NULL",
        );
        let done = bind_demographics(query, d)?
            .bind(at)
            .bind(by)
            .bind(id)
            .bind(expected_version)
            .execute(&mut *self.inner)
            .await
            .map_err(|e| mrn_taken(e.into(), &d.mrn))?;
        self.after_versioned_write(id, expected_version, done.rows_affected(), by)
            .await
    }

    /// Marks a patient deleted with a reason; the record and its history stay.
    pub async fn delete_patient(
        &mut self,
        id: &str,
        expected_version: i64,
        reason: &str,
        by: &str,
        at: &str,
    ) -> Result<PatientRecord, StoreError> {
        let done = sqlx::query(
            "UPDATE patients SET deleted_at = $1, delete_reason = $2, version = version + 1, updated_at = $1, \
             updated_by = $3 WHERE id = $4 AND version = $5 AND deleted_at IS NULL",
        )
        .bind(at)
        .bind(reason)
        .bind(by)
        .bind(id)
        .bind(expected_version)
        .execute(&mut *self.inner)
        .await?;
        self.after_versioned_write(id, expected_version, done.rows_affected(), by)
            .await
    }

    async fn after_versioned_write(
        &mut self,
        id: &str,
        expected_version: i64,
        rows: u64,
        by: &str,
    ) -> Result<PatientRecord, StoreError> {
        let current = self.patient(id).await?;
        if rows == 0 {
            return Err(if current.deleted_at.is_some() {
                StoreError::NotFound
            } else {
                StoreError::Conflict(format!(
                    "the patient was changed meanwhile: you edited version {expected_version}, the current version is {}",
                    current.version
                ))
            });
        }
        self.keep_version(&current, by).await?;
        Ok(current)
    }

    /// Every state the patient record has had, oldest first.
    pub async fn patient_versions(&mut self, id: &str) -> Result<Vec<PatientVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, record, deleted_at, delete_reason, changed_by, changed_at FROM patient_versions \
             WHERE patient_id = $1 ORDER BY version",
        )
        .bind(id)
        .fetch_all(&mut *self.inner)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PatientVersion {
                    version: row.try_get("version")?,
                    record: serde_json::from_str(&row.try_get::<String, _>("record")?)?,
                    deleted_at: row.try_get("deleted_at")?,
                    delete_reason: row.try_get("delete_reason")?,
                    changed_by: row.try_get("changed_by")?,
                    changed_at: row.try_get("changed_at")?,
                })
            })
            .collect()
    }
}
