-- Accounts, roles over territory scopes, sessions, API tokens and the audit log.

CREATE TABLE users (
    id {uuid} PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    disabled BOOLEAN NOT NULL,
    failed_logins INTEGER NOT NULL,
    locked_until {ts},
    person_id {uuid} REFERENCES people(id),
    demo BOOLEAN NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);

-- A role held over a territory node and its subtree. path is the node's path, copied so
-- that scope checks need no join.
CREATE TABLE role_grants (
    id {uuid} PRIMARY KEY,
    user_id {uuid} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    territory_id {uuid} NOT NULL REFERENCES territories(id),
    path {path} NOT NULL,
    granted_by TEXT NOT NULL,
    created_at {ts} NOT NULL,
    UNIQUE (user_id, role, territory_id)
);
CREATE INDEX role_grants_user ON role_grants (user_id);

-- Opaque tokens are stored only as their SHA-256.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id {uuid} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at {ts} NOT NULL,
    last_seen_at {ts} NOT NULL,
    ip TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id {uuid} PRIMARY KEY,
    user_id {uuid} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at {ts} NOT NULL,
    expires_at {ts},
    revoked_at {ts},
    last_used_at {ts}
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Append-only and hash-chained: hash = SHA-256(prev_hash ‖ the entry's fields). The head row
-- holds the last seq and hash, so that deleting entries at the end is detected too, and
-- its row lock serialises appends on PostgreSQL.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at {ts} NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    scope_path {path} NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    summary TEXT NOT NULL,
    result TEXT NOT NULL,
    ip TEXT NOT NULL,
    request_id TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_scope ON audit_log (scope_path, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
