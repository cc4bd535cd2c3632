-- Grid party secretaries (issue 14): filings with the subdistrict (备案) over time, the
-- secretaries' reports to the community's party organisation and to the grid's members and
-- residents, and their appraisals (述职评议) with every scorer's score.

CREATE TABLE grid_secretary_filings (
    id {uuid} PRIMARY KEY,
    grid_id {uuid} NOT NULL,
    person_id {uuid} NOT NULL REFERENCES people(id),
    -- The grid's path: lists and scopes read subtrees of it.
    path {path} NOT NULL,
    -- The day the subdistrict filed it, and the days the secretary served from and to.
    filed_on {date} NOT NULL,
    from_on {date} NOT NULL,
    ended_on {date},
    note TEXT NOT NULL DEFAULT '',
    filed_by {uuid},
    created_at {ts} NOT NULL
);
CREATE INDEX grid_secretary_filings_grid ON grid_secretary_filings (grid_id, from_on);
CREATE INDEX grid_secretary_filings_path ON grid_secretary_filings (path, ended_on);

CREATE TABLE grid_secretary_reports (
    id {uuid} PRIMARY KEY,
    filing_id {uuid} NOT NULL REFERENCES grid_secretary_filings(id),
    audience TEXT NOT NULL,
    held_on {date} NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    attendees BIGINT NOT NULL DEFAULT 0,
    recorded_by {uuid},
    created_at {ts} NOT NULL
);
CREATE INDEX grid_secretary_reports_filing ON grid_secretary_reports (filing_id, held_on);

CREATE TABLE grid_secretary_reviews (
    id {uuid} PRIMARY KEY,
    filing_id {uuid} NOT NULL REFERENCES grid_secretary_filings(id),
    year BIGINT NOT NULL,
    held_on {date} NOT NULL,
    -- Tenths of a point, and the result it gives.
    total BIGINT NOT NULL,
    result TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    recorded_by {uuid},
    created_at {ts} NOT NULL,
    UNIQUE (filing_id, year)
);

CREATE TABLE grid_secretary_scores (
    id {uuid} PRIMARY KEY,
    review_id {uuid} NOT NULL REFERENCES grid_secretary_reviews(id),
    scorer_kind TEXT NOT NULL,
    scorer TEXT NOT NULL,
    score BIGINT NOT NULL,
    UNIQUE (review_id, scorer_kind, scorer)
);
