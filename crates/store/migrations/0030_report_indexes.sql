-- The work report (issue 15) counts what was settled in a year: appeals by the moment they
-- were resolved and councils' topics by the moment they were done, for the whole district
-- (no path to narrow by). Without these, each such figure read the whole table.
CREATE INDEX appeals_resolved ON appeals (resolved_at, category_code);
CREATE INDEX council_topics_done ON council_topics (done_at, status);
