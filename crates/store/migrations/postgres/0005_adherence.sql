-- Self-care adherence, PostgreSQL: how much of the home programme the patient reports having done, as a share of
-- the days since the last report, optionally against the procedure whose sheet it follows. Same file name in
-- ../sqlite.

CREATE TABLE selfcare_adherence (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES patients (id),
    procedure_id uuid REFERENCES procedures (id),
    recorded_on date NOT NULL,
    percent_of_days bigint NOT NULL CHECK (percent_of_days BETWEEN 0 AND 100),
    notes text,
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL
);
CREATE INDEX selfcare_adherence_patient ON selfcare_adherence (patient_id, recorded_on);
