-- The identity key (finding 4 of issue 12): a candidate's NI number, date of birth and home address are
-- sealed under a second key that only admin and office sign-ins unwrap (`identity`).
--
-- This migration runs before anyone signs in, so it only adds: each account's X25519 key pair (the
-- private half sealed under a key from their password) with the identity key wrapped to it, and the
-- keyed hashes that lookups compare. The first admin or office sign-in after the upgrade makes the
-- identity key and moves the plaintext values into sealed ones in one audited transaction.

CREATE TABLE user_keys (
    user_id         TEXT PRIMARY KEY REFERENCES users (id),
    public_key      BLOB NOT NULL,      -- X25519
    private_sealed  BLOB NOT NULL,      -- AES-256-GCM under Argon2id(password, salt)
    salt            BLOB NOT NULL,
    kdf             TEXT NOT NULL,      -- JSON: the Argon2id parameters
    identity_wrap   BLOB                -- the identity key wrapped to public_key; NULL: not granted (yet)
) STRICT;

-- Keyed hashes (HMAC-SHA256 under a key from the identity key) of the normalised values.
ALTER TABLE candidates ADD COLUMN ni_hash TEXT;
ALTER TABLE candidates ADD COLUMN dob_postcode_hash TEXT;
CREATE UNIQUE INDEX candidates_ni_hash ON candidates (ni_hash) WHERE ni_hash IS NOT NULL AND merged_into IS NULL;
CREATE INDEX candidates_dob_postcode ON candidates (dob_postcode_hash) WHERE merged_into IS NULL;

-- The search index no longer holds NI numbers: its `ni` column holds the keyed hash, so an exact NI
-- number typed by a role holding the identity key is found, and nothing else is.
DROP VIEW candidate_search_source;
CREATE VIEW candidate_search_source AS
SELECT c.rowid AS rid, c.id AS candidate_id, search_names(c.forename, c.surname) AS names,
    (SELECT group_concat(employee_number, ' ') FROM employments WHERE candidate_id = c.id) AS employee,
    (SELECT group_concat(er.name, ' ') FROM employments em JOIN employers er ON er.id = em.employer_id
        WHERE em.candidate_id = c.id AND em.ended_on IS NULL) AS employer,
    c.ni_hash AS ni,
    coalesce((SELECT group_concat(number, ' ') FROM certificates
        WHERE candidate_id = c.id AND superseded_at IS NULL), '') AS certificates
FROM candidates c WHERE c.merged_into IS NULL;

DROP TRIGGER candidates_search_au;
CREATE TRIGGER candidates_search_au AFTER UPDATE OF forename, surname, ni_hash, merged_into ON candidates BEGIN
    DELETE FROM candidate_search WHERE rowid = old.rowid;
    INSERT INTO candidate_search (rowid, names, employee, employer, ni, certificates)
    SELECT rid, names, employee, employer, ni, certificates FROM candidate_search_source WHERE candidate_id = new.id;
END;

-- Rebuilt whole and merged into one segment, so no older segment keeps an NI number as a term.
DELETE FROM candidate_search;
INSERT INTO candidate_search (rowid, names, employee, employer, ni, certificates)
SELECT rid, names, employee, employer, ni, certificates FROM candidate_search_source;
INSERT INTO candidate_search (candidate_search) VALUES ('optimize');

-- The office's private keys sealed under the identity key too: the plain column (whose CHECK wants 32
-- bytes) is zeroed once the sealed copy is written.
ALTER TABLE signing_keys ADD COLUMN secret_sealed TEXT;
ALTER TABLE field_centre_keys ADD COLUMN secret_sealed TEXT;
