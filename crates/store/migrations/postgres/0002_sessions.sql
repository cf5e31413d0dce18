-- Treatment sessions, PostgreSQL: stored treatment plans (every version kept) and the procedures done. Same file
-- name and shape in ../sqlite (the schema-parity test compares the two sets).

CREATE TABLE treatment_plans (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients (id),
    encounter_id uuid NOT NULL REFERENCES encounters (id),
    status text NOT NULL CHECK (status IN ('draft', 'signed', 'withdrawn')),
    -- What was asked (items or template, reconstitution) and the patient context it was checked against.
    input jsonb NOT NULL,
    -- The checked plan: items, totals, vials, waste, findings, codes.
    output jsonb NOT NULL,
    has_error boolean NOT NULL,
    version bigint NOT NULL CHECK (version >= 1),
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    signed_by uuid REFERENCES users (id),
    signed_at timestamptz,
    override_reason text,
    CHECK ((signed_by IS NULL) = (signed_at IS NULL)),
    CHECK (override_reason IS NULL OR signed_at IS NOT NULL)
);
CREATE INDEX treatment_plans_patient ON treatment_plans (patient_id, created_at);
CREATE INDEX treatment_plans_encounter ON treatment_plans (encounter_id);

-- Every state a plan has had, the current one included.
CREATE TABLE treatment_plan_versions (
    plan_id uuid NOT NULL REFERENCES treatment_plans (id),
    version bigint NOT NULL,
    status text NOT NULL,
    input jsonb NOT NULL,
    output jsonb NOT NULL,
    override_reason text,
    changed_by uuid NOT NULL REFERENCES users (id),
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (plan_id, version)
);

CREATE TABLE procedures (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients (id),
    encounter_id uuid NOT NULL REFERENCES encounters (id),
    plan_id uuid REFERENCES treatment_plans (id),
    started_at timestamptz NOT NULL,
    ended_at timestamptz NOT NULL,
    performed_by uuid NOT NULL REFERENCES users (id),
    -- {"obtained", "risks_discussed", "by"}
    consent jsonb NOT NULL,
    complications jsonb NOT NULL,
    -- ICD-10-CM codes the clinician chose for the encounter.
    diagnoses jsonb NOT NULL,
    -- Derived from what was done (sites), never from the plan.
    codes jsonb NOT NULL,
    findings jsonb NOT NULL,
    notes text,
    version bigint NOT NULL CHECK (version >= 1),
    created_at timestamptz NOT NULL,
    CHECK (ended_at >= started_at)
);
CREATE INDEX procedures_patient ON procedures (patient_id, started_at);
CREATE INDEX procedures_encounter ON procedures (encounter_id);

-- One row per muscle and side treated: what the history rules read.
CREATE TABLE procedure_sites (
    procedure_id uuid NOT NULL REFERENCES procedures (id),
    position bigint NOT NULL,
    muscle text NOT NULL,
    side text CHECK (side IS NULL OR side IN ('left', 'right')),
    site text,
    kind text NOT NULL CHECK (kind IN ('injection', 'dry-needling', 'manual')),
    agent text NOT NULL,
    -- Units for a toxin, mg for an anesthetic or a steroid; none for dry needling or manual therapy.
    amount double precision CHECK (amount IS NULL OR amount > 0),
    amount_unit text CHECK (amount_unit IS NULL OR amount_unit IN ('U', 'mg')),
    volume_ml double precision,
    concentration_percent double precision,
    points bigint NOT NULL CHECK (points >= 1),
    needle text,
    guidance text CHECK (guidance IS NULL OR guidance IN ('landmark', 'ultrasound', 'emg')),
    technique text,
    lot text,
    expiry date,
    reconstitution_ml double precision,
    vial_units double precision,
    PRIMARY KEY (procedure_id, position)
);
