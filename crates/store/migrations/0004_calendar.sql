-- Working-day calendar years imported by an administrator, on top of the bundled ones.
CREATE TABLE calendar_years (
    year BIGINT PRIMARY KEY,
    imported_at {ts} NOT NULL
);

CREATE TABLE calendar_days (
    day {date} PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);
