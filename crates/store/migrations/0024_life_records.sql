-- Community life, the rest (issue 13): fairs' stalls, activity photos, social organisations
-- adopting communities and grids, venture projects, golden solutions with their rubric,
-- reviews and adoptions.

-- A fair's stalls of the "5+N" kinds, each with who ran it and how many people it served.
CREATE TABLE activity_stalls (
    id {uuid} PRIMARY KEY,
    activity_id {uuid} NOT NULL REFERENCES activities(id),
    kind TEXT NOT NULL,
    -- What an extra ("N") stall offers; empty for the five.
    name TEXT NOT NULL DEFAULT '',
    provider TEXT NOT NULL,
    served BIGINT NOT NULL DEFAULT 0,
    created_at {ts} NOT NULL
);
CREATE INDEX activity_stalls_activity ON activity_stalls (activity_id);

CREATE TABLE activity_photos (
    id {uuid} PRIMARY KEY,
    activity_id {uuid} NOT NULL REFERENCES activities(id),
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_by {uuid},
    created_at {ts} NOT NULL
);
CREATE INDEX activity_photos_activity ON activity_photos (activity_id);

-- A social organisation adopting a community (包社区) or joining one of its grids (联网格,
-- `grid_code` set; empty for the whole community), from a day until a day (open: still).
CREATE TABLE org_adoptions (
    id {uuid} PRIMARY KEY,
    organisation_id {uuid} NOT NULL REFERENCES organisations(id),
    territory_id {uuid} NOT NULL REFERENCES territories(id),
    grid_code TEXT NOT NULL DEFAULT '',
    path {path} NOT NULL,
    starts_on {date} NOT NULL,
    ends_on {date},
    created_at {ts} NOT NULL,
    UNIQUE (organisation_id, territory_id, grid_code, starts_on)
);
CREATE INDEX org_adoptions_path ON org_adoptions (path);

-- A venture project (创投): a social organisation's project at a place, with its budget in
-- fen, moving applied → approved → running → closed → evaluated; evaluated with a score.
CREATE TABLE venture_projects (
    id {uuid} PRIMARY KEY,
    organisation_id {uuid} NOT NULL REFERENCES organisations(id),
    territory_id {uuid} NOT NULL REFERENCES territories(id),
    path {path} NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    budget_fen BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'applied',
    score BIGINT,
    evaluation TEXT NOT NULL DEFAULT '',
    applied_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    UNIQUE (organisation_id, title)
);
CREATE INDEX venture_projects_path ON venture_projects (path, applied_at);
-- An activity may be held under a venture project (its beneficiaries count for it).
ALTER TABLE activities ADD COLUMN project_id {uuid} REFERENCES venture_projects(id);
CREATE INDEX activities_project ON activities (project_id);

-- The golden-solution rubric: criteria with the most points each (data; administrators
-- change it; a review keeps the scores it gave).
CREATE TABLE golden_rubric (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    max_points BIGINT NOT NULL,
    position BIGINT NOT NULL
);
INSERT INTO golden_rubric (code, name, name_en, max_points, position) VALUES
    ('problem', '问题精准', 'The problem well chosen', 20, 1),
    ('method', '方法创新', 'The method new', 25, 2),
    ('participation', '群众参与', 'Residents take part', 20, 3),
    ('results', '成效明显', 'Clear results', 25, 4),
    ('replicable', '可复制推广', 'Others can copy it', 10, 5);

-- A golden solution (金方案) submitted by a community party organisation: the problem, the
-- method and the results; scored by the subdistrict, then the district, which promotes it
-- to the library (or not).
CREATE TABLE golden_solutions (
    id {uuid} PRIMARY KEY,
    territory_id {uuid} NOT NULL REFERENCES territories(id),
    path {path} NOT NULL,
    org_name TEXT NOT NULL,
    title TEXT NOT NULL,
    theme TEXT NOT NULL,
    problem TEXT NOT NULL,
    method TEXT NOT NULL,
    results TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'submitted',
    subdistrict_score BIGINT,
    district_score BIGINT,
    submitted_by {uuid},
    submitted_at {ts} NOT NULL,
    promoted_at {ts},
    UNIQUE (path, title)
);
CREATE INDEX golden_solutions_path ON golden_solutions (path, submitted_at);
CREATE INDEX golden_solutions_theme ON golden_solutions (status, theme);
CREATE TABLE golden_reviews (
    solution_id {uuid} NOT NULL REFERENCES golden_solutions(id),
    level TEXT NOT NULL,
    -- The scores given, criterion by criterion: JSON {"problem": 18, …}.
    scores TEXT NOT NULL,
    total BIGINT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    reviewer_id {uuid},
    reviewer_name TEXT NOT NULL,
    reviewed_at {ts} NOT NULL,
    PRIMARY KEY (solution_id, level)
);
-- Another community taking up a promoted solution: the spread is visible.
CREATE TABLE golden_adoptions (
    id {uuid} PRIMARY KEY,
    solution_id {uuid} NOT NULL REFERENCES golden_solutions(id),
    territory_id {uuid} NOT NULL REFERENCES territories(id),
    path {path} NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    adopted_by {uuid},
    adopted_at {ts} NOT NULL,
    UNIQUE (solution_id, territory_id)
);
CREATE INDEX golden_adoptions_path ON golden_adoptions (path, adopted_at);
