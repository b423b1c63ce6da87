-- Certificates: issued documents frozen at issue, their gapless numbers, reissues and revocations,
-- and the centre's Ed25519 signing keys for the QR statement.
--
-- A certificate number is assigned in the same transaction that writes the issue record, from a
-- counter per number prefix (e.g. "RPT-2026-"), so numbers are gapless and never reused. A reissue
-- keeps the number with the next version; the version it replaces is marked superseded. Revocation
-- is per number. The issued PDF's exact bytes and their SHA-256 are kept with the content snapshot,
-- so later edits to a candidate never change an issued certificate.

CREATE TABLE signing_keys (
    id           TEXT PRIMARY KEY,                    -- first 8 bytes of SHA-256(public key), hex
    public_key   BLOB NOT NULL CHECK (length(public_key) = 32),
    secret_seed  BLOB NOT NULL CHECK (length(secret_seed) = 32),  -- the store itself is encrypted
    created_at   TEXT NOT NULL,
    retired_at   TEXT
) STRICT;

CREATE TABLE certificate_sequences (
    prefix  TEXT PRIMARY KEY,
    last    INTEGER NOT NULL CHECK (last >= 0)
) STRICT;

CREATE TABLE certificates (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL,
    version         INTEGER NOT NULL CHECK (version >= 1),
    enrolment_id    TEXT NOT NULL REFERENCES enrolments (id),
    candidate_id    TEXT NOT NULL REFERENCES candidates (id),
    issued_on       TEXT NOT NULL,                    -- the first issue's date, kept by reissues
    reissued_on     TEXT,
    reissue_reason  TEXT,
    expires_on      TEXT,
    content         TEXT NOT NULL,                    -- JSON: everything printed, and the template
    qr              TEXT NOT NULL,                    -- the signed statement in the QR code
    key_id          TEXT NOT NULL REFERENCES signing_keys (id),
    pdf             BLOB NOT NULL,                    -- the exact bytes issued
    sha256          TEXT NOT NULL,
    issued_by       TEXT NOT NULL REFERENCES users (id),
    issued_at       TEXT NOT NULL,
    superseded_at   TEXT,
    retention       TEXT NOT NULL DEFAULT 'training_record',
    UNIQUE (number, version),
    CHECK ((version = 1) = (reissued_on IS NULL)),
    CHECK ((reissued_on IS NULL) = (reissue_reason IS NULL))
) STRICT;
-- One standing certificate per enrolment.
CREATE UNIQUE INDEX certificates_enrolment ON certificates (enrolment_id) WHERE superseded_at IS NULL;
CREATE INDEX certificates_candidate ON certificates (candidate_id);
CREATE INDEX certificates_number ON certificates (number);

CREATE TABLE certificate_revocations (
    number      TEXT PRIMARY KEY,
    revoked_at  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    revoked_by  TEXT NOT NULL REFERENCES users (id)
) STRICT;

-- Issued certificates are never edited: only the superseded mark may be set, once.
CREATE TRIGGER certificates_frozen BEFORE UPDATE ON certificates
WHEN old.superseded_at IS NOT NULL OR new.number IS NOT old.number OR new.version IS NOT old.version
    OR new.content IS NOT old.content OR new.pdf IS NOT old.pdf OR new.sha256 IS NOT old.sha256
    OR new.qr IS NOT old.qr OR new.enrolment_id IS NOT old.enrolment_id
BEGIN
    SELECT RAISE (ABORT, 'an issued certificate cannot be changed; reissue it');
END;

-- The search index's certificates column now carries the candidate's standing certificate numbers.
DROP VIEW candidate_search_source;
CREATE VIEW candidate_search_source AS
SELECT c.rowid AS rid, c.id AS candidate_id, c.forename || ' ' || c.surname AS names,
    (SELECT group_concat(employee_number, ' ') FROM employments WHERE candidate_id = c.id) AS employee,
    (SELECT group_concat(er.name, ' ') FROM employments em JOIN employers er ON er.id = em.employer_id
        WHERE em.candidate_id = c.id AND em.ended_on IS NULL) AS employer,
    c.ni_number AS ni,
    coalesce((SELECT group_concat(number, ' ') FROM certificates
        WHERE candidate_id = c.id AND superseded_at IS NULL), '') AS certificates
FROM candidates c WHERE c.merged_into IS NULL;

CREATE TRIGGER certificates_search_ai AFTER INSERT ON certificates BEGIN
    DELETE FROM candidate_search WHERE rowid = (SELECT rowid FROM candidates WHERE id = new.candidate_id);
    INSERT INTO candidate_search (rowid, names, employee, employer, ni, certificates)
    SELECT rid, names, employee, employer, ni, certificates FROM candidate_search_source
    WHERE candidate_id = new.candidate_id;
END;

CREATE TRIGGER certificates_search_au AFTER UPDATE ON certificates BEGIN
    DELETE FROM candidate_search WHERE rowid = (SELECT rowid FROM candidates WHERE id = new.candidate_id);
    INSERT INTO candidate_search (rowid, names, employee, employer, ni, certificates)
    SELECT rid, names, employee, employer, ni, certificates FROM candidate_search_source
    WHERE candidate_id = new.candidate_id;
END;
