-- Monthly rollups beside the daily ones, and queue indexes. A year's dashboard reads twelve months instead of
-- 365 days. `month` is the first day of the month (Beijing). The rows of existing daily
-- rollups are folded in after migrating (see `Store::seed_appeal_config`).
CREATE TABLE appeal_rollups_monthly (
    node_path {path} NOT NULL,
    month {date} NOT NULL,
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
    PRIMARY KEY (node_path, month, category_code, level)
);

-- Queues read in deadline order straight from an index: overdue first, then the nearest
-- deadline, then the number.
DROP INDEX appeals_queue;
DROP INDEX appeals_queue_all;
CREATE INDEX appeals_handler_queue ON appeals (handler_path, is_open, overdue DESC, resolve_due_at, number);
CREATE INDEX appeals_open_queue ON appeals (is_open, overdue DESC, resolve_due_at, number);
