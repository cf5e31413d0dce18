-- Patient check-in links, PostgreSQL: a clinician sends a patient a private link that expires; the patient answers
-- a short form without an account. The link's token is stored only as its SHA-256 hash, never in clear. Same file
-- name and shape in ../sqlite.

CREATE TABLE checkin_links (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients (id),
    token_hash text NOT NULL UNIQUE,
    -- A random key the check-in form carries back (its CSRF token), bound to this link alone.
    form_key text NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    revoked_at timestamptz,
    revoked_by uuid REFERENCES users (id),
    CHECK (expires_at > created_at),
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE INDEX checkin_links_patient ON checkin_links (patient_id, created_at);

-- What the patient reported through a link: always patient-reported and flagged for review until a clinician
-- marks it reviewed. The existing outcome, adverse-event and adherence tables need a user as author (and an
-- adverse event a procedure and a severity), so these answers stay here, beside the record, not in it.
CREATE TABLE checkin_reports (
    id uuid PRIMARY KEY,
    link_id uuid NOT NULL UNIQUE REFERENCES checkin_links (id),
    patient_id uuid NOT NULL REFERENCES patients (id),
    source text NOT NULL CHECK (source IN ('patient-reported')),
    submitted_at timestamptz NOT NULL,
    pain_nrs bigint NOT NULL CHECK (pain_nrs BETWEEN 0 AND 10),
    -- Side-effect ids of catalog/side-effects.toml, as a list of text.
    side_effects jsonb NOT NULL,
    adherence_percent bigint CHECK (adherence_percent BETWEEN 0 AND 100),
    -- The pain drawing as a list of {region, side, intensity}.
    pain_drawing jsonb NOT NULL,
    note text,
    needs_review boolean NOT NULL,
    reviewed_by uuid REFERENCES users (id),
    reviewed_at timestamptz,
    CHECK (needs_review = (reviewed_at IS NULL)),
    CHECK ((reviewed_by IS NULL) = (reviewed_at IS NULL))
);
CREATE INDEX checkin_reports_patient ON checkin_reports (patient_id, submitted_at);
CREATE INDEX checkin_reports_review ON checkin_reports (submitted_at) WHERE needs_review;
