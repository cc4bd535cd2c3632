-- The community secretaries' development programme (issue 14): the monthly forum, quarterly
-- 思享会, half-yearly 提级述职 and year-end 擂台比武 held by the district or a subdistrict, and
-- each secretary's attendance and score at each.

CREATE TABLE programme_events (
    id {uuid} PRIMARY KEY,
    territory_id {uuid} NOT NULL REFERENCES territories(id),
    path {path} NOT NULL,
    kind TEXT NOT NULL,
    held_on {date} NOT NULL,
    title TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by {uuid},
    created_at {ts} NOT NULL,
    UNIQUE (territory_id, kind, held_on)
);
CREATE INDEX programme_events_path ON programme_events (path, held_on);

-- A secretary (a community worker on a head's post) at an event: attended or not, the score.
CREATE TABLE programme_attendance (
    event_id {uuid} NOT NULL REFERENCES programme_events(id),
    worker_id {uuid} NOT NULL REFERENCES community_workers(id),
    attended BOOLEAN NOT NULL,
    score BIGINT,
    recorded_by {uuid},
    recorded_at {ts} NOT NULL,
    PRIMARY KEY (event_id, worker_id)
);
CREATE INDEX programme_attendance_worker ON programme_attendance (worker_id, event_id);
