use super::*;

const MANIFEST_TOML: &str = r#"
version = "test"
[sources.tpm1]
citation = "Simons DG, Travell JG, Simons LS. Trigger Point Manual Vol. 1. 1999."
"#;

/// A minimal valid muscle file; each negative test breaks one thing in it.
const VALID: &str = r#"
[[muscle]]
id = "trapezius"
name = "Trapezius"
aliases = ["trap"]
group = "neck"
paired = true
size_class = "large"
innervation = "Accessory nerve"
action = "Elevates the scapula"
sources = [{ ref = "tpm1", chapter = "Trapezius" }]

[[muscle.trigger_point]]
id = "trapezius-upper"
name = "Upper trapezius"
location = "Upper border"
view = "posterior"
x = 0.57
y = 0.165
local_region = "shoulder-top"
referral = [{ region = "temple", weight = "essential" }, { region = "vertex", weight = "spillover" }]
symptoms = ["headache"]
factors = ["Shoulder elevation"]
self_care = { pressure = "Pincer grip", stretch = "Side-bend away" }
[muscle.trigger_point.exam]
position = "Seated"
palpation = "pincer"
method = "Grasp the border"
[muscle.trigger_point.injection]
position = "Prone"
approach = "Between the fingers"
hazards = [{ kind = "lung", note = "Lung apex below" }]
"#;

fn load_one(muscles: &str) -> Result<Atlas, AtlasError> {
    Atlas::from_files(&[(MANIFEST, MANIFEST_TOML), ("1-test.toml", muscles)])
}

#[test]
fn a_valid_file_loads_with_defaults_resolved() {
    let atlas = load_one(VALID).expect("valid fixture");
    let muscle = atlas.muscle("Trap").expect("alias lookup");
    let zones = &muscle.trigger_points[0].referral;
    assert_eq!(
        zones[0].laterality,
        Some(Laterality::Ipsilateral),
        "sided zones default to ipsilateral"
    );
    assert_eq!(zones[1].laterality, None, "midline zones carry no laterality");
    assert!(
        muscle.sources[0].citation.starts_with("Simons DG"),
        "ref resolves to the bibliography"
    );
}

#[test]
fn check_rejects_each_kind_of_bad_data() {
    let two_muscles = format!("{VALID}\n{}", VALID.replace("\"Trapezius\"", "\"Other\""));
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "unknown region",
            VALID.replace("\"temple\"", "\"tempel\""),
            "unknown region 'tempel'; did you mean temple",
        ),
        (
            "unknown local region",
            VALID.replace("\"shoulder-top\"", "\"shoulder\""),
            "local_region: unknown region",
        ),
        ("duplicate ids", two_muscles, "duplicate id or name 'trapezius'"),
        (
            "alias naming another muscle",
            format!(
                "{VALID}\n{}",
                VALID
                    .replace("\"trapezius\"", "\"other\"")
                    .replace("name = \"Trapezius\"", "name = \"Other\"")
                    .replace("trapezius-", "other-")
                    .replace("[\"trap\"]", "[\"Trapezius\"]")
            ),
            "alias 'trapezius' is the id or name of muscle 'trapezius'",
        ),
        (
            "no essential zone",
            VALID.replace("weight = \"essential\"", "weight = \"spillover\""),
            "no essential referral zone",
        ),
        (
            "no location",
            VALID.replace("location = \"Upper border\"", "location = \"\""),
            "has no location",
        ),
        (
            "no sources",
            VALID.replace("sources = [{ ref = \"tpm1\", chapter = \"Trapezius\" }]", ""),
            "cites no source",
        ),
        (
            "unknown source key",
            VALID.replace("ref = \"tpm1\"", "ref = \"tpm9\""),
            "unknown source key 'tpm9'",
        ),
        (
            "x outside the view",
            VALID.replace("x = 0.57", "x = 1.57"),
            "outside the posterior view",
        ),
        (
            "y outside the view",
            VALID.replace("y = 0.165", "y = -0.1"),
            "outside the posterior view",
        ),
        (
            "right point on the left half",
            VALID.replace("x = 0.57", "x = 0.3"),
            "left half of the posterior view",
        ),
        (
            "laterality on a midline zone",
            VALID.replace(
                "region = \"vertex\", weight = \"spillover\"",
                "region = \"vertex\", weight = \"spillover\", laterality = \"bilateral\"",
            ),
            "midline and takes no laterality",
        ),
        (
            "a region twice with one laterality",
            VALID.replace(
                "{ region = \"vertex\", weight = \"spillover\" }",
                "{ region = \"temple\", weight = \"spillover\" }",
            ),
            "lists region 'temple' twice",
        ),
        (
            "unknown symptom",
            VALID.replace("[\"headache\"]", "[\"headach\"]"),
            "unknown symptom 'headach'",
        ),
        (
            "thorax without lung hazard",
            VALID
                .replace("\"shoulder-top\"", "\"upper-back\"")
                .replace("\"lung\"", "\"nerve\""),
            "names no `lung` hazard",
        ),
        (
            "trigger point id prefix",
            VALID.replace("\"trapezius-upper\"", "\"upper\""),
            "start with 'trapezius-'",
        ),
        (
            "unknown field",
            VALID.replace("paired = true", "paired = true\ncolour = \"red\""),
            "unknown field `colour`",
        ),
    ];
    for (what, text, expected) in cases {
        let err = load_one(&text).expect_err(what);
        let all = err.to_string();
        assert!(all.contains(expected), "{what}: expected '{expected}' in:\n{all}");
    }
}

mod embedded {
    use super::*;

    fn atlas() -> &'static Atlas {
        Atlas::embedded().unwrap_or_else(|e| panic!("{e}"))
    }

    fn zone(tp_id: &str, region: &str) -> Option<Referral> {
        let (_, tp) = atlas()
            .trigger_point(tp_id)
            .unwrap_or_else(|| panic!("no trigger point {tp_id}"));
        tp.referral.iter().copied().find(|z| z.region.as_str() == region)
    }

    #[test]
    fn the_compiled_in_atlas_is_valid_and_complete() {
        let atlas = atlas();
        assert!(atlas.muscles().len() >= 120, "only {} muscles", atlas.muscles().len());
        let points = atlas.trigger_points().count();
        assert!(points >= atlas.muscles().len(), "only {points} trigger points");
    }

    /// Spot checks of the best-known patterns (Simons, Travell & Simons 1999 Vol. 1; Travell & Simons 1992
    /// Vol. 2): upper trapezius to the temple, gluteus minimus down the outer leg, SCM to the forehead,
    /// infraspinatus to the front of the shoulder, soleus to the heel.
    #[test]
    fn classic_patterns_are_present() {
        let cases = [
            ("trapezius", "temple", Weight::Essential),
            ("gluteus-minimus", "leg-lateral", Weight::Essential),
            ("sternocleidomastoid", "forehead", Weight::Essential),
            ("infraspinatus", "shoulder-anterior", Weight::Essential),
            ("soleus", "heel", Weight::Essential),
            ("masseter", "upper-teeth", Weight::Essential),
            ("scalenus-anterior", "chest", Weight::Essential),
        ];
        for (muscle, region, weight) in cases {
            let muscle = atlas().muscle(muscle).expect("muscle");
            let found = muscle
                .trigger_points
                .iter()
                .any(|tp| zone(&tp.id, region).is_some_and(|z| z.weight == weight));
            assert!(found, "{} should refer {weight:?} to {region}", muscle.id);
        }
    }

    /// The second-reader review of 26 trigger points against the Manual's figures (Vol. 1, 2nd ed.): each row is a
    /// zone the figure draws, at the weight it draws it.
    #[test]
    fn reviewed_zones_match_the_figures() {
        let cases = [
            // Fig. 42-1B: the sternal section's pattern reaches the medial epicondyle, drawn solid.
            ("pectoralis-major-sternal", "elbow-medial", Weight::Essential),
            // Pectoralis major costal and abdominal sections: upper chest and axilla as spillover.
            ("pectoralis-major-costal", "chest", Weight::Spillover),
            ("pectoralis-major-costal", "axilla", Weight::Spillover),
            // Fig. 34-2: the lateral epicondyle solid, with the first web space.
            ("brachioradialis-central", "elbow-lateral", Weight::Essential),
            ("brachioradialis-central", "hand-dorsal", Weight::Essential),
            // Deep posterior cervical TrP1: over the top of the shoulder.
            ("multifidus-cervical-c4-c5", "shoulder-top", Weight::Spillover),
            // Lower superficial masseter: cheek and temple.
            ("masseter-superficial-lower", "cheek", Weight::Spillover),
            ("masseter-superficial-lower", "temple", Weight::Spillover),
            // Extensor carpi radialis brevis: the back of the forearm.
            (
                "extensor-carpi-radialis-brevis-central",
                "forearm-dorsal",
                Weight::Spillover,
            ),
            // First dorsal interosseous: the little finger (low confidence).
            ("dorsal-interossei-hand-first", "little-finger", Weight::Spillover),
            // Second-reader pass (secondary descriptions, cited in the atlas): popliteus spills over the upper calf.
            ("popliteus-main", "calf", Weight::Spillover),
            // Fernández-Carnero et al. 2007 (lateral epicondylalgia, cited in the atlas): extensor carpi radialis
            // brevis pain reaches the lateral epicondyle in patients.
            (
                "extensor-carpi-radialis-brevis-central",
                "elbow-lateral",
                Weight::Spillover,
            ),
        ];
        for (tp, region, weight) in cases {
            assert_eq!(zone(tp, region).map(|z| z.weight), Some(weight), "{tp} → {region}");
        }
    }

    #[test]
    fn aliases_and_group_members_resolve() {
        let cases = [
            ("peroneus longus", "fibularis-longus"),
            ("frontalis", "frontalis"),
            ("Gluteus Minimus", "gluteus-minimus"),
            ("vastus lateralis", "vastus-lateralis"),
            ("rectus capitis posterior major", "rectus-capitis-posterior-major"),
            ("anterior scalene", "scalenus-anterior"),
            ("first dorsal interosseous", "dorsal-interossei-hand"),
        ];
        for (query, id) in cases {
            assert_eq!(atlas().muscle(query).map(|m| m.id.as_str()), Ok(id), "{query}");
        }
    }

    #[test]
    fn unknown_muscle_suggests_close_ids() {
        let err = atlas().muscle("trapezus").expect_err("typo");
        assert!(
            matches!(&err, MuscleError::Unknown { suggestions, .. } if suggestions.first().map(String::as_str) == Some("trapezius")),
            "{err}"
        );
    }

    #[test]
    fn a_group_name_is_ambiguous_and_lists_its_muscles() {
        let err = atlas().muscle("hamstrings").expect_err("group name");
        let MuscleError::Ambiguous { muscles, .. } = &err else {
            panic!("{err}")
        };
        for id in ["biceps-femoris", "semitendinosus", "semimembranosus"] {
            assert!(muscles.contains(&id.to_owned()), "{err}");
        }
    }

    #[test]
    fn muscles_over_the_thorax_carry_a_lung_hazard() {
        for id in [
            "trapezius",
            "scalenus-anterior",
            "pectoralis-major",
            "serratus-anterior",
            "rhomboid-major",
        ] {
            let muscle = atlas().muscle(id).expect("muscle");
            assert!(
                muscle.hazard_kinds().contains(&HazardKind::Lung),
                "{id} needs a lung hazard"
            );
        }
    }

    #[test]
    fn search_finds_names_symptoms_and_regions() {
        let atlas = atlas();
        let ids = |text: &str| {
            atlas
                .search(text)
                .into_iter()
                .map(|h| h.muscle.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids("masseter").first().map(String::as_str), Some("masseter"));
        assert!(
            ids("tinnitus").contains(&"masseter".to_owned()),
            "deep masseter causes tinnitus"
        );
        assert!(ids("temple").contains(&"temporalis".to_owned()));
        assert!(ids("peroneus").contains(&"fibularis-longus".to_owned()));
        assert!(ids("zzzz").is_empty());
    }

    /// Relevance: exact names first, then clinical names in the Manual's order, then symptoms and regions.
    #[test]
    fn search_ranks_names_then_clinical_names_then_the_rest() {
        let atlas = atlas();
        let ids = |text: &str| {
            atlas
                .search(text)
                .into_iter()
                .map(|h| h.muscle.id.clone())
                .collect::<Vec<_>>()
        };
        let cases: [(&str, &[&str]); 6] = [
            (
                "tennis elbow",
                &["supinator", "extensor-carpi-radialis-longus", "brachioradialis"],
            ),
            ("lateral epicondylitis", &["supinator"]),
            ("frozen shoulder", &["subscapularis"]),
            ("sciatica", &["gluteus-minimus", "piriformis"]),
            (
                "TMJ",
                &["masseter", "lateral-pterygoid", "medial-pterygoid", "temporalis"],
            ),
            (
                "plantar fasciitis",
                &["soleus", "quadratus-plantae", "abductor-hallucis"],
            ),
        ];
        for (text, first) in cases {
            let found = ids(text);
            assert_eq!(&found[..first.len()], first, "{text}: {found:?}");
        }
        let tennis = ids("tennis elbow");
        let supraspinatus = tennis.iter().position(|id| id == "supraspinatus");
        assert!(supraspinatus.is_none_or(|p| p >= 7), "{tennis:?}");
        // An exact alias outranks muscles whose other names merely contain the text.
        assert_eq!(ids("pec major").first().map(String::as_str), Some("pectoralis-major"));
    }

    #[test]
    fn every_clinical_name_is_cited_and_names_atlas_muscles() {
        assert_eq!(crate::search::parse_clinical_names(), Ok(5));
        for name in crate::search::clinical_names() {
            assert!(name.source.contains("Vol."), "{}: cite the Manual", name.term);
            for id in &name.muscles {
                assert_eq!(atlas().muscle(id).map(|m| &m.id), Ok(id), "{}", name.term);
            }
        }
    }
}
