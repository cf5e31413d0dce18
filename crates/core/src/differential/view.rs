//! The differential's JSON contract, shared by the CLI and the API:
//! `{"red_flags": [{"code", "message", "action", "source"}], "candidates": [{"rank", "muscle", "muscle_name",
//! "trigger_point", "side", "fit", "coverage", "explains", "missing", …}], "combinations": [{"trigger_points",
//! "coverage"}], "unexplained": [...]}`. `fit` is the fit to the atlas pattern, not a probability; `coverage` has
//! one meaning for candidates and combinations.

use serde::{Serialize, Serializer};
use taut_atlas::{Palpation, Symptom};

use super::drawing::{BodySide, FindingStatus, Spot};
use super::rank::{Candidate, Differential, Explained};

#[derive(Serialize)]
struct CandidateView<'a> {
    rank: usize,
    muscle: &'a str,
    muscle_name: &'a str,
    trigger_point: &'a str,
    trigger_point_name: &'a str,
    side: Option<BodySide>,
    /// Fit to the atlas pattern in (0, 1): not a probability.
    fit: f64,
    /// Share of the drawing's intensity in this candidate's zones (as for combinations).
    coverage: f64,
    explains: &'a [Explained],
    missing: &'a [Spot],
    symptoms_matched: &'a [Symptom],
    #[serde(skip_serializing_if = "Option::is_none")]
    finding: Option<FindingStatus>,
    /// How to confirm it on exam.
    confirm: ConfirmView<'a>,
    /// Other trigger points of this muscle on this side that explain part of the drawing.
    also: Vec<AlsoView<'a>>,
}

#[derive(Serialize)]
struct AlsoView<'a> {
    trigger_point: &'a str,
    trigger_point_name: &'a str,
    fit: f64,
    /// Part of this candidate's combined explanation.
    combined: bool,
}

#[derive(Serialize)]
struct ConfirmView<'a> {
    location: &'a str,
    position: &'a str,
    palpation: Palpation,
    method: &'a str,
}

#[derive(Serialize)]
struct DifferentialView<'a> {
    red_flags: &'a [super::RedFlag],
    candidates: Vec<CandidateView<'a>>,
    combinations: &'a [super::Combination<'a>],
    unexplained: &'a [Spot],
}

/// Rounds a score for output: three decimals are more than the method's precision.
pub(crate) fn rounded(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

fn view<'a>(rank: usize, c: &'a Candidate<'a>) -> CandidateView<'a> {
    CandidateView {
        rank,
        muscle: &c.muscle.id,
        muscle_name: &c.muscle.name,
        trigger_point: &c.point.id,
        trigger_point_name: &c.point.name,
        side: c.side,
        fit: rounded(c.score),
        coverage: rounded(c.coverage),
        explains: &c.explains,
        missing: &c.missing,
        symptoms_matched: &c.symptoms_matched,
        finding: c.finding,
        confirm: ConfirmView {
            location: &c.point.location,
            position: &c.point.exam.position,
            palpation: c.point.exam.palpation,
            method: &c.point.exam.method,
        },
        also: c
            .also
            .iter()
            .map(|a| AlsoView {
                trigger_point: &a.point.id,
                trigger_point_name: &a.point.name,
                fit: rounded(a.score),
                combined: a.combined,
            })
            .collect(),
    }
}

impl Serialize for Differential<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        DifferentialView {
            red_flags: &self.red_flags,
            candidates: self
                .candidates
                .iter()
                .enumerate()
                .map(|(i, c)| view(i + 1, c))
                .collect(),
            combinations: &self.combinations,
            unexplained: &self.unexplained,
        }
        .serialize(serializer)
    }
}
