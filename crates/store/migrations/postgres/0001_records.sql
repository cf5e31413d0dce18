-- Taut records, PostgreSQL. Never edit a landed migration; add a new one with the same file name in
-- ../sqlite as well (the schema-parity test compares the two sets).
-- Native types: uuid ids, timestamptz instants, date birth dates, jsonb lists, boolean flags.

CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;

CREATE TABLE users (
    id uuid PRIMARY KEY,
    username text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'clinician', 'assistant', 'auditor')),
    profession text NOT NULL CHECK (profession IN ('physician', 'nurse-practitioner', 'physician-assistant',
        'physical-therapist', 'massage-therapist', 'other')),
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE patients (
    id uuid PRIMARY KEY,
    mrn text NOT NULL,
    -- The MRN as compared: NFKC, case-folded, invisible characters removed (computed by the application).
    mrn_key text COLLATE "C" NOT NULL,
    given_name text NOT NULL,
    family_name text NOT NULL,
    birth_date date NOT NULL,
    sex text NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    weight_kg double precision CHECK (weight_kg IS NULL OR (weight_kg > 0 AND weight_kg <= 500)),
    allergies jsonb NOT NULL,
    conditions jsonb NOT NULL,
    medications jsonb NOT NULL,
    notes text,
    version bigint NOT NULL CHECK (version >= 1),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
    deleted_at timestamptz,
    delete_reason text,
    -- Lower-cased by the application (Unicode-aware on both engines): MRN and names for search, names for order.
    search_key text NOT NULL,
    family_key text COLLATE "C" NOT NULL,
    given_key text COLLATE "C" NOT NULL,
    CHECK ((deleted_at IS NULL) = (delete_reason IS NULL))
);
-- An MRN names one live patient; a deleted record releases it.
CREATE UNIQUE INDEX patients_mrn_live ON patients (mrn_key) WHERE deleted_at IS NULL;
-- Substring search by trigram; listing and keyset pagination by name.
CREATE INDEX patients_search ON patients USING gin (search_key public.gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX patients_by_name ON patients (family_key, given_key, id) WHERE deleted_at IS NULL;

-- Every state a patient record has had, the current one included: edits and deletes never lose data.
CREATE TABLE patient_versions (
    patient_id uuid NOT NULL REFERENCES patients (id),
    version bigint NOT NULL,
    record jsonb NOT NULL,
    deleted_at timestamptz,
    delete_reason text,
    changed_by uuid NOT NULL REFERENCES users (id),
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (patient_id, version)
);

CREATE TABLE encounters (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients (id),
    kind text NOT NULL CHECK (kind IN ('assessment', 'procedure', 'follow-up')),
    occurred_at timestamptz NOT NULL,
    clinician_id uuid NOT NULL REFERENCES users (id),
    notes text,
    created_at timestamptz NOT NULL
);
CREATE INDEX encounters_patient ON encounters (patient_id, occurred_at);

CREATE TABLE pain_marks (
    id uuid PRIMARY KEY,
    encounter_id uuid NOT NULL REFERENCES encounters (id),
    region text NOT NULL,
    side text CHECK (side IS NULL OR side IN ('left', 'right', 'both')),
    intensity bigint NOT NULL CHECK (intensity BETWEEN 0 AND 10),
    quality text,
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL
);
CREATE INDEX pain_marks_encounter ON pain_marks (encounter_id);

CREATE TABLE findings (
    id uuid PRIMARY KEY,
    encounter_id uuid NOT NULL REFERENCES encounters (id),
    trigger_point text NOT NULL,
    muscle text NOT NULL,
    side text CHECK (side IS NULL OR side IN ('left', 'right')),
    taut_band text NOT NULL CHECK (taut_band IN ('yes', 'no', 'not-assessed')),
    spot_tenderness text NOT NULL CHECK (spot_tenderness IN ('yes', 'no', 'not-assessed')),
    referred_pain text NOT NULL CHECK (referred_pain IN ('yes', 'no', 'not-assessed')),
    pain_recognised text NOT NULL CHECK (pain_recognised IN ('yes', 'no', 'not-assessed')),
    local_twitch text NOT NULL CHECK (local_twitch IN ('yes', 'no', 'not-assessed')),
    jump_sign text NOT NULL CHECK (jump_sign IN ('yes', 'no', 'not-assessed')),
    pressure_threshold_kg_cm2 double precision CHECK (pressure_threshold_kg_cm2 IS NULL OR pressure_threshold_kg_cm2 > 0),
    notes text,
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL
);
CREATE INDEX findings_encounter ON findings (encounter_id);

CREATE TABLE outcomes (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients (id),
    encounter_id uuid REFERENCES encounters (id),
    measure text NOT NULL CHECK (measure IN ('pain-nrs', 'pressure-pain-threshold', 'range-of-motion', 'other')),
    name text,
    value double precision NOT NULL,
    unit text NOT NULL,
    recorded_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL
);
CREATE INDEX outcomes_patient ON outcomes (patient_id, recorded_at);

-- The audit trail. Requests append events in the transaction of the access they record (no global lock);
-- the sealer alone writes audit_chain and audit_seals. Nothing updates or deletes any of the three.
CREATE TABLE audit_events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    at timestamptz NOT NULL,
    actor_id uuid,
    actor text NOT NULL,
    action text NOT NULL,
    patient_id uuid,
    record_type text NOT NULL,
    record_id text,
    details jsonb,
    -- The writing transaction: the sealer takes only events of transactions older than every one still running.
    xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX audit_events_patient ON audit_events (patient_id, seq);
CREATE INDEX audit_events_xid ON audit_events (xid);

-- The order in which events were sealed, each with the chained hash up to and including it.
CREATE TABLE audit_chain (
    position bigint PRIMARY KEY,
    seq bigint NOT NULL UNIQUE REFERENCES audit_events (seq),
    batch bigint NOT NULL,
    hash text NOT NULL
);

-- One row per sealed batch: the chain's hash at its last position, signed with the clinic's key (HMAC-SHA256).
CREATE TABLE audit_seals (
    batch bigint PRIMARY KEY,
    last_position bigint NOT NULL UNIQUE,
    root text NOT NULL,
    -- Every event of a transaction id below this horizon is sealed, in this batch or an earlier one.
    horizon bigint NOT NULL,
    sealed_at timestamptz NOT NULL,
    key_id text NOT NULL,
    signature text NOT NULL
);

CREATE FUNCTION taut_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION taut_audit_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION taut_audit_append_only();
CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION taut_audit_append_only();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION taut_audit_append_only();
CREATE TRIGGER audit_seals_append_only BEFORE UPDATE OR DELETE ON audit_seals
    FOR EACH ROW EXECUTE FUNCTION taut_audit_append_only();
CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals
    FOR EACH STATEMENT EXECUTE FUNCTION taut_audit_append_only();
-- Roles other than the owner get no way to rewrite the trail either (see docs/operations.md for the app role).
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_chain, audit_seals FROM PUBLIC;
