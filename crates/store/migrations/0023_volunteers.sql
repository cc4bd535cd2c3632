-- Volunteers (issue 13): teams with members, and service records whose hours count only once
-- the organiser has confirmed them (志愿服务记录与证明出具办法: 谁组织谁记录，谁记录谁证明).
CREATE TABLE volunteer_teams (
    id {uuid} PRIMARY KEY,
    name TEXT NOT NULL,
    -- The team belongs to a place: staff running activities there organise it.
    territory_id {uuid} NOT NULL REFERENCES territories(id),
    path {path} NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at {ts} NOT NULL,
    UNIQUE (path, name)
);
CREATE TABLE volunteer_members (
    team_id {uuid} NOT NULL REFERENCES volunteer_teams(id),
    person_id {uuid} NOT NULL REFERENCES people(id),
    joined_at {ts} NOT NULL,
    PRIMARY KEY (team_id, person_id)
);
CREATE INDEX volunteer_members_person ON volunteer_members (person_id);
-- One piece of service: who, what, where, when and how long; written by the volunteer or the
-- organiser, confirmed or turned down by the organiser (never by the volunteer).
CREATE TABLE volunteer_records (
    id {uuid} PRIMARY KEY,
    team_id {uuid} NOT NULL REFERENCES volunteer_teams(id),
    person_id {uuid} NOT NULL REFERENCES people(id),
    activity_id {uuid} REFERENCES activities(id),
    path {path} NOT NULL,
    content TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    served_at {ts} NOT NULL,
    minutes BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'recorded',
    recorded_by {uuid},
    recorded_at {ts} NOT NULL,
    decided_by {uuid},
    decided_by_name TEXT NOT NULL DEFAULT '',
    decided_at {ts},
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX volunteer_records_person ON volunteer_records (person_id, served_at);
CREATE INDEX volunteer_records_team ON volunteer_records (team_id, status, served_at);
CREATE INDEX volunteer_records_path ON volunteer_records (path, served_at, status, minutes)
