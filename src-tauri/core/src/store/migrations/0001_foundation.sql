-- The foundation: store metadata, users, the audit log and per-subject audit keys.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'office', 'trainer')),
    password_hash   TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    disabled_at     TEXT,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    last_failed_at  TEXT
) STRICT;

-- Append-only and hash-chained: each row's hash covers the previous row's hash and its own content.
-- `changes` is sealed (AES-256-GCM) under the subject's key in `subject_keys`, so erasing a person
-- later destroys their before/after values without breaking the chain.
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    at          TEXT NOT NULL,
    actor_id    TEXT,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT,
    changes     BLOB,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
) STRICT;

CREATE INDEX audit_entity ON audit (entity, entity_id);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE subject_keys (
    subject_id  TEXT PRIMARY KEY,
    key         BLOB NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
