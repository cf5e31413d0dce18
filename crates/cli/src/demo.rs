//! Synthetic demo patients, so that a newcomer sees a living system. Only ever run when asked
//! (`taut demo`, `taut serve --demo`); every name is invented and every MRN starts with `DEMO-`.

use taut_app::{Actor, AdverseEventInput, App, AppError, NewPatient, NewVisit, ProcedureInput};
use taut_core::exam::Sign;
use taut_core::records::{Demographics, EncounterInput, FindingInput, OutcomeInput, PainMarkInput, format_utc};

const GIVEN: &[&str] = &[
    "Ana", "Ben", "Chloe", "Dev", "Elif", "Farah", "Goran", "Hana", "Ivo", "Jana", "Kofi", "Lena",
];
/// Invented family names are a start and an ending of these (400 names), so that a large demo spreads like a
/// real register rather than repeating ten names.
const FAMILY_START: &[&str] = &[
    "Ab", "Ber", "Cas", "Dun", "Ek", "Fer", "Gal", "Hos", "Il", "Jan", "Kov", "Lind", "Mor", "Nak", "Os", "Pet",
    "Quin", "Ros", "Sal", "Tor",
];
const FAMILY_END: &[&str] = &[
    "ara", "berg", "tell", "more", "lund", "ro", "vin", "hino", "ves", "sen", "acs", "gren", "eau", "amura", "borne",
    "rov", "lan", "si", "az", "res",
];
/// Muscles whose trigger points are common in practice; the demo's patients have one of them.
const COMMON: &[&str] = &[
    "trapezius",
    "levator-scapulae",
    "sternocleidomastoid",
    "infraspinatus",
    "masseter",
    "temporalis",
    "quadratus-lumborum",
    "gluteus-medius",
    "gluteus-minimus",
    "piriformis",
    "soleus",
    "extensor-carpi-radialis-longus",
];
const DEMO_USER: &str = "demo-clinician";

/// What the demo added.
pub struct Seeded {
    pub patients: usize,
    pub username: String,
    /// The demo clinician's password, when this run created the user (it is never stored in clear).
    pub password: Option<String>,
    pub token: String,
}

/// A small deterministic generator (xorshift64*): demo data needs variety, not cryptographic randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Patients written per transaction: large enough that commits do not dominate, small enough to show progress.
const BATCH: usize = 500;

/// Adds the demo clinician (if missing) and `patients` synthetic patients in batches; `progress` is told how
/// many are written so far.
pub async fn seed(app: &App, patients: usize, progress: impl Fn(usize)) -> Result<Seeded, AppError> {
    let operator = Actor::operator();
    let mut password = [0_u8; 24];
    getrandom::fill(&mut password).map_err(|e| AppError::invalid("password", format!("no randomness: {e}")))?;
    let password = hex(&password);
    let created = match app
        .add_user(&operator, DEMO_USER, "clinician", "physician", &password)
        .await
    {
        Ok(_) => Some(password),
        Err(AppError::Conflict(_)) => None,
        Err(e) => return Err(e),
    };
    let token = app.create_token(&operator, DEMO_USER).await?;
    let clinician = app.authenticate(&token).await?;
    let now = time::OffsetDateTime::now_utc();
    let mut rng = Rng(u64::try_from(now.unix_timestamp_nanos() & 0xFFFF_FFFF_FFFF).unwrap_or(7) | 1);
    // MRNs are this run's random tag and a counter: unique within the run by construction, and across runs
    // unless two runs draw the same 32-bit tag.
    let tag = format!("{:08X}", rng.next() & 0xFFFF_FFFF);
    let mut written = 0;
    while written < patients {
        let batch = (written..patients.min(written + BATCH))
            .map(|i| synthetic_patient(app, &mut rng, now, i, &format!("DEMO-{tag}-{i:07}")))
            .collect::<Result<Vec<_>, _>>()?;
        let ids = app.import_patients(&clinician, batch).await?;
        if written == 0 {
            for (i, id) in ids.iter().take(FOLLOWED.len()).enumerate() {
                follow_up(app, &clinician, id, &FOLLOWED[i], now).await?;
            }
        }
        written += ids.len();
        // Sealing as the batches land keeps each sealing pass, and its memory, small.
        app.seal_audit().await?;
        progress(written);
    }
    Ok(Seeded {
        patients,
        username: DEMO_USER.into(),
        password: created,
        token,
    })
}

/// One demo patient's course after treatment: when the procedure was, with what, and what followed.
struct Course {
    days_ago: i64,
    toxin: bool,
    /// An adverse event: effect, days after the procedure it began, days it took to resolve (open if `None`).
    event: Option<(&'static str, i64, Option<i64>)>,
    /// Whether the 2–3 day call was made (completed by a follow-up encounter).
    called: bool,
}

/// The first demo patients get procedures, follow-ups, adverse events (two resolved, one open past its
/// window) and pain scores after treatment, so that the worklist and the outcome report are not empty.
const FOLLOWED: [Course; 4] = [
    Course {
        days_ago: 45,
        toxin: false,
        event: Some(("post-injection-soreness", 0, Some(2))),
        called: true,
    },
    Course {
        days_ago: 30,
        toxin: true,
        event: Some(("bruising-hematoma", 0, Some(10))),
        called: false,
    },
    Course {
        days_ago: 16,
        toxin: false,
        event: Some(("post-injection-soreness", 0, None)),
        called: false,
    },
    Course {
        days_ago: 2,
        toxin: false,
        event: None,
        called: false,
    },
];

/// Records one course through the app's single operations, as a clinician would.
async fn follow_up(
    app: &App,
    clinician: &Actor,
    patient: &str,
    course: &Course,
    now: time::OffsetDateTime,
) -> Result<(), AppError> {
    let day = |offset: i64| now - time::Duration::days(course.days_ago - offset);
    let date = |offset: i64| format_utc(day(offset)).chars().take(10).collect::<String>();
    let outcome = |value: f64, offset: i64| OutcomeInput {
        measure: "pain-nrs".into(),
        value,
        unit: None,
        name: None,
        encounter_id: None,
        recorded_at: Some(format_utc(day(offset))),
    };
    app.add_outcome(clinician, patient, outcome(7.0, -1)).await?;
    let encounter = app
        .create_encounter(
            clinician,
            patient,
            EncounterInput {
                kind: "procedure".into(),
                occurred_at: Some(format_utc(day(0))),
                notes: None,
            },
        )
        .await?;
    let site = if course.toxin {
        serde_json::json!({"muscle": "masseter", "side": "left", "agent": "Xeomin", "dose": {"value": 15, "unit": "U"},
            "points": 1, "lot": "DEMO-LOT", "expiry": date(365), "guidance": "landmark", "needle": "30 G 13 mm",
            "reconstitution_ml": 2.5, "vial_units": 100})
    } else {
        serde_json::json!({"muscle": "trapezius", "side": "left", "agent": "dry-needling"})
    };
    let input: ProcedureInput = serde_json::from_value(serde_json::json!({
        "consent": {"obtained": true, "risks_discussed": ["soreness", "bruising"]},
        "started_at": format_utc(day(0)),
        "ended_at": format_utc(day(0) + time::Duration::minutes(10)),
        "sites": [site],
        // The codes Taut suggests for these muscles (mastication; head and neck).
        "diagnoses": [if course.toxin { "M79.11" } else { "M79.12" }],
    }))
    .map_err(|e| AppError::invalid("procedure", e.to_string()))?;
    let procedure = app.record_procedure(clinician, &encounter.id, input).await?.procedure;
    if let Some((effect, onset, resolved)) = course.event {
        let event = AdverseEventInput {
            effect: effect.into(),
            site: Some(
                if course.toxin {
                    "masseter:left"
                } else {
                    "trapezius:left"
                }
                .into(),
            ),
            onset: date(onset),
            severity: "mild".into(),
            actions: vec!["advised heat and rest".into()],
            resolved_on: resolved.map(|r| date(onset + r)),
            notes: None,
            version: None,
        };
        app.record_adverse_event(clinician, &procedure.id, event).await?;
    }
    if course.called {
        let call = app
            .create_encounter(
                clinician,
                patient,
                EncounterInput {
                    kind: "follow-up".into(),
                    occurred_at: Some(format_utc(day(3))),
                    notes: Some("telephone check after treatment".into()),
                },
            )
            .await?;
        let list = app.followups(clinician, Some(day(3).date()), false).await?;
        if let Some(item) = list.items.iter().find(|i| i.followup.procedure_id == procedure.id) {
            app.complete_followup(clinician, &item.followup.id, &call.id).await?;
        }
    }
    for (offset, value) in [(14, 5.0), (28, 3.0), (42, 3.0)] {
        if offset < course.days_ago {
            app.add_outcome(clinician, patient, outcome(value, offset)).await?;
        }
    }
    Ok(())
}

/// The `index`th synthetic patient. The first always has a recorded condition, so that any demo, however small,
/// holds every kind of record an export carries (the FHIR checks in CI rely on it).
fn synthetic_patient(
    app: &App,
    rng: &mut Rng,
    now: time::OffsetDateTime,
    index: usize,
    mrn: &str,
) -> Result<NewPatient, AppError> {
    let year = 1950 + rng.below(55);
    let demographics = Demographics {
        mrn: mrn.to_owned(),
        given_name: rng.pick(GIVEN).into(),
        family_name: format!("{}{}", rng.pick(FAMILY_START), rng.pick(FAMILY_END)),
        birth_date: format!("{year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
        sex: rng.pick(&["female", "male"]).into(),
        weight_kg: Some(50.0 + rng.below(50) as f64),
        allergies: if rng.below(8) == 0 {
            vec!["lidocaine".into()]
        } else {
            vec![]
        },
        conditions: if rng.below(10) == 0 || index == 0 {
            vec!["diabetes".into()]
        } else {
            vec![]
        },
        medications: if rng.below(12) == 0 {
            vec!["anticoagulant".into()]
        } else {
            vec![]
        },
        notes: None,
    };
    let muscle = app
        .atlas()
        .muscle(rng.pick(COMMON))
        .map_err(|e| AppError::invalid("muscle", e.to_string()))?;
    let point = &muscle.trigger_points[0];
    let side = if muscle.paired {
        Some(rng.pick(&["left", "right"]).to_owned())
    } else {
        None
    };
    let count = 1 + rng.below(3);
    let mut pain = 6 + rng.below(3);
    let mut threshold = 1.5 + rng.below(10) as f64 / 10.0;
    let mut visits = Vec::with_capacity(count);
    for visit in 0..count {
        let days_ago = i64::try_from((count - visit) * 14).unwrap_or(14);
        let at = format_utc(now - time::Duration::days(days_ago));
        let pain_drawing = point
            .essential()
            .map(|zone| PainMarkInput {
                region: zone.region.as_str().into(),
                side: if zone.region.sided() { side.clone() } else { None },
                intensity: i64::try_from(pain.saturating_sub(rng.below(3))).unwrap_or(5),
                quality: Some("aching".into()),
            })
            .collect();
        let finding = FindingInput {
            trigger_point: point.id.clone(),
            side: side.clone(),
            taut_band: Sign::Yes,
            spot_tenderness: Sign::Yes,
            referred_pain: if rng.below(4) == 0 {
                Sign::NotAssessed
            } else {
                Sign::Yes
            },
            pain_recognised: if pain > 3 { Sign::Yes } else { Sign::No },
            local_twitch: if rng.below(3) == 0 {
                Sign::Yes
            } else {
                Sign::NotAssessed
            },
            jump_sign: Sign::NotAssessed,
            pressure_threshold_kg_cm2: Some((threshold * 10.0).round() / 10.0),
            notes: None,
        };
        let outcomes = [
            ("pain-nrs", pain as f64),
            ("pressure-pain-threshold", (threshold * 10.0).round() / 10.0),
        ]
        .into_iter()
        .map(|(measure, value)| OutcomeInput {
            measure: measure.into(),
            value,
            unit: None,
            name: None,
            encounter_id: None,
            recorded_at: Some(at.clone()),
        })
        .collect();
        visits.push(NewVisit {
            encounter: EncounterInput {
                kind: if visit == 0 { "assessment" } else { "follow-up" }.into(),
                occurred_at: Some(at),
                notes: None,
            },
            pain_drawing,
            findings: vec![finding],
            outcomes,
        });
        pain = pain.saturating_sub(1 + rng.below(3));
        threshold += 0.3 + rng.below(5) as f64 / 10.0;
    }
    Ok(NewPatient {
        demographics,
        visits,
        outcomes: Vec::new(),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
