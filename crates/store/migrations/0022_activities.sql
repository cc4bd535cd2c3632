-- Community life (issue 13): activities people register for and check in to.
--
-- Kinds are data (bundled ones seeded by the migration; administrators add more).
CREATE TABLE activity_kinds (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    -- A kind whose activities are training sessions (红心物业大讲堂): counted as
    -- training_sessions and their participants as trainees.
    training BOOLEAN NOT NULL DEFAULT FALSE
);
-- An activity at a place in the territory. `registered` counts the places taken and is
-- raised only while below `capacity` (0: no limit) in the same statement, so concurrent
-- registrations never over-book; `waitlist_seq` numbers the waiting list.
CREATE TABLE activities (
    id {uuid} PRIMARY KEY,
    kind TEXT NOT NULL REFERENCES activity_kinds(code),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    organiser_kind TEXT NOT NULL,
    organiser_name TEXT NOT NULL,
    organisation_id {uuid} REFERENCES organisations(id),
    territory_id {uuid} NOT NULL REFERENCES territories(id),
    path {path} NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    starts_at {ts} NOT NULL,
    ends_at {ts} NOT NULL,
    -- Activities repeated on a schedule share the id of the first.
    series_id {uuid},
    capacity BIGINT NOT NULL DEFAULT 0,
    registered BIGINT NOT NULL DEFAULT 0,
    waitlist_seq BIGINT NOT NULL DEFAULT 0,
    checked_in BIGINT NOT NULL DEFAULT 0,
    -- People served without names (a fair's visitors), added by the organiser afterwards.
    unnamed_beneficiaries BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'open',
    public BOOLEAN NOT NULL DEFAULT TRUE,
    report TEXT NOT NULL DEFAULT '',
    created_by {uuid},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX activities_path_starts ON activities (path, starts_at);
CREATE INDEX activities_starts ON activities (starts_at, path);
-- One row per person and activity; a cancelled registration is taken up again by the same
-- row. A waiting person holds a number; the lowest moves up when a place frees.
CREATE TABLE activity_registrations (
    id {uuid} PRIMARY KEY,
    activity_id {uuid} NOT NULL REFERENCES activities(id),
    person_id {uuid} NOT NULL REFERENCES people(id),
    status TEXT NOT NULL,
    waitlist_no BIGINT,
    registered_at {ts} NOT NULL,
    promoted_at {ts},
    cancelled_at {ts},
    checked_in_at {ts},
    checked_in_by {uuid},
    UNIQUE (activity_id, person_id)
);
CREATE INDEX activity_registrations_waiting ON activity_registrations (activity_id, waitlist_no)
    WHERE status = 'waitlisted';
CREATE INDEX activity_registrations_person ON activity_registrations (person_id, registered_at)
