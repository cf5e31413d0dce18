//! The readable chapter printed by `taut atlas show`.

use std::fmt::Write;

use taut_atlas::{Laterality, Muscle, Referral, TriggerPoint, Weight};

use super::serde_plain;

/// Renders a muscle as a chapter: identity, then each trigger point, then the sources.
pub fn chapter(muscle: &Muscle) -> String {
    let mut out = String::new();
    let pairing = if muscle.paired { "paired" } else { "midline" };
    let _ = writeln!(out, "{} ({})", muscle.name.to_uppercase(), muscle.id);
    let _ = writeln!(
        out,
        "Group: {}; size: {}; {pairing}",
        serde_plain(&muscle.group),
        serde_plain(&muscle.size_class)
    );
    if !muscle.aliases.is_empty() {
        let _ = writeln!(out, "Also called: {}", muscle.aliases.join(", "));
    }
    let _ = writeln!(out, "Innervation: {}", muscle.innervation);
    let _ = writeln!(out, "Action: {}", muscle.action);
    for (n, tp) in muscle.trigger_points.iter().enumerate() {
        out.push('\n');
        trigger_point(&mut out, n + 1, tp);
    }
    let _ = writeln!(out, "\nSources");
    for source in &muscle.sources {
        let _ = writeln!(out, "  - {}", source.describe());
    }
    out
}

fn trigger_point(out: &mut String, n: usize, tp: &TriggerPoint) {
    let _ = writeln!(out, "{n}. {} [{}]", tp.name, tp.id);
    let _ = writeln!(
        out,
        "   Location: {} (lies in {}; {} view at {:.2}, {:.2})",
        tp.location,
        tp.local_region,
        tp.position.view.as_str(),
        tp.position.x,
        tp.position.y
    );
    for (weight, label) in [
        (Weight::Essential, "Essential zone"),
        (Weight::Spillover, "Spillover zone"),
    ] {
        let zones: Vec<String> = tp.referral.iter().filter(|z| z.weight == weight).map(zone).collect();
        if !zones.is_empty() {
            let _ = writeln!(out, "   {label}: {}", zones.join(", "));
        }
    }
    if !tp.symptoms.is_empty() || tp.symptom_notes.is_some() {
        let tags: Vec<&str> = tp.symptoms.iter().map(|s| s.as_str()).collect();
        let notes = tp
            .symptom_notes
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let _ = writeln!(out, "   Symptoms: {}{notes}", tags.join(", "));
    }
    let _ = writeln!(out, "   Activated and perpetuated by: {}", tp.factors.join("; "));
    let _ = writeln!(
        out,
        "   Exam: {}; {} palpation. {}",
        tp.exam.position,
        serde_plain(&tp.exam.palpation),
        tp.exam.method
    );
    let _ = writeln!(
        out,
        "   Injection: {}. {}",
        tp.injection.position, tp.injection.approach
    );
    for hazard in &tp.injection.hazards {
        let _ = writeln!(out, "     Hazard ({}): {}", serde_plain(&hazard.kind), hazard.note);
    }
    let _ = writeln!(
        out,
        "   Self-care: pressure: {} Stretch: {}",
        tp.self_care.pressure, tp.self_care.stretch
    );
}

/// `temple`, `temple (contralateral)`, `vertex`.
fn zone(z: &Referral) -> String {
    match z.laterality {
        Some(Laterality::Ipsilateral) | None => z.region.to_string(),
        Some(other) => format!("{} ({})", z.region, serde_plain(&other)),
    }
}
