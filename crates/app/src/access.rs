//! Who may do what: roles, permissions and the clinic's policy on who may sign an injection.

use std::fmt;

use serde::Serialize;
use taut_store::UserRecord;

use crate::AppError;

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Manages users; no access to clinical data.
    Admin,
    /// Reads and writes clinical data.
    Clinician,
    /// Writes demographics, pain drawings and outcome measures; not findings, plans or procedures.
    Assistant,
    /// Reads the audit log only.
    Auditor,
}

impl Role {
    pub const CHOICES: &'static str = "admin, clinician, assistant, auditor";

    pub fn parse(text: &str) -> Result<Role, AppError> {
        match text {
            "admin" => Ok(Role::Admin),
            "clinician" => Ok(Role::Clinician),
            "assistant" => Ok(Role::Assistant),
            "auditor" => Ok(Role::Auditor),
            other => Err(AppError::invalid(
                "role",
                format!("unknown role '{other}'; valid: {}", Role::CHOICES),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Clinician => "clinician",
            Role::Assistant => "assistant",
            Role::Auditor => "auditor",
        }
    }
}

/// What a user is trained as; decides who may sign an injection.
pub const PROFESSIONS: &[&str] = &[
    "physician",
    "nurse-practitioner",
    "physician-assistant",
    "physical-therapist",
    "massage-therapist",
    "other",
];

pub fn parse_profession(text: &str) -> Result<&'static str, AppError> {
    PROFESSIONS.iter().copied().find(|p| *p == text).ok_or_else(|| {
        AppError::invalid(
            "profession",
            format!("unknown profession '{text}'; valid: {}", PROFESSIONS.join(", ")),
        )
    })
}

/// An action that needs a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    CheckPlan,
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
            Permission::CheckPlan => "check treatment plans",
        };
        f.write_str(text)
    }
}

impl Role {
    pub fn allows(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Role::Clinician => !matches!(permission, P::ReadAudit | P::ManageUsers),
            Role::Assistant => matches!(
                permission,
                P::ReadClinical
                    | P::WriteDemographics
                    | P::WriteEncounter
                    | P::WritePainDrawing
                    | P::WriteOutcome
                    | P::UseDifferential
                    | P::CheckPlan
            ),
            Role::Auditor => permission == P::ReadAudit,
            Role::Admin => permission == P::ManageUsers,
        }
    }
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
            role: Role::parse(&user.role)?,
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
        if self.role.allows(permission) {
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

    #[test]
    fn roles_grant_what_the_issue_describes() {
        let all = [
            P::ReadClinical,
            P::WriteDemographics,
            P::WriteEncounter,
            P::WritePainDrawing,
            P::WriteOutcome,
            P::WriteFinding,
            P::DeletePatient,
            P::ReadAudit,
            P::ManageUsers,
            P::UseDifferential,
        ];
        let granted = |role: Role| all.iter().copied().filter(|p| role.allows(*p)).collect::<Vec<_>>();
        assert_eq!(granted(Role::Auditor), [P::ReadAudit]);
        assert_eq!(granted(Role::Admin), [P::ManageUsers]);
        assert!(!Role::Assistant.allows(P::WriteFinding));
        assert!(Role::Assistant.allows(P::WritePainDrawing) && Role::Assistant.allows(P::WriteOutcome));
        assert!(Role::Clinician.allows(P::WriteFinding) && !Role::Clinician.allows(P::ReadAudit));
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
