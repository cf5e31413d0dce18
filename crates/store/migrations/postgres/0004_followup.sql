-- Follow-up, PostgreSQL: adverse events recorded against a procedure (every edit raises the version) and the
-- follow-up checks a procedure schedules. Same file name and shape in ../sqlite.

CREATE TABLE adverse_events (
    id uuid PRIMARY KEY,
    procedure_id uuid NOT NULL REFERENCES procedures (id),
    patient_id uuid NOT NULL REFERENCES patients (id),
    -- A side-effect id of catalog/side-effects.toml.
    effect text NOT NULL,
    site text,
    onset date NOT NULL,
    severity text NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe', 'serious')),
    -- The actions taken, as a list of text.
    actions jsonb NOT NULL,
    resolved_on date,
    notes text,
    version bigint NOT NULL CHECK (version >= 1),
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    CHECK (resolved_on IS NULL OR resolved_on >= onset)
);
CREATE INDEX adverse_events_procedure ON adverse_events (procedure_id, onset);
CREATE INDEX adverse_events_patient ON adverse_events (patient_id, onset);

CREATE TABLE followups (
    id uuid PRIMARY KEY,
    procedure_id uuid NOT NULL REFERENCES procedures (id),
    patient_id uuid NOT NULL REFERENCES patients (id),
    -- The check rule id of catalog/followup.toml and its kind.
    check_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('call', 'review', 'outcome')),
    name text NOT NULL,
    purpose text NOT NULL,
    due_from date NOT NULL,
    due_by date NOT NULL,
    -- The sources the rule cites (a list) and its confidence.
    sources jsonb NOT NULL,
    confidence text NOT NULL,
    -- The clinician the check falls to: who did the procedure.
    clinician_id uuid NOT NULL REFERENCES users (id),
    completed_encounter_id uuid REFERENCES encounters (id),
    completed_by uuid REFERENCES users (id),
    completed_at timestamptz,
    created_at timestamptz NOT NULL,
    CHECK (due_by >= due_from),
    CHECK ((completed_encounter_id IS NULL) = (completed_at IS NULL))
);
CREATE INDEX followups_due ON followups (due_by) WHERE completed_at IS NULL;
CREATE INDEX followups_procedure ON followups (procedure_id);
