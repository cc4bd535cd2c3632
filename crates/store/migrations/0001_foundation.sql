-- Foundation: territory, grids, party organisations, people and households,
-- organisations, alliances and 一联双包 assignments.
-- Rows owned by one community carry community_id first in their primary key, and foreign
-- keys between such rows include it, so the schema can be distributed by community (Citus)
-- without rewriting: territories, people and organisations are reference tables. Lookups by
-- id alone go through a plain index on id (UUIDv7, unique by construction).

CREATE TABLE schema_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE territories (
    id {uuid} PRIMARY KEY,
    parent_id {uuid} REFERENCES territories(id),
    community_id {uuid},
    kind TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_pinyin TEXT NOT NULL,
    path {path} NOT NULL UNIQUE,
    depth INTEGER NOT NULL,
    geometry TEXT,
    area_centi BIGINT,
    dwelling_use TEXT,
    grid_id {uuid},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX territories_kind_path ON territories (kind, path);
CREATE INDEX territories_parent ON territories (parent_id, path);
CREATE INDEX territories_grid ON territories (grid_id);

CREATE TABLE people (
    id {uuid} PRIMARY KEY,
    community_id {uuid},
    name TEXT NOT NULL,
    name_pinyin TEXT NOT NULL,
    name_py {key} NOT NULL,
    name_initials {key} NOT NULL,
    -- AES-256-GCM ciphertext, and the keyed hash that finds the number and keeps it unique
    id_number TEXT NOT NULL,
    id_number_hash TEXT NOT NULL UNIQUE,
    birth_date {date} NOT NULL,
    sex TEXT NOT NULL,
    -- AES-256-GCM ciphertext
    phone TEXT,
    tags TEXT NOT NULL DEFAULT '',
    home_path {path},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX people_home_path ON people (home_path);
CREATE INDEX people_pinyin ON people (name_pinyin);
CREATE INDEX people_py ON people (name_py);
CREATE INDEX people_initials ON people (name_initials);
CREATE INDEX people_name ON people (name);

CREATE TABLE grids (
    id {uuid} NOT NULL,
    community_id {uuid} NOT NULL REFERENCES territories(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    merged_types TEXT NOT NULL,
    worker_id {uuid} REFERENCES people(id),
    secretary_id {uuid} REFERENCES people(id),
    secretary_filed_on {date},
    geometry TEXT,
    path {path} NOT NULL,
    created_at {ts} NOT NULL,
    PRIMARY KEY (community_id, id)
);
CREATE INDEX grids_id ON grids (id);
CREATE INDEX grids_path ON grids (path);

CREATE TABLE party_orgs (
    id {uuid} NOT NULL,
    community_id {uuid} NOT NULL,
    territory_id {uuid} NOT NULL REFERENCES territories(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    leader_id {uuid} REFERENCES people(id),
    path {path} NOT NULL,
    created_at {ts} NOT NULL,
    PRIMARY KEY (community_id, id),
    UNIQUE (territory_id, kind)
);
CREATE INDEX party_orgs_id ON party_orgs (id);
CREATE INDEX party_orgs_kind_path ON party_orgs (kind, path);

CREATE TABLE households (
    id {uuid} NOT NULL,
    community_id {uuid} NOT NULL,
    number TEXT NOT NULL UNIQUE,
    dwelling_id {uuid} NOT NULL REFERENCES territories(id),
    tenure TEXT NOT NULL,
    central_household_id {uuid},
    path {path} NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    PRIMARY KEY (community_id, id)
);
CREATE INDEX households_id ON households (id);
CREATE INDEX households_path ON households (path);
CREATE INDEX households_dwelling ON households (dwelling_id);
CREATE INDEX households_central ON households (central_household_id);

CREATE TABLE household_members (
    community_id {uuid} NOT NULL,
    household_id {uuid} NOT NULL,
    person_id {uuid} NOT NULL UNIQUE REFERENCES people(id),
    relation TEXT NOT NULL,
    PRIMARY KEY (community_id, household_id, person_id),
    FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id) ON UPDATE CASCADE
);
CREATE INDEX household_members_household ON household_members (household_id);

CREATE TABLE owners (
    community_id {uuid} NOT NULL,
    dwelling_id {uuid} NOT NULL REFERENCES territories(id),
    person_id {uuid} NOT NULL REFERENCES people(id),
    share_bp INTEGER NOT NULL,
    PRIMARY KEY (community_id, dwelling_id, person_id)
);
CREATE INDEX owners_dwelling ON owners (dwelling_id);
CREATE INDEX owners_person ON owners (person_id);

CREATE TABLE party_members (
    person_id {uuid} PRIMARY KEY REFERENCES people(id),
    community_id {uuid} NOT NULL,
    org_id {uuid} NOT NULL,
    joined_on {date},
    in_service BOOLEAN NOT NULL DEFAULT FALSE,
    work_unit TEXT,
    reported_community_id {uuid} REFERENCES territories(id),
    reported_on {date},
    path {path},
    created_at {ts} NOT NULL,
    FOREIGN KEY (community_id, org_id) REFERENCES party_orgs (community_id, id)
);
CREATE INDEX party_members_org ON party_members (org_id);
CREATE INDEX party_members_path ON party_members (path);
CREATE INDEX party_members_reported ON party_members (reported_community_id);

CREATE TABLE central_households (
    id {uuid} NOT NULL,
    community_id {uuid} NOT NULL,
    household_id {uuid} NOT NULL UNIQUE,
    member_id {uuid} NOT NULL REFERENCES people(id),
    path {path} NOT NULL,
    created_at {ts} NOT NULL,
    PRIMARY KEY (community_id, id),
    FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id) ON UPDATE CASCADE
);
CREATE INDEX central_households_id ON central_households (id);
CREATE INDEX central_households_member ON central_households (member_id);
CREATE INDEX central_households_path ON central_households (path);

CREATE TABLE organisations (
    id {uuid} PRIMARY KEY,
    kind TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_pinyin TEXT NOT NULL,
    territory_id {uuid} REFERENCES territories(id),
    contact_name TEXT,
    -- AES-256-GCM ciphertext
    contact_phone TEXT,
    path {path},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX organisations_kind_path ON organisations (kind, path);

CREATE TABLE service_stations (
    id {uuid} NOT NULL,
    community_id {uuid} NOT NULL,
    territory_id {uuid} NOT NULL UNIQUE REFERENCES territories(id),
    name TEXT NOT NULL,
    hours TEXT NOT NULL,
    path {path} NOT NULL,
    created_at {ts} NOT NULL,
    PRIMARY KEY (community_id, id)
);
CREATE INDEX service_stations_path ON service_stations (path);

CREATE TABLE alliances (
    id {uuid} PRIMARY KEY,
    kind TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    territory_id {uuid} NOT NULL REFERENCES territories(id),
    path {path} NOT NULL,
    created_at {ts} NOT NULL
);

CREATE TABLE alliance_members (
    alliance_id {uuid} NOT NULL REFERENCES alliances(id),
    organisation_id {uuid} NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (alliance_id, organisation_id)
);

CREATE TABLE assignments (
    id {uuid} NOT NULL,
    community_id {uuid} NOT NULL,
    kind TEXT NOT NULL,
    organisation_id {uuid} REFERENCES organisations(id),
    person_id {uuid} REFERENCES people(id),
    territory_id {uuid} REFERENCES territories(id),
    household_id {uuid},
    target_path {path} NOT NULL,
    created_at {ts} NOT NULL,
    PRIMARY KEY (community_id, id),
    FOREIGN KEY (community_id, household_id) REFERENCES households (community_id, id) ON UPDATE CASCADE
);
CREATE INDEX assignments_kind_path ON assignments (kind, target_path);
CREATE INDEX assignments_territory ON assignments (territory_id);
CREATE INDEX assignments_household ON assignments (household_id)
