-- Taut records, version 1. Never edit a landed migration; add a new one.
-- Ids are UUIDv7 text, timestamps UTC RFC 3339 text with microseconds (text order is time order), booleans
-- 0/1 integers, lists JSON text: the same types on SQLite and PostgreSQL through sqlx's Any driver.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'clinician', 'assistant', 'auditor')),
    profession TEXT NOT NULL CHECK (profession IN ('physician', 'nurse-practitioner', 'physician-assistant',
        'physical-therapist', 'massage-therapist', 'other')),
    disabled BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE patients (
    id TEXT PRIMARY KEY,
    mrn TEXT NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    weight_kg DOUBLE PRECISION CHECK (weight_kg IS NULL OR (weight_kg > 0 AND weight_kg <= 500)),
    allergies TEXT NOT NULL,
    conditions TEXT NOT NULL,
    medications TEXT NOT NULL,
    notes TEXT,
    version BIGINT NOT NULL CHECK (version >= 1),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users (id),
    deleted_at TEXT,
    delete_reason TEXT,
    -- MRN and names lower-cased by the application (Unicode-aware on both engines), for search.
    search_key TEXT NOT NULL,
    CHECK ((deleted_at IS NULL) = (delete_reason IS NULL))
);
-- An MRN names one live patient; a deleted record releases it.
CREATE UNIQUE INDEX patients_mrn_live ON patients (mrn) WHERE deleted_at IS NULL;
CREATE INDEX patients_family_name ON patients (family_name);

-- Every state a patient record has had, the current one included: edits and deletes never lose data.
CREATE TABLE patient_versions (
    patient_id TEXT NOT NULL REFERENCES patients (id),
    version BIGINT NOT NULL,
    record TEXT NOT NULL,
    deleted_at TEXT,
    delete_reason TEXT,
    changed_by TEXT NOT NULL REFERENCES users (id),
    changed_at TEXT NOT NULL,
    PRIMARY KEY (patient_id, version)
);

CREATE TABLE encounters (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    kind TEXT NOT NULL CHECK (kind IN ('assessment', 'procedure', 'follow-up')),
    occurred_at TEXT NOT NULL,
    clinician_id TEXT NOT NULL REFERENCES users (id),
    notes TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX encounters_patient ON encounters (patient_id, occurred_at);

CREATE TABLE pain_marks (
    id TEXT PRIMARY KEY,
    encounter_id TEXT NOT NULL REFERENCES encounters (id),
    region TEXT NOT NULL,
    side TEXT CHECK (side IS NULL OR side IN ('left', 'right', 'both')),
    intensity BIGINT NOT NULL CHECK (intensity BETWEEN 0 AND 10),
    quality TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX pain_marks_encounter ON pain_marks (encounter_id);

CREATE TABLE findings (
    id TEXT PRIMARY KEY,
    encounter_id TEXT NOT NULL REFERENCES encounters (id),
    trigger_point TEXT NOT NULL,
    muscle TEXT NOT NULL,
    side TEXT CHECK (side IS NULL OR side IN ('left', 'right')),
    taut_band TEXT NOT NULL CHECK (taut_band IN ('yes', 'no', 'not-assessed')),
    spot_tenderness TEXT NOT NULL CHECK (spot_tenderness IN ('yes', 'no', 'not-assessed')),
    referred_pain TEXT NOT NULL CHECK (referred_pain IN ('yes', 'no', 'not-assessed')),
    pain_recognised TEXT NOT NULL CHECK (pain_recognised IN ('yes', 'no', 'not-assessed')),
    local_twitch TEXT NOT NULL CHECK (local_twitch IN ('yes', 'no', 'not-assessed')),
    jump_sign TEXT NOT NULL CHECK (jump_sign IN ('yes', 'no', 'not-assessed')),
    pressure_threshold_kg_cm2 DOUBLE PRECISION CHECK (pressure_threshold_kg_cm2 IS NULL OR pressure_threshold_kg_cm2 > 0),
    notes TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX findings_encounter ON findings (encounter_id);

CREATE TABLE outcomes (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    encounter_id TEXT REFERENCES encounters (id),
    measure TEXT NOT NULL CHECK (measure IN ('pain-nrs', 'pressure-pain-threshold', 'range-of-motion', 'other')),
    name TEXT,
    value DOUBLE PRECISION NOT NULL,
    unit TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX outcomes_patient ON outcomes (patient_id, recorded_at);

-- Filled by the planning and procedure issues; created now so that records reference them from the start.
CREATE TABLE treatment_plans (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    encounter_id TEXT REFERENCES encounters (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'signed', 'withdrawn')),
    plan TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    signed_by TEXT REFERENCES users (id),
    signed_at TEXT
);

CREATE TABLE procedures (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    encounter_id TEXT NOT NULL REFERENCES encounters (id),
    plan_id TEXT REFERENCES treatment_plans (id),
    kind TEXT NOT NULL CHECK (kind IN ('injection', 'dry-needling', 'manual-therapy')),
    record TEXT NOT NULL,
    performed_by TEXT NOT NULL REFERENCES users (id),
    performed_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE adverse_events (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    procedure_id TEXT REFERENCES procedures (id),
    description TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe')),
    onset_at TEXT NOT NULL,
    resolved_at TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);

-- Append-only, hash-chained: hash = SHA-256 over the previous hash and this entry's fields.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    actor_id TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    patient_id TEXT,
    record_type TEXT NOT NULL,
    record_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_patient ON audit_log (patient_id, seq);

-- The last entry's number and hash, updated with every append: removing entries from the end of the chain
-- leaves the head pointing past it.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
