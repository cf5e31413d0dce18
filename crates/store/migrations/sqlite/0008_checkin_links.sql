-- Patient check-in links, SQLite: a clinician sends a patient a private link that expires; the patient answers a
-- short form without an account. The link's token is stored only as its SHA-256 hash, never in clear. Same file
-- name and shape in ../postgres.

CREATE TABLE checkin_links (
    id BLOB PRIMARY KEY,
    patient_id BLOB NOT NULL REFERENCES patients (id),
    token_hash TEXT NOT NULL UNIQUE,
    -- A random key the check-in form carries back (its CSRF token), bound to this link alone.
    form_key TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    revoked_at TEXT,
    revoked_by BLOB REFERENCES users (id),
    CHECK (expires_at > created_at),
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE INDEX checkin_links_patient ON checkin_links (patient_id, created_at);

-- What the patient reported through a link: always patient-reported and flagged for review until a clinician
-- marks it reviewed. The existing outcome, adverse-event and adherence tables need a user as author (and an
-- adverse event a procedure and a severity), so these answers stay here, beside the record, not in it.
CREATE TABLE checkin_reports (
    id BLOB PRIMARY KEY,
    link_id BLOB NOT NULL UNIQUE REFERENCES checkin_links (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    source TEXT NOT NULL CHECK (source IN ('patient-reported')),
    submitted_at TEXT NOT NULL,
    pain_nrs INTEGER NOT NULL CHECK (pain_nrs BETWEEN 0 AND 10),
    -- Side-effect ids of catalog/side-effects.toml, as a list of text.
    side_effects TEXT NOT NULL,
    adherence_percent INTEGER CHECK (adherence_percent BETWEEN 0 AND 100),
    -- The pain drawing as a list of {region, side, intensity}.
    pain_drawing TEXT NOT NULL,
    note TEXT,
    needs_review INTEGER NOT NULL CHECK (needs_review IN (0, 1)),
    reviewed_by BLOB REFERENCES users (id),
    reviewed_at TEXT,
    CHECK (needs_review = (reviewed_at IS NULL)),
    CHECK ((reviewed_by IS NULL) = (reviewed_at IS NULL))
);
CREATE INDEX checkin_reports_patient ON checkin_reports (patient_id, submitted_at);
CREATE INDEX checkin_reports_review ON checkin_reports (submitted_at) WHERE needs_review = 1;
