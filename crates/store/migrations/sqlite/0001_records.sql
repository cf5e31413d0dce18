-- Taut records, SQLite. Never edit a landed migration; add a new one with the same file name in ../postgres
-- as well (the schema-parity test compares the two sets).
-- Types as sqlx writes them here: uuid ids as 16-byte BLOBs, instants as fixed-width UTC text with microseconds
-- (text order is time order), dates as YYYY-MM-DD text, lists as JSON text, flags as 0/1.

CREATE TABLE users (
    id BLOB PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'clinician', 'assistant', 'auditor')),
    profession TEXT NOT NULL CHECK (profession IN ('physician', 'nurse-practitioner', 'physician-assistant',
        'physical-therapist', 'massage-therapist', 'other')),
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE patients (
    id BLOB PRIMARY KEY,
    mrn TEXT NOT NULL,
    mrn_key TEXT NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    weight_kg REAL CHECK (weight_kg IS NULL OR (weight_kg > 0 AND weight_kg <= 500)),
    allergies TEXT NOT NULL,
    conditions TEXT NOT NULL,
    medications TEXT NOT NULL,
    notes TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    deleted_at TEXT,
    delete_reason TEXT,
    search_key TEXT NOT NULL,
    family_key TEXT NOT NULL,
    given_key TEXT NOT NULL,
    CHECK ((deleted_at IS NULL) = (delete_reason IS NULL))
);
CREATE UNIQUE INDEX patients_mrn_live ON patients (mrn_key) WHERE deleted_at IS NULL;
-- Name order for listing and keyset pages; it carries the search key, so a common search term is filtered
-- while walking the index without reading the table.
CREATE INDEX patients_by_name ON patients (family_key, given_key, id, search_key) WHERE deleted_at IS NULL;
-- Substring search by trigram (FTS5), kept in step with the table by triggers.
CREATE VIRTUAL TABLE patients_search USING fts5 (search_key, content = 'patients', content_rowid = 'rowid',
    tokenize = 'trigram');
CREATE TRIGGER patients_search_insert AFTER INSERT ON patients BEGIN
    INSERT INTO patients_search (rowid, search_key) VALUES (new.rowid, new.search_key);
END;
CREATE TRIGGER patients_search_update AFTER UPDATE OF search_key ON patients BEGIN
    INSERT INTO patients_search (patients_search, rowid, search_key) VALUES ('delete', old.rowid, old.search_key);
    INSERT INTO patients_search (rowid, search_key) VALUES (new.rowid, new.search_key);
END;

CREATE TABLE patient_versions (
    patient_id BLOB NOT NULL REFERENCES patients (id),
    version INTEGER NOT NULL,
    record TEXT NOT NULL,
    deleted_at TEXT,
    delete_reason TEXT,
    changed_by BLOB NOT NULL REFERENCES users (id),
    changed_at TEXT NOT NULL,
    PRIMARY KEY (patient_id, version)
);

CREATE TABLE encounters (
    id BLOB PRIMARY KEY,
    patient_id BLOB NOT NULL REFERENCES patients (id),
    kind TEXT NOT NULL CHECK (kind IN ('assessment', 'procedure', 'follow-up')),
    occurred_at TEXT NOT NULL,
    clinician_id BLOB NOT NULL REFERENCES users (id),
    notes TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX encounters_patient ON encounters (patient_id, occurred_at);

CREATE TABLE pain_marks (
    id BLOB PRIMARY KEY,
    encounter_id BLOB NOT NULL REFERENCES encounters (id),
    region TEXT NOT NULL,
    side TEXT CHECK (side IS NULL OR side IN ('left', 'right', 'both')),
    intensity INTEGER NOT NULL CHECK (intensity BETWEEN 0 AND 10),
    quality TEXT,
    created_by BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX pain_marks_encounter ON pain_marks (encounter_id);

CREATE TABLE findings (
    id BLOB PRIMARY KEY,
    encounter_id BLOB NOT NULL REFERENCES encounters (id),
    trigger_point TEXT NOT NULL,
    muscle TEXT NOT NULL,
    side TEXT CHECK (side IS NULL OR side IN ('left', 'right')),
    taut_band TEXT NOT NULL CHECK (taut_band IN ('yes', 'no', 'not-assessed')),
    spot_tenderness TEXT NOT NULL CHECK (spot_tenderness IN ('yes', 'no', 'not-assessed')),
    referred_pain TEXT NOT NULL CHECK (referred_pain IN ('yes', 'no', 'not-assessed')),
    pain_recognised TEXT NOT NULL CHECK (pain_recognised IN ('yes', 'no', 'not-assessed')),
    local_twitch TEXT NOT NULL CHECK (local_twitch IN ('yes', 'no', 'not-assessed')),
    jump_sign TEXT NOT NULL CHECK (jump_sign IN ('yes', 'no', 'not-assessed')),
    pressure_threshold_kg_cm2 REAL CHECK (pressure_threshold_kg_cm2 IS NULL OR pressure_threshold_kg_cm2 > 0),
    notes TEXT,
    created_by BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX findings_encounter ON findings (encounter_id);

CREATE TABLE outcomes (
    id BLOB PRIMARY KEY,
    patient_id BLOB NOT NULL REFERENCES patients (id),
    encounter_id BLOB REFERENCES encounters (id),
    measure TEXT NOT NULL CHECK (measure IN ('pain-nrs', 'pressure-pain-threshold', 'range-of-motion', 'other')),
    name TEXT,
    value REAL NOT NULL,
    unit TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX outcomes_patient ON outcomes (patient_id, recorded_at);

-- The audit trail (see the PostgreSQL migration). SQLite has one writer at a time, so every committed event is
-- final; AUTOINCREMENT never reuses a sequence number.
CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id BLOB NOT NULL UNIQUE,
    at TEXT NOT NULL,
    actor_id BLOB,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    patient_id BLOB,
    record_type TEXT NOT NULL,
    record_id TEXT,
    details TEXT
);
CREATE INDEX audit_events_patient ON audit_events (patient_id, seq);

CREATE TABLE audit_chain (
    position INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE REFERENCES audit_events (seq),
    batch INTEGER NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE audit_seals (
    batch INTEGER PRIMARY KEY,
    last_position INTEGER NOT NULL UNIQUE,
    root TEXT NOT NULL,
    -- Every event with a sequence number below this horizon is sealed, in this batch or an earlier one.
    horizon INTEGER NOT NULL,
    sealed_at TEXT NOT NULL,
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL
);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only: UPDATE on audit_events refused'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only: DELETE on audit_events refused'); END;
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only: UPDATE on audit_chain refused'); END;
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only: DELETE on audit_chain refused'); END;
CREATE TRIGGER audit_seals_no_update BEFORE UPDATE ON audit_seals
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only: UPDATE on audit_seals refused'); END;
CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only: DELETE on audit_seals refused'); END;
