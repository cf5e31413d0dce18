//! Free-text search over names, aliases, common clinical names, symptoms and referral regions, ranked by
//! relevance: exact names and aliases, then partial names, then clinical names ("tennis elbow"), then symptoms
//! and regions.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::Atlas;
use crate::load::normalise;
use crate::model::Muscle;
use crate::region::{REGIONS, RegionId};
use crate::vocab::Weight;

/// A muscle that matched, with every reason.
#[derive(Debug, Clone, Serialize)]
pub struct Hit<'a> {
    #[serde(rename = "muscle", serialize_with = "muscle_id")]
    pub muscle: &'a Muscle,
    pub name: &'a str,
    pub matches: Vec<Match>,
}

fn muscle_id<S: serde::Serializer>(muscle: &&Muscle, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&muscle.id)
}

/// Why a muscle matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    /// `exact` (the whole name or an alias), `name`, `alias` (part of one), `clinical-name` (a common clinical
    /// name the Manual links to the muscle), `symptom`, `refers-to`, `lies-in`.
    pub field: &'static str,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_point: Option<String>,
}

impl Match {
    fn strength(&self) -> u8 {
        match self.field {
            "exact" => 6,
            "name" | "alias" => 5,
            "clinical-name" => 4,
            "refers-to" if self.detail.ends_with("(essential)") => 3,
            "symptom" => 2,
            _ => 1,
        }
    }
}

/// Common clinical names and the muscles the Manual discusses for them (`atlas/search/clinical-names.toml`).
const CLINICAL_NAMES: &str = include_str!("../../../atlas/search/clinical-names.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClinicalName {
    pub term: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Muscle ids, most often implicated first.
    pub muscles: Vec<String>,
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClinicalNames {
    name: Vec<ClinicalName>,
}

/// The clinical names, parsed once; empty (and reported by the test suite) if the file were malformed.
pub(crate) fn clinical_names() -> &'static [ClinicalName] {
    static NAMES: OnceLock<Vec<ClinicalName>> = OnceLock::new();
    NAMES.get_or_init(|| toml::from_str::<ClinicalNames>(CLINICAL_NAMES).map_or_else(|_| Vec::new(), |f| f.name))
}

/// Parses the clinical-names file, for the test that checks it.
#[cfg(test)]
pub(crate) fn parse_clinical_names() -> Result<usize, String> {
    toml::from_str::<ClinicalNames>(CLINICAL_NAMES)
        .map(|f| f.name.len())
        .map_err(|e| e.to_string())
}

impl Atlas {
    /// Muscles matching `text` in their name, aliases, symptoms (tags and notes) or regions (referral zones and
    /// the region a trigger point lies in). Strongest matches first: names, then essential zones, then the rest.
    pub fn search(&self, text: &str) -> Vec<Hit<'_>> {
        let needle = text.trim().to_lowercase();
        if needle.is_empty() {
            return Vec::new();
        }
        let key = normalise(&needle);
        let regions: Vec<RegionId> = RegionId::all()
            .filter(|r| r.as_str() == key || REGIONS[r.index()].label.to_lowercase().contains(&needle))
            .collect();
        // Clinical names the text names (or is part of, from three letters): muscle id → (term, position).
        let clinical: Vec<(&ClinicalName, usize, &String)> = clinical_names()
            .iter()
            .filter(|c| {
                std::iter::once(&c.term)
                    .chain(&c.aliases)
                    .any(|t| *t == needle || (needle.len() >= 3 && t.contains(&needle)))
            })
            .flat_map(|c| c.muscles.iter().enumerate().map(move |(i, m)| (c, i, m)))
            .collect();
        let mut hits: Vec<(Hit<'_>, usize)> = self
            .muscles()
            .iter()
            .filter_map(|m| {
                let mut hit = matches(m, &needle, &key, &regions);
                let mut position = usize::MAX;
                for (name, i, _) in clinical.iter().filter(|(_, _, id)| **id == m.id) {
                    position = position.min(*i);
                    let found = Match {
                        field: "clinical-name",
                        detail: format!("{} (source: {})", name.term, name.source),
                        trigger_point: None,
                    };
                    match &mut hit {
                        Some(h) => h.matches.push(found),
                        None => {
                            hit = Some(Hit {
                                muscle: m,
                                name: &m.name,
                                matches: vec![found],
                            });
                        }
                    }
                }
                hit.map(|h| (h, position))
            })
            .collect();
        let best = |h: &Hit<'_>| h.matches.iter().map(Match::strength).max().unwrap_or(0);
        // Strongest match first; among clinical-name hits, the order the data gives; then atlas order.
        hits.sort_by_key(|(h, position)| (std::cmp::Reverse(best(h)), *position));
        hits.into_iter().map(|(h, _)| h).collect()
    }
}

fn matches<'a>(muscle: &'a Muscle, needle: &str, key: &str, regions: &[RegionId]) -> Option<Hit<'a>> {
    let mut found = Vec::new();
    let mut add = |field, detail: String, trigger_point: Option<&str>| {
        let m = Match {
            field,
            detail,
            trigger_point: trigger_point.map(str::to_owned),
        };
        if !found.contains(&m) {
            found.push(m);
        }
    };
    if muscle.id == key || normalise(&muscle.name) == key {
        add("exact", muscle.name.clone(), None);
    } else if muscle.id.contains(key) || muscle.name.to_lowercase().contains(needle) {
        add("name", muscle.name.clone(), None);
    }
    for alias in muscle.aliases.iter().filter(|a| a.to_lowercase().contains(needle)) {
        let field = if normalise(alias) == key { "exact" } else { "alias" };
        add(field, alias.clone(), None);
    }
    for tp in &muscle.trigger_points {
        for symptom in tp.symptoms.iter().filter(|s| s.as_str().contains(key)) {
            add("symptom", symptom.as_str().to_owned(), Some(&tp.id));
        }
        if tp
            .symptom_notes
            .as_ref()
            .is_some_and(|n| n.to_lowercase().contains(needle))
        {
            add("symptom", tp.symptom_notes.clone().unwrap_or_default(), Some(&tp.id));
        }
        for zone in tp.referral.iter().filter(|z| regions.contains(&z.region)) {
            let weight = if zone.weight == Weight::Essential {
                "essential"
            } else {
                "spillover"
            };
            add("refers-to", format!("{} ({weight})", zone.region), Some(&tp.id));
        }
        if regions.contains(&tp.local_region) {
            add("lies-in", tp.local_region.as_str().to_owned(), Some(&tp.id));
        }
    }
    (!found.is_empty()).then_some(Hit {
        muscle,
        name: &muscle.name,
        matches: found,
    })
}
