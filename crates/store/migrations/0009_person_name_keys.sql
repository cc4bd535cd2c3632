-- Name search (issue 10): each resident under every key of their name (its characters and
-- pairs of characters, its pinyin and its initials; see `names::index_keys`), with the home
-- and the sort key beside it, so that a search counts and pages in this index alone instead
-- of reading every resident of the district. A home of '' is no home. `pinyin_overlap` lets a
-- prefix search find a person once when both their pinyin and initials start with it.
-- The rows are written by the Rust code that writes people (and backfilled by it here); a
-- person's rows are found by their name's keys, so no second index is kept.
CREATE TABLE person_name_keys (
    key {key} NOT NULL,
    home_path {path} NOT NULL,
    name_pinyin TEXT NOT NULL,
    person_id {uuid} NOT NULL,
    pinyin_overlap INTEGER NOT NULL,
    -- The overlap is in the key only so that a prefix search filters on it in the index.
    PRIMARY KEY (key, home_path, name_pinyin, person_id, pinyin_overlap)
) {without_rowid};
