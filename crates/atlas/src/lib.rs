//! The trigger point atlas: the body-region vocabulary, and every muscle of the Trigger Point Manual with its
//! trigger points and referral zones.
//!
//! The data lives in `atlas/*.toml` at the workspace root and is compiled in; [`Atlas::embedded`] parses and
//! validates it once. Nothing here does I/O except [`Atlas::from_files`] for checking data on disk.

mod load;
mod model;
pub mod region;
mod search;
mod suggest;
pub mod vocab;

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

pub use load::{AtlasError, MANIFEST, Problem};
pub use model::{Exam, Hazard, Injection, Muscle, Position, Referral, SelfCare, SourceRef, TriggerPoint};
pub use region::{REGIONS, Region, RegionError, RegionId, RegionRef, Side, View};
pub use search::{Hit, Match};
pub use vocab::{HazardKind, Laterality, MuscleGroup, Palpation, SizeClass, Symptom, Weight};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/atlas_files.rs"));
}

/// The validated atlas.
#[derive(Debug)]
pub struct Atlas {
    version: String,
    bibliography: BTreeMap<String, String>,
    muscles: Vec<Muscle>,
    /// Normalised ids, names and aliases → indices in `muscles` (several for a shared group alias).
    names: HashMap<String, Vec<usize>>,
    /// Trigger point id → (muscle index, trigger point index).
    points: HashMap<String, (usize, usize)>,
}

/// A muscle name that did not name exactly one muscle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MuscleError {
    #[error("unknown muscle '{input}'{}; `taut atlas muscles` lists them all", region::did_you_mean(.suggestions))]
    Unknown { input: String, suggestions: Vec<String> },
    #[error("'{input}' names several muscles: {}; give one of them", .muscles.join(", "))]
    Ambiguous { input: String, muscles: Vec<String> },
}

impl Atlas {
    /// The atlas compiled into this binary, parsed and validated on first use.
    pub fn embedded() -> Result<&'static Atlas, &'static AtlasError> {
        static ATLAS: OnceLock<Result<Atlas, AtlasError>> = OnceLock::new();
        ATLAS.get_or_init(|| Atlas::from_files(embedded::FILES)).as_ref()
    }

    /// The embedded files, `(name, contents)`: the manifest and the body-part files.
    pub fn embedded_files() -> &'static [(&'static str, &'static str)] {
        embedded::FILES
    }

    /// Builds an atlas from files: `atlas.toml` (the manifest) and muscle files, in body order.
    pub fn from_files(files: &[(&str, &str)]) -> Result<Atlas, AtlasError> {
        let manifest = files
            .iter()
            .find(|(name, _)| *name == MANIFEST)
            .map(|(_, text)| *text)
            .ok_or_else(|| AtlasError {
                problems: vec![Problem {
                    file: MANIFEST.into(),
                    record: String::new(),
                    message: "the manifest is missing".into(),
                }],
            })?;
        let muscle_files: Vec<(&str, &str)> = files.iter().copied().filter(|(name, _)| *name != MANIFEST).collect();
        let loaded = load::load(manifest, &muscle_files)?;
        let mut names = HashMap::new();
        let mut points = HashMap::new();
        for (mi, muscle) in loaded.muscles.iter().enumerate() {
            for name in std::iter::once(&muscle.id).chain([&muscle.name]).chain(&muscle.aliases) {
                let entry: &mut Vec<usize> = names.entry(load::normalise(name)).or_default();
                if !entry.contains(&mi) {
                    entry.push(mi);
                }
            }
            for (ti, tp) in muscle.trigger_points.iter().enumerate() {
                points.insert(tp.id.clone(), (mi, ti));
            }
        }
        Ok(Atlas {
            version: loaded.version,
            bibliography: loaded.bibliography,
            muscles: loaded.muscles,
            names,
            points,
        })
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn bibliography(&self) -> &BTreeMap<String, String> {
        &self.bibliography
    }

    /// Every muscle, head to foot.
    pub fn muscles(&self) -> &[Muscle] {
        &self.muscles
    }

    /// Every trigger point with its muscle, head to foot.
    pub fn trigger_points(&self) -> impl Iterator<Item = (&Muscle, &TriggerPoint)> {
        self.muscles
            .iter()
            .flat_map(|m| m.trigger_points.iter().map(move |tp| (m, tp)))
    }

    /// Finds a muscle by id, name or alias, ignoring case, spaces and hyphens (`Peroneus Longus`).
    pub fn muscle(&self, query: &str) -> Result<&Muscle, MuscleError> {
        let key = load::normalise(query);
        match self.names.get(&key).map(Vec::as_slice) {
            Some([one]) => Ok(&self.muscles[*one]),
            Some(several) if !several.is_empty() => Err(MuscleError::Ambiguous {
                input: query.to_owned(),
                muscles: several.iter().map(|&i| self.muscles[i].id.clone()).collect(),
            }),
            _ => {
                let found = suggest::closest(&key, self.names.keys().map(String::as_str), 3);
                let mut suggestions: Vec<String> = Vec::new();
                for id in found
                    .iter()
                    .flat_map(|name| &self.names[*name])
                    .map(|&i| &self.muscles[i].id)
                {
                    if !suggestions.contains(id) {
                        suggestions.push(id.clone());
                    }
                }
                suggestions.truncate(3);
                Err(MuscleError::Unknown {
                    input: query.to_owned(),
                    suggestions,
                })
            }
        }
    }

    /// Finds a trigger point by its id, with its muscle.
    pub fn trigger_point(&self, id: &str) -> Option<(&Muscle, &TriggerPoint)> {
        self.points.get(id).map(|&(mi, ti)| {
            let muscle = &self.muscles[mi];
            (muscle, &muscle.trigger_points[ti])
        })
    }
}

#[cfg(test)]
mod tests;
