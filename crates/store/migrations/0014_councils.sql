-- Councils (issue 11): where residents settle their own matters. A council sits at a
-- territory node and is seen by that subtree; its members hold a seat for a term.
CREATE TABLE councils (
    id {uuid} PRIMARY KEY,
    node_id {uuid} NOT NULL REFERENCES territories(id),
    node_path {path} NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by {uuid},
    created_at {ts} NOT NULL,
    UNIQUE (node_path, name)
);
CREATE INDEX councils_path ON councils (node_path);

CREATE TABLE council_members (
    id {uuid} PRIMARY KEY,
    council_id {uuid} NOT NULL REFERENCES councils(id),
    name TEXT NOT NULL,
    seat TEXT NOT NULL,
    user_id {uuid} REFERENCES users(id),
    term_from {date} NOT NULL,
    term_to {date} NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX council_members_council ON council_members (council_id);

-- A topic is raised by a member or referred from an appeal; its status is what its
-- outcomes make it (domain::council::topic_status), kept here for lists and figures.
CREATE TABLE council_topics (
    id {uuid} PRIMARY KEY,
    council_id {uuid} NOT NULL REFERENCES councils(id),
    node_path {path} NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    raised_by_member {uuid} REFERENCES council_members(id),
    appeal_id {uuid} REFERENCES appeals(id),
    status TEXT NOT NULL,
    dropped_reason TEXT,
    created_by {uuid},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    done_at {ts}
);
CREATE INDEX council_topics_council ON council_topics (council_id, status);
CREATE INDEX council_topics_path ON council_topics (node_path, created_at);
CREATE INDEX council_topics_appeal ON council_topics (appeal_id);

CREATE TABLE council_meetings (
    id {uuid} PRIMARY KEY,
    council_id {uuid} NOT NULL REFERENCES councils(id),
    held_at {ts} NOT NULL,
    place TEXT NOT NULL,
    agenda TEXT NOT NULL,
    minutes TEXT NOT NULL,
    guests INTEGER NOT NULL,
    created_by {uuid},
    created_at {ts} NOT NULL
);
CREATE INDEX council_meetings_council ON council_meetings (council_id, held_at);

CREATE TABLE council_attendance (
    meeting_id {uuid} NOT NULL REFERENCES council_meetings(id),
    member_id {uuid} NOT NULL REFERENCES council_members(id),
    PRIMARY KEY (meeting_id, member_id)
);

CREATE TABLE council_meeting_topics (
    meeting_id {uuid} NOT NULL REFERENCES council_meetings(id),
    topic_id {uuid} NOT NULL REFERENCES council_topics(id),
    PRIMARY KEY (meeting_id, topic_id)
);
CREATE INDEX council_meeting_topics_topic ON council_meeting_topics (topic_id);

CREATE TABLE council_meeting_photos (
    id {uuid} PRIMARY KEY,
    meeting_id {uuid} NOT NULL REFERENCES council_meetings(id),
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_by {uuid},
    created_at {ts} NOT NULL
);
CREATE INDEX council_meeting_photos_meeting ON council_meeting_photos (meeting_id);

-- What a meeting decided on a topic, who carries it out (the compound branch by default)
-- and by when (a working day); progress is dated until done.
CREATE TABLE council_outcomes (
    id {uuid} PRIMARY KEY,
    topic_id {uuid} NOT NULL REFERENCES council_topics(id),
    meeting_id {uuid} REFERENCES council_meetings(id),
    decision TEXT NOT NULL,
    carrier TEXT NOT NULL,
    carrier_is_branch BOOLEAN NOT NULL,
    due_at {ts} NOT NULL,
    done_at {ts},
    created_by {uuid},
    created_at {ts} NOT NULL
);
CREATE INDEX council_outcomes_topic ON council_outcomes (topic_id);
CREATE INDEX council_outcomes_due ON council_outcomes (done_at, due_at);

CREATE TABLE council_progress (
    outcome_id {uuid} NOT NULL REFERENCES council_outcomes(id),
    seq INTEGER NOT NULL,
    note TEXT NOT NULL,
    done BOOLEAN NOT NULL,
    actor_id {uuid},
    actor_name TEXT NOT NULL,
    at {ts} NOT NULL,
    PRIMARY KEY (outcome_id, seq)
);
