-- Treatment sessions, SQLite: stored treatment plans (every version kept) and the procedures done. Same file
-- name and shape in ../postgres (the schema-parity test compares the two sets).

CREATE TABLE treatment_plans (
    id BLOB PRIMARY KEY,
    patient_id BLOB NOT NULL REFERENCES patients (id),
    encounter_id BLOB NOT NULL REFERENCES encounters (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'signed', 'withdrawn')),
    -- What was asked (items or template, reconstitution) and the patient context it was checked against.
    input TEXT NOT NULL,
    -- The checked plan: items, totals, vials, waste, findings, codes.
    output TEXT NOT NULL,
    has_error INTEGER NOT NULL CHECK (has_error IN (0, 1)),
    version INTEGER NOT NULL CHECK (version >= 1),
    created_by BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    signed_by BLOB REFERENCES users (id),
    signed_at TEXT,
    override_reason TEXT,
    CHECK ((signed_by IS NULL) = (signed_at IS NULL)),
    CHECK (override_reason IS NULL OR signed_at IS NOT NULL)
);
CREATE INDEX treatment_plans_patient ON treatment_plans (patient_id, created_at);
CREATE INDEX treatment_plans_encounter ON treatment_plans (encounter_id);

-- Every state a plan has had, the current one included.
CREATE TABLE treatment_plan_versions (
    plan_id BLOB NOT NULL REFERENCES treatment_plans (id),
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT NOT NULL,
    override_reason TEXT,
    changed_by BLOB NOT NULL REFERENCES users (id),
    changed_at TEXT NOT NULL,
    PRIMARY KEY (plan_id, version)
);

CREATE TABLE procedures (
    id BLOB PRIMARY KEY,
    patient_id BLOB NOT NULL REFERENCES patients (id),
    encounter_id BLOB NOT NULL REFERENCES encounters (id),
    plan_id BLOB REFERENCES treatment_plans (id),
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    performed_by BLOB NOT NULL REFERENCES users (id),
    -- {"obtained", "risks_discussed", "by"}
    consent TEXT NOT NULL,
    complications TEXT NOT NULL,
    -- ICD-10-CM codes the clinician chose for the encounter.
    diagnoses TEXT NOT NULL,
    -- Derived from what was done (sites), never from the plan.
    codes TEXT NOT NULL,
    findings TEXT NOT NULL,
    notes TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    created_at TEXT NOT NULL,
    CHECK (ended_at >= started_at)
);
CREATE INDEX procedures_patient ON procedures (patient_id, started_at);
CREATE INDEX procedures_encounter ON procedures (encounter_id);

-- One row per muscle and side treated: what the history rules read.
CREATE TABLE procedure_sites (
    procedure_id BLOB NOT NULL REFERENCES procedures (id),
    position INTEGER NOT NULL,
    muscle TEXT NOT NULL,
    side TEXT CHECK (side IS NULL OR side IN ('left', 'right')),
    site TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('injection', 'dry-needling', 'manual')),
    agent TEXT NOT NULL,
    -- Units for a toxin, mg for an anesthetic or a steroid; none for dry needling or manual therapy.
    amount REAL CHECK (amount IS NULL OR amount > 0),
    amount_unit TEXT CHECK (amount_unit IS NULL OR amount_unit IN ('U', 'mg')),
    volume_ml REAL,
    concentration_percent REAL,
    points INTEGER NOT NULL CHECK (points >= 1),
    needle TEXT,
    guidance TEXT CHECK (guidance IS NULL OR guidance IN ('landmark', 'ultrasound', 'emg')),
    technique TEXT,
    lot TEXT,
    expiry TEXT,
    reconstitution_ml REAL,
    vial_units REAL,
    PRIMARY KEY (procedure_id, position)
);
