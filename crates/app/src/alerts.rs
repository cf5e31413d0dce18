//! What a patient's page warns about: the day each toxin may be given again, the follow-up checks still open and
//! the side effects not yet resolved. The dates and statuses come from the core rules (the plan check's
//! re-treatment interval, the follow-up worklist, the adverse-event flags); this module reads the records.

use taut_core::followup::{self, DueCheck};
use taut_core::plan::{RetreatmentDate, retreatment_dates};
use time::Date;

use crate::access::{Actor, Permission};
use crate::followup::{AdverseEventDetail, WorkItem, as_due_check, flags, parse_day};
use crate::records::live_patient;
use crate::sessions::catalog;
use crate::{App, AppError, audit};

/// A patient's alerts as of a day.
#[derive(Debug, Clone)]
pub struct PatientAlerts {
    pub today: Date,
    /// Toxins whose re-treatment interval has not yet passed: not to be given again before `not_before`.
    pub retreatment: Vec<RetreatmentDate>,
    /// Open follow-up checks, overdue first, then due, then upcoming.
    pub followups: Vec<WorkItem>,
    /// Side effects without a resolution date, by onset, with their flags (overdue, serious).
    pub open_adverse_events: Vec<AdverseEventDetail>,
}

impl App {
    /// The alerts of a patient's page as of today (one audited read).
    pub async fn patient_alerts(&self, actor: &Actor, patient_id: &str) -> Result<PatientAlerts, AppError> {
        self.require(actor, Permission::ReadClinical).await?;
        let mut tx = self.store.begin().await?;
        let patient = live_patient(&mut tx, patient_id).await?;
        let procedures = tx.patient_procedures(&patient.id).await?;
        let open = tx.patient_open_followups(&patient.id).await?;
        let events = tx.patient_open_adverse_events(&patient.id).await?;
        audit(
            &self.clock,
            &mut tx,
            actor,
            "alerts.read",
            Some(&patient.id),
            "patient",
            Some(&patient.id),
        )
        .await?;
        tx.commit().await?;
        let today = self.clock.today();
        let mut given: Vec<(Date, &str)> = Vec::new();
        for p in &procedures {
            let day = parse_day("started_at", &p.started_at.chars().take(10).collect::<String>())?;
            given.extend(p.sites.iter().map(|s| (day, s.agent.as_str())));
        }
        let retreatment = retreatment_dates(catalog()?, &given)
            .into_iter()
            .filter(|r| r.not_before > today)
            .collect();
        let checks: Vec<DueCheck> = open.iter().map(as_due_check).collect::<Result<_, _>>()?;
        let mut open = open;
        let followups = followup::worklist(&checks, today)
            .into_iter()
            .filter_map(|w| {
                let at = open.iter().position(|f| f.id == w.check.procedure_id)?;
                Some(WorkItem {
                    status: w.status,
                    followup: open.swap_remove(at),
                })
            })
            .collect();
        let open_adverse_events = events
            .into_iter()
            .map(|event| {
                Ok(AdverseEventDetail {
                    flags: flags(&event, today)?,
                    event,
                })
            })
            .collect::<Result<_, AppError>>()?;
        Ok(PatientAlerts {
            today,
            retreatment,
            followups,
            open_adverse_events,
        })
    }
}
