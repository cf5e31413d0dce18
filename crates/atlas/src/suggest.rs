//! "Did you mean …" suggestions for mistyped ids.

/// The `limit` candidates closest to `input`, best first; empty when none is reasonably close.
///
/// Jaro-Winkler rewards a shared prefix (`neck-back` → `neck-posterior`), and a candidate that contains the
/// input, or is contained in it, always qualifies (`pterygoid` → `medial-pterygoid`).
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>, limit: usize) -> Vec<&'a str> {
    let needle = input.trim().to_ascii_lowercase();
    if needle.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(f64, &'a str)> = candidates
        .into_iter()
        .filter_map(|candidate| {
            let containment = candidate.contains(&needle) || (candidate.len() >= 3 && needle.contains(candidate));
            let similarity = strsim::jaro_winkler(&needle, candidate);
            let score = if containment { similarity.max(0.9) } else { similarity };
            (score >= 0.75).then_some((score, candidate))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(limit).map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn ranks_the_nearest_spelling_first() {
        let ids = ["temple", "tmj", "throat", "thumb"];
        assert_eq!(closest("tempel", ids, 2).first(), Some(&"temple"));
    }

    #[test]
    fn offers_candidates_that_contain_the_input() {
        let ids = ["medial-pterygoid", "lateral-pterygoid", "masseter"];
        let found = closest("pterygoid", ids, 3);
        assert!(
            found.contains(&"medial-pterygoid") && found.contains(&"lateral-pterygoid"),
            "{found:?}"
        );
    }

    #[test]
    fn offers_nothing_for_unrelated_input() {
        assert!(closest("zzzz", ["temple", "masseter"], 3).is_empty());
        assert!(closest("", ["temple"], 3).is_empty());
    }
}
