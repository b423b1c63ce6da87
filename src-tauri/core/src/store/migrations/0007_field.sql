-- Field work: trainer field packs (office → laptop) and results returns (laptop → office).
--
-- A store is either an office store or a field store (a trainer's laptop); the tables of both sides
-- live in every store and only one side's are used. A field store is marked by `meta.field_device`.
--
-- Keys: every secret below sits in the encrypted store like the certificate signing keys do.

-- ── Office side ──────────────────────────────────────────────────────────────────────────────────

-- The centre's X25519 key that returns are encrypted to (made with the first centre-key export).
CREATE TABLE field_centre_keys (
    id          TEXT PRIMARY KEY,                       -- the public key's recipient id
    public_key  BLOB NOT NULL CHECK (length(public_key) = 32),
    secret      BLOB NOT NULL CHECK (length(secret) = 32),
    created_at  TEXT NOT NULL,
    retired_at  TEXT
) STRICT;

-- Trainers' laptops the office trusts: each signs its returns and receives packs encrypted to it.
CREATE TABLE field_devices (
    id             TEXT PRIMARY KEY,                    -- the Ed25519 key id (signs returns)
    trainer_id     TEXT NOT NULL REFERENCES trainers (id),
    label          TEXT NOT NULL,
    sign_public    BLOB NOT NULL CHECK (length(sign_public) = 32),
    enc_public     BLOB NOT NULL CHECK (length(enc_public) = 32),
    registered_at  TEXT NOT NULL,
    registered_by  TEXT NOT NULL REFERENCES users (id),
    revoked_at     TEXT
) STRICT;
CREATE INDEX field_devices_trainer ON field_devices (trainer_id);

-- Packs issued, with the values each result had when packed: a return is compared against these
-- to tell a field change from a conflict.
CREATE TABLE field_packs (
    id             TEXT PRIMARY KEY,                    -- the container's id
    trainer_id     TEXT NOT NULL REFERENCES trainers (id),
    device_id      TEXT NOT NULL REFERENCES field_devices (id),
    runs           TEXT NOT NULL,                       -- JSON list of run ids
    base           TEXT NOT NULL,                       -- JSON: enrolment id → status and results
    disclosure_id  TEXT NOT NULL REFERENCES disclosures (id),
    issued_at      TEXT NOT NULL,
    issued_by      TEXT NOT NULL REFERENCES users (id)
) STRICT;

-- Returns applied (or being held): their ids make a second import a no-op.
CREATE TABLE field_returns (
    id           TEXT PRIMARY KEY,                      -- the container's id
    device_id    TEXT NOT NULL REFERENCES field_devices (id),
    seq          INTEGER NOT NULL CHECK (seq >= 1),     -- the laptop's counter: later returns supersede
    created_at   TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    imported_by  TEXT NOT NULL REFERENCES users (id),
    applied      INTEGER NOT NULL,
    unchanged    INTEGER NOT NULL,
    conflicts    INTEGER NOT NULL,
    photos       INTEGER NOT NULL,
    UNIQUE (device_id, seq)
) STRICT;

-- A field change that was not applied because the office changed the same thing since the pack,
-- or the office's records refused it; held side by side for a person to decide.
CREATE TABLE field_conflicts (
    id            TEXT PRIMARY KEY,
    return_id     TEXT NOT NULL REFERENCES field_returns (id),
    kind          TEXT NOT NULL CHECK (kind IN ('attendance', 'result')),
    enrolment_id  TEXT NOT NULL REFERENCES enrolments (id),
    component_id  TEXT REFERENCES course_components (id),
    base          TEXT NOT NULL,                        -- JSON: the value when packed
    office        TEXT NOT NULL,                        -- JSON: the office's value when the return came
    field         TEXT NOT NULL,                        -- JSON: the trainer's value
    office_by     TEXT,
    office_at     TEXT,
    field_by      TEXT NOT NULL,
    field_at      TEXT,
    reason        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    resolution    TEXT CHECK (resolution IS NULL OR resolution IN ('office', 'field', 'superseded')),
    resolved_at   TEXT,
    resolved_by   TEXT REFERENCES users (id),
    CHECK ((kind = 'result') = (component_id IS NOT NULL)),
    CHECK ((resolution IS NULL) = (resolved_at IS NULL))
) STRICT;
CREATE INDEX field_conflicts_open ON field_conflicts (enrolment_id, component_id) WHERE resolution IS NULL;

-- Evidence photos already taken from a return (returns are cumulative, so the same photo comes again).
CREATE TABLE field_applied_photos (
    field_photo_id  TEXT PRIMARY KEY,
    photo_id        TEXT NOT NULL REFERENCES evidence_photos (id),
    return_id       TEXT NOT NULL REFERENCES field_returns (id)
) STRICT;

-- ── Field side (a trainer's laptop) ──────────────────────────────────────────────────────────────

-- This laptop's own keys: Ed25519 signs returns, X25519 receives packs.
CREATE TABLE field_device_keys (
    id          TEXT PRIMARY KEY,                       -- the Ed25519 key id
    label       TEXT NOT NULL,
    sign_seed   BLOB NOT NULL CHECK (length(sign_seed) = 32),
    enc_secret  BLOB NOT NULL CHECK (length(enc_secret) = 32),
    return_seq  INTEGER NOT NULL DEFAULT 0 CHECK (return_seq >= 0),
    created_at  TEXT NOT NULL
) STRICT;

-- The centre this laptop works for: whose packs it accepts and whom its returns are encrypted to.
CREATE TABLE field_centre (
    centre_id      TEXT PRIMARY KEY,                    -- the office store's id
    centre_name    TEXT NOT NULL,
    signing_keys   TEXT NOT NULL,                       -- JSON list of [key id, base64url public key]
    recipient_key  BLOB NOT NULL CHECK (length(recipient_key) = 32),
    trusted_at     TEXT NOT NULL
) STRICT;

-- Packs received.
CREATE TABLE field_packs_received (
    id           TEXT PRIMARY KEY,
    trainer_id   TEXT NOT NULL,
    issued_at    TEXT NOT NULL,
    imported_at  TEXT NOT NULL
) STRICT;

-- Each packed enrolment's values as packed: what a return is the difference from.
CREATE TABLE field_base (
    enrolment_id  TEXT PRIMARY KEY REFERENCES enrolments (id),
    run_id        TEXT NOT NULL REFERENCES course_runs (id),
    pack_id       TEXT NOT NULL REFERENCES field_packs_received (id),
    status        TEXT NOT NULL,
    results       TEXT NOT NULL                         -- JSON: component id → result
) STRICT;
CREATE INDEX field_base_run ON field_base (run_id);
