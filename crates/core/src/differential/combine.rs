//! Combinations: the smallest sets of trigger points that together explain most of a drawing.

use serde::{Serialize, Serializer};

use super::drawing::BodySide;
use super::rank::Candidate;

/// The share of the drawing's weight a combination must explain.
pub const COVERAGE_TARGET: f64 = 0.9;
/// The most trigger points in one combination.
pub const MAX_SET_SIZE: usize = 3;
/// Only the candidates that explain the most are combined (bounds the search at C(40, 3) sets).
const POOL: usize = 40;
/// Combinations reported.
const REPORTED: usize = 5;

/// Drawn spots as a bit set (a drawing has at most 86 regions × 2 sides).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mask([u64; 3]);

impl Mask {
    pub fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    pub fn contains(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    pub(crate) fn union(self, other: Mask) -> Mask {
        Mask([self.0[0] | other.0[0], self.0[1] | other.0[1], self.0[2] | other.0[2]])
    }

    pub(crate) fn weight(self, weights: &[f64]) -> f64 {
        weights
            .iter()
            .enumerate()
            .filter(|(i, _)| self.contains(*i))
            .map(|(_, w)| w)
            .sum()
    }
}

/// A set of trigger points and the share of the drawing (by intensity) they explain together.
#[derive(Debug, Clone, Serialize)]
pub struct Combination<'a> {
    #[serde(serialize_with = "members")]
    pub trigger_points: Vec<Candidate<'a>>,
    #[serde(serialize_with = "rounded")]
    pub coverage: f64,
}

fn rounded<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(super::view::rounded(*value))
}

#[derive(Serialize)]
struct Member<'a> {
    muscle: &'a str,
    trigger_point: &'a str,
    side: Option<BodySide>,
}

fn members<S: Serializer>(candidates: &[Candidate<'_>], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(candidates.iter().map(|c| Member {
        muscle: &c.muscle.id,
        trigger_point: &c.point.id,
        side: c.side,
    }))
}

/// The smallest sets (one, two, then three trigger points) reaching [`COVERAGE_TARGET`] of the drawing's
/// weight, best first: most coverage, then the highest summed score. Empty when no set of three reaches it.
/// `candidates` must be sorted best first; `weights` are the drawing's spot weights by intensity.
///
/// Of several candidates explaining exactly the same spots only the best-scored one is combined, and a set
/// whose members' separate coverages cannot add up to the target is never formed, which keeps the search
/// within the benchmark's budget.
pub fn smallest_sets<'a>(candidates: &[Candidate<'a>], weights: &[f64]) -> Vec<Combination<'a>> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return Vec::new();
    }
    let mut pool: Vec<(&Candidate<'a>, f64)> = Vec::new();
    for candidate in candidates {
        let mask = candidate.explained_mask;
        if mask != Mask::default() && !pool.iter().any(|(c, _)| c.explained_mask == mask) {
            pool.push((candidate, mask.weight(weights) / total));
        }
    }
    pool.sort_by(|a, b| b.1.total_cmp(&a.1));
    pool.truncate(POOL);
    let coverage = |members: &[usize]| {
        let mask = members
            .iter()
            .fold(Mask::default(), |m, &i| m.union(pool[i].0.explained_mask));
        mask.weight(weights) / total
    };

    let target = COVERAGE_TARGET - 1e-9;
    let mut found: Vec<(Vec<usize>, f64)> = Vec::new();
    // Pool coverages are sorted descending, so once a bound fails, every later member fails it too.
    for size in 1..=MAX_SET_SIZE {
        let mut members = Vec::with_capacity(size);
        search(&pool, size, 0, 0.0, target, &mut members, &mut |set| {
            let covered = coverage(set);
            if covered >= target {
                found.push((set.to_vec(), covered));
            }
        });
        if !found.is_empty() {
            break;
        }
    }
    let summed = |set: &[usize]| set.iter().map(|&i| pool[i].0.score).sum::<f64>();
    found.sort_by(|a, b| b.1.total_cmp(&a.1).then(summed(&b.0).total_cmp(&summed(&a.0))));
    found
        .into_iter()
        .take(REPORTED)
        .map(|(members, coverage)| Combination {
            trigger_points: members.iter().map(|&i| pool[i].0.clone()).collect(),
            coverage,
        })
        .collect()
}

/// Visits every increasing `size`-subset of the pool whose members' separate coverages could reach `target`
/// (their sum bounds the union's coverage), pruning as soon as the bound fails.
fn search(
    pool: &[(&Candidate<'_>, f64)],
    size: usize,
    start: usize,
    sum: f64,
    target: f64,
    members: &mut Vec<usize>,
    visit: &mut dyn FnMut(&[usize]),
) {
    if members.len() == size {
        visit(members);
        return;
    }
    let remaining = size - members.len();
    for i in start..pool.len() {
        // The best this branch can still add: this member and the next ones, all at most as large.
        if sum + pool[i].1 * (remaining as f64) < target {
            break;
        }
        members.push(i);
        search(pool, size, i + 1, sum + pool[i].1, target, members, visit);
        members.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_union_and_weight() {
        let mut a = Mask::default();
        a.insert(0);
        a.insert(130);
        let mut b = Mask::default();
        b.insert(1);
        let both = a.union(b);
        assert!(both.contains(130) && both.contains(1) && !both.contains(2));
        let mut weights = vec![0.0; 131];
        weights[0] = 1.0;
        weights[1] = 2.0;
        weights[130] = 4.0;
        assert_eq!(both.weight(&weights), 7.0);
    }
}
