-- Patient search reads the patients whose given name starts with the term in given-name order, after those
-- whose family name does (see the store's search tiers).
CREATE INDEX patients_by_given_name ON patients (given_key, family_key, id) WHERE deleted_at IS NULL;
