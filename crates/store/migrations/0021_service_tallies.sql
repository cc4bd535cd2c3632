-- The figures' counts by place and by item, each by month and by day (Beijing), written in the
-- same transaction as the ticket or rating they count (issue 12: a district's figures for any
-- period at a million tickets). The monthly rows per point and item (`service_rollups`) stay
-- for the desk's counts; the figures read these, which hold no point-by-item cross product:
-- a district's year is some 750 point rows and 500 item rows, not 30,000.
--
-- Per point: every measure. A period reads whole months and, in its edge months, days.
CREATE TABLE service_point_tallies (
    span TEXT NOT NULL,
    start {date} NOT NULL,
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
    PRIMARY KEY (span, start, path)
) {without_rowid};
-- Tickets received per item, kept for every place above the point (the district "/", the
-- subdistrict, the community, the compound): a place's items are read from its own rows.
CREATE TABLE service_item_tallies (
    span TEXT NOT NULL,
    node {path} NOT NULL,
    start {date} NOT NULL,
    item TEXT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (span, node, start, item)
) {without_rowid}
