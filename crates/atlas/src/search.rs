//! Free-text search over names, aliases, symptoms and referral regions.

use serde::Serialize;

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
    /// `name`, `alias`, `symptom`, `refers-to`, `lies-in`.
    pub field: &'static str,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_point: Option<String>,
}

impl Match {
    fn strength(&self) -> u8 {
        match self.field {
            "name" | "alias" => 4,
            "refers-to" if self.detail.ends_with("(essential)") => 3,
            "symptom" => 2,
            _ => 1,
        }
    }
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
        let mut hits: Vec<Hit<'_>> = self
            .muscles()
            .iter()
            .filter_map(|m| matches(m, &needle, &key, &regions))
            .collect();
        let best = |h: &Hit<'_>| h.matches.iter().map(Match::strength).max().unwrap_or(0);
        hits.sort_by_key(|h| std::cmp::Reverse(best(h)));
        hits
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
    if muscle.id.contains(key) || muscle.name.to_lowercase().contains(needle) {
        add("name", muscle.name.clone(), None);
    }
    for alias in muscle.aliases.iter().filter(|a| a.to_lowercase().contains(needle)) {
        add("alias", alias.clone(), None);
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
