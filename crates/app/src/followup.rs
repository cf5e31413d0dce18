//! Follow-up on the records: adverse events against a procedure (flagged overdue or serious by the core
//! logic), the checks a procedure schedules and the clinician's worklist, outcome summaries per patient and for
//! the clinic, and the patient's self-care sheet. Every number comes from the catalogs through
//! `taut_core::followup`; this module only reads and writes the records around it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use taut_core::followup::{
    self, AdverseEvent, ClinicReport, DueCheck, DueStatus, EventFlags, FollowupCatalog, FollowupError, Outcome,
    PatientSeries, PatientSummary, Procedure, SelfCareSheet, Severity, Site, TreatedPoint,
};
use taut_core::plan::Catalog;
use taut_core::records::format_utc;
use taut_store::{AdherenceRecord, AdverseEventRecord, FollowupRecord, OutcomeRecord, ProcedureRecord, Tx};
use time::{Date, OffsetDateTime, Time};

use crate::access::{Actor, Permission};
use crate::clock::Clock;
use crate::records::{edited_version, live_encounter, live_patient};
use crate::sessions::catalog;
use crate::{App, AppError, audit, audit_with, new_id};

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// Free-text limits, in characters.
const SHORT: usize = 200;
const LONG: usize = 2_000;
const ENTRIES: usize = 50;

pub(crate) fn rules() -> Result<&'static FollowupCatalog, AppError> {
    FollowupCatalog::embedded().map_err(|e| AppError::Reference(e.to_string()))
}

fn followup_error(e: FollowupError) -> AppError {
    match e {
        FollowupError::Invalid { field, message } => AppError::invalid(&field, message),
        FollowupError::UnknownEffect { .. } => AppError::invalid("effect", e.to_string()),
        FollowupError::UnknownSeverity { .. } => AppError::invalid("severity", e.to_string()),
        FollowupError::UnknownAgent { .. } => AppError::invalid("agent", e.to_string()),
        FollowupError::UnknownTriggerPoint { .. } => AppError::invalid("trigger_point", e.to_string()),
        FollowupError::Catalog(m) => AppError::Reference(m),
    }
}

/// Parses `YYYY-MM-DD`, naming the field.
pub fn parse_day(field: &str, text: &str) -> Result<Date, AppError> {
    Date::parse(text.trim(), DATE).map_err(|_| AppError::invalid(field, format!("{text:?} is not a date (YYYY-MM-DD)")))
}

fn day_text(day: Date) -> String {
    day.format(DATE).unwrap_or_default()
}

/// A patient's outcome summary with the self-care adherence reports beside it.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeSummary {
    #[serde(flatten)]
    pub summary: PatientSummary,
    /// Adherence reports, oldest first.
    pub adherence: Vec<AdherenceRecord>,
}

/// A patient's report of how much of the self-care programme they followed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdherenceInput {
    /// Days followed as a percentage of the days since the previous report, 0–100.
    pub percent_of_days: i64,
    /// `YYYY-MM-DD`; today when absent.
    pub recorded_on: Option<String>,
    pub procedure_id: Option<String>,
    pub notes: Option<String>,
}

/// A stored procedure as the follow-up logic reads it: its day, its agents and its sites.
pub(crate) fn as_core(p: &ProcedureRecord) -> Result<Procedure, AppError> {
    let date = parse_day("started_at", &p.started_at.chars().take(10).collect::<String>())?;
    let mut agents: Vec<String> = Vec::new();
    let mut sites: Vec<Site> = Vec::new();
    for s in &p.sites {
        if !agents.contains(&s.agent) {
            agents.push(s.agent.clone());
        }
        let site = Site {
            muscle: s.muscle.clone(),
            side: s.side.clone(),
        };
        if !sites.contains(&site) {
            sites.push(site);
        }
    }
    Ok(Procedure {
        id: p.id.clone(),
        date,
        agents,
        sites,
        protocol: None,
    })
}

/// Schedules the checks a just-recorded procedure calls for (inside the procedure's transaction).
pub(crate) async fn schedule_checks(
    clock: &Clock,
    tx: &mut Tx,
    drugs: &Catalog,
    procedure: &ProcedureRecord,
) -> Result<Vec<FollowupRecord>, AppError> {
    let core = as_core(procedure)?;
    let checks = followup::schedule(rules()?, drugs, &core).map_err(followup_error)?;
    let created_at = clock.text();
    let mut records = Vec::new();
    for c in checks {
        let record = FollowupRecord {
            id: new_id(),
            procedure_id: procedure.id.clone(),
            patient_id: procedure.patient_id.clone(),
            check_id: c.check,
            kind: kind_text(c.kind),
            name: c.name,
            purpose: c.purpose,
            due_from: day_text(c.due_from),
            due_by: day_text(c.due_by),
            sources: c.sources,
            confidence: c.confidence,
            clinician_id: procedure.performed_by.clone(),
            completed_encounter_id: None,
            completed_by: None,
            completed_at: None,
            created_at: created_at.clone(),
        };
        tx.insert_followup(&record).await?;
        records.push(record);
    }
    Ok(records)
}

fn kind_text(kind: followup::CheckKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// An adverse event as the clinician records or edits it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdverseEventInput {
    /// A side-effect id of the catalog (`taut catalog side-effects`).
    pub effect: String,
    #[serde(default)]
    pub site: Option<String>,
    /// `YYYY-MM-DD`.
    pub onset: String,
    /// `mild`, `moderate`, `severe` or `serious`.
    pub severity: String,
    #[serde(default)]
    pub actions: Vec<String>,
    /// `YYYY-MM-DD` when it resolved.
    #[serde(default)]
    pub resolved_on: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// The version an edit is based on (or `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

/// A stored adverse event with the flags the core computes as of today.
#[derive(Debug, Clone, Serialize)]
pub struct AdverseEventDetail {
    #[serde(flatten)]
    pub event: AdverseEventRecord,
    #[serde(flatten)]
    pub flags: EventFlags,
}

pub(crate) fn flags(event: &AdverseEventRecord, day: Date) -> Result<EventFlags, AppError> {
    let core = AdverseEvent {
        effect: event.effect.clone(),
        onset: parse_day("onset", &event.onset)?,
        severity: event.severity.parse().map_err(followup_error)?,
        resolved: event
            .resolved_on
            .as_deref()
            .map(|d| parse_day("resolved_on", d))
            .transpose()?,
    };
    followup::flag_event(rules()?, &core, day).map_err(followup_error)
}

fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > max => Err(AppError::invalid(field, format!("at most {max} characters"))),
        Some(v) => Ok(Some(v.to_owned())),
    }
}

/// An event's fields, validated and normalised (dates as `YYYY-MM-DD`).
struct EventFields {
    effect: String,
    site: Option<String>,
    onset: String,
    severity: String,
    actions: Vec<String>,
    resolved_on: Option<String>,
    notes: Option<String>,
}

/// Validates an event's fields against the catalog.
fn validate_event(input: &AdverseEventInput, today: Date) -> Result<EventFields, AppError> {
    let rules = rules()?;
    let effect = rules.effect(input.effect.trim()).map_err(followup_error)?.id.clone();
    let severity: Severity = input.severity.parse().map_err(followup_error)?;
    let onset = parse_day("onset", &input.onset)?;
    let resolved = input
        .resolved_on
        .as_deref()
        .map(|d| parse_day("resolved_on", d))
        .transpose()?;
    // The core refuses an onset after today and a resolution before the onset.
    followup::flag_event(
        rules,
        &AdverseEvent {
            effect: effect.clone(),
            onset,
            severity,
            resolved,
        },
        today,
    )
    .map_err(|e| match e {
        FollowupError::Invalid { field, message } if field == "resolved" => AppError::invalid("resolved_on", message),
        other => followup_error(other),
    })?;
    if input.actions.len() > ENTRIES {
        return Err(AppError::invalid("actions", format!("at most {ENTRIES} actions")));
    }
    let mut actions = Vec::new();
    for a in &input.actions {
        if let Some(a) = optional_text("actions", Some(a), LONG)? {
            actions.push(a);
        }
    }
    Ok(EventFields {
        effect,
        site: optional_text("site", input.site.as_deref(), SHORT)?,
        onset: day_text(onset),
        severity: severity.as_str().to_owned(),
        actions,
        resolved_on: resolved.map(day_text),
        notes: optional_text("notes", input.notes.as_deref(), LONG)?,
    })
}

/// One line of the worklist: the check, where it stands and whose patient it is.
#[derive(Debug, Clone, Serialize)]
pub struct WorkItem {
    pub status: DueStatus,
    #[serde(flatten)]
    pub followup: FollowupRecord,
}

/// The clinician's worklist as of a day: open checks (overdue, then due, then upcoming within the day) and the
/// open adverse events that are overdue or serious.
#[derive(Debug, Clone, Serialize)]
pub struct Worklist {
    pub due: String,
    pub items: Vec<WorkItem>,
    pub flagged_adverse_events: Vec<AdverseEventDetail>,
}

/// The self-care sheet of a procedure, and its text.
#[derive(Debug, Clone, Serialize)]
pub struct SelfCare {
    pub procedure_id: String,
    #[serde(flatten)]
    pub sheet: SelfCareSheet,
    pub text: String,
}

impl App {
    /// Records an adverse event against a procedure.
    pub async fn record_adverse_event(
        &self,
        actor: &Actor,
        procedure_id: &str,
        input: AdverseEventInput,
    ) -> Result<AdverseEventDetail, AppError> {
        self.require(actor, Permission::WriteOutcome).await?;
        let mut tx = self.store.begin().await?;
        let procedure = tx.procedure(procedure_id).await.map_err(AppError::store("procedure"))?;
        live_patient(&mut tx, &procedure.patient_id)
            .await
            .map_err(|_| AppError::NotFound(format!("procedure {procedure_id}")))?;
        let event = self.adverse_event_record(actor, &procedure, &input)?;
        tx.insert_adverse_event(&event).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "adverse_event.create",
            Some(&event.patient_id),
            "adverse_event",
            Some(&event.id),
        )
        .await?;
        tx.commit().await?;
        let flags = flags(&event, self.clock.today())?;
        Ok(AdverseEventDetail { event, flags })
    }

    /// A new adverse event's record against a procedure, validated against the catalog and the procedure's day.
    pub(crate) fn adverse_event_record(
        &self,
        actor: &Actor,
        procedure: &ProcedureRecord,
        input: &AdverseEventInput,
    ) -> Result<AdverseEventRecord, AppError> {
        let EventFields {
            effect,
            site,
            onset,
            severity,
            actions,
            resolved_on,
            notes,
        } = validate_event(input, self.clock.today())?;
        if onset.as_str() < &procedure.started_at[..10] {
            return Err(AppError::invalid(
                "onset",
                format!("{onset} is before the procedure ({})", &procedure.started_at[..10]),
            ));
        }
        let at = self.clock.text();
        let by = actor.author()?.to_owned();
        Ok(AdverseEventRecord {
            id: new_id(),
            procedure_id: procedure.id.clone(),
            patient_id: procedure.patient_id.clone(),
            effect,
            site,
            onset,
            severity,
            actions,
            resolved_on,
            notes,
            version: 1,
            created_by: by.clone(),
            created_at: at.clone(),
            updated_by: by,
            updated_at: at,
        })
    }

    /// Replaces an adverse event's fields, from the version the editor read (`If-Match` or `version`).
    pub async fn update_adverse_event(
        &self,
        actor: &Actor,
        id: &str,
        input: AdverseEventInput,
        if_match: Option<i64>,
    ) -> Result<AdverseEventDetail, AppError> {
        self.require(actor, Permission::WriteOutcome).await?;
        let version = edited_version(if_match, input.version, "edited")?;
        let EventFields {
            effect,
            site,
            onset,
            severity,
            actions,
            resolved_on,
            notes,
        } = validate_event(&input, self.clock.today())?;
        let mut tx = self.store.begin().await?;
        let current = tx.adverse_event(id).await.map_err(AppError::store("adverse event"))?;
        live_patient(&mut tx, &current.patient_id)
            .await
            .map_err(|_| AppError::NotFound(format!("adverse event {id}")))?;
        let next = AdverseEventRecord {
            effect,
            site,
            onset,
            severity,
            actions,
            resolved_on,
            notes,
            version: version + 1,
            updated_by: actor.author()?.to_owned(),
            updated_at: self.clock.text(),
            ..current
        };
        tx.update_adverse_event(&next)
            .await
            .map_err(AppError::store("adverse event"))?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "adverse_event.update",
            Some(&next.patient_id),
            "adverse_event",
            Some(id),
        )
        .await?;
        tx.commit().await?;
        let flags = flags(&next, self.clock.today())?;
        Ok(AdverseEventDetail { event: next, flags })
    }

    /// A procedure's adverse events with their flags as of today.
    pub async fn adverse_events(&self, actor: &Actor, procedure_id: &str) -> Result<Vec<AdverseEventDetail>, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let mut tx = self.store.begin().await?;
        let procedure = tx.procedure(procedure_id).await.map_err(AppError::store("procedure"))?;
        live_patient(&mut tx, &procedure.patient_id)
            .await
            .map_err(|_| AppError::NotFound(format!("procedure {procedure_id}")))?;
        let events = tx.procedure_adverse_events(procedure_id).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "adverse_event.list",
            Some(&procedure.patient_id),
            "procedure",
            Some(procedure_id),
        )
        .await?;
        tx.commit().await?;
        let day = self.clock.today();
        events
            .into_iter()
            .map(|event| {
                Ok(AdverseEventDetail {
                    flags: flags(&event, day)?,
                    event,
                })
            })
            .collect()
    }

    /// The worklist as of `due` (today when absent): the open checks starting by then, overdue first, then due,
    /// then upcoming; with `all` every clinician's, otherwise the actor's own. Open adverse events that are
    /// overdue or serious are listed beside them.
    pub async fn followups(&self, actor: &Actor, due: Option<Date>, all: bool) -> Result<Worklist, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let day = due.unwrap_or_else(|| self.clock.today());
        let clinician = if all { None } else { actor.user_id.as_deref() };
        let mut tx = self.store.begin().await?;
        let open = tx.open_followups(&day_text(day), clinician).await?;
        let events = tx.open_adverse_events().await?;
        let mut returned: Vec<&str> = open.iter().map(|f| f.patient_id.as_str()).collect();
        let mut flagged = Vec::new();
        let as_of = day_text(day);
        for event in &events {
            // An event that began after the day asked about is not on that day's list.
            if clinician.is_some_and(|c| c != event.created_by) || event.onset.as_str() > as_of.as_str() {
                continue;
            }
            let f = flags(event, day)?;
            if f.overdue || f.serious {
                flagged.push(AdverseEventDetail {
                    event: event.clone(),
                    flags: f,
                });
            }
        }
        returned.extend(flagged.iter().map(|e| e.event.patient_id.as_str()));
        returned.sort_unstable();
        returned.dedup();
        audit_with(
            &self.clock,
            &mut tx,
            Some(actor),
            "followup.list",
            None,
            "followup",
            None,
            Some(json!({ "returned": returned })),
        )
        .await?;
        tx.commit().await?;
        let checks: Vec<DueCheck> = open.iter().map(as_due_check).collect::<Result<_, _>>()?;
        let mut by_key: BTreeMap<(String, String), FollowupRecord> = open
            .into_iter()
            .map(|f| ((f.id.clone(), f.check_id.clone()), f))
            .collect();
        let items = followup::worklist(&checks, day)
            .into_iter()
            .filter_map(|w| {
                by_key
                    .remove(&(w.check.procedure_id.clone(), w.check.check.clone()))
                    .map(|followup| WorkItem {
                        status: w.status,
                        followup,
                    })
            })
            .collect();
        Ok(Worklist {
            due: day_text(day),
            items,
            flagged_adverse_events: flagged,
        })
    }

    /// Completes a follow-up by an encounter of the same patient.
    pub async fn complete_followup(
        &self,
        actor: &Actor,
        id: &str,
        encounter_id: &str,
    ) -> Result<FollowupRecord, AppError> {
        self.require(actor, Permission::WriteEncounter).await?;
        let mut tx = self.store.begin().await?;
        let followup = tx.followup(id).await.map_err(AppError::store("follow-up"))?;
        live_patient(&mut tx, &followup.patient_id)
            .await
            .map_err(|_| AppError::NotFound(format!("follow-up {id}")))?;
        let encounter = match live_encounter(&mut tx, encounter_id).await {
            Ok(e) => e,
            Err(AppError::NotFound(_)) => {
                return Err(AppError::invalid(
                    "encounter_id",
                    format!("no encounter {encounter_id}"),
                ));
            }
            Err(e) => return Err(e),
        };
        if encounter.patient_id != followup.patient_id {
            return Err(AppError::invalid(
                "encounter_id",
                "the encounter belongs to another patient",
            ));
        }
        let (by, at) = (actor.author()?.to_owned(), self.clock.text());
        tx.complete_followup(id, &encounter.id, &by, &at)
            .await
            .map_err(AppError::store("follow-up"))?;
        audit_with(
            &self.clock,
            &mut tx,
            Some(actor),
            "followup.complete",
            Some(&followup.patient_id),
            "followup",
            Some(id),
            Some(json!({ "encounter_id": encounter.id })),
        )
        .await?;
        tx.commit().await?;
        Ok(FollowupRecord {
            completed_encounter_id: Some(encounter.id),
            completed_by: Some(by),
            completed_at: Some(at),
            ..followup
        })
    }

    /// A patient's outcome summary as of today: NRS baseline and latest, change, responders (IMMPACT), pressure
    /// threshold change per trigger point, sessions in the last 12 months, weeks since the last injection per site.
    pub async fn outcome_summary(&self, actor: &Actor, patient_id: &str) -> Result<OutcomeSummary, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let mut tx = self.store.begin().await?;
        let patient = live_patient(&mut tx, patient_id).await?;
        let series = series(&mut tx, &patient.id).await?;
        let adherence = tx.adherence(&patient.id).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "outcome.summary",
            Some(&patient.id),
            "patient",
            Some(&patient.id),
        )
        .await?;
        tx.commit().await?;
        let summary = followup::summarise_patient(
            rules()?,
            catalog()?,
            &series.procedures,
            &series.outcomes,
            self.clock.today(),
        )
        .map_err(followup_error)?;
        Ok(OutcomeSummary { summary, adherence })
    }

    /// Records how much of the self-care programme the patient reports having followed (a share of the days since
    /// the last report), optionally against the procedure whose sheet it follows.
    pub async fn record_adherence(
        &self,
        actor: &Actor,
        patient_id: &str,
        input: AdherenceInput,
    ) -> Result<AdherenceRecord, AppError> {
        self.require(actor, Permission::WriteOutcome).await?;
        if !(0..=100).contains(&input.percent_of_days) {
            return Err(AppError::invalid("percent_of_days", "a whole number from 0 to 100"));
        }
        let recorded_on = match input.recorded_on.as_deref() {
            Some(text) => parse_day("recorded_on", text)?,
            None => self.clock.today(),
        };
        if recorded_on > self.clock.today() {
            return Err(AppError::invalid("recorded_on", "lies in the future"));
        }
        let notes = optional_text("notes", input.notes.as_deref(), 1_000)?;
        let mut tx = self.store.begin().await?;
        let patient = live_patient(&mut tx, patient_id).await?;
        if let Some(procedure_id) = &input.procedure_id {
            let procedure = tx
                .procedure(procedure_id)
                .await
                .map_err(|_| AppError::invalid("procedure_id", format!("no procedure {procedure_id}")))?;
            if procedure.patient_id != patient.id {
                return Err(AppError::invalid(
                    "procedure_id",
                    "the procedure belongs to another patient",
                ));
            }
        }
        let record = AdherenceRecord {
            id: new_id(),
            patient_id: patient.id.clone(),
            procedure_id: input.procedure_id,
            recorded_on: day_text(recorded_on),
            percent_of_days: input.percent_of_days,
            notes,
            created_at: self.clock.text(),
        };
        tx.insert_adherence(&record, actor.author()?).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "adherence.create",
            Some(&patient.id),
            "adherence",
            Some(&record.id),
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The clinic's responder rates over the patients treated between `from` and `to` (inclusive).
    pub async fn outcome_report(&self, actor: &Actor, from: Date, to: Date) -> Result<ClinicReport, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        if from > to {
            return Err(AppError::invalid("from", format!("{from} is after {to}")));
        }
        let start = format_utc(OffsetDateTime::new_utc(from, Time::MIDNIGHT));
        let end_day = to.next_day().unwrap_or(to);
        let end = format_utc(OffsetDateTime::new_utc(end_day, Time::MIDNIGHT));
        let mut tx = self.store.begin().await?;
        let ids = tx.patients_treated_between(&start, &end).await?;
        let mut patients = Vec::new();
        for id in &ids {
            if live_patient(&mut tx, id).await.is_ok() {
                patients.push(series(&mut tx, id).await?);
            }
        }
        let returned: Vec<&str> = patients.iter().map(|p| p.patient_id.as_str()).collect();
        audit_with(
            &self.clock,
            &mut tx,
            Some(actor),
            "outcome.report",
            None,
            "patient",
            None,
            Some(json!({ "returned": returned, "from": day_text(from), "to": day_text(to) })),
        )
        .await?;
        tx.commit().await?;
        followup::clinic_report(rules()?, catalog()?, &patients, from, to).map_err(followup_error)
    }

    /// The patient's self-care sheet for a procedure: its muscles' trigger points, its agents' side effects and
    /// warning signs, and the clinic's contact.
    pub async fn self_care(&self, actor: &Actor, procedure_id: &str, contact: &str) -> Result<SelfCare, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let mut tx = self.store.begin().await?;
        let procedure = tx.procedure(procedure_id).await.map_err(AppError::store("procedure"))?;
        live_patient(&mut tx, &procedure.patient_id)
            .await
            .map_err(|_| AppError::NotFound(format!("procedure {procedure_id}")))?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "selfcare.read",
            Some(&procedure.patient_id),
            "procedure",
            Some(procedure_id),
        )
        .await?;
        tx.commit().await?;
        let sheet = self_care_sheet(self.atlas, &procedure, contact)?;
        let text = sheet.text();
        Ok(SelfCare {
            procedure_id: procedure.id,
            sheet,
            text,
        })
    }
}

/// The self-care sheet a procedure's sites call for: every trigger point of each treated muscle, and its agents.
pub(crate) fn self_care_sheet(
    atlas: &taut_atlas::Atlas,
    procedure: &ProcedureRecord,
    contact: &str,
) -> Result<SelfCareSheet, AppError> {
    let core = as_core(procedure)?;
    let mut treated = Vec::new();
    for site in &core.sites {
        let muscle = atlas
            .muscle(&site.muscle)
            .map_err(|e| AppError::Reference(format!("stored muscle {}: {e}", site.muscle)))?;
        treated.extend(muscle.trigger_points.iter().map(|tp| TreatedPoint {
            trigger_point: tp.id.clone(),
            side: site.side.clone(),
        }));
    }
    followup::self_care_sheet(atlas, rules()?, catalog()?, &treated, &core.agents, contact).map_err(followup_error)
}

/// The catalog's name of a side effect (`None` for an id the catalog does not hold).
pub fn effect_name(effect: &str) -> Option<String> {
    rules().ok()?.effect(effect).ok().map(|e| e.name.clone())
}

pub(crate) fn as_due_check(f: &FollowupRecord) -> Result<DueCheck, AppError> {
    Ok(DueCheck {
        procedure_id: f.id.clone(),
        check: f.check_id.clone(),
        kind: serde_json::from_value(json!(f.kind)).map_err(|e| AppError::Reference(e.to_string()))?,
        name: f.name.clone(),
        purpose: f.purpose.clone(),
        due_from: parse_day("due_from", &f.due_from)?,
        due_by: parse_day("due_by", &f.due_by)?,
        sources: f.sources.clone(),
        confidence: f.confidence.clone(),
        completed_on: None,
    })
}

/// A patient's procedures and outcomes as the core reads them.
async fn series(tx: &mut Tx, patient_id: &str) -> Result<PatientSeries, AppError> {
    let mut procedures = Vec::new();
    for record in tx.patient_procedures(patient_id).await? {
        let mut procedure = as_core(&record)?;
        procedure.protocol = match &record.plan_id {
            Some(plan_id) => protocol(tx, plan_id).await?,
            None => None,
        };
        procedures.push(procedure);
    }
    let outcomes = tx.outcomes(patient_id).await?.iter().filter_map(as_outcome).collect();
    Ok(PatientSeries {
        patient_id: patient_id.to_owned(),
        procedures,
        outcomes,
    })
}

/// The protocol a procedure followed: the template its signed plan was built from, if any.
async fn protocol(tx: &mut Tx, plan_id: &str) -> Result<Option<String>, AppError> {
    let plan = tx.plan(plan_id).await?;
    Ok(plan.input["request"]["template"].as_str().map(str::to_owned))
}

/// An outcome record the follow-up logic can read; measures it does not know are left out.
fn as_outcome(o: &OutcomeRecord) -> Option<Outcome> {
    let measure = serde_json::from_value(json!(o.fields.measure)).ok()?;
    let recorded_at =
        OffsetDateTime::parse(&o.fields.recorded_at, &time::format_description::well_known::Rfc3339).ok()?;
    Some(Outcome {
        measure,
        value: o.fields.value,
        recorded_at,
        trigger_point: o.fields.name.clone(),
    })
}
