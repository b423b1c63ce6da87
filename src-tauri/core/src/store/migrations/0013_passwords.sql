-- Password resets: an account whose password an admin has reset must choose a new one at its next
-- sign-in before it may do anything else (`users::Store::change_password`). The flag is cleared by
-- that change. Nothing else about an account needs a new column: role changes and disabling already
-- have theirs, and the audit log records who changed what.

ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1));
