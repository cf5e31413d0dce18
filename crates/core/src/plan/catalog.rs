//! The drug catalog and the plan templates, compiled in from `catalog/*.toml` with their sources.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

const AGENTS: &str = include_str!("../../../../catalog/agents.toml");
const PROTOCOLS: &str = include_str!("../../../../catalog/protocols.toml");

/// Non-drug treatments a plan item may name instead of an agent.
pub const METHODS: &[&str] = &["dry-needling", "manual-pressure"];

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Toxin {
    pub id: String,
    pub brand: String,
    pub vial_units: Vec<u32>,
    /// Saline per 100 vial units; `None` with a ready-made solution or an unverified reconstitution.
    pub diluent_ml_per_100_units: Option<f64>,
    pub solution_units_per_ml: Option<f64>,
    pub hcpcs: String,
    pub billing_unit: u32,
    pub source: String,
    pub effective_date: String,
    pub confidence: String,
}

impl Toxin {
    /// Units per 0.1 mL at the catalog's dilution, when it is known.
    pub fn units_per_0_1_ml(&self) -> Option<f64> {
        match (self.solution_units_per_ml, self.diluent_ml_per_100_units) {
            (Some(per_ml), _) => Some(per_ml / 10.0),
            (None, Some(ml_per_100)) => Some(100.0 * 0.1 / ml_per_100),
            (None, None) => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Anesthetic {
    pub id: String,
    pub mg_per_kg: f64,
    pub max_mg: f64,
    pub concentrations_percent: Vec<f64>,
    pub source: String,
    pub effective_date: String,
    pub confidence: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SteroidCode {
    pub code: String,
    pub mg: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Steroid {
    pub id: String,
    pub mg_per_ml: f64,
    pub usual_mg: f64,
    pub hcpcs: Vec<SteroidCode>,
    pub source: String,
    pub effective_date: String,
    pub confidence: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// An agent id, or `*steroid` for every corticosteroid.
    pub agent: String,
    pub kind: String,
    pub value: f64,
    pub days: Option<u32>,
    /// For a per-muscle limit: the atlas muscle id.
    pub muscle: Option<String>,
    pub source: String,
    pub effective_date: String,
    pub confidence: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateItem {
    pub muscle: String,
    pub side: Option<String>,
    pub agent: String,
    pub dose: f64,
    pub unit: String,
    pub points: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeBySize {
    pub small: f64,
    pub medium: f64,
    pub large: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    pub id: String,
    pub name: String,
    pub description: String,
    pub source: String,
    #[serde(default)]
    pub items: Vec<TemplateItem>,
    /// For an anesthetic template scaled by muscle size.
    pub agent: Option<String>,
    pub concentration_percent: Option<f64>,
    pub volume_ml_by_size: Option<VolumeBySize>,
    #[serde(default)]
    pub muscles: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentFile {
    version: String,
    toxin: Vec<Toxin>,
    anesthetic: Vec<Anesthetic>,
    steroid: Vec<Steroid>,
    limit: Vec<Limit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProtocolFile {
    protocol: Vec<Protocol>,
}

/// The compiled-in catalog.
#[derive(Debug)]
pub struct Catalog {
    pub version: String,
    pub toxins: Vec<Toxin>,
    pub anesthetics: Vec<Anesthetic>,
    pub steroids: Vec<Steroid>,
    pub limits: Vec<Limit>,
    pub protocols: Vec<Protocol>,
}

/// What an agent id names.
#[derive(Debug, Clone, Copy)]
pub enum AgentRef<'a> {
    Toxin(&'a Toxin),
    Anesthetic(&'a Anesthetic),
    Steroid(&'a Steroid),
    Method(&'static str),
}

impl Catalog {
    /// The catalog compiled into this binary; its data are checked by the test suite.
    pub fn embedded() -> Result<&'static Catalog, &'static String> {
        static CATALOG: OnceLock<Result<Catalog, String>> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog::parse(AGENTS, PROTOCOLS)).as_ref()
    }

    pub fn parse(agents: &str, protocols: &str) -> Result<Catalog, String> {
        let agents: AgentFile = toml::from_str(agents).map_err(|e| format!("catalog/agents.toml: {e}"))?;
        let protocols: ProtocolFile = toml::from_str(protocols).map_err(|e| format!("catalog/protocols.toml: {e}"))?;
        Ok(Catalog {
            version: agents.version,
            toxins: agents.toxin,
            anesthetics: agents.anesthetic,
            steroids: agents.steroid,
            limits: agents.limit,
            protocols: protocols.protocol,
        })
    }

    /// Every agent and method id, for error messages.
    pub fn agent_ids(&self) -> Vec<&str> {
        self.toxins
            .iter()
            .map(|t| t.id.as_str())
            .chain(self.anesthetics.iter().map(|a| a.id.as_str()))
            .chain(self.steroids.iter().map(|s| s.id.as_str()))
            .chain(METHODS.iter().copied())
            .collect()
    }

    /// Finds an agent or method by id, ignoring case.
    pub fn agent(&self, id: &str) -> Option<AgentRef<'_>> {
        let id = id.trim();
        let same = |other: &str| other.eq_ignore_ascii_case(id);
        if let Some(t) = self.toxins.iter().find(|t| same(&t.id)) {
            return Some(AgentRef::Toxin(t));
        }
        if let Some(a) = self.anesthetics.iter().find(|a| same(&a.id)) {
            return Some(AgentRef::Anesthetic(a));
        }
        if let Some(s) = self.steroids.iter().find(|s| same(&s.id)) {
            return Some(AgentRef::Steroid(s));
        }
        METHODS.iter().copied().find(|m| same(m)).map(AgentRef::Method)
    }

    /// The limit of a kind for an agent (`*steroid` limits apply to every steroid).
    pub fn limit(&self, agent: &str, kind: &str) -> Option<&Limit> {
        let is_steroid = self.steroids.iter().any(|s| s.id == agent);
        self.limits
            .iter()
            .find(|l| l.kind == kind && (l.agent == agent || (is_steroid && l.agent == "*steroid")))
    }

    pub fn protocol(&self, id: &str) -> Option<&Protocol> {
        self.protocols.iter().find(|p| p.id == id)
    }
}
