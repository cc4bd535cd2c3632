-- Decision processes as configurable stages (issue 11): which parties consult on a kind of
-- matter and whether the owners' assembly resolves after them. The property template
-- (支部先议、三方商议、业主大会决议) is built in; administrators add others, e.g. a minor matter
-- the compound's rules leave to the three parties. A decision keeps the process it was
-- proposed under.
CREATE TABLE decision_processes (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    parties TEXT NOT NULL,
    assembly BOOLEAN NOT NULL,
    built_in BOOLEAN NOT NULL
);
INSERT INTO decision_processes (key, name, parties, assembly, built_in)
VALUES ('property', '物业重大事项：支部先议、三方商议、业主大会决议', 'branch,owners_committee,property_company', TRUE, TRUE);

ALTER TABLE decisions ADD COLUMN process TEXT NOT NULL DEFAULT 'property';
