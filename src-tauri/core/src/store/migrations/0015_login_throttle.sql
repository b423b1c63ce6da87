-- Sign-in throttling for user names that have no account. A wrong name must be throttled exactly
-- like a wrong password for a real account, or the throttle itself tells which names exist
-- (`users::Store::login`). The name is kept only as a hash: people type passwords into the name
-- field by mistake.

CREATE TABLE login_failures (
    name_hash      BLOB PRIMARY KEY NOT NULL,
    failures       INTEGER NOT NULL CHECK (failures >= 0),
    last_failed_at TEXT
) WITHOUT ROWID;
