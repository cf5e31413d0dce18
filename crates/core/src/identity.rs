//! How patient identifiers compare: two MRNs that read the same name the same patient.

use unicode_normalization::UnicodeNormalization;

/// The form in which MRNs are compared and kept unique: Unicode NFKC (full-width digits, ligatures and the
/// like become their plain forms), lower case, and without white space or invisible characters (soft hyphen,
/// zero-width space and joiners, bidirectional marks, byte-order mark, variation selectors), so that
/// `MRN-0001`, `mrn-0001`, `ＭＲＮ-０００１` and `MRN-\u{200B}0001` are one MRN.
pub fn mrn_key(mrn: &str) -> String {
    let folded: String = mrn
        .nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && !is_invisible(*c))
        .collect();
    folded.nfkc().collect()
}

/// Characters that render as nothing (Unicode's default-ignorable code points, the ones met in pasted text).
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{1BCA0}'..='\u{1BCA3}' | '\u{E0000}'..='\u{E0FFF}')
}

#[cfg(test)]
mod tests {
    use super::mrn_key;

    #[test]
    fn mrns_that_read_the_same_compare_equal() {
        let same = [
            "MRN-0001",
            "mrn-0001",
            "ＭＲＮ-０００１",
            "MRN-\u{200B}0001",
            "MRN-00\u{00AD}01",
            " MRN-0001 ",
            "\u{FEFF}MRN-0001",
            "MRN-\u{2060}0001\u{200D}",
        ];
        for mrn in same {
            assert_eq!(mrn_key(mrn), "mrn-0001", "{mrn:?}");
        }
    }

    #[test]
    fn different_mrns_stay_different() {
        assert_ne!(mrn_key("MRN-0001"), mrn_key("MRN-0002"));
        assert_ne!(mrn_key("MRN-0001"), mrn_key("MRN0001"));
    }
}
