//! The one side rule for records made on a muscle (an exam finding, a plan item, a finding given to the
//! differential): a paired muscle takes `left` or `right`, a midline muscle takes none. Regions follow their own
//! rule (a sided region may also be `both`), kept with the region vocabulary in `taut-atlas`.

use taut_atlas::Muscle;

use crate::differential::BodySide;

/// Why a written side does not fit a muscle; the message names the valid choices.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SideError {
    #[error("unknown side '{0}'; valid sides: {choices}", choices = BodySide::choices())]
    Unknown(String),
    #[error("{0} is paired: give left or right")]
    Needed(String),
    #[error("{0} is a midline muscle and takes no side")]
    NotTaken(String),
}

/// The side a record on `muscle` takes, read from what was written (`left`, `Right`; nothing for a midline
/// muscle).
pub fn muscle_side(muscle: &Muscle, written: Option<&str>) -> Result<Option<BodySide>, SideError> {
    let written = written.map(str::trim).filter(|s| !s.is_empty());
    match (muscle.paired, written) {
        (true, Some(text)) => text
            .parse::<BodySide>()
            .map(Some)
            .map_err(|_| SideError::Unknown(text.to_owned())),
        (true, None) => Err(SideError::Needed(muscle.id.clone())),
        (false, None) => Ok(None),
        (false, Some(_)) => Err(SideError::NotTaken(muscle.id.clone())),
    }
}

#[cfg(test)]
mod tests {
    use taut_atlas::Atlas;

    use super::*;

    fn muscle(id: &str) -> &'static Muscle {
        Atlas::embedded().expect("atlas").muscle(id).expect("muscle")
    }

    #[test]
    fn a_paired_muscle_takes_left_or_right_in_any_case() {
        assert_eq!(muscle_side(muscle("trapezius"), Some("Left")), Ok(Some(BodySide::Left)));
        assert_eq!(
            muscle_side(muscle("trapezius"), Some(" right ")),
            Ok(Some(BodySide::Right))
        );
    }

    #[test]
    fn a_paired_muscle_refuses_no_side_and_both() {
        assert_eq!(
            muscle_side(muscle("trapezius"), None),
            Err(SideError::Needed("trapezius".into()))
        );
        let both = muscle_side(muscle("trapezius"), Some("both")).expect_err("both");
        assert_eq!(both.to_string(), "unknown side 'both'; valid sides: left, right");
    }

    #[test]
    fn a_midline_muscle_takes_no_side() {
        let midline = Atlas::embedded()
            .expect("atlas")
            .muscles()
            .iter()
            .find(|m| !m.paired)
            .expect("a midline muscle");
        assert_eq!(muscle_side(midline, None), Ok(None));
        assert_eq!(
            muscle_side(midline, Some("left")),
            Err(SideError::NotTaken(midline.id.clone()))
        );
    }
}
