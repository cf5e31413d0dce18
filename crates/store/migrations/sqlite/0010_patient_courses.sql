-- Each patient's course (what the timeline shows), SQLite: kept assembled on write, as on PostgreSQL (same file
-- name in ../postgres), so that the busiest clinical read takes one row instead of assembling eight JSON arrays.
--
-- patient_course_view assembles a patient's course: per kind, the JSON array of its records in timeline order,
-- each with the columns its kind's SELECT in crates/store/src (ENCOUNTER, PAIN_MARK, …) reads; ids are 16-byte
-- blobs carried as hex, reals printed with 17 digits so they read back exactly, JSON columns nested. A migration
-- that adds a column to one of these kinds recreates the view with it and ends by rebuilding every course:
--     INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
--     WHERE patient_id IN (SELECT patient_id FROM patient_courses);
-- (a test holds that the view names every column of each kind's SELECT). A patient with no row has recorded
-- nothing: the first record's trigger creates it. SQLite has one writer, so a rebuild always sees every
-- committed record; an import (crates/store/src/bulk.rs) holds a row in course_deferrals while it inserts, and
-- rebuilds each of its patients once at the end.

CREATE TABLE patient_courses (
    patient_id BLOB PRIMARY KEY REFERENCES patients (id),
    encounters TEXT NOT NULL,
    pain_marks TEXT NOT NULL,
    findings TEXT NOT NULL,
    plans TEXT NOT NULL,
    procedures TEXT NOT NULL,
    sites TEXT NOT NULL,
    amendments TEXT NOT NULL,
    outcomes TEXT NOT NULL
);

CREATE TABLE course_deferrals (deferred INTEGER PRIMARY KEY CHECK (deferred = 1));

CREATE VIEW patient_course_view AS SELECT owner.id AS patient_id,
    (SELECT json_group_array(json_object('id', CASE typeof(t.id) WHEN 'blob' THEN hex(t.id) WHEN 'real' THEN json(printf('%!.17g', t.id)) ELSE t.id END, 'patient_id', CASE typeof(t.patient_id) WHEN 'blob' THEN hex(t.patient_id) WHEN 'real' THEN json(printf('%!.17g', t.patient_id)) ELSE t.patient_id END, 'kind', CASE typeof(t.kind) WHEN 'blob' THEN hex(t.kind) WHEN 'real' THEN json(printf('%!.17g', t.kind)) ELSE t.kind END, 'occurred_at', CASE typeof(t.occurred_at) WHEN 'blob' THEN hex(t.occurred_at) WHEN 'real' THEN json(printf('%!.17g', t.occurred_at)) ELSE t.occurred_at END, 'clinician_id', CASE typeof(t.clinician_id) WHEN 'blob' THEN hex(t.clinician_id) WHEN 'real' THEN json(printf('%!.17g', t.clinician_id)) ELSE t.clinician_id END, 'notes', CASE typeof(t.notes) WHEN 'blob' THEN hex(t.notes) WHEN 'real' THEN json(printf('%!.17g', t.notes)) ELSE t.notes END, 'created_at', CASE typeof(t.created_at) WHEN 'blob' THEN hex(t.created_at) WHEN 'real' THEN json(printf('%!.17g', t.created_at)) ELSE t.created_at END) ORDER BY t.occurred_at, t.id) FROM (SELECT id, patient_id, kind, occurred_at, clinician_id, notes, created_at FROM encounters WHERE patient_id = owner.id) t) AS encounters,
    (SELECT json_group_array(json_object('id', CASE typeof(t.id) WHEN 'blob' THEN hex(t.id) WHEN 'real' THEN json(printf('%!.17g', t.id)) ELSE t.id END, 'encounter_id', CASE typeof(t.encounter_id) WHEN 'blob' THEN hex(t.encounter_id) WHEN 'real' THEN json(printf('%!.17g', t.encounter_id)) ELSE t.encounter_id END, 'region', CASE typeof(t.region) WHEN 'blob' THEN hex(t.region) WHEN 'real' THEN json(printf('%!.17g', t.region)) ELSE t.region END, 'side', CASE typeof(t.side) WHEN 'blob' THEN hex(t.side) WHEN 'real' THEN json(printf('%!.17g', t.side)) ELSE t.side END, 'intensity', CASE typeof(t.intensity) WHEN 'blob' THEN hex(t.intensity) WHEN 'real' THEN json(printf('%!.17g', t.intensity)) ELSE t.intensity END, 'quality', CASE typeof(t.quality) WHEN 'blob' THEN hex(t.quality) WHEN 'real' THEN json(printf('%!.17g', t.quality)) ELSE t.quality END, 'created_at', CASE typeof(t.created_at) WHEN 'blob' THEN hex(t.created_at) WHEN 'real' THEN json(printf('%!.17g', t.created_at)) ELSE t.created_at END) ORDER BY t.created_at, t.id) FROM (SELECT m.id, m.encounter_id, m.region, m.side, m.intensity, m.quality, m.created_at FROM pain_marks m JOIN encounters e ON e.id = m.encounter_id WHERE e.patient_id = owner.id) t) AS pain_marks,
    (SELECT json_group_array(json_object('id', CASE typeof(t.id) WHEN 'blob' THEN hex(t.id) WHEN 'real' THEN json(printf('%!.17g', t.id)) ELSE t.id END, 'encounter_id', CASE typeof(t.encounter_id) WHEN 'blob' THEN hex(t.encounter_id) WHEN 'real' THEN json(printf('%!.17g', t.encounter_id)) ELSE t.encounter_id END, 'trigger_point', CASE typeof(t.trigger_point) WHEN 'blob' THEN hex(t.trigger_point) WHEN 'real' THEN json(printf('%!.17g', t.trigger_point)) ELSE t.trigger_point END, 'muscle', CASE typeof(t.muscle) WHEN 'blob' THEN hex(t.muscle) WHEN 'real' THEN json(printf('%!.17g', t.muscle)) ELSE t.muscle END, 'side', CASE typeof(t.side) WHEN 'blob' THEN hex(t.side) WHEN 'real' THEN json(printf('%!.17g', t.side)) ELSE t.side END, 'taut_band', CASE typeof(t.taut_band) WHEN 'blob' THEN hex(t.taut_band) WHEN 'real' THEN json(printf('%!.17g', t.taut_band)) ELSE t.taut_band END, 'spot_tenderness', CASE typeof(t.spot_tenderness) WHEN 'blob' THEN hex(t.spot_tenderness) WHEN 'real' THEN json(printf('%!.17g', t.spot_tenderness)) ELSE t.spot_tenderness END, 'referred_pain', CASE typeof(t.referred_pain) WHEN 'blob' THEN hex(t.referred_pain) WHEN 'real' THEN json(printf('%!.17g', t.referred_pain)) ELSE t.referred_pain END, 'pain_recognised', CASE typeof(t.pain_recognised) WHEN 'blob' THEN hex(t.pain_recognised) WHEN 'real' THEN json(printf('%!.17g', t.pain_recognised)) ELSE t.pain_recognised END, 'local_twitch', CASE typeof(t.local_twitch) WHEN 'blob' THEN hex(t.local_twitch) WHEN 'real' THEN json(printf('%!.17g', t.local_twitch)) ELSE t.local_twitch END, 'jump_sign', CASE typeof(t.jump_sign) WHEN 'blob' THEN hex(t.jump_sign) WHEN 'real' THEN json(printf('%!.17g', t.jump_sign)) ELSE t.jump_sign END, 'pressure_threshold_kg_cm2', CASE typeof(t.pressure_threshold_kg_cm2) WHEN 'blob' THEN hex(t.pressure_threshold_kg_cm2) WHEN 'real' THEN json(printf('%!.17g', t.pressure_threshold_kg_cm2)) ELSE t.pressure_threshold_kg_cm2 END, 'notes', CASE typeof(t.notes) WHEN 'blob' THEN hex(t.notes) WHEN 'real' THEN json(printf('%!.17g', t.notes)) ELSE t.notes END, 'created_at', CASE typeof(t.created_at) WHEN 'blob' THEN hex(t.created_at) WHEN 'real' THEN json(printf('%!.17g', t.created_at)) ELSE t.created_at END) ORDER BY t.created_at, t.id) FROM (SELECT f.id, f.encounter_id, f.trigger_point, f.muscle, f.side, f.taut_band, f.spot_tenderness, f.referred_pain, f.pain_recognised, f.local_twitch, f.jump_sign, f.pressure_threshold_kg_cm2, f.notes, f.created_at FROM findings f JOIN encounters e ON e.id = f.encounter_id WHERE e.patient_id = owner.id) t) AS findings,
    (SELECT json_group_array(json_object('id', CASE typeof(t.id) WHEN 'blob' THEN hex(t.id) WHEN 'real' THEN json(printf('%!.17g', t.id)) ELSE t.id END, 'patient_id', CASE typeof(t.patient_id) WHEN 'blob' THEN hex(t.patient_id) WHEN 'real' THEN json(printf('%!.17g', t.patient_id)) ELSE t.patient_id END, 'encounter_id', CASE typeof(t.encounter_id) WHEN 'blob' THEN hex(t.encounter_id) WHEN 'real' THEN json(printf('%!.17g', t.encounter_id)) ELSE t.encounter_id END, 'status', CASE typeof(t.status) WHEN 'blob' THEN hex(t.status) WHEN 'real' THEN json(printf('%!.17g', t.status)) ELSE t.status END, 'input', json(t.input), 'output', json(t.output), 'has_error', CASE typeof(t.has_error) WHEN 'blob' THEN hex(t.has_error) WHEN 'real' THEN json(printf('%!.17g', t.has_error)) ELSE t.has_error END, 'version', CASE typeof(t.version) WHEN 'blob' THEN hex(t.version) WHEN 'real' THEN json(printf('%!.17g', t.version)) ELSE t.version END, 'created_by', CASE typeof(t.created_by) WHEN 'blob' THEN hex(t.created_by) WHEN 'real' THEN json(printf('%!.17g', t.created_by)) ELSE t.created_by END, 'created_at', CASE typeof(t.created_at) WHEN 'blob' THEN hex(t.created_at) WHEN 'real' THEN json(printf('%!.17g', t.created_at)) ELSE t.created_at END, 'updated_by', CASE typeof(t.updated_by) WHEN 'blob' THEN hex(t.updated_by) WHEN 'real' THEN json(printf('%!.17g', t.updated_by)) ELSE t.updated_by END, 'updated_at', CASE typeof(t.updated_at) WHEN 'blob' THEN hex(t.updated_at) WHEN 'real' THEN json(printf('%!.17g', t.updated_at)) ELSE t.updated_at END, 'signed_by', CASE typeof(t.signed_by) WHEN 'blob' THEN hex(t.signed_by) WHEN 'real' THEN json(printf('%!.17g', t.signed_by)) ELSE t.signed_by END, 'signed_at', CASE typeof(t.signed_at) WHEN 'blob' THEN hex(t.signed_at) WHEN 'real' THEN json(printf('%!.17g', t.signed_at)) ELSE t.signed_at END, 'override_reason', CASE typeof(t.override_reason) WHEN 'blob' THEN hex(t.override_reason) WHEN 'real' THEN json(printf('%!.17g', t.override_reason)) ELSE t.override_reason END) ORDER BY t.created_at, t.id) FROM (SELECT id, patient_id, encounter_id, status, input, output, has_error, version, created_by, created_at, updated_by, updated_at, signed_by, signed_at, override_reason FROM treatment_plans WHERE patient_id = owner.id) t) AS plans,
    (SELECT json_group_array(json_object('id', CASE typeof(t.id) WHEN 'blob' THEN hex(t.id) WHEN 'real' THEN json(printf('%!.17g', t.id)) ELSE t.id END, 'patient_id', CASE typeof(t.patient_id) WHEN 'blob' THEN hex(t.patient_id) WHEN 'real' THEN json(printf('%!.17g', t.patient_id)) ELSE t.patient_id END, 'encounter_id', CASE typeof(t.encounter_id) WHEN 'blob' THEN hex(t.encounter_id) WHEN 'real' THEN json(printf('%!.17g', t.encounter_id)) ELSE t.encounter_id END, 'plan_id', CASE typeof(t.plan_id) WHEN 'blob' THEN hex(t.plan_id) WHEN 'real' THEN json(printf('%!.17g', t.plan_id)) ELSE t.plan_id END, 'started_at', CASE typeof(t.started_at) WHEN 'blob' THEN hex(t.started_at) WHEN 'real' THEN json(printf('%!.17g', t.started_at)) ELSE t.started_at END, 'ended_at', CASE typeof(t.ended_at) WHEN 'blob' THEN hex(t.ended_at) WHEN 'real' THEN json(printf('%!.17g', t.ended_at)) ELSE t.ended_at END, 'performed_by', CASE typeof(t.performed_by) WHEN 'blob' THEN hex(t.performed_by) WHEN 'real' THEN json(printf('%!.17g', t.performed_by)) ELSE t.performed_by END, 'consent', json(t.consent), 'complications', json(t.complications), 'diagnoses', json(t.diagnoses), 'codes', json(t.codes), 'findings', json(t.findings), 'notes', CASE typeof(t.notes) WHEN 'blob' THEN hex(t.notes) WHEN 'real' THEN json(printf('%!.17g', t.notes)) ELSE t.notes END, 'version', CASE typeof(t.version) WHEN 'blob' THEN hex(t.version) WHEN 'real' THEN json(printf('%!.17g', t.version)) ELSE t.version END, 'created_at', CASE typeof(t.created_at) WHEN 'blob' THEN hex(t.created_at) WHEN 'real' THEN json(printf('%!.17g', t.created_at)) ELSE t.created_at END) ORDER BY t.started_at, t.id) FROM (SELECT p.id, p.patient_id, p.encounter_id, p.plan_id, p.started_at, p.ended_at, p.performed_by, p.consent, p.complications, p.diagnoses, p.codes, p.findings, p.notes, p.version, p.created_at FROM procedures p WHERE p.patient_id = owner.id) t) AS procedures,
    (SELECT json_group_array(json_object('procedure_id', CASE typeof(t.procedure_id) WHEN 'blob' THEN hex(t.procedure_id) WHEN 'real' THEN json(printf('%!.17g', t.procedure_id)) ELSE t.procedure_id END, 'muscle', CASE typeof(t.muscle) WHEN 'blob' THEN hex(t.muscle) WHEN 'real' THEN json(printf('%!.17g', t.muscle)) ELSE t.muscle END, 'side', CASE typeof(t.side) WHEN 'blob' THEN hex(t.side) WHEN 'real' THEN json(printf('%!.17g', t.side)) ELSE t.side END, 'site', CASE typeof(t.site) WHEN 'blob' THEN hex(t.site) WHEN 'real' THEN json(printf('%!.17g', t.site)) ELSE t.site END, 'kind', CASE typeof(t.kind) WHEN 'blob' THEN hex(t.kind) WHEN 'real' THEN json(printf('%!.17g', t.kind)) ELSE t.kind END, 'agent', CASE typeof(t.agent) WHEN 'blob' THEN hex(t.agent) WHEN 'real' THEN json(printf('%!.17g', t.agent)) ELSE t.agent END, 'amount', CASE typeof(t.amount) WHEN 'blob' THEN hex(t.amount) WHEN 'real' THEN json(printf('%!.17g', t.amount)) ELSE t.amount END, 'amount_unit', CASE typeof(t.amount_unit) WHEN 'blob' THEN hex(t.amount_unit) WHEN 'real' THEN json(printf('%!.17g', t.amount_unit)) ELSE t.amount_unit END, 'volume_ml', CASE typeof(t.volume_ml) WHEN 'blob' THEN hex(t.volume_ml) WHEN 'real' THEN json(printf('%!.17g', t.volume_ml)) ELSE t.volume_ml END, 'concentration_percent', CASE typeof(t.concentration_percent) WHEN 'blob' THEN hex(t.concentration_percent) WHEN 'real' THEN json(printf('%!.17g', t.concentration_percent)) ELSE t.concentration_percent END, 'points', CASE typeof(t.points) WHEN 'blob' THEN hex(t.points) WHEN 'real' THEN json(printf('%!.17g', t.points)) ELSE t.points END, 'needle', CASE typeof(t.needle) WHEN 'blob' THEN hex(t.needle) WHEN 'real' THEN json(printf('%!.17g', t.needle)) ELSE t.needle END, 'guidance', CASE typeof(t.guidance) WHEN 'blob' THEN hex(t.guidance) WHEN 'real' THEN json(printf('%!.17g', t.guidance)) ELSE t.guidance END, 'technique', CASE typeof(t.technique) WHEN 'blob' THEN hex(t.technique) WHEN 'real' THEN json(printf('%!.17g', t.technique)) ELSE t.technique END, 'lot', CASE typeof(t.lot) WHEN 'blob' THEN hex(t.lot) WHEN 'real' THEN json(printf('%!.17g', t.lot)) ELSE t.lot END, 'expiry', CASE typeof(t.expiry) WHEN 'blob' THEN hex(t.expiry) WHEN 'real' THEN json(printf('%!.17g', t.expiry)) ELSE t.expiry END, 'reconstitution_ml', CASE typeof(t.reconstitution_ml) WHEN 'blob' THEN hex(t.reconstitution_ml) WHEN 'real' THEN json(printf('%!.17g', t.reconstitution_ml)) ELSE t.reconstitution_ml END, 'vial_units', CASE typeof(t.vial_units) WHEN 'blob' THEN hex(t.vial_units) WHEN 'real' THEN json(printf('%!.17g', t.vial_units)) ELSE t.vial_units END, 'vial', CASE typeof(t.vial) WHEN 'blob' THEN hex(t.vial) WHEN 'real' THEN json(printf('%!.17g', t.vial)) ELSE t.vial END, 'vial_mg', CASE typeof(t.vial_mg) WHEN 'blob' THEN hex(t.vial_mg) WHEN 'real' THEN json(printf('%!.17g', t.vial_mg)) ELSE t.vial_mg END, 'position', CASE typeof(t.position) WHEN 'blob' THEN hex(t.position) WHEN 'real' THEN json(printf('%!.17g', t.position)) ELSE t.position END) ORDER BY t.procedure_id, t.position) FROM (SELECT s.procedure_id, s.muscle, s.side, s.site, s.kind, s.agent, s.amount, s.amount_unit, s.volume_ml, s.concentration_percent, s.points, s.needle, s.guidance, s.technique, s.lot, s.expiry, s.reconstitution_ml, s.vial_units, s.vial, s.vial_mg, s.position FROM procedure_sites s JOIN procedures p ON p.id = s.procedure_id WHERE p.patient_id = owner.id) t) AS sites,
    (SELECT json_group_array(json_object('id', CASE typeof(t.id) WHEN 'blob' THEN hex(t.id) WHEN 'real' THEN json(printf('%!.17g', t.id)) ELSE t.id END, 'procedure_id', CASE typeof(t.procedure_id) WHEN 'blob' THEN hex(t.procedure_id) WHEN 'real' THEN json(printf('%!.17g', t.procedure_id)) ELSE t.procedure_id END, 'number', CASE typeof(t.number) WHEN 'blob' THEN hex(t.number) WHEN 'real' THEN json(printf('%!.17g', t.number)) ELSE t.number END, 'reason', CASE typeof(t.reason) WHEN 'blob' THEN hex(t.reason) WHEN 'real' THEN json(printf('%!.17g', t.reason)) ELSE t.reason END, 'correction', CASE typeof(t.correction) WHEN 'blob' THEN hex(t.correction) WHEN 'real' THEN json(printf('%!.17g', t.correction)) ELSE t.correction END, 'amended_by', CASE typeof(t.amended_by) WHEN 'blob' THEN hex(t.amended_by) WHEN 'real' THEN json(printf('%!.17g', t.amended_by)) ELSE t.amended_by END, 'amended_at', CASE typeof(t.amended_at) WHEN 'blob' THEN hex(t.amended_at) WHEN 'real' THEN json(printf('%!.17g', t.amended_at)) ELSE t.amended_at END) ORDER BY t.procedure_id, t.number) FROM (SELECT a.id, a.procedure_id, a.number, a.reason, a.correction, a.amended_by, a.amended_at FROM procedure_amendments a JOIN procedures p ON p.id = a.procedure_id WHERE p.patient_id = owner.id) t) AS amendments,
    (SELECT json_group_array(json_object('id', CASE typeof(t.id) WHEN 'blob' THEN hex(t.id) WHEN 'real' THEN json(printf('%!.17g', t.id)) ELSE t.id END, 'patient_id', CASE typeof(t.patient_id) WHEN 'blob' THEN hex(t.patient_id) WHEN 'real' THEN json(printf('%!.17g', t.patient_id)) ELSE t.patient_id END, 'encounter_id', CASE typeof(t.encounter_id) WHEN 'blob' THEN hex(t.encounter_id) WHEN 'real' THEN json(printf('%!.17g', t.encounter_id)) ELSE t.encounter_id END, 'measure', CASE typeof(t.measure) WHEN 'blob' THEN hex(t.measure) WHEN 'real' THEN json(printf('%!.17g', t.measure)) ELSE t.measure END, 'name', CASE typeof(t.name) WHEN 'blob' THEN hex(t.name) WHEN 'real' THEN json(printf('%!.17g', t.name)) ELSE t.name END, 'value', CASE typeof(t.value) WHEN 'blob' THEN hex(t.value) WHEN 'real' THEN json(printf('%!.17g', t.value)) ELSE t.value END, 'unit', CASE typeof(t.unit) WHEN 'blob' THEN hex(t.unit) WHEN 'real' THEN json(printf('%!.17g', t.unit)) ELSE t.unit END, 'recorded_at', CASE typeof(t.recorded_at) WHEN 'blob' THEN hex(t.recorded_at) WHEN 'real' THEN json(printf('%!.17g', t.recorded_at)) ELSE t.recorded_at END, 'created_at', CASE typeof(t.created_at) WHEN 'blob' THEN hex(t.created_at) WHEN 'real' THEN json(printf('%!.17g', t.created_at)) ELSE t.created_at END) ORDER BY t.recorded_at, t.id) FROM (SELECT id, patient_id, encounter_id, measure, name, value, unit, recorded_at, created_at FROM outcomes WHERE patient_id = owner.id) t) AS outcomes
FROM patients owner;

CREATE TRIGGER encounters_course_insert AFTER INSERT ON encounters BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = NEW.patient_id AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER encounters_course_update AFTER UPDATE ON encounters BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = NEW.patient_id AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER encounters_course_delete AFTER DELETE ON encounters BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = OLD.patient_id AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER pain_marks_course_insert AFTER INSERT ON pain_marks BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = (SELECT patient_id FROM encounters WHERE id = NEW.encounter_id) AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER pain_marks_course_update AFTER UPDATE ON pain_marks BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = (SELECT patient_id FROM encounters WHERE id = NEW.encounter_id) AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER pain_marks_course_delete AFTER DELETE ON pain_marks BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = (SELECT patient_id FROM encounters WHERE id = OLD.encounter_id) AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER findings_course_insert AFTER INSERT ON findings BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = (SELECT patient_id FROM encounters WHERE id = NEW.encounter_id) AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER findings_course_update AFTER UPDATE ON findings BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = (SELECT patient_id FROM encounters WHERE id = NEW.encounter_id) AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER findings_course_delete AFTER DELETE ON findings BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = (SELECT patient_id FROM encounters WHERE id = OLD.encounter_id) AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER treatment_plans_course_insert AFTER INSERT ON treatment_plans BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = NEW.patient_id AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER treatment_plans_course_update AFTER UPDATE ON treatment_plans BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = NEW.patient_id AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER treatment_plans_course_delete AFTER DELETE ON treatment_plans BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = OLD.patient_id AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER procedures_course_insert AFTER INSERT ON procedures BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = NEW.patient_id AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER procedures_course_update AFTER UPDATE ON procedures BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = NEW.patient_id AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER procedures_course_delete AFTER DELETE ON procedures BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = OLD.patient_id AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER procedure_sites_course_insert AFTER INSERT ON procedure_sites BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = (SELECT patient_id FROM procedures WHERE id = NEW.procedure_id) AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER procedure_sites_course_update AFTER UPDATE ON procedure_sites BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = (SELECT patient_id FROM procedures WHERE id = NEW.procedure_id) AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER procedure_sites_course_delete AFTER DELETE ON procedure_sites BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = (SELECT patient_id FROM procedures WHERE id = OLD.procedure_id) AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER procedure_amendments_course_insert AFTER INSERT ON procedure_amendments BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = (SELECT patient_id FROM procedures WHERE id = NEW.procedure_id) AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER procedure_amendments_course_update AFTER UPDATE ON procedure_amendments BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = (SELECT patient_id FROM procedures WHERE id = NEW.procedure_id) AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER procedure_amendments_course_delete AFTER DELETE ON procedure_amendments BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = (SELECT patient_id FROM procedures WHERE id = OLD.procedure_id) AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER outcomes_course_insert AFTER INSERT ON outcomes BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = NEW.patient_id AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER outcomes_course_update AFTER UPDATE ON outcomes BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = NEW.patient_id AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

CREATE TRIGGER outcomes_course_delete AFTER DELETE ON outcomes BEGIN
    INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view
    WHERE patient_id = OLD.patient_id AND NOT EXISTS (SELECT 1 FROM course_deferrals);
END;

-- The courses of the records written before this migration.
INSERT OR REPLACE INTO patient_courses SELECT * FROM patient_course_view WHERE patient_id IN (
    SELECT patient_id FROM encounters UNION SELECT patient_id FROM treatment_plans
    UNION SELECT patient_id FROM procedures UNION SELECT patient_id FROM outcomes);
