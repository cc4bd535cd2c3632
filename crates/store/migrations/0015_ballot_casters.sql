-- Co-owners of one exclusive part name who among them casts its ballot in owners' votes
-- (issue 11); without a name, the owner with the largest share casts it. A vote's frozen
-- electorate keeps the other co-owners of each part, so they can see the vote and who
-- answers for them.
CREATE TABLE ballot_casters (
    dwelling_id {uuid} PRIMARY KEY REFERENCES territories(id),
    person_id {uuid} NOT NULL REFERENCES people(id),
    named_by {uuid},
    named_at {ts} NOT NULL
);

CREATE TABLE owner_vote_co_owners (
    vote_id {uuid} NOT NULL REFERENCES owner_votes(id),
    person_id TEXT NOT NULL,
    part_id {uuid} NOT NULL,
    PRIMARY KEY (vote_id, person_id, part_id)
);
