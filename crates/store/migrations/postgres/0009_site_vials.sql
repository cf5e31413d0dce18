-- The container a corticosteroid was drawn from, PostgreSQL: the CMS discarded-drug policy (JW/JZ modifiers) applies
-- to single-dose containers only, so a procedure site records whether its vial was single-dose or multi-dose, and a
-- single-dose vial's labeled content in mg (what the discarded rest is billed from). Both stay empty for older rows
-- and for other agents. Same file name in ../sqlite.

ALTER TABLE procedure_sites ADD COLUMN vial text CHECK (vial IS NULL OR vial IN ('single-dose', 'multi-dose'));
ALTER TABLE procedure_sites ADD COLUMN vial_mg double precision CHECK (vial_mg IS NULL OR vial_mg > 0);
