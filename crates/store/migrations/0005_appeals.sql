-- Residents' appeals: the category tree (versioned), routing rules, the appeals and their
-- append-only timeline, rollups of the measures, the notification outbox, photos, and the
-- clock's bookkeeping.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at {ts} NOT NULL
);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

-- A version is a whole tree. Appeals keep the version they were filed under.
CREATE TABLE appeal_category_versions (
    version BIGINT PRIMARY KEY,
    note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at {ts} NOT NULL
);

CREATE TABLE appeal_categories (
    version BIGINT NOT NULL REFERENCES appeal_category_versions(version),
    code TEXT NOT NULL,
    parent_code TEXT,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    lowest_level TEXT,
    response_limits TEXT,
    resolve_limits TEXT,
    ord BIGINT NOT NULL,
    PRIMARY KEY (version, code)
);

-- Overrides of a category's lowest level in part of the district.
CREATE TABLE routing_rules (
    id {uuid} PRIMARY KEY,
    category TEXT NOT NULL,
    path {path} NOT NULL,
    lowest_level TEXT NOT NULL,
    department TEXT,
    created_at {ts} NOT NULL,
    UNIQUE (category, path)
);

CREATE TABLE appeals (
    id {uuid} PRIMARY KEY,
    number BIGINT NOT NULL UNIQUE,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    is_open BOOLEAN NOT NULL,
    channel TEXT NOT NULL,
    category_code TEXT NOT NULL,
    category_version BIGINT NOT NULL,
    urgency TEXT NOT NULL,
    territory_id {uuid} NOT NULL REFERENCES territories(id),
    path {path} NOT NULL,
    handler_level TEXT NOT NULL,
    handler_id {uuid} NOT NULL REFERENCES territories(id),
    handler_path {path} NOT NULL,
    department TEXT,
    assignee_id {uuid} REFERENCES users(id),
    helper_path {path},
    pending TEXT,
    pending_limit TEXT,
    reporter_person_id {uuid} REFERENCES people(id),
    reporter_user_id {uuid} REFERENCES users(id),
    reporter_name TEXT,
    reporter_phone_enc TEXT,
    anonymous BOOLEAN NOT NULL,
    track_hash TEXT UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    address TEXT,
    lat_e6 BIGINT,
    lng_e6 BIGINT,
    created_by {uuid} REFERENCES users(id),
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    responded_at {ts},
    response_due_at {ts} NOT NULL,
    resolve_due_at {ts} NOT NULL,
    warn_at {ts} NOT NULL,
    warned BOOLEAN NOT NULL,
    -- when the clock must look at this appeal next; NULL when it need not (closed, on hold)
    next_check_at {ts},
    overdue BOOLEAN NOT NULL,
    overdue_count BIGINT NOT NULL,
    escalations BIGINT NOT NULL,
    hold_since {ts},
    resolved_at {ts},
    closed_at {ts},
    rating TEXT,
    rated_at {ts},
    merged_into {uuid} REFERENCES appeals(id)
);
CREATE INDEX appeals_queue ON appeals (is_open, handler_path, overdue, resolve_due_at);
CREATE INDEX appeals_queue_all ON appeals (is_open, overdue, resolve_due_at);
CREATE INDEX appeals_path ON appeals (path, created_at);
CREATE INDEX appeals_helper ON appeals (helper_path);
CREATE INDEX appeals_check ON appeals (next_check_at);
CREATE INDEX appeals_reporter ON appeals (reporter_user_id);
CREATE INDEX appeals_duplicates ON appeals (territory_id, category_code, created_at);
CREATE INDEX appeals_created ON appeals (created_at);

-- The timeline: one row per event, never updated except the rolled flag the rollup
-- worker sets once it has counted the row.
CREATE TABLE appeal_events (
    seq {serial} PRIMARY KEY,
    appeal_id {uuid} NOT NULL REFERENCES appeals(id),
    at {ts} NOT NULL,
    action TEXT NOT NULL,
    actor_user_id {uuid},
    actor_name TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    level TEXT NOT NULL,
    note TEXT NOT NULL,
    data TEXT NOT NULL,
    deltas TEXT NOT NULL,
    rolled BOOLEAN NOT NULL
);
CREATE INDEX appeal_events_appeal ON appeal_events (appeal_id, seq);
CREATE INDEX appeal_events_unrolled ON appeal_events (seq) WHERE rolled = FALSE;

-- Counters per node (district down to compound), Beijing day, category and handling level.
CREATE TABLE appeal_rollups (
    node_path {path} NOT NULL,
    day {date} NOT NULL,
    category_code TEXT NOT NULL,
    level TEXT NOT NULL,
    received BIGINT NOT NULL,
    responded BIGINT NOT NULL,
    responded_on_time BIGINT NOT NULL,
    resolved BIGINT NOT NULL,
    resolved_on_time BIGINT NOT NULL,
    rated BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    basically_satisfied BIGINT NOT NULL,
    unsatisfied BIGINT NOT NULL,
    overdue BIGINT NOT NULL,
    escalated BIGINT NOT NULL,
    returned BIGINT NOT NULL,
    declined BIGINT NOT NULL,
    reopened BIGINT NOT NULL,
    settled_building BIGINT NOT NULL,
    settled_compound BIGINT NOT NULL,
    settled_community BIGINT NOT NULL,
    settled_subdistrict BIGINT NOT NULL,
    settled_district BIGINT NOT NULL,
    handling_minutes BIGINT NOT NULL,
    PRIMARY KEY (node_path, day, category_code, level)
);

CREATE TABLE appeal_photos (
    id {uuid} PRIMARY KEY,
    appeal_id {uuid} NOT NULL REFERENCES appeals(id),
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX appeal_photos_appeal ON appeal_photos (appeal_id);

-- Where notifications go: a WeCom or DingTalk group robot, or a signed JSON webhook,
-- for appeals whose handler sits in the channel's subtree.
CREATE TABLE notify_channels (
    id {uuid} PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    secret_enc TEXT,
    path {path} NOT NULL,
    events TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at {ts} NOT NULL
);

-- Written in the same transaction as the event it announces; the sender delivers it.
CREATE TABLE outbox (
    id {uuid} PRIMARY KEY,
    channel_id {uuid} NOT NULL REFERENCES notify_channels(id),
    appeal_id {uuid} REFERENCES appeals(id),
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at {ts} NOT NULL,
    created_at {ts} NOT NULL,
    sent_at {ts},
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE outbox_deliveries (
    id {uuid} PRIMARY KEY,
    outbox_id {uuid} NOT NULL REFERENCES outbox(id),
    attempt BIGINT NOT NULL,
    at {ts} NOT NULL,
    http_status BIGINT,
    error TEXT,
    millis BIGINT NOT NULL
);
CREATE INDEX outbox_deliveries_outbox ON outbox_deliveries (outbox_id);

CREATE TABLE clock_state (
    name TEXT PRIMARY KEY,
    at {ts} NOT NULL
);
