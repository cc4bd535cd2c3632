-- Grid rounds (issue 14): the grid worker's visits to households and places, what was found
-- and followed up (a finding may become an appeal), the period within which every household
-- is visited and the special-care tags' own frequencies, and the people who joined a grid to
-- help (融网入格).

-- How often households are visited: the tag '' is every household's period; a special-care
-- tag has its own frequency (days).
CREATE TABLE grid_visit_rules (
    tag TEXT PRIMARY KEY,
    every_days BIGINT NOT NULL,
    updated_at {ts}
);
INSERT INTO grid_visit_rules (tag, every_days) VALUES
    ('', 90), ('living_alone', 7), ('disabled', 14), ('low_income', 30);

-- One visit: a household (or a place: a building, a compound's common parts) of a grid.
CREATE TABLE grid_visits (
    id {uuid} PRIMARY KEY,
    grid_id {uuid} NOT NULL,
    household_id {uuid},
    place_id {uuid} REFERENCES territories(id),
    -- The household's dwelling or the place: where the visit was.
    path {path} NOT NULL,
    visited_by {uuid},
    visited_at {ts} NOT NULL,
    found TEXT NOT NULL DEFAULT '',
    follow_up TEXT NOT NULL DEFAULT '',
    appeal_id {uuid},
    created_at {ts} NOT NULL
);
-- The round reads each household's last visit from this index alone.
CREATE INDEX grid_visits_grid ON grid_visits (grid_id, visited_at, household_id);
-- The figures count visits and households visited under a place.
CREATE INDEX grid_visits_path ON grid_visits (path, visited_at, household_id);

-- People who joined a grid to help: in-service party members, volunteers, new-employment
-- workers (delivery riders and the like).
CREATE TABLE grid_helpers (
    id {uuid} PRIMARY KEY,
    grid_id {uuid} NOT NULL,
    person_id {uuid} NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    joined_on {date} NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by {uuid},
    created_at {ts} NOT NULL,
    UNIQUE (grid_id, person_id, kind)
);
CREATE INDEX grid_helpers_grid ON grid_helpers (grid_id);
