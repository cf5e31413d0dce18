-- Self-care adherence, SQLite: how much of the home programme the patient reports having done, as a share of the
-- days since the last report, optionally against the procedure whose sheet it follows. Same file name in ../postgres.

CREATE TABLE selfcare_adherence (
    id BLOB PRIMARY KEY,
    patient_id BLOB NOT NULL REFERENCES patients (id),
    procedure_id BLOB REFERENCES procedures (id),
    recorded_on TEXT NOT NULL,
    percent_of_days INTEGER NOT NULL CHECK (percent_of_days BETWEEN 0 AND 100),
    notes TEXT,
    created_by BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX selfcare_adherence_patient ON selfcare_adherence (patient_id, recorded_on);
