-- Reporter privacy (issue 9). A category may be marked sensitive (family disputes, care):
-- property staff and owners' committees do not see appeals of such categories. Each appeal
-- carries the flag of its category at filing, so the visibility condition is a column test.
-- An anonymous filing by a signed-in resident keeps its link to the account only sealed
-- (encrypted with the database key), readable by the district with a reason, audited.
-- As written in the category file: TRUE, FALSE, or NULL to inherit the parent's flag.
ALTER TABLE appeal_categories ADD COLUMN sensitive BOOLEAN;
UPDATE appeal_categories SET sensitive = TRUE WHERE code IN ('family', 'care');
ALTER TABLE appeals ADD COLUMN sensitive BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE appeals SET sensitive = TRUE
    WHERE category_code IN ('family', 'care') OR category_code LIKE 'family.%' OR category_code LIKE 'care.%';
ALTER TABLE appeals ADD COLUMN reporter_seal TEXT
