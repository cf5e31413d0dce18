-- Each patient's course (what the timeline shows), PostgreSQL: kept assembled on write, so that the busiest
-- clinical read is one indexed row instead of eight aggregates. Assembling the course on every read cost
-- PostgreSQL as much as writing the read's audit event (docs/performance.md). Same file name in ../sqlite.
--
-- A row holds, per kind, the JSON array of that kind's records in timeline order, each record with all of its
-- columns (the whole row), so a column added later is carried without changing anything here. A migration that
-- adds a column to one of these tables must end by rebuilding every course:
--     SELECT refresh_patient_courses(array(SELECT patient_id FROM patient_courses));
-- A patient with no row has recorded nothing: the first record's trigger creates it.

CREATE TABLE patient_courses (
    patient_id uuid PRIMARY KEY REFERENCES patients (id),
    encounters text NOT NULL,
    pain_marks text NOT NULL,
    findings text NOT NULL,
    plans text NOT NULL,
    procedures text NOT NULL,
    sites text NOT NULL,
    amendments text NOT NULL,
    outcomes text NOT NULL
);

-- Rebuilds the courses of these patients from their records. The row lock makes a refresh wait for a concurrent
-- writer of the same patient to commit; the UPDATE, a later statement of this (volatile) function, then reads
-- with a new snapshot at READ COMMITTED and so sees that writer's records as well as its own transaction's.
-- Every read here is a few rows of one patient by index; the planner is told so, because without statistics
-- (a new database, autovacuum off) it would scan whole tables once per patient, and told to keep one plan,
-- because planning the rebuild anew for each write cost more than running it.
CREATE FUNCTION refresh_patient_courses(changed uuid[]) RETURNS void LANGUAGE plpgsql
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    -- Rows created and locked in id order, so that two imports of overlapping patients cannot deadlock.
    INSERT INTO patient_courses
        SELECT DISTINCT id, '[]', '[]', '[]', '[]', '[]', '[]', '[]', '[]' FROM unnest(changed) AS id ORDER BY id
        ON CONFLICT (patient_id) DO NOTHING;
    PERFORM 1 FROM patient_courses WHERE patient_id = ANY (changed) ORDER BY patient_id FOR UPDATE;
    UPDATE patient_courses c
    SET (encounters, pain_marks, findings, plans, procedures, sites, amendments, outcomes) = (
        (SELECT coalesce(json_agg(t ORDER BY t.occurred_at, t.id), '[]')::text
         FROM (SELECT * FROM encounters WHERE patient_id = c.patient_id) t),
        (SELECT coalesce(json_agg(t ORDER BY t.created_at, t.id), '[]')::text
         FROM (SELECT m.* FROM pain_marks m JOIN encounters e ON e.id = m.encounter_id
               WHERE e.patient_id = c.patient_id) t),
        (SELECT coalesce(json_agg(t ORDER BY t.created_at, t.id), '[]')::text
         FROM (SELECT f.* FROM findings f JOIN encounters e ON e.id = f.encounter_id
               WHERE e.patient_id = c.patient_id) t),
        (SELECT coalesce(json_agg(t ORDER BY t.created_at, t.id), '[]')::text
         FROM (SELECT * FROM treatment_plans WHERE patient_id = c.patient_id) t),
        (SELECT coalesce(json_agg(t ORDER BY t.started_at, t.id), '[]')::text
         FROM (SELECT * FROM procedures WHERE patient_id = c.patient_id) t),
        (SELECT coalesce(json_agg(t ORDER BY t.procedure_id, t.position), '[]')::text
         FROM (SELECT s.* FROM procedure_sites s JOIN procedures p ON p.id = s.procedure_id
               WHERE p.patient_id = c.patient_id) t),
        (SELECT coalesce(json_agg(t ORDER BY t.procedure_id, t.number), '[]')::text
         FROM (SELECT a.* FROM procedure_amendments a JOIN procedures p ON p.id = a.procedure_id
               WHERE p.patient_id = c.patient_id) t),
        (SELECT coalesce(json_agg(t ORDER BY t.recorded_at, t.id), '[]')::text
         FROM (SELECT * FROM outcomes WHERE patient_id = c.patient_id) t))
    WHERE c.patient_id = ANY (changed);
END
$$;

-- One refresh per statement, not per row, for the patients the statement's rows belong to. Records never move
-- between patients, so an update's new rows name the same patients as its old ones. An import (many patients'
-- rows per statement) sets taut.defer_courses for its transaction and refreshes its patients once at the end.
CREATE FUNCTION course_changed_by_patient_rows() RETURNS trigger LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    IF current_setting('taut.defer_courses', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM refresh_patient_courses(array(SELECT patient_id FROM changed));
    RETURN NULL;
END
$$;

CREATE FUNCTION course_changed_by_encounter_rows() RETURNS trigger LANGUAGE plpgsql
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    IF current_setting('taut.defer_courses', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM refresh_patient_courses(
        array(SELECT e.patient_id FROM changed x JOIN encounters e ON e.id = x.encounter_id));
    RETURN NULL;
END
$$;

CREATE FUNCTION course_changed_by_procedure_rows() RETURNS trigger LANGUAGE plpgsql
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    IF current_setting('taut.defer_courses', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM refresh_patient_courses(
        array(SELECT p.patient_id FROM changed x JOIN procedures p ON p.id = x.procedure_id));
    RETURN NULL;
END
$$;

CREATE TRIGGER encounters_course_insert AFTER INSERT ON encounters
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_patient_rows();
CREATE TRIGGER encounters_course_update AFTER UPDATE ON encounters
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_patient_rows();
CREATE TRIGGER encounters_course_delete AFTER DELETE ON encounters
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_patient_rows();

CREATE TRIGGER pain_marks_course_insert AFTER INSERT ON pain_marks
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_encounter_rows();
CREATE TRIGGER pain_marks_course_update AFTER UPDATE ON pain_marks
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_encounter_rows();
CREATE TRIGGER pain_marks_course_delete AFTER DELETE ON pain_marks
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_encounter_rows();

CREATE TRIGGER findings_course_insert AFTER INSERT ON findings
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_encounter_rows();
CREATE TRIGGER findings_course_update AFTER UPDATE ON findings
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_encounter_rows();
CREATE TRIGGER findings_course_delete AFTER DELETE ON findings
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_encounter_rows();

CREATE TRIGGER treatment_plans_course_insert AFTER INSERT ON treatment_plans
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_patient_rows();
CREATE TRIGGER treatment_plans_course_update AFTER UPDATE ON treatment_plans
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_patient_rows();
CREATE TRIGGER treatment_plans_course_delete AFTER DELETE ON treatment_plans
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_patient_rows();

CREATE TRIGGER procedures_course_insert AFTER INSERT ON procedures
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_patient_rows();
CREATE TRIGGER procedures_course_update AFTER UPDATE ON procedures
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_patient_rows();
CREATE TRIGGER procedures_course_delete AFTER DELETE ON procedures
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_patient_rows();

CREATE TRIGGER procedure_sites_course_insert AFTER INSERT ON procedure_sites
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_procedure_rows();
CREATE TRIGGER procedure_sites_course_update AFTER UPDATE ON procedure_sites
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_procedure_rows();
CREATE TRIGGER procedure_sites_course_delete AFTER DELETE ON procedure_sites
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_procedure_rows();

CREATE TRIGGER procedure_amendments_course_insert AFTER INSERT ON procedure_amendments
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_procedure_rows();
CREATE TRIGGER procedure_amendments_course_update AFTER UPDATE ON procedure_amendments
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_procedure_rows();
CREATE TRIGGER procedure_amendments_course_delete AFTER DELETE ON procedure_amendments
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_procedure_rows();

CREATE TRIGGER outcomes_course_insert AFTER INSERT ON outcomes
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_patient_rows();
CREATE TRIGGER outcomes_course_update AFTER UPDATE ON outcomes
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_patient_rows();
CREATE TRIGGER outcomes_course_delete AFTER DELETE ON outcomes
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION course_changed_by_patient_rows();

-- The courses of the records written before this migration.
SELECT refresh_patient_courses(array(
    SELECT patient_id FROM encounters UNION SELECT patient_id FROM treatment_plans
    UNION SELECT patient_id FROM procedures UNION SELECT patient_id FROM outcomes));
