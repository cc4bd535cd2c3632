-- How each owner was served the ballot of a vote (issue 11): only an owner provably served
-- may be counted with the majority when the compound's rules let silent votes follow it.
CREATE TABLE owner_vote_service (
    vote_id {uuid} NOT NULL REFERENCES owner_votes(id),
    voter TEXT NOT NULL,
    how TEXT NOT NULL,
    served_at {ts} NOT NULL,
    proof TEXT NOT NULL,
    recorded_by {uuid},
    recorded_at {ts} NOT NULL,
    PRIMARY KEY (vote_id, voter)
);
