-- Property decisions (issue 11): a proposal of a compound's party branch, with the branch
-- meeting behind it, through the tripartite consultation (branch, owners' committee,
-- property company) to the owners' general assembly. `stage` and `round` are what the
-- events replay to, kept for the board; the events are the record.
CREATE TABLE decisions (
    id {uuid} PRIMARY KEY,
    community_id {uuid} NOT NULL,
    compound_id {uuid} NOT NULL REFERENCES territories(id),
    compound_path {path} NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    branch_meeting_at {ts} NOT NULL,
    branch_meeting TEXT NOT NULL,
    stage TEXT NOT NULL,
    round INTEGER NOT NULL,
    vote_id {uuid} REFERENCES owner_votes(id),
    created_by {uuid},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX decisions_board ON decisions (stage, compound_path);

-- Every step, in order; two steps at once cannot both take the same place (409).
CREATE TABLE decision_events (
    decision_id {uuid} NOT NULL REFERENCES decisions(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    round INTEGER NOT NULL,
    party TEXT,
    answer TEXT,
    note TEXT NOT NULL,
    actor_id {uuid},
    actor_name TEXT NOT NULL,
    at {ts} NOT NULL,
    PRIMARY KEY (decision_id, seq)
);
