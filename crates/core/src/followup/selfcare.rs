//! The patient's self-care sheet: which trigger points to press and how long, which stretches, heat or ice,
//! what to expect, when to call and when to go to emergency care, and the clinic's contact. Plain language,
//! wrapped to 80 columns; the same content as a serialisable struct.

use std::fmt::Write;

use serde::{Deserialize, Serialize};
use taut_atlas::Atlas;

use super::{AgentClass, FollowupCatalog, FollowupError, HelpKind};
use crate::plan::Catalog;

const WIDTH: usize = 80;

/// A treated trigger point (atlas id) and its side, if the muscle is paired.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TreatedPoint {
    pub trigger_point: String,
    pub side: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CarePoint {
    pub trigger_point: String,
    pub muscle: String,
    pub side: Option<String>,
    pub press: String,
    pub stretch: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectNote {
    pub effect: String,
    pub name: String,
    pub plain: String,
    pub usually_lasts: Option<String>,
    pub helps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelfCareSheet {
    pub points: Vec<CarePoint>,
    pub press_how: String,
    pub stretch_how: String,
    pub heat_or_ice: Vec<String>,
    pub expect: Vec<EffectNote>,
    pub call_when: Vec<String>,
    pub emergency_when: Vec<String>,
    pub clinic_contact: String,
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_owned());
    }
}

/// Builds the sheet. Refuses an unknown trigger point or agent, an empty list of points and an empty contact.
pub fn self_care_sheet(
    atlas: &Atlas,
    rules: &FollowupCatalog,
    drugs: &Catalog,
    treated: &[TreatedPoint],
    agents: &[String],
    clinic_contact: &str,
) -> Result<SelfCareSheet, FollowupError> {
    if treated.is_empty() {
        return Err(FollowupError::Invalid {
            field: "trigger_points".into(),
            message: "name at least one treated trigger point".into(),
        });
    }
    if clinic_contact.trim().is_empty() {
        return Err(FollowupError::Invalid {
            field: "clinic_contact".into(),
            message: "give the clinic's phone number or contact for the patient".into(),
        });
    }
    let mut points = Vec::new();
    for t in treated {
        let (muscle, tp) =
            atlas
                .trigger_point(t.trigger_point.trim())
                .ok_or_else(|| FollowupError::UnknownTriggerPoint {
                    given: t.trigger_point.clone(),
                })?;
        points.push(CarePoint {
            trigger_point: tp.id.clone(),
            muscle: muscle.name.clone(),
            side: t.side.clone(),
            press: tp.self_care.pressure.clone(),
            stretch: tp.self_care.stretch.clone(),
        });
    }
    let mut classes: Vec<AgentClass> = Vec::new();
    for agent in agents {
        classes.extend(AgentClass::of_agent(drugs, agent)?);
    }

    let dose = &rules.self_care;
    let [p_lo, p_hi] = dose.pressure_hold_seconds;
    let press_how = format!(
        "Press each point firmly but bearably and hold for {p_lo} to {p_hi} seconds, until the tenderness eases. \
         Ask your clinician how many times a day."
    );
    let [s_lo, s_hi] = dose.stretch_hold_seconds;
    let [o_lo, o_hi] = dose.stretch_hold_seconds_older;
    let often = if dose.stretch_daily_best {
        format!(
            "Stretch every day if you can, and at least {} days a week.",
            dose.stretch_days_per_week
        )
    } else {
        format!("Stretch at least {} days a week.", dose.stretch_days_per_week)
    };
    let stretch_how = format!(
        "Stretch slowly until you feel tightness, never sharp pain, and hold for {s_lo} to {s_hi} seconds \
         ({o_lo} to {o_hi} seconds if you are older). {often}"
    );

    let mut heat_or_ice = Vec::new();
    if dose.heat_first {
        heat_or_ice.push("Warm the muscle with a heat pack before you stretch it.".to_owned());
    }
    let mut expect = Vec::new();
    let mut call_when = Vec::new();
    let mut emergency_when = Vec::new();
    for effect in rules.effects_for(&classes) {
        for help in &effect.helps {
            if matches!(help.kind, HelpKind::Heat | HelpKind::Ice) {
                push_unique(&mut heat_or_ice, &format!("{}: {}.", effect.name, help.text));
            }
        }
        if effect.resolution.is_some() {
            expect.push(EffectNote {
                effect: effect.id.clone(),
                name: effect.name.clone(),
                plain: effect.plain.clone(),
                usually_lasts: effect.resolution_text(),
                helps: effect.helps.iter().map(|h| h.text.clone()).collect(),
            });
        }
        for c in &effect.call_when {
            push_unique(&mut call_when, c);
        }
        for e in &effect.emergency_when {
            push_unique(&mut emergency_when, e);
        }
    }
    Ok(SelfCareSheet {
        points,
        press_how,
        stretch_how,
        heat_or_ice,
        expect,
        call_when,
        emergency_when,
        clinic_contact: clinic_contact.trim().to_owned(),
    })
}

fn para(out: &mut String, text: &str, indent: &str, first: &str) {
    let options = textwrap::Options::new(WIDTH)
        .initial_indent(first)
        .subsequent_indent(indent);
    for line in textwrap::wrap(text, options) {
        out.push_str(&line);
        out.push('\n');
    }
}

impl SelfCareSheet {
    /// The sheet as plain text, no line longer than 80 columns.
    pub fn text(&self) -> String {
        let mut out = String::new();
        out.push_str("YOUR SELF-CARE AFTER TREATMENT\n\n");
        out.push_str("Points to press and stretches\n");
        for p in &self.points {
            let side = p.side.as_deref().map(|s| format!(" ({s} side)")).unwrap_or_default();
            let _ = writeln!(out, "\n{}{side}", p.muscle);
            para(&mut out, &format!("Press: {}.", p.press), "    ", "  - ");
            para(&mut out, &format!("Stretch: {}.", p.stretch), "    ", "  - ");
        }
        out.push_str("\nHow long and how often\n");
        para(&mut out, &self.press_how, "    ", "  - ");
        para(&mut out, &self.stretch_how, "    ", "  - ");
        if !self.heat_or_ice.is_empty() {
            out.push_str("\nHeat or ice\n");
            for h in &self.heat_or_ice {
                para(&mut out, h, "    ", "  - ");
            }
        }
        if !self.expect.is_empty() {
            out.push_str("\nWhat to expect\n");
            for e in &self.expect {
                let lasts = e
                    .usually_lasts
                    .as_deref()
                    .map(|l| format!(" How long: {l}."))
                    .unwrap_or_default();
                para(&mut out, &format!("{}: {}{lasts}", e.name, e.plain), "    ", "  - ");
            }
        }
        if !self.call_when.is_empty() {
            out.push_str("\nCall the clinic if you have\n");
            for c in &self.call_when {
                para(&mut out, c, "    ", "  - ");
            }
        }
        if !self.emergency_when.is_empty() {
            out.push_str("\nGo to emergency care or call an ambulance at once for\n");
            for e in &self.emergency_when {
                para(&mut out, e, "    ", "  - ");
            }
        }
        out.push_str("\nYour clinic\n");
        para(&mut out, &self.clinic_contact, "  ", "  ");
        out
    }
}
