//! Building a plan from a protocol template.

use taut_atlas::{Atlas, SizeClass};

use super::catalog::Catalog;
use super::input::{Dose, ItemInput, PatientContext, PlanInput, PlanInputError};

/// The plan a template describes for a patient on a date. `muscles` (`trapezius:left`, …) replaces a
/// size-scaled template's default muscles.
pub fn from_template(
    catalog: &Catalog,
    atlas: &Atlas,
    name: &str,
    muscles: &[String],
    patient: PatientContext,
    date: String,
) -> Result<PlanInput, PlanInputError> {
    let protocol = catalog.protocol(name).ok_or_else(|| PlanInputError {
        field: "template".into(),
        message: format!(
            "unknown template '{name}'; valid templates: {}",
            catalog
                .protocols
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })?;
    let mut items: Vec<ItemInput> = protocol
        .items
        .iter()
        .map(|t| ItemInput {
            muscle: t.muscle.clone(),
            side: t.side.clone(),
            site: t.site.clone(),
            agent: t.agent.clone(),
            dose: Some(Dose {
                value: t.dose,
                unit: t.unit.clone(),
            }),
            volume_ml: None,
            concentration_percent: None,
            points: t.points,
            vial: None,
            vial_mg: None,
        })
        .collect();
    if let (Some(agent), Some(percent), Some(by_size)) = (
        &protocol.agent,
        protocol.concentration_percent,
        &protocol.volume_ml_by_size,
    ) {
        let chosen = if muscles.is_empty() { &protocol.muscles } else { muscles };
        for (i, written) in chosen.iter().enumerate() {
            let (id, side) = match written.split_once(':') {
                Some((id, side)) => (id, Some(side.to_owned())),
                None => (written.as_str(), None),
            };
            let muscle = atlas.muscle(id).map_err(|e| PlanInputError {
                field: format!("muscles[{i}]"),
                message: e.to_string(),
            })?;
            let volume = match muscle.size_class {
                SizeClass::Small => by_size.small,
                SizeClass::Medium => by_size.medium,
                SizeClass::Large => by_size.large,
            };
            items.push(ItemInput {
                muscle: muscle.id.clone(),
                side,
                site: None,
                agent: agent.clone(),
                dose: None,
                volume_ml: Some(volume),
                concentration_percent: Some(percent),
                points: Some(1),
                vial: None,
                vial_mg: None,
            });
        }
    } else if !muscles.is_empty() {
        return Err(PlanInputError {
            field: "muscles".into(),
            message: format!("template '{name}' has fixed muscles"),
        });
    }
    Ok(PlanInput {
        date,
        patient,
        reconstitution: Vec::new(),
        items,
    })
}
