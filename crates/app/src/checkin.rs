//! Patient check-in links: a clinician sends a patient a private link that expires; the patient, without an
//! account, reports pain (NRS 0–10), side effects from the catalog's plain-language list, self-care adherence and
//! optionally a pain drawing. The answers land beside the record as patient-reported and flagged for review
//! until a clinician marks them reviewed.
//!
//! **One use.** A link takes one report and is then used up. A report is one point in time; a link left in a
//! phone's history, a shared inbox or a forwarded message then opens nothing, and the clinician sends a new link
//! for the next check-in. Until it is used, the link may be opened any number of times: to come back to it, and
//! because messaging apps fetch a link to preview it, so opening must not use it up.
//!
//! **Nothing revealed.** An unknown, altered, expired, used or revoked link, or one whose patient was deleted,
//! is refused with one error ([`AppError::NotFound`] of "check-in link") whatever the reason; the reason goes to
//! the audit trail only. The check-in form itself shows no name or other detail of the patient.
//!
//! **Tokens.** The link's token is 32 random bytes; the database keeps its SHA-256 only and finds a link by that
//! hash through a unique index, so the time a lookup takes depends on the hash, not on how much of a guessed
//! token is right. The form carries back a random key bound to the link (its CSRF token), compared in constant
//! time.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use taut_atlas::RegionRef;
use taut_core::followup::AgentClass;
use taut_core::records::format_utc;
use taut_store::{
    CheckinLinkRecord, CheckinReportRecord, NewAudit, NewCheckinLink, PatientRecord, ReportedMark, StoreError, Tx,
};

use crate::access::{Actor, Permission};
use crate::followup::rules;
use crate::records::live_patient;
use crate::sessions::catalog;
use crate::users::{random_token, token_hash};
use crate::{App, AppError, audit, audit_with, new_id};

/// How long a link lives unless the clinician chooses otherwise (the default).
pub const DEFAULT_DAYS: u32 = 7;
/// The longest a clinician may choose: a link is a credential, so its life is bounded.
pub const MAX_DAYS: u32 = 30;
/// What every token starts with, so that a leaked one is recognisable (and a malformed one refused early).
const PREFIX: &str = "tautci_";
/// The free-text note's limit, in characters.
const NOTE: usize = 1_000;
/// How many marks a drawing may hold: every region on both sides.
const MARKS: usize = 172;

/// The one thing any refused link says, whatever the reason.
pub const CLOSED: &str = "check-in link";

/// A new link: the token appears here once and is stored nowhere.
#[derive(Debug, Clone, Serialize)]
pub struct CheckinLink {
    pub id: String,
    pub patient_id: String,
    /// The secret part of the link; shown once.
    pub token: String,
    /// The path the patient opens: `/checkin/TOKEN` on the clinic's server.
    pub path: String,
    pub expires_at: String,
}

/// What the check-in form needs: nothing about the patient beyond which side effects to offer.
#[derive(Debug, Clone, Serialize)]
pub struct CheckinForm {
    /// Carried back by the form; a submission without it is refused.
    pub form_key: String,
    pub expires_at: String,
    /// Side-effect id and its plain-language description, in catalog order.
    pub side_effects: Vec<(String, String)>,
}

/// The patient's answers, as the form or a client sends them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckinAnswers {
    /// Pain now, 0 (none) to 10 (worst imaginable). Required.
    pub pain_nrs: Option<i64>,
    /// Side-effect ids from the offered list.
    #[serde(default)]
    pub side_effects: Vec<String>,
    /// Share of the days the home programme was done, 0–100.
    pub adherence_percent: Option<i64>,
    /// Marks as the body map writes them: `REGION[:SIDE]:INTENSITY` (`temple:right:7`).
    #[serde(default)]
    pub pain_drawing: Vec<String>,
    pub note: Option<String>,
}

/// A patient's links and reports, newest first, for the clinician.
#[derive(Debug, Clone, Serialize)]
pub struct PatientCheckins {
    pub links: Vec<CheckinLinkRecord>,
    pub reports: Vec<CheckinReportRecord>,
}

/// A report waiting for review, with whose it is.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewItem {
    #[serde(flatten)]
    pub report: CheckinReportRecord,
    pub patient_name: String,
    pub mrn: String,
}

/// The catalog's warning signs for the side effects a patient reported, shown to them after they send their
/// answers (the same lines as the self-care sheet): when to call the clinic, when to seek emergency care.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WarningSigns {
    pub call_when: Vec<String>,
    pub emergency_when: Vec<String>,
}

/// The warning signs of these side effects, each line once, in catalog order; unknown ids are skipped.
pub fn warning_signs(side_effects: &[String]) -> Result<WarningSigns, AppError> {
    let mut signs = WarningSigns::default();
    for effect in rules()?.effects.iter().filter(|e| side_effects.contains(&e.id)) {
        for line in &effect.call_when {
            if !signs.call_when.contains(line) {
                signs.call_when.push(line.clone());
            }
        }
        for line in &effect.emergency_when {
            if !signs.emergency_when.contains(line) {
                signs.emergency_when.push(line.clone());
            }
        }
    }
    Ok(signs)
}

/// Why a link was refused, for the audit trail: the link and its patient when the token named one.
struct Refused {
    link: Option<(String, String)>,
    reason: &'static str,
}

impl Refused {
    fn unknown() -> Refused {
        Refused {
            link: None,
            reason: "unknown or altered",
        }
    }
}

fn closed() -> AppError {
    AppError::NotFound(CLOSED.to_owned())
}

/// Whether two secrets are equal, in time that depends on their length only.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A token of the right shape: the prefix and 64 lowercase hex digits. Anything else names no link.
fn well_formed(token: &str) -> bool {
    token
        .strip_prefix(PREFIX)
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

/// Why a link is refused, for the audit trail only; `None` while it is open.
fn refusal(link: &CheckinLinkRecord, now: &str) -> Option<&'static str> {
    if link.revoked_at.is_some() {
        Some("revoked")
    } else if link.used_at.is_some() {
        Some("used")
    } else if link.expires_at.as_str() <= now {
        Some("expired")
    } else {
        None
    }
}

/// Validates the answers against the offered side effects; the note is optional free text.
fn validate(answers: &CheckinAnswers, offered: &[(String, String)]) -> Result<Validated, AppError> {
    let pain_nrs = answers
        .pain_nrs
        .ok_or_else(|| AppError::invalid("pain_nrs", "choose a number from 0 to 10"))?;
    if !(0..=10).contains(&pain_nrs) {
        return Err(AppError::invalid("pain_nrs", "a whole number from 0 to 10"));
    }
    let mut side_effects: Vec<String> = Vec::new();
    for given in &answers.side_effects {
        let Some((id, _)) = offered.iter().find(|(id, _)| id == given.trim()) else {
            return Err(AppError::invalid("side_effects", "choose from the list"));
        };
        if !side_effects.contains(id) {
            side_effects.push(id.clone());
        }
    }
    if let Some(percent) = answers.adherence_percent
        && !(0..=100).contains(&percent)
    {
        return Err(AppError::invalid("adherence_percent", "a whole number from 0 to 100"));
    }
    if answers.pain_drawing.len() > MARKS {
        return Err(AppError::invalid("pain_drawing", format!("at most {MARKS} marks")));
    }
    let mut pain_drawing: Vec<ReportedMark> = Vec::new();
    for mark in &answers.pain_drawing {
        let bad = || AppError::invalid("pain_drawing", "a mark is REGION:SIDE:INTENSITY, e.g. temple:right:7");
        let (region, intensity) = mark.rsplit_once(':').ok_or_else(bad)?;
        let intensity: i64 = intensity
            .parse()
            .ok()
            .filter(|i| (0..=10).contains(i))
            .ok_or_else(bad)?;
        let region: RegionRef = region
            .parse()
            .map_err(|e: taut_atlas::RegionError| AppError::invalid("pain_drawing", e.to_string()))?;
        let mark = ReportedMark {
            region: region.region.as_str().to_owned(),
            side: region.side.map(|s| s.as_str().to_owned()),
            intensity,
        };
        // The same region twice keeps the last intensity given.
        pain_drawing.retain(|m| (m.region.as_str(), m.side.as_deref()) != (mark.region.as_str(), mark.side.as_deref()));
        pain_drawing.push(mark);
    }
    let note = match answers.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        None => None,
        Some(n) if n.chars().count() > NOTE => {
            return Err(AppError::invalid("note", format!("at most {NOTE} characters")));
        }
        Some(n) if n.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') => {
            return Err(AppError::invalid("note", "contains control characters"));
        }
        Some(n) => Some(n.to_owned()),
    };
    Ok(Validated {
        pain_nrs,
        side_effects,
        adherence_percent: answers.adherence_percent,
        pain_drawing,
        note,
    })
}

struct Validated {
    pain_nrs: i64,
    side_effects: Vec<String>,
    adherence_percent: Option<i64>,
    pain_drawing: Vec<ReportedMark>,
    note: Option<String>,
}

/// Appends an audit event whose actor is the link (the patient holding it), not a user.
async fn audit_link(
    app: &App,
    tx: &mut Tx,
    link: &CheckinLinkRecord,
    action: &str,
    record_type: &str,
    record_id: &str,
) -> Result<(), AppError> {
    let actor = format!("patient via check-in link {}", link.id);
    tx.audit(NewAudit {
        id: &new_id(),
        at: &app.clock.text(),
        actor_id: None,
        actor: &actor,
        action,
        patient_id: Some(&link.patient_id),
        record_type,
        record_id: Some(record_id),
        details: None,
    })
    .await?;
    Ok(())
}

/// The side effects to offer a patient: those of the agents of their latest procedure, or the whole catalog
/// when there is none (or its agents name no class, as manual pressure does).
async fn offered_effects(tx: &mut Tx, patient_id: &str) -> Result<Vec<(String, String)>, AppError> {
    let rules = rules()?;
    let procedures = tx.patient_procedures(patient_id).await?;
    let mut classes: Vec<AgentClass> = Vec::new();
    if let Some(latest) = procedures.iter().max_by(|a, b| a.started_at.cmp(&b.started_at)) {
        for site in &latest.sites {
            if let Ok(found) = AgentClass::of_agent(catalog()?, &site.agent) {
                classes.extend(found);
            }
        }
    }
    let effects = if classes.is_empty() {
        rules.effects.iter().collect()
    } else {
        rules.effects_for(&classes)
    };
    Ok(effects.into_iter().map(|e| (e.id.clone(), e.plain.clone())).collect())
}

impl App {
    /// Creates a check-in link for a patient, valid for `days` (default [`DEFAULT_DAYS`], at most
    /// [`MAX_DAYS`]). The token is returned here once; only its hash is stored.
    pub async fn create_checkin_link(
        &self,
        actor: &Actor,
        patient_id: &str,
        days: Option<u32>,
    ) -> Result<CheckinLink, AppError> {
        self.require(actor, Permission::ManageCheckins).await?;
        let days = days.unwrap_or(DEFAULT_DAYS);
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(AppError::invalid(
                "days",
                format!("a whole number from 1 to {MAX_DAYS}"),
            ));
        }
        let by = actor.author()?.to_owned();
        let token = random_token(PREFIX)?;
        let form_key = random_token("")?;
        let id = new_id();
        let at = self.clock.text();
        let expires_at = format_utc(self.clock.now() + Duration::from_secs(u64::from(days) * 86_400));
        let mut tx = self.store.begin().await?;
        let patient = live_patient(&mut tx, patient_id).await?;
        tx.insert_checkin_link(NewCheckinLink {
            id: &id,
            patient_id: &patient.id,
            token_hash: &token_hash(&token),
            form_key: &form_key,
            created_by: &by,
            at: &at,
            expires_at: &expires_at,
        })
        .await?;
        audit_with(
            &self.clock,
            &mut tx,
            Some(actor),
            "checkin_link.create",
            Some(&patient.id),
            "checkin_link",
            Some(&id),
            Some(json!({ "days": days })),
        )
        .await?;
        tx.commit().await?;
        Ok(CheckinLink {
            id,
            patient_id: patient.id,
            path: format!("/checkin/{token}"),
            token,
            expires_at,
        })
    }

    /// Revokes a patient's unused link; revoking a used or revoked one is a conflict.
    pub async fn revoke_checkin_link(&self, actor: &Actor, link_id: &str) -> Result<(), AppError> {
        self.require(actor, Permission::ManageCheckins).await?;
        let by = actor.author()?.to_owned();
        let mut tx = self.store.begin().await?;
        let link = tx
            .checkin_link(link_id)
            .await
            .map_err(AppError::store("check-in link"))?;
        live_patient(&mut tx, &link.patient_id)
            .await
            .map_err(|_| AppError::NotFound("check-in link".into()))?;
        if !tx.revoke_checkin_link(&link.id, &by, &self.clock.text()).await? {
            return Err(AppError::Conflict("the link is used or revoked already".into()));
        }
        audit(
            &self.clock,
            &mut tx,
            actor,
            "checkin_link.revoke",
            Some(&link.patient_id),
            "checkin_link",
            Some(&link.id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The open link behind a token and the patient it belongs to, or why there is none (for the audit trail).
    async fn find_link(
        &self,
        tx: &mut Tx,
        token: &str,
    ) -> Result<Result<(CheckinLinkRecord, PatientRecord), Refused>, AppError> {
        if !well_formed(token) {
            return Ok(Err(Refused::unknown()));
        }
        let link = match tx.checkin_link_by_hash(&token_hash(token)).await {
            Ok(link) => link,
            Err(StoreError::NotFound) => return Ok(Err(Refused::unknown())),
            Err(other) => return Err(other.into()),
        };
        let reason = match refusal(&link, &self.clock.text()) {
            Some(reason) => reason,
            None => match live_patient(tx, &link.patient_id).await {
                Ok(patient) => return Ok(Ok((link, patient))),
                Err(AppError::NotFound(_)) => "patient deleted",
                Err(other) => return Err(other),
            },
        };
        Ok(Err(Refused {
            link: Some((link.id, link.patient_id)),
            reason,
        }))
    }

    /// Audits a refused link in a transaction of its own (call it after the request's transaction has ended:
    /// SQLite has one writer) and answers the one error every refused link gets.
    async fn refuse(&self, refused: Refused) -> AppError {
        let mut tx = match self.store.begin().await {
            Ok(tx) => tx,
            Err(e) => return e.into(),
        };
        let (link_id, patient_id) = refused
            .link
            .as_ref()
            .map_or((None, None), |(l, p)| (Some(l.as_str()), Some(p.as_str())));
        let written = audit_with(
            &self.clock,
            &mut tx,
            None,
            "checkin.refused",
            patient_id,
            "checkin_link",
            link_id,
            Some(json!({ "reason": refused.reason })),
        )
        .await;
        if let Err(e) = written {
            return e;
        }
        match tx.commit().await {
            Ok(()) => closed(),
            Err(e) => e.into(),
        }
    }

    /// Opens a check-in link for its form. Audited with the link as actor.
    pub async fn open_checkin(&self, token: &str) -> Result<CheckinForm, AppError> {
        let mut tx = self.store.begin().await?;
        let (link, patient) = match self.find_link(&mut tx, token).await? {
            Ok(found) => found,
            Err(refused) => {
                drop(tx);
                return Err(self.refuse(refused).await);
            }
        };
        let side_effects = offered_effects(&mut tx, &patient.id).await?;
        audit_link(self, &mut tx, &link, "checkin.open", "checkin_link", &link.id).await?;
        tx.commit().await?;
        Ok(CheckinForm {
            form_key: link.form_key,
            expires_at: link.expires_at,
            side_effects,
        })
    }

    /// Stores the patient's answers through an open link, in one transaction: the report (patient-reported,
    /// flagged for review), the link used up, and the audit event with the link as actor.
    pub async fn submit_checkin(
        &self,
        token: &str,
        form_key: &str,
        answers: &CheckinAnswers,
    ) -> Result<CheckinReportRecord, AppError> {
        let mut tx = self.store.begin().await?;
        let (link, patient) = match self.find_link(&mut tx, token).await? {
            Ok(found) => found,
            Err(refused) => {
                drop(tx);
                return Err(self.refuse(refused).await);
            }
        };
        if !same_secret(form_key, &link.form_key) {
            drop(tx);
            return Err(self
                .refuse(Refused {
                    link: Some((link.id, link.patient_id)),
                    reason: "a form without the link's key",
                })
                .await);
        }
        let offered = offered_effects(&mut tx, &patient.id).await?;
        let valid = validate(answers, &offered)?;
        let at = self.clock.text();
        if !tx.use_checkin_link(&link.id, &at).await? {
            drop(tx);
            return Err(closed());
        }
        let report = CheckinReportRecord {
            id: new_id(),
            link_id: link.id.clone(),
            patient_id: patient.id.clone(),
            source: "patient-reported".into(),
            submitted_at: at,
            pain_nrs: valid.pain_nrs,
            side_effects: valid.side_effects,
            adherence_percent: valid.adherence_percent,
            pain_drawing: valid.pain_drawing,
            note: valid.note,
            needs_review: true,
            reviewed_by: None,
            reviewed_at: None,
        };
        tx.insert_checkin_report(&report).await?;
        audit_link(self, &mut tx, &link, "checkin.submit", "checkin_report", &report.id).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// A patient's check-in links and reports, newest first (audited).
    pub async fn patient_checkins(&self, actor: &Actor, patient_id: &str) -> Result<PatientCheckins, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let mut tx = self.store.begin().await?;
        let patient = live_patient(&mut tx, patient_id).await?;
        let links = tx.patient_checkin_links(&patient.id).await?;
        let reports = tx.patient_checkin_reports(&patient.id).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "checkin.list",
            Some(&patient.id),
            "patient",
            Some(&patient.id),
        )
        .await?;
        tx.commit().await?;
        Ok(PatientCheckins { links, reports })
    }

    /// The reports waiting for review across the clinic, oldest first (at most 200; audited with the patients
    /// returned).
    pub async fn checkin_reviews(&self, actor: &Actor) -> Result<Vec<ReviewItem>, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let mut tx = self.store.begin().await?;
        let mut items = Vec::new();
        for report in tx.checkin_reports_to_review(200).await? {
            // A deleted patient's reports are not listed.
            if let Ok(patient) = live_patient(&mut tx, &report.patient_id).await {
                let d = &patient.demographics;
                items.push(ReviewItem {
                    patient_name: format!("{}, {}", d.family_name, d.given_name),
                    mrn: d.mrn.clone(),
                    report,
                });
            }
        }
        let mut returned: Vec<&str> = items.iter().map(|i| i.report.patient_id.as_str()).collect();
        returned.sort_unstable();
        returned.dedup();
        audit_with(
            &self.clock,
            &mut tx,
            Some(actor),
            "checkin.review_list",
            None,
            "checkin_report",
            None,
            Some(json!({ "returned": returned })),
        )
        .await?;
        tx.commit().await?;
        Ok(items)
    }

    /// Marks a patient-reported check-in reviewed; it stays patient-reported. Reviewing twice is a conflict.
    pub async fn review_checkin(&self, actor: &Actor, report_id: &str) -> Result<CheckinReportRecord, AppError> {
        self.require(actor, Permission::ManageCheckins).await?;
        let by = actor.author()?.to_owned();
        let mut tx = self.store.begin().await?;
        let report = tx
            .checkin_report(report_id)
            .await
            .map_err(AppError::store("check-in report"))?;
        live_patient(&mut tx, &report.patient_id)
            .await
            .map_err(|_| AppError::NotFound("check-in report".into()))?;
        let at = self.clock.text();
        if !tx.review_checkin_report(&report.id, &by, &at).await? {
            return Err(AppError::Conflict("the report is reviewed already".into()));
        }
        audit(
            &self.clock,
            &mut tx,
            actor,
            "checkin.review",
            Some(&report.patient_id),
            "checkin_report",
            Some(&report.id),
        )
        .await?;
        tx.commit().await?;
        Ok(CheckinReportRecord {
            needs_review: false,
            reviewed_by: Some(by),
            reviewed_at: Some(at),
            ..report
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered() -> Vec<(String, String)> {
        vec![("itching".into(), "The skin itches.".into())]
    }

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        assert!(well_formed(&format!("{PREFIX}{}", "a1".repeat(32))));
        assert!(!well_formed(&format!("{PREFIX}{}", "A1".repeat(32))), "upper case");
        assert!(!well_formed(&format!("{PREFIX}{}", "a1".repeat(31))), "short");
        assert!(
            !well_formed(&format!("tautweb_{}", "a1".repeat(32))),
            "another kind of token"
        );
        assert!(!well_formed(""));
    }

    #[test]
    fn warning_signs_come_from_the_catalog_for_the_reported_effects() {
        let signs = warning_signs(&["pneumothorax".into(), "post-injection-soreness".into()]).expect("catalog");
        assert!(
            signs.emergency_when.iter().any(|l| l.contains("chest pain")),
            "{signs:?}"
        );
        assert!(signs.call_when.iter().any(|l| l.contains("soreness")), "{signs:?}");
        assert_eq!(warning_signs(&[]).expect("catalog"), WarningSigns::default());
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }

    #[test]
    fn answers_are_checked_field_by_field() {
        let ok = CheckinAnswers {
            pain_nrs: Some(4),
            side_effects: vec!["itching".into(), "itching".into()],
            adherence_percent: Some(50),
            pain_drawing: vec!["temple:right:7".into(), "temple:right:5".into()],
            note: Some("  better  ".into()),
        };
        let v = validate(&ok, &offered()).expect("valid");
        assert_eq!(v.side_effects, ["itching"]);
        assert_eq!(v.pain_drawing.len(), 1, "one region once");
        assert_eq!(v.pain_drawing[0].intensity, 5, "the last intensity wins");
        assert_eq!(v.note.as_deref(), Some("better"));
        let cases: Vec<(CheckinAnswers, &str)> = vec![
            (
                CheckinAnswers {
                    pain_nrs: None,
                    ..ok.clone()
                },
                "pain_nrs",
            ),
            (
                CheckinAnswers {
                    pain_nrs: Some(11),
                    ..ok.clone()
                },
                "pain_nrs",
            ),
            (
                CheckinAnswers {
                    pain_nrs: Some(-1),
                    ..ok.clone()
                },
                "pain_nrs",
            ),
            (
                CheckinAnswers {
                    side_effects: vec!["pneumothorax".into()],
                    ..ok.clone()
                },
                "side_effects",
            ),
            (
                CheckinAnswers {
                    adherence_percent: Some(101),
                    ..ok.clone()
                },
                "adherence_percent",
            ),
            (
                CheckinAnswers {
                    pain_drawing: vec!["temple:right:11".into()],
                    ..ok.clone()
                },
                "pain_drawing",
            ),
            (
                CheckinAnswers {
                    pain_drawing: vec!["nowhere:3".into()],
                    ..ok.clone()
                },
                "pain_drawing",
            ),
            (
                CheckinAnswers {
                    note: Some("x".repeat(NOTE + 1)),
                    ..ok.clone()
                },
                "note",
            ),
            (
                CheckinAnswers {
                    note: Some("bell\u{7}".into()),
                    ..ok.clone()
                },
                "note",
            ),
        ];
        for (answers, field) in cases {
            match validate(&answers, &offered()) {
                Err(AppError::Invalid(invalid)) => assert_eq!(invalid.field, field),
                Err(other) => panic!("{field}: {other}"),
                Ok(_) => panic!("{field}: accepted"),
            }
        }
    }

    #[test]
    fn a_link_is_open_until_used_revoked_or_expired() {
        let link = CheckinLinkRecord {
            id: "l".into(),
            patient_id: "p".into(),
            form_key: "k".into(),
            created_by: "u".into(),
            created_at: "2026-12-01T10:00:00.000000Z".into(),
            expires_at: "2026-12-08T10:00:00.000000Z".into(),
            used_at: None,
            revoked_at: None,
        };
        assert_eq!(refusal(&link, "2026-12-08T09:59:59.000000Z"), None);
        assert_eq!(refusal(&link, "2026-12-08T10:00:00.000000Z"), Some("expired"));
        let used = CheckinLinkRecord {
            used_at: Some("2026-12-02T10:00:00.000000Z".into()),
            ..link.clone()
        };
        assert_eq!(refusal(&used, "2026-12-03T10:00:00.000000Z"), Some("used"));
        let revoked = CheckinLinkRecord {
            revoked_at: Some("2026-12-02T10:00:00.000000Z".into()),
            ..link
        };
        assert_eq!(refusal(&revoked, "2026-12-03T10:00:00.000000Z"), Some("revoked"));
    }
}
