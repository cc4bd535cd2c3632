-- Ten-day counts (旬: days 1–10, 11–20 and 21 to the month's end, Beijing time) beside the
-- monthly ones, written in the same transaction. A period's edges then read whole 旬 from
-- here and at most about five days from the records, instead of up to half a month
-- (issue 12: a district's mid-month period at a million tickets).
-- Keyed by the 旬 first: a period reads a handful of named 旬, each a range by place.
CREATE TABLE service_rollups_dekad (
    point_id {uuid} NOT NULL REFERENCES service_points(id),
    item TEXT NOT NULL,
    dekad {date} NOT NULL,
    path {path} NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    completed BIGINT NOT NULL DEFAULT 0,
    completed_on_time BIGINT NOT NULL DEFAULT 0,
    refused BIGINT NOT NULL DEFAULT 0,
    outside_hours BIGINT NOT NULL DEFAULT 0,
    ratings BIGINT NOT NULL DEFAULT 0,
    very_satisfied BIGINT NOT NULL DEFAULT 0,
    satisfied BIGINT NOT NULL DEFAULT 0,
    basically_satisfied BIGINT NOT NULL DEFAULT 0,
    dissatisfied BIGINT NOT NULL DEFAULT 0,
    very_dissatisfied BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (dekad, path, item)
) {without_rowid}
