-- Owners' general assembly votes (issue 11): a vote of one compound, its matters (Civil Code
-- art. 278), the electorate frozen when it is announced, and the ballots. A ballot is never
-- changed: a correction before the close is a new version, the old one kept.
CREATE TABLE owner_votes (
    id {uuid} PRIMARY KEY,
    community_id {uuid} NOT NULL,
    compound_id {uuid} NOT NULL REFERENCES territories(id),
    compound_path {path} NOT NULL,
    title TEXT NOT NULL,
    announced_at {ts} NOT NULL,
    assembly_at {ts} NOT NULL,
    closes_at {ts} NOT NULL,
    notice_days INTEGER NOT NULL,
    multi_part_owner_once BOOLEAN NOT NULL,
    developer_as_one BOOLEAN NOT NULL,
    count_parking BOOLEAN NOT NULL,
    silent_follows_majority BOOLEAN NOT NULL,
    closed_at {ts},
    created_by {uuid}
);
CREATE INDEX owner_votes_compound ON owner_votes (compound_path, announced_at);

CREATE TABLE owner_vote_matters (
    vote_id {uuid} NOT NULL REFERENCES owner_votes(id),
    seq INTEGER NOT NULL,
    matter TEXT NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (vote_id, seq)
);

-- One row per exclusive part as it stood at the announcement; `voter` casts its ballot: the
-- person id of the owner named to (the largest share; on a tie the first), or `developer`
-- for a part nobody has bought.
CREATE TABLE owner_vote_parts (
    vote_id {uuid} NOT NULL REFERENCES owner_votes(id),
    part_id {uuid} NOT NULL REFERENCES territories(id),
    part_code TEXT NOT NULL,
    building_path {path} NOT NULL,
    area_centi BIGINT NOT NULL,
    kind TEXT NOT NULL,
    delivered BOOLEAN NOT NULL,
    voter TEXT NOT NULL,
    PRIMARY KEY (vote_id, part_id)
);
CREATE INDEX owner_vote_parts_voter ON owner_vote_parts (vote_id, voter);

CREATE TABLE owner_vote_ballots (
    id {uuid} PRIMARY KEY,
    vote_id {uuid} NOT NULL REFERENCES owner_votes(id),
    seq INTEGER NOT NULL,
    voter TEXT NOT NULL,
    choice TEXT NOT NULL,
    version INTEGER NOT NULL,
    is_current BOOLEAN NOT NULL,
    paper BOOLEAN NOT NULL,
    entered_by {uuid},
    cast_at {ts} NOT NULL,
    UNIQUE (vote_id, seq, voter, version)
);
-- One current ballot per owner per matter, also under concurrent writes.
CREATE UNIQUE INDEX owner_vote_ballots_current ON owner_vote_ballots (vote_id, seq, voter) WHERE is_current = TRUE;
