//! Patient check-in links and what patients report through them. A link arrives here with its token already
//! hashed: the store never sees the token a patient holds.

use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

use crate::types::{Stamp, id};
use crate::{StoreError, Tx, on_tx};

/// A check-in link as stored (no token: only its hash is kept, and it is not returned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckinLinkRecord {
    pub id: String,
    pub patient_id: String,
    /// The key the check-in form carries back (its CSRF token); not a credential on its own.
    #[serde(skip)]
    pub form_key: String,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// One region of a patient's own pain drawing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedMark {
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<String>,
    pub intensity: i64,
}

/// What a patient reported through a link: always `patient-reported`, flagged for review until reviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckinReportRecord {
    pub id: String,
    pub link_id: String,
    pub patient_id: String,
    /// Always `patient-reported`.
    pub source: String,
    pub submitted_at: String,
    pub pain_nrs: i64,
    /// Side-effect ids of the catalog.
    pub side_effects: Vec<String>,
    pub adherence_percent: Option<i64>,
    pub pain_drawing: Vec<ReportedMark>,
    pub note: Option<String>,
    pub needs_review: bool,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
}

/// A new link to store.
#[derive(Debug, Clone, Copy)]
pub struct NewCheckinLink<'a> {
    pub id: &'a str,
    pub patient_id: &'a str,
    pub token_hash: &'a str,
    pub form_key: &'a str,
    pub created_by: &'a str,
    pub at: &'a str,
    pub expires_at: &'a str,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: Uuid,
    patient_id: Uuid,
    form_key: String,
    created_by: Uuid,
    created_at: Stamp,
    expires_at: Stamp,
    used_at: Option<Stamp>,
    revoked_at: Option<Stamp>,
}

impl From<LinkRow> for CheckinLinkRecord {
    fn from(r: LinkRow) -> CheckinLinkRecord {
        CheckinLinkRecord {
            id: r.id.to_string(),
            patient_id: r.patient_id.to_string(),
            form_key: r.form_key,
            created_by: r.created_by.to_string(),
            created_at: r.created_at.0,
            expires_at: r.expires_at.0,
            used_at: r.used_at.map(|s| s.0),
            revoked_at: r.revoked_at.map(|s| s.0),
        }
    }
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: Uuid,
    link_id: Uuid,
    patient_id: Uuid,
    source: String,
    submitted_at: Stamp,
    pain_nrs: i64,
    side_effects: Json<Vec<String>>,
    adherence_percent: Option<i64>,
    pain_drawing: Json<Vec<ReportedMark>>,
    note: Option<String>,
    needs_review: bool,
    reviewed_by: Option<Uuid>,
    reviewed_at: Option<Stamp>,
}

impl From<ReportRow> for CheckinReportRecord {
    fn from(r: ReportRow) -> CheckinReportRecord {
        CheckinReportRecord {
            id: r.id.to_string(),
            link_id: r.link_id.to_string(),
            patient_id: r.patient_id.to_string(),
            source: r.source,
            submitted_at: r.submitted_at.0,
            pain_nrs: r.pain_nrs,
            side_effects: r.side_effects.0,
            adherence_percent: r.adherence_percent,
            pain_drawing: r.pain_drawing.0,
            note: r.note,
            needs_review: r.needs_review,
            reviewed_by: r.reviewed_by.map(|u| u.to_string()),
            reviewed_at: r.reviewed_at.map(|s| s.0),
        }
    }
}

const LINK: &str = "SELECT id, patient_id, form_key, created_by, created_at, expires_at, used_at, revoked_at \
                    FROM checkin_links";
const REPORT: &str = "SELECT id, link_id, patient_id, source, submitted_at, pain_nrs, side_effects, \
                      adherence_percent, pain_drawing, note, needs_review, reviewed_by, reviewed_at \
                      FROM checkin_reports";

impl Tx {
    pub async fn insert_checkin_link(&mut self, link: NewCheckinLink<'_>) -> Result<(), StoreError> {
        let (lid, pid, by) = (id(link.id)?, id(link.patient_id)?, id(link.created_by)?);
        let (at, expires) = (Stamp::from(link.at), Stamp::from(link.expires_at));
        const SQL: &str = "INSERT INTO checkin_links (id, patient_id, token_hash, form_key, created_by, created_at, \
                           expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(lid)
            .bind(pid)
            .bind(link.token_hash)
            .bind(link.form_key)
            .bind(by)
            .bind(&at)
            .bind(&expires)
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }

    /// The link with this token hash, whatever its state; the caller decides whether it is still good.
    pub async fn checkin_link_by_hash(&mut self, token_hash: &str) -> Result<CheckinLinkRecord, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{LINK} WHERE token_hash = $1"));
        let row: Option<LinkRow> =
            on_tx!(self, conn => sqlx::query_as(sql).bind(token_hash).fetch_optional(conn).await)?;
        Ok(row.ok_or(StoreError::NotFound)?.into())
    }

    pub async fn checkin_link(&mut self, link_id: &str) -> Result<CheckinLinkRecord, StoreError> {
        let lid = id(link_id)?;
        let sql = sqlx::AssertSqlSafe(format!("{LINK} WHERE id = $1"));
        let row: Option<LinkRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(lid).fetch_optional(conn).await)?;
        Ok(row.ok_or(StoreError::NotFound)?.into())
    }

    /// A patient's links, newest first.
    pub async fn patient_checkin_links(&mut self, patient_id: &str) -> Result<Vec<CheckinLinkRecord>, StoreError> {
        let pid = id(patient_id)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "{LINK} WHERE patient_id = $1 ORDER BY created_at DESC, id DESC"
        ));
        let rows: Vec<LinkRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_all(conn).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Marks a link used if it is still open (unused, unrevoked, unexpired at `at`); false when it is not, so
    /// that two submissions racing on one link store one report.
    pub async fn use_checkin_link(&mut self, link_id: &str, at: &str) -> Result<bool, StoreError> {
        let (lid, at) = (id(link_id)?, Stamp::from(at));
        let rows = on_tx!(self, conn => sqlx::query(
            "UPDATE checkin_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL \
             AND expires_at > $1",
        )
        .bind(&at)
        .bind(lid)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(rows == 1)
    }

    /// Revokes an unused, unrevoked link; false when there was nothing to revoke.
    pub async fn revoke_checkin_link(&mut self, link_id: &str, by: &str, at: &str) -> Result<bool, StoreError> {
        let (lid, by, at) = (id(link_id)?, id(by)?, Stamp::from(at));
        let rows = on_tx!(self, conn => sqlx::query(
            "UPDATE checkin_links SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND used_at IS NULL \
             AND revoked_at IS NULL",
        )
        .bind(&at)
        .bind(by)
        .bind(lid)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(rows == 1)
    }

    pub async fn insert_checkin_report(&mut self, r: &CheckinReportRecord) -> Result<(), StoreError> {
        let (rid, lid, pid) = (id(&r.id)?, id(&r.link_id)?, id(&r.patient_id)?);
        let at = Stamp::from(&r.submitted_at);
        const SQL: &str = "INSERT INTO checkin_reports (id, link_id, patient_id, source, submitted_at, pain_nrs, \
                           side_effects, adherence_percent, pain_drawing, note, needs_review) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
        on_tx!(self, conn => sqlx::query(SQL)
            .bind(rid)
            .bind(lid)
            .bind(pid)
            .bind(&r.source)
            .bind(&at)
            .bind(r.pain_nrs)
            .bind(Json(&r.side_effects))
            .bind(r.adherence_percent)
            .bind(Json(&r.pain_drawing))
            .bind(&r.note)
            .bind(r.needs_review)
            .execute(conn)
            .await
            .map(drop))?;
        Ok(())
    }

    pub async fn checkin_report(&mut self, report_id: &str) -> Result<CheckinReportRecord, StoreError> {
        let rid = id(report_id)?;
        let sql = sqlx::AssertSqlSafe(format!("{REPORT} WHERE id = $1"));
        let row: Option<ReportRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(rid).fetch_optional(conn).await)?;
        Ok(row.ok_or(StoreError::NotFound)?.into())
    }

    /// A patient's reports, newest first.
    pub async fn patient_checkin_reports(&mut self, patient_id: &str) -> Result<Vec<CheckinReportRecord>, StoreError> {
        let pid = id(patient_id)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "{REPORT} WHERE patient_id = $1 ORDER BY submitted_at DESC, id DESC"
        ));
        let rows: Vec<ReportRow> = on_tx!(self, conn => sqlx::query_as(sql).bind(pid).fetch_all(conn).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Every report still flagged for review, oldest first (at most `limit`).
    pub async fn checkin_reports_to_review(&mut self, limit: i64) -> Result<Vec<CheckinReportRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{REPORT} WHERE needs_review = $1 ORDER BY submitted_at, id LIMIT $2"
        ));
        let rows: Vec<ReportRow> =
            on_tx!(self, conn => sqlx::query_as(sql).bind(true).bind(limit).fetch_all(conn).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Marks a report reviewed; false when it was reviewed already.
    pub async fn review_checkin_report(&mut self, report_id: &str, by: &str, at: &str) -> Result<bool, StoreError> {
        let (rid, by, at) = (id(report_id)?, id(by)?, Stamp::from(at));
        let rows = on_tx!(self, conn => sqlx::query(
            "UPDATE checkin_reports SET needs_review = $1, reviewed_by = $2, reviewed_at = $3 \
             WHERE id = $4 AND needs_review = $5",
        )
        .bind(false)
        .bind(by)
        .bind(&at)
        .bind(rid)
        .bind(true)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(rows == 1)
    }
}
