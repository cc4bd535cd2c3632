-- Community workers (issue 14): recruitment batches and their applicants, the worker's record
-- (how they came, post kind and grade on the 三岗十八级 table), their fixed grid posts over
-- time (定岗网格), yearly appraisals and promotions with the rule that allowed each.

-- The 三岗十八级 table as the district set it; empty means the bundled table
-- (`jiayuan_domain::worker::PayScale::default_table`).
CREATE TABLE worker_pay_grades (
    post TEXT NOT NULL,
    grade BIGINT NOT NULL,
    monthly_pay_fen BIGINT NOT NULL,
    years_to_next BIGINT NOT NULL,
    passes_to_next BIGINT NOT NULL,
    updated_at {ts},
    PRIMARY KEY (post, grade)
);

-- A recruitment batch announced by the district or a subdistrict.
CREATE TABLE worker_recruitments (
    id {uuid} PRIMARY KEY,
    territory_id {uuid} NOT NULL REFERENCES territories(id),
    path {path} NOT NULL,
    title TEXT NOT NULL,
    announced_on {date} NOT NULL,
    places BIGINT NOT NULL,
    -- The exam's share of the total score, in percent; the interview has the rest.
    exam_weight BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by {uuid},
    created_at {ts} NOT NULL,
    UNIQUE (territory_id, title)
);

-- An applicant: ID number and phone encrypted as people's are; scores in tenths of a point.
CREATE TABLE worker_applicants (
    id {uuid} PRIMARY KEY,
    recruitment_id {uuid} NOT NULL REFERENCES worker_recruitments(id),
    name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    id_number_hash TEXT NOT NULL,
    phone TEXT,
    education TEXT NOT NULL,
    years_of_service BIGINT NOT NULL DEFAULT 0,
    exam_score BIGINT,
    interview_score BIGINT,
    -- applied, hired, not_hired
    status TEXT NOT NULL,
    worker_id {uuid},
    created_at {ts} NOT NULL,
    UNIQUE (recruitment_id, id_number_hash)
);
CREATE INDEX worker_applicants_batch ON worker_applicants (recruitment_id, status);

CREATE TABLE community_workers (
    id {uuid} PRIMARY KEY,
    person_id {uuid} NOT NULL UNIQUE REFERENCES people(id),
    community_id {uuid} NOT NULL REFERENCES territories(id),
    -- The community's path: the figures and lists read subtrees of it.
    path {path} NOT NULL,
    kind TEXT NOT NULL,
    post TEXT NOT NULL,
    grade BIGINT NOT NULL,
    grade_since {date} NOT NULL,
    education TEXT NOT NULL,
    qualification TEXT NOT NULL DEFAULT '',
    hired_on {date} NOT NULL,
    left_on {date},
    recruitment_id {uuid},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX community_workers_path ON community_workers (path, kind, hired_on);

-- A worker's fixed grid post from a day (to a day, when it ended).
CREATE TABLE worker_grid_posts (
    id {uuid} PRIMARY KEY,
    worker_id {uuid} NOT NULL REFERENCES community_workers(id),
    grid_id {uuid} NOT NULL,
    from_on {date} NOT NULL,
    to_on {date},
    created_by {uuid},
    created_at {ts} NOT NULL
);
CREATE INDEX worker_grid_posts_worker ON worker_grid_posts (worker_id, from_on);
CREATE INDEX worker_grid_posts_grid ON worker_grid_posts (grid_id, from_on);

CREATE TABLE worker_appraisals (
    id {uuid} PRIMARY KEY,
    worker_id {uuid} NOT NULL REFERENCES community_workers(id),
    year BIGINT NOT NULL,
    result TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    recorded_by {uuid},
    created_at {ts} NOT NULL,
    UNIQUE (worker_id, year)
);

CREATE TABLE worker_promotions (
    id {uuid} PRIMARY KEY,
    worker_id {uuid} NOT NULL REFERENCES community_workers(id),
    effective_on {date} NOT NULL,
    from_post TEXT NOT NULL,
    from_grade BIGINT NOT NULL,
    to_post TEXT NOT NULL,
    to_grade BIGINT NOT NULL,
    rule TEXT NOT NULL,
    qualification TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    recorded_by {uuid},
    created_at {ts} NOT NULL
);
CREATE INDEX worker_promotions_worker ON worker_promotions (worker_id, effective_on);
