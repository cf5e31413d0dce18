//! Who may do what: roles, permissions and the clinic's policy on who may sign an injection.

use std::fmt;

use taut_core::vocab::Vocabulary;
use taut_store::UserRecord;

use crate::AppError;

pub use taut_core::vocab::{Profession, Role};

/// Reads a role (`clinician`); an unknown one is refused with the choices.
pub fn parse_role(text: &str) -> Result<Role, AppError> {
    Role::parse(text).map_err(|message| AppError::invalid("role", message))
}

/// Reads a profession (`physical-therapist`); an unknown one is refused with the choices.
pub fn parse_profession(text: &str) -> Result<&'static str, AppError> {
    Profession::parse(text)
        .map(Profession::id)
        .map_err(|message| AppError::invalid("profession", message))
}

/// An action that needs a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ReadClinical,
    WriteDemographics,
    WriteEncounter,
    WritePainDrawing,
    WriteOutcome,
    WriteFinding,
    DeletePatient,
    ReadAudit,
    ManageUsers,
    UseDifferential,
    /// Create, edit, sign and withdraw treatment plans.
    WritePlan,
    /// Record procedures (which ones also depends on the clinic's [`Policy`]).
    WriteProcedure,
    CheckPlan,
    /// Send patients check-in links and mark what they report reviewed.
    ManageCheckins,
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Permission::ReadClinical => "read clinical records",
            Permission::WriteDemographics => "write demographics",
            Permission::WriteEncounter => "record encounters",
            Permission::WritePainDrawing => "record pain drawings",
            Permission::WriteOutcome => "record outcome measures",
            Permission::WriteFinding => "record exam findings",
            Permission::DeletePatient => "delete patient records",
            Permission::ReadAudit => "read the audit log",
            Permission::ManageUsers => "manage users",
            Permission::UseDifferential => "run the differential",
            Permission::WritePlan => "write treatment plans",
            Permission::WriteProcedure => "record procedures",
            Permission::CheckPlan => "check treatment plans",
            Permission::ManageCheckins => "send check-in links and review patient reports",
        };
        f.write_str(text)
    }
}

impl Permission {
    /// Every permission (a test checks that none is missing).
    pub const ALL: [Permission; 14] = [
        Permission::ReadClinical,
        Permission::WriteDemographics,
        Permission::WriteEncounter,
        Permission::WritePainDrawing,
        Permission::WriteOutcome,
        Permission::WriteFinding,
        Permission::DeletePatient,
        Permission::ReadAudit,
        Permission::ManageUsers,
        Permission::UseDifferential,
        Permission::CheckPlan,
        Permission::WritePlan,
        Permission::WriteProcedure,
        Permission::ManageCheckins,
    ];
}

/// What each role may do: an explicit allow-list. A new permission is granted to nobody until it is listed here.
pub fn granted(role: Role) -> &'static [Permission] {
    use Permission as P;
    match role {
        Role::Clinician => &[
            P::ReadClinical,
            P::WriteDemographics,
            P::WriteEncounter,
            P::WritePainDrawing,
            P::WriteOutcome,
            P::WriteFinding,
            P::DeletePatient,
            P::UseDifferential,
            P::CheckPlan,
            P::WritePlan,
            P::WriteProcedure,
            P::ManageCheckins,
        ],
        Role::Assistant => &[
            P::ReadClinical,
            P::WriteDemographics,
            P::WriteEncounter,
            P::WritePainDrawing,
            P::WriteOutcome,
            P::UseDifferential,
            P::CheckPlan,
            P::ManageCheckins,
        ],
        Role::Auditor => &[P::ReadAudit],
        Role::Admin => &[P::ManageUsers],
    }
}

/// Whether `role` holds `permission` (see [`granted`]).
pub fn allows(role: Role, permission: Permission) -> bool {
    granted(role).contains(&permission)
}

/// The authenticated user behind a request or command.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<String>,
    pub name: String,
    pub role: Role,
    pub profession: String,
}

impl Actor {
    pub fn from_user(user: &UserRecord) -> Result<Actor, AppError> {
        Ok(Actor {
            user_id: Some(user.id.clone()),
            name: user.username.clone(),
            role: parse_role(&user.role)?,
            profession: user.profession.clone(),
        })
    }

    /// The local operator running an administrative command on the machine (`taut user add`, …): an admin.
    pub fn operator() -> Actor {
        Actor {
            user_id: None,
            name: "operator (command line)".into(),
            role: Role::Admin,
            profession: "other".into(),
        }
    }

    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if allows(self.role, permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "the {} role may not {permission}",
                self.role.as_str()
            )))
        }
    }

    /// The user id recorded as author of a change; the operator has none and may not author clinical data.
    pub fn author(&self) -> Result<&str, AppError> {
        self.user_id
            .as_deref()
            .ok_or_else(|| AppError::Forbidden("clinical data needs a named user".into()))
    }
}

/// Clinic policy: which professions may sign an injection procedure (any clinician may record manual therapy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub injection_professions: Vec<String>,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            injection_professions: vec![
                "physician".into(),
                "nurse-practitioner".into(),
                "physician-assistant".into(),
            ],
        }
    }
}

impl Policy {
    /// Parses a comma-separated list of professions (`physician,nurse-practitioner`).
    pub fn with_injection_professions(list: &str) -> Result<Policy, AppError> {
        let professions = list
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| parse_profession(p).map(str::to_owned))
            .collect::<Result<Vec<_>, _>>()?;
        if professions.is_empty() {
            return Err(AppError::invalid(
                "injection_professions",
                "name at least one profession",
            ));
        }
        Ok(Policy {
            injection_professions: professions,
        })
    }

    /// Whether the actor may sign an injection procedure: a clinician of an allowed profession.
    pub fn may_sign_injection(&self, actor: &Actor) -> bool {
        actor.role == Role::Clinician && self.injection_professions.contains(&actor.profession)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission as P;

    /// Every variant is in `Permission::ALL`: adding one without listing it fails to compile here.
    #[test]
    fn every_permission_is_listed() {
        for p in Permission::ALL {
            match p {
                P::ReadClinical
                | P::WriteDemographics
                | P::WriteEncounter
                | P::WritePainDrawing
                | P::WriteOutcome
                | P::WriteFinding
                | P::DeletePatient
                | P::ReadAudit
                | P::ManageUsers
                | P::UseDifferential
                | P::CheckPlan
                | P::WritePlan
                | P::WriteProcedure
                | P::ManageCheckins => {}
            }
        }
        let mut unique = Permission::ALL.to_vec();
        unique.dedup();
        assert_eq!(unique.len(), Permission::ALL.len());
    }

    #[test]
    fn auditors_read_the_audit_log_only() {
        assert_eq!(granted(Role::Auditor), [P::ReadAudit]);
    }

    #[test]
    fn admins_manage_users_only() {
        assert_eq!(granted(Role::Admin), [P::ManageUsers]);
    }

    #[test]
    fn assistants_do_not_record_findings_or_delete() {
        assert!(!allows(Role::Assistant, P::WriteFinding));
        assert!(!allows(Role::Assistant, P::DeletePatient));
        assert!(allows(Role::Assistant, P::WritePainDrawing) && allows(Role::Assistant, P::WriteOutcome));
    }

    #[test]
    fn clinicians_do_not_read_the_audit_log_or_manage_users() {
        assert!(allows(Role::Clinician, P::WriteFinding));
        assert!(!allows(Role::Clinician, P::ReadAudit) && !allows(Role::Clinician, P::ManageUsers));
    }

    #[test]
    fn only_allowed_professions_sign_injections() {
        let clinician = |profession: &str| Actor {
            user_id: Some("u".into()),
            name: "u".into(),
            role: Role::Clinician,
            profession: profession.into(),
        };
        let policy = Policy::default();
        assert!(policy.may_sign_injection(&clinician("physician")));
        assert!(policy.may_sign_injection(&clinician("nurse-practitioner")));
        assert!(!policy.may_sign_injection(&clinician("physical-therapist")));
        let widened = Policy::with_injection_professions("physician, physical-therapist").expect("valid");
        assert!(widened.may_sign_injection(&clinician("physical-therapist")));
        assert!(Policy::with_injection_professions("wizard").is_err());
    }
}
