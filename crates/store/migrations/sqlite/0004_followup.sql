-- Follow-up, SQLite: adverse events recorded against a procedure (every edit raises the version) and the
-- follow-up checks a procedure schedules. Same file name and shape in ../postgres.

CREATE TABLE adverse_events (
    id BLOB PRIMARY KEY,
    procedure_id BLOB NOT NULL REFERENCES procedures (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    -- A side-effect id of catalog/side-effects.toml.
    effect TEXT NOT NULL,
    site TEXT,
    onset TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe', 'serious')),
    -- The actions taken, as a list of text.
    actions TEXT NOT NULL,
    resolved_on TEXT,
    notes TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    created_by BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    CHECK (resolved_on IS NULL OR resolved_on >= onset)
);
CREATE INDEX adverse_events_procedure ON adverse_events (procedure_id, onset);
CREATE INDEX adverse_events_patient ON adverse_events (patient_id, onset);

CREATE TABLE followups (
    id BLOB PRIMARY KEY,
    procedure_id BLOB NOT NULL REFERENCES procedures (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    -- The check rule id of catalog/followup.toml and its kind.
    check_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('call', 'review', 'outcome')),
    name TEXT NOT NULL,
    purpose TEXT NOT NULL,
    due_from TEXT NOT NULL,
    due_by TEXT NOT NULL,
    -- The sources the rule cites (a list) and its confidence.
    sources TEXT NOT NULL,
    confidence TEXT NOT NULL,
    -- The clinician the check falls to: who did the procedure.
    clinician_id BLOB NOT NULL REFERENCES users (id),
    completed_encounter_id BLOB REFERENCES encounters (id),
    completed_by BLOB REFERENCES users (id),
    completed_at TEXT,
    created_at TEXT NOT NULL,
    CHECK (due_by >= due_from),
    CHECK ((completed_encounter_id IS NULL) = (completed_at IS NULL))
);
CREATE INDEX followups_due ON followups (due_by) WHERE completed_at IS NULL;
CREATE INDEX followups_procedure ON followups (procedure_id);
