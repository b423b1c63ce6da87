-- Signed checkpoints of the audit log (`store::checkpoints`): at every backup and every accepted
-- copy, the log's head (entry number, hash, time) signed with the centre's Ed25519 key. `audit
-- verify` checks each signature and that the chain passes through each one. Append-only, like the log.

CREATE TABLE audit_checkpoints (
    seq        INTEGER PRIMARY KEY NOT NULL,   -- the audit entry it vouches for
    hash       TEXT NOT NULL,
    at         TEXT NOT NULL,                  -- when it was signed (UTC)
    key_id     TEXT NOT NULL REFERENCES signing_keys (id),
    signature  BLOB NOT NULL
);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;

CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
