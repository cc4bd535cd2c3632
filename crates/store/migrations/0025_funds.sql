-- Community funds (issue 14): one account per community; entries are never edited, a
-- mistake is corrected by a reversing entry naming the one it reverses.

-- The district's rules (one row): spending strictly above `approval_above_fen` waits for the
-- community secretary; `allow_overdraft` lets spending take a balance below zero.
CREATE TABLE fund_rules (
    id BIGINT PRIMARY KEY,
    approval_above_fen BIGINT NOT NULL,
    allow_overdraft BOOLEAN NOT NULL,
    updated_at {ts}
);
INSERT INTO fund_rules (id, approval_above_fen, allow_overdraft) VALUES (1, 500000, FALSE);

-- The special fund each community receives in a year, where the district set one other
-- than the default ¥300,000.
CREATE TABLE fund_special_amounts (
    year BIGINT PRIMARY KEY,
    amount_fen BIGINT NOT NULL,
    updated_at {ts} NOT NULL
);

-- Receipt images, uploaded before the entry that uses them (one entry each).
CREATE TABLE fund_receipts (
    id {uuid} PRIMARY KEY,
    territory_id {uuid} NOT NULL REFERENCES territories(id),
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by {uuid},
    created_at {ts} NOT NULL
);

CREATE TABLE fund_entries (
    id {uuid} PRIMARY KEY,
    territory_id {uuid} NOT NULL REFERENCES territories(id),
    path {path} NOT NULL,
    -- Posting order within the community (1, 2, …); empty while pending or when rejected.
    -- Unique per community: two writers posting at once cannot both take the same place,
    -- so each balance is computed on the one before it.
    seq BIGINT,
    status TEXT NOT NULL,
    direction TEXT NOT NULL,
    -- Income: its source. Expense: what it served, and the record when it names one.
    source TEXT NOT NULL DEFAULT '',
    purpose TEXT NOT NULL DEFAULT '',
    purpose_id {uuid},
    -- Negative on a reversal (which keeps the original's direction, source and purpose).
    amount_fen BIGINT NOT NULL,
    balance_after_fen BIGINT,
    occurred_on {date} NOT NULL,
    summary TEXT NOT NULL,
    -- Who paid or was paid; a person's name is masked on the public page.
    counterparty TEXT NOT NULL DEFAULT '',
    counterparty_is_person BOOLEAN NOT NULL DEFAULT FALSE,
    receipt_id {uuid} UNIQUE REFERENCES fund_receipts(id),
    -- The paper voucher's number, for entries imported from a ledger.
    voucher TEXT NOT NULL DEFAULT '',
    reverses {uuid} UNIQUE REFERENCES fund_entries(id),
    -- The year of a special fund grant (one a year per community, unless reversed).
    grant_year BIGINT,
    recorded_by {uuid},
    recorded_at {ts} NOT NULL,
    decided_by {uuid},
    decided_at {ts},
    decision_note TEXT NOT NULL DEFAULT '',
    UNIQUE (territory_id, seq)
);
-- The public page finds a year's posted entries by day, a page of them, from this index alone.
CREATE INDEX fund_entries_day ON fund_entries (territory_id, status, occurred_on, seq, id);
-- The ledger page lists every entry of a year, the newest first, from this one.
CREATE INDEX fund_entries_ledger ON fund_entries (territory_id, occurred_on, recorded_at, id);
-- The balance checked against the sum of the entries reads this index alone.
CREATE INDEX fund_entries_sum ON fund_entries (territory_id, status, direction, amount_fen);
CREATE INDEX fund_entries_path ON fund_entries (path, occurred_on);
CREATE INDEX fund_entries_status ON fund_entries (status, territory_id);

-- Each community's posted amounts by year, direction, source and purpose, and how many
-- entries: kept in the transaction that posts an entry (reversals included, negative), so the
-- public page's totals are a few rows to read, whatever the number of entries.
CREATE TABLE fund_tallies (
    territory_id {uuid} NOT NULL,
    year BIGINT NOT NULL,
    direction TEXT NOT NULL,
    source TEXT NOT NULL,
    purpose TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    PRIMARY KEY (territory_id, year, direction, source, purpose)
);
