//! Scoring and ranking trigger points against a drawing.

use serde::Serialize;
use taut_atlas::{Atlas, Laterality, Muscle, REGIONS, RegionId, Symptom, TriggerPoint, Weight};

use super::combine::{self, Combination};
use super::drawing::{BodySide, Drawing, FindingStatus, Spot};
use super::red_flags::{RedFlag, RedFlagCatalog, RedFlagError};

/// Credit for a drawn region explained by a spillover zone, relative to an essential one.
const SPILLOVER_CREDIT: f64 = 0.5;
/// How much of the score is lost when none of the essential zones was drawn (scaled by the missing fraction).
const MISSING_PENALTY: f64 = 0.4;
/// The fit of a muscle's combined explanation is multiplied by this for each trigger point added: two active
/// points are a priori less likely than one (parsimony).
const COMBINATION_PRIOR: f64 = 0.9;
/// Score multiplier for each symptom qualifier the trigger point is known to produce, and its cap.
const SYMPTOM_BONUS: f64 = 0.1;
const SYMPTOM_BONUS_CAP: f64 = 0.3;
/// Score multipliers for findings on this trigger point, and on another point of the same muscle and side.
const CONFIRMED: f64 = 1.5;
const RULED_OUT: f64 = 0.2;
const NEIGHBOUR_CONFIRMED: f64 = 1.2;
const NEIGHBOUR_RULED_OUT: f64 = 0.8;

/// The atlas prepared for ranking: each trigger point's zones in a flat form and each region's specificity.
pub struct Ranker<'a> {
    atlas: &'a Atlas,
    points: Vec<PointModel<'a>>,
    /// Inverse document frequency of each region over all referral zones: a region that dozens of trigger
    /// points refer to says little about which one is active.
    specificity: [f64; REGIONS.len()],
    /// For each region, the trigger points (indices into `points`, ascending) with a zone there: a drawing is
    /// scored only against the points that can explain part of it, not the whole atlas.
    by_region: Vec<Vec<usize>>,
    red_flags: Result<&'a RedFlagCatalog, &'a RedFlagError>,
}

struct PointModel<'a> {
    muscle: &'a Muscle,
    point: &'a TriggerPoint,
    /// Position of the muscle in the atlas, for stable tie-breaking.
    order: usize,
}

/// One trigger point on one side, scored.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub muscle: &'a Muscle,
    pub point: &'a TriggerPoint,
    /// `None` for a midline muscle.
    pub side: Option<BodySide>,
    /// How well the drawing fits the atlas pattern, in (0, 1), evidence included; higher explains the drawing
    /// better. A fit, not a probability that this trigger point is active.
    pub score: f64,
    /// Share of the drawing's pain (by intensity) that lies in this candidate's referral zones, essential or
    /// spillover: the same definition as a combination's coverage. The fit weighs regions by specificity and
    /// spillover at half credit; this is the plain share a clinician reads.
    pub coverage: f64,
    pub explains: Vec<Explained>,
    /// Essential zones of the pattern that the patient did not draw.
    pub missing: Vec<Spot>,
    pub symptoms_matched: Vec<Symptom>,
    pub finding: Option<FindingStatus>,
    /// Other trigger points of the same muscle on the same side that also explain part of the drawing,
    /// best first. The list shows each muscle and side once, at its best trigger point.
    pub also: Vec<AlsoPoint<'a>>,
    pub(crate) order: (usize, usize),
    /// Drawn spots explained, by index into the drawing's spots (for combinations).
    pub(crate) explained_mask: combine::Mask,
    /// The evidence multiplier (symptoms, findings) applied to the fit.
    pub(crate) evidence: f64,
    /// The essential zones placed on the body (drawn or not), filled only when the muscle's points are combined.
    pub(crate) essential_spots: Vec<Spot>,
}

/// A further trigger point of a listed muscle and side.
#[derive(Debug, Clone, Copy)]
pub struct AlsoPoint<'a> {
    pub point: &'a TriggerPoint,
    /// Its own score.
    pub score: f64,
    /// Whether it is part of the muscle's combined explanation (it explains drawn regions the listed point
    /// does not, and improves the fit).
    pub combined: bool,
    pub(crate) explained_mask: combine::Mask,
}

/// A drawn region that a candidate explains, and by which kind of zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Explained {
    pub region: Spot,
    pub weight: Weight,
}

/// The differential for one drawing. Serialises as the JSON contract (see [`super::view`]).
#[derive(Debug, Clone)]
pub struct Differential<'a> {
    /// Conditions the drawing calls for ruling out first; shown before the ranking.
    pub red_flags: Vec<RedFlag>,
    pub candidates: Vec<Candidate<'a>>,
    pub combinations: Vec<Combination<'a>>,
    /// Drawn regions that none of the listed candidates explains.
    pub unexplained: Vec<Spot>,
}

#[cfg(test)]
impl<'a> Ranker<'a> {
    /// The ranking with every trigger point of the atlas scored, for checking the region index against.
    pub(crate) fn rank_every_point(&self, drawing: &Drawing, top: usize) -> Differential<'a> {
        self.rank_points(drawing, drawing.spots(), top, &vec![true; self.points.len()])
    }
}

impl<'a> Ranker<'a> {
    pub fn new(atlas: &'a Atlas) -> Ranker<'a> {
        let mut points = Vec::new();
        let mut frequency = [0.0_f64; REGIONS.len()];
        let mut by_region = vec![Vec::new(); REGIONS.len()];
        for (order, muscle) in atlas.muscles().iter().enumerate() {
            for point in &muscle.trigger_points {
                for zone in &point.referral {
                    frequency[zone.region.index()] += if zone.weight == Weight::Essential {
                        1.0
                    } else {
                        SPILLOVER_CREDIT
                    };
                    let listed: &mut Vec<usize> = &mut by_region[zone.region.index()];
                    if listed.last() != Some(&points.len()) {
                        listed.push(points.len());
                    }
                }
                points.push(PointModel { muscle, point, order });
            }
        }
        let total = points.len() as f64;
        let specificity = frequency.map(|f| 1.0 + ((total + 1.0) / (f + 1.0)).ln());
        Ranker {
            atlas,
            points,
            specificity,
            by_region,
            red_flags: RedFlagCatalog::embedded(),
        }
    }

    /// A ranker that checks red flags against `catalog` instead of the embedded one.
    pub fn with_red_flags(atlas: &'a Atlas, catalog: &'a RedFlagCatalog) -> Ranker<'a> {
        Ranker {
            red_flags: Ok(catalog),
            ..Ranker::new(atlas)
        }
    }

    /// The red flags a drawing raises. Should the embedded catalog ever fail to load, that failure is itself
    /// shown as a flag rather than silently showing none.
    pub fn red_flags(&self, drawing: &Drawing) -> Vec<RedFlag> {
        match self.red_flags {
            Ok(catalog) => catalog.check(drawing),
            Err(e) => vec![RedFlag {
                code: "red-flag-catalog-unavailable".into(),
                message: format!("The red-flag catalog could not be loaded ({e}); no red flag was checked."),
                action: "Screen for red flags by history and examination before myofascial treatment.".into(),
                source: "catalog/red-flags.toml".into(),
            }],
        }
    }

    pub fn atlas(&self) -> &'a Atlas {
        self.atlas
    }

    /// The specificity weight of a region (1 for a region every trigger point refers to, more for rarer ones).
    pub fn specificity(&self, region: RegionId) -> f64 {
        self.specificity[region.index()]
    }

    /// Ranks every trigger point that explains part of the drawing (or was confirmed), best first, and keeps
    /// the `top` best. The drawing must have passed [`Drawing::validate`].
    pub fn rank(&self, drawing: &Drawing, top: usize) -> Differential<'a> {
        let spots = drawing.spots();
        let scored = self.points_to_score(&spots, drawing);
        self.rank_points(drawing, spots, top, &scored)
    }

    /// The trigger points that can be candidates for the drawing: those with a zone in a drawn region, and those
    /// an exam finding names (a confirmed point is listed even when it explains nothing drawn). Any other point
    /// explains nothing and is not confirmed, so scoring it could only return nothing.
    fn points_to_score(&self, spots: &[(Spot, u8)], drawing: &Drawing) -> Vec<bool> {
        let mut scored = vec![false; self.points.len()];
        for (spot, _) in spots {
            for &ti in &self.by_region[spot.region.index()] {
                scored[ti] = true;
            }
        }
        for finding in &drawing.findings {
            for (ti, model) in self.points.iter().enumerate() {
                if model.point.id == finding.trigger_point {
                    scored[ti] = true;
                }
            }
        }
        scored
    }

    /// Ranks the points marked in `scored` (indexed like `points`), in atlas order so that ties break the same
    /// way whichever points are scored.
    fn rank_points(&self, drawing: &Drawing, spots: Vec<(Spot, u8)>, top: usize, scored: &[bool]) -> Differential<'a> {
        let spot_weights: Vec<f64> = spots
            .iter()
            .map(|(spot, intensity)| intensity_weight(*intensity) * self.specificity(spot.region))
            .collect();
        let raw_weights: Vec<f64> = spots.iter().map(|(_, i)| intensity_weight(*i)).collect();
        let context = Scoring {
            total: spot_weights.iter().sum(),
            spot_weights,
            raw_total: raw_weights.iter().sum(),
            raw_weights,
            lookup: SpotIndex::new(&spots),
            drawing,
        };
        let mut best = vec![None; spots.len()];
        let mut candidates = Vec::new();
        for (ti, model) in self.points.iter().enumerate() {
            if !scored[ti] {
                continue;
            }
            let sides: &[Option<BodySide>] = if model.muscle.paired {
                &[Some(BodySide::Left), Some(BodySide::Right)]
            } else {
                &[None]
            };
            for &side in sides {
                if let Some(candidate) = context.score(model, side, (model.order, ti), &mut best) {
                    candidates.push(candidate);
                }
            }
        }
        candidates.sort_by(rank_order);
        let combinations = combine::smallest_sets(&candidates, &context.raw_weights);
        let mut candidates = one_per_muscle_and_side(candidates, &context);
        candidates.truncate(top);
        let listed = |i: usize| {
            candidates
                .iter()
                .any(|c| c.explained_mask.contains(i) || c.also.iter().any(|a| a.explained_mask.contains(i)))
        };
        let unexplained = spots
            .iter()
            .enumerate()
            .filter(|(i, _)| !listed(*i))
            .map(|(_, (spot, _))| *spot)
            .collect();
        Differential {
            red_flags: self.red_flags(drawing),
            candidates,
            combinations,
            unexplained,
        }
    }
}

/// One drawing, prepared for scoring every trigger point against it.
struct Scoring<'d> {
    /// Weight of each drawn spot: intensity × specificity.
    spot_weights: Vec<f64>,
    total: f64,
    /// Weight of each drawn spot by intensity alone, for coverage.
    raw_weights: Vec<f64>,
    raw_total: f64,
    lookup: SpotIndex,
    drawing: &'d Drawing,
}

impl Scoring<'_> {
    /// The share of the drawing's intensity in the explained spots (see [`Candidate::coverage`]).
    fn coverage(&self, mask: combine::Mask) -> f64 {
        if self.raw_total > 0.0 {
            mask.weight(&self.raw_weights) / self.raw_total
        } else {
            0.0
        }
    }

    /// Scores one trigger point on one side, or `None` when it explains nothing (and was not confirmed).
    /// `best` is a scratch buffer, one slot per drawn spot, reused across calls to avoid allocating.
    fn score<'a>(
        &self,
        model: &PointModel<'a>,
        side: Option<BodySide>,
        order: (usize, usize),
        best: &mut [Option<Weight>],
    ) -> Option<Candidate<'a>> {
        best.fill(None);
        let mut any = false;
        for zone in &model.point.referral {
            for spot in zone_spots(zone.region, zone.laterality, side).into_iter().flatten() {
                if let Some(i) = self.lookup.get(spot)
                    && best[i] != Some(Weight::Essential)
                {
                    best[i] = Some(zone.weight);
                    any = true;
                }
            }
        }
        let (finding_multiplier, finding_status) = finding_factor(self.drawing, model, side);
        if !any && finding_status != Some(FindingStatus::Confirmed) {
            return None;
        }
        let mut missing = Vec::new();
        let mut essential = 0_usize;
        for zone in model.point.essential() {
            for spot in zone_spots(zone.region, zone.laterality, side).into_iter().flatten() {
                essential += 1;
                if self.lookup.get(spot).is_none() {
                    missing.push(spot);
                }
            }
        }
        let mut explains = Vec::new();
        let mut mask = combine::Mask::default();
        let mut explained = 0.0;
        for (i, weight) in best.iter().enumerate() {
            if let Some(weight) = *weight {
                let credit = if weight == Weight::Essential {
                    1.0
                } else {
                    SPILLOVER_CREDIT
                };
                explained += self.spot_weights[i] * credit;
                explains.push(Explained {
                    region: self.lookup.spot(i),
                    weight,
                });
                mask.insert(i);
            }
        }
        let weighted = if self.total > 0.0 { explained / self.total } else { 0.0 };
        let missing_fraction = if essential == 0 {
            0.0
        } else {
            missing.len() as f64 / essential as f64
        };
        let symptoms_matched: Vec<Symptom> = self
            .drawing
            .symptoms
            .iter()
            .copied()
            .filter(|s| model.point.symptoms.contains(s))
            .collect();
        let symptom_multiplier = 1.0 + (SYMPTOM_BONUS * symptoms_matched.len() as f64).min(SYMPTOM_BONUS_CAP);
        let fit = weighted * (1.0 - MISSING_PENALTY * missing_fraction);
        let evidence = symptom_multiplier * finding_multiplier;
        let score = with_evidence(fit, evidence);
        Some(Candidate {
            muscle: model.muscle,
            point: model.point,
            side,
            score,
            coverage: self.coverage(mask),
            explains,
            missing,
            symptoms_matched,
            finding: finding_status,
            also: Vec::new(),
            order,
            explained_mask: mask,
            evidence,
            essential_spots: Vec::new(),
        })
    }
}

/// Keeps each muscle and side once, at its best trigger point (the list is sorted best first). A clinician
/// examines a muscle, and a top-3 of three points of one muscle would hide the next muscle to examine.
///
/// Several trigger points of one muscle are often active together, each referring to part of the drawing (the
/// quadratus lumborum's superficial and deep points, the two heads of the sternocleidomastoid). So the muscle's
/// other points are added to the listed one, best first, whenever they improve the fit: the coverage of the
/// union of their explained regions, less the penalty for the union of their undrawn essential zones. The
/// listed candidate then explains what they explain together; every other explaining point goes into `also`.
fn one_per_muscle_and_side<'a>(candidates: Vec<Candidate<'a>>, context: &Scoring<'_>) -> Vec<Candidate<'a>> {
    let muscles = candidates.iter().map(|c| c.order.0 + 1).max().unwrap_or(0);
    let mut slot_of = vec![usize::MAX; muscles * 3];
    let mut kept: Vec<Candidate<'a>> = Vec::new();
    for candidate in candidates {
        let key = candidate.order.0 * 3 + slot(candidate.side);
        match slot_of[key] {
            usize::MAX => {
                slot_of[key] = kept.len();
                kept.push(candidate);
            }
            i => merge_into(&mut kept[i], candidate, context),
        }
    }
    kept.sort_by(rank_order);
    kept
}

/// Best first: score, then coverage, then fewer undrawn essential zones, then atlas order and side (stable
/// output for equal scores). Scores are compared to nine decimals: sums of the same terms in another order may
/// differ in the last bit, and the order in which regions were drawn must not decide a tie.
fn rank_order(a: &Candidate<'_>, b: &Candidate<'_>) -> std::cmp::Ordering {
    let level = |x: f64| (x * 1e9).round();
    level(b.score)
        .total_cmp(&level(a.score))
        .then(level(b.coverage).total_cmp(&level(a.coverage)))
        .then(a.missing.len().cmp(&b.missing.len()))
        .then(a.order.cmp(&b.order))
        .then(a.side.cmp(&b.side))
}

/// The essential zones of a trigger point on its side.
fn essential_spots(point: &TriggerPoint, side: Option<BodySide>) -> Vec<Spot> {
    point
        .essential()
        .flat_map(|z| zone_spots(z.region, z.laterality, side).into_iter().flatten())
        .collect()
}

/// The fit of a set of explained spots (best weight per spot) against a set of essential spots.
fn union_fit(explains: &[Explained], essential: &[Spot], missing: &[Spot], context: &Scoring<'_>) -> f64 {
    let explained: f64 = explains
        .iter()
        .filter_map(|e| {
            let i = context.lookup.get(e.region)?;
            let credit = if e.weight == Weight::Essential {
                1.0
            } else {
                SPILLOVER_CREDIT
            };
            Some(context.spot_weights[i] * credit)
        })
        .sum();
    let weighted = if context.total > 0.0 {
        explained / context.total
    } else {
        0.0
    };
    let missing_fraction = if essential.is_empty() {
        0.0
    } else {
        missing.len() as f64 / essential.len() as f64
    };
    weighted * (1.0 - MISSING_PENALTY * missing_fraction)
}

fn merge_explains(into: &[Explained], from: &[Explained]) -> Vec<Explained> {
    let mut merged = into.to_vec();
    for e in from {
        match merged.iter_mut().find(|m| m.region == e.region) {
            Some(m) if e.weight == Weight::Essential => m.weight = Weight::Essential,
            Some(_) => {}
            None => merged.push(*e),
        }
    }
    merged
}

fn merge_spots(into: &[Spot], from: &[Spot]) -> Vec<Spot> {
    let mut merged = into.to_vec();
    merged.extend(from.iter().filter(|s| !into.contains(s)));
    merged
}

/// Adds `other` (a lower-scored point of the same muscle and side) to `best`'s explanation if that improves the
/// fit, at the parsimony cost; lists it in `also` either way.
fn merge_into<'a>(best: &mut Candidate<'a>, other: Candidate<'a>, context: &Scoring<'_>) {
    let mut also = AlsoPoint {
        point: other.point,
        score: other.score,
        combined: false,
        explained_mask: other.explained_mask,
    };
    // A point that explains no drawn region the others do not cannot widen the explanation.
    if best.explained_mask.union(other.explained_mask) != best.explained_mask {
        if best.essential_spots.is_empty() {
            best.essential_spots = essential_spots(best.point, best.side);
        }
        let prior =
            COMBINATION_PRIOR.powi(i32::try_from(best.also.iter().filter(|a| a.combined).count()).unwrap_or(i32::MAX));
        let current = union_fit(&best.explains, &best.essential_spots, &best.missing, context);
        let explains = merge_explains(&best.explains, &other.explains);
        let essential = merge_spots(&best.essential_spots, &essential_spots(other.point, other.side));
        let missing = merge_spots(&best.missing, &other.missing);
        let union = union_fit(&explains, &essential, &missing, context);
        let merged_fit = union * prior * COMBINATION_PRIOR;
        if merged_fit > current * prior + 1e-12 {
            also.combined = true;
            best.explains = explains;
            best.explains.sort_by_key(|e| context.lookup.get(e.region));
            best.essential_spots = essential;
            best.missing = missing;
            best.explained_mask = best.explained_mask.union(other.explained_mask);
            best.coverage = context.coverage(best.explained_mask);
            best.score = with_evidence(merged_fit, best.evidence);
        }
    }
    best.also.push(also);
}

/// Combines the fit of the pattern (0-1) with the evidence multiplier (symptoms, findings). Evidence against
/// (a multiplier below 1) scales the fit itself, so a ruled-out point drops well down the list; evidence for it
/// multiplies the odds, so that the result stays inside (0, 1) and still separates two perfect fits. The fit is
/// first mapped into [0.01, 0.99]: no drawing makes a trigger point certain or impossible.
fn with_evidence(fit: f64, multiplier: f64) -> f64 {
    let p = 0.01 + 0.98 * (fit * multiplier.min(1.0)).clamp(0.0, 1.0);
    let odds = p / (1.0 - p) * multiplier.max(1.0);
    odds / (1.0 + odds)
}

/// Intensity 0-10 as a weight; a region drawn at 0 still counts a little, since the patient drew it.
fn intensity_weight(intensity: u8) -> f64 {
    f64::from(intensity.max(1)) / 10.0
}

/// The concrete spots a zone covers for a trigger point on `side` (`None`: a midline muscle, whose sided zones
/// lie on both sides). At most two; returned as an array to keep the hot loop free of allocation.
fn zone_spots(region: RegionId, laterality: Option<Laterality>, side: Option<BodySide>) -> [Option<Spot>; 2] {
    let at = |side: BodySide| {
        Some(Spot {
            region,
            side: Some(side),
        })
    };
    if !region.sided() {
        return [Some(Spot { region, side: None }), None];
    }
    match (side, laterality.unwrap_or_default()) {
        (None, _) | (Some(_), Laterality::Bilateral) => [at(BodySide::Left), at(BodySide::Right)],
        (Some(s), Laterality::Ipsilateral) => [at(s), None],
        (Some(s), Laterality::Contralateral) => [at(s.opposite()), None],
    }
}

/// Finds a drawn spot's index in constant time: one slot per region and side (midline, left, right).
struct SpotIndex {
    slots: Vec<[Option<usize>; 3]>,
    spots: Vec<Spot>,
}

impl SpotIndex {
    fn new(spots: &[(Spot, u8)]) -> SpotIndex {
        let mut slots = vec![[None; 3]; REGIONS.len()];
        for (i, (spot, _)) in spots.iter().enumerate() {
            slots[spot.region.index()][slot(spot.side)] = Some(i);
        }
        SpotIndex {
            slots,
            spots: spots.iter().map(|(s, _)| *s).collect(),
        }
    }

    fn get(&self, spot: Spot) -> Option<usize> {
        self.slots[spot.region.index()][slot(spot.side)]
    }

    fn spot(&self, i: usize) -> Spot {
        self.spots[i]
    }
}

fn slot(side: Option<BodySide>) -> usize {
    match side {
        None => 0,
        Some(BodySide::Left) => 1,
        Some(BodySide::Right) => 2,
    }
}

/// The multiplier from findings already made: on this trigger point itself, or on another point of the same
/// muscle and side (a confirmed neighbour makes this one likelier, a ruled-out one less likely).
fn finding_factor(drawing: &Drawing, model: &PointModel<'_>, side: Option<BodySide>) -> (f64, Option<FindingStatus>) {
    let mut multiplier = 1.0;
    for finding in drawing.findings.iter().filter(|f| f.side == side) {
        if finding.trigger_point == model.point.id {
            let own = if finding.status == FindingStatus::Confirmed {
                CONFIRMED
            } else {
                RULED_OUT
            };
            return (own, Some(finding.status));
        }
        if model
            .muscle
            .trigger_points
            .iter()
            .any(|tp| tp.id == finding.trigger_point)
        {
            multiplier *= if finding.status == FindingStatus::Confirmed {
                NEIGHBOUR_CONFIRMED
            } else {
                NEIGHBOUR_RULED_OUT
            };
        }
    }
    (multiplier, None)
}
