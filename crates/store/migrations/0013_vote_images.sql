-- The images kept with a vote (issue 11): the scan of a paper ballot and the photo of the
-- proof an owner was served, each of one voter; the file lives in the media folder.
CREATE TABLE owner_vote_images (
    id {uuid} PRIMARY KEY,
    vote_id {uuid} NOT NULL REFERENCES owner_votes(id),
    voter TEXT NOT NULL,
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_by {uuid},
    created_at {ts} NOT NULL
);
CREATE INDEX owner_vote_images_vote ON owner_vote_images (vote_id, voter);
