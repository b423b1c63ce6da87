-- Erasure: a person's record can be erased (issue 14), or kept as an anonymous training record.
--
-- `candidates.erased_at` marks the stub an erasure leaves when the centre keeps the training record
-- as evidence: no name, no identifiers, no photo, only the id its enrolments, results and
-- certificates still point at. Such a stub is in no list, search or report.
--
-- `certificates.erased_at` marks a certificate whose holder was erased while the centre kept the
-- training record: its number, course and dates stay verifiable, but the frozen PDF, the QR statement
-- and the name in its content are overwritten. The freeze trigger lets exactly that one change through.
--
-- `erased_certificates` holds only the numbers of certificates erased with their holder, so that
-- verifying one answers "no longer confirmable" rather than "unknown": a number links to no one.
--
-- Search: deleted index entries are removed from the FTS5 segments themselves (`secure-delete`), not
-- just masked by a tombstone, so an erased name leaves no token behind.

ALTER TABLE candidates ADD COLUMN erased_at TEXT;
ALTER TABLE certificates ADD COLUMN erased_at TEXT;

CREATE TABLE erased_certificates (
    number     TEXT PRIMARY KEY,
    erased_on  TEXT NOT NULL
) STRICT;

-- Two changes get through the freeze: an erasure that keeps the training record overwrites the
-- holder's name, PDF and QR once (number, version, enrolment and hash stay); a merge moves a
-- duplicate's certificates and cards to the kept record (only the holder changes).
DROP TRIGGER certificates_frozen;
CREATE TRIGGER certificates_frozen BEFORE UPDATE ON certificates
WHEN NOT (old.erased_at IS NULL AND new.erased_at IS NOT NULL AND new.number IS old.number
          AND new.version IS old.version AND new.enrolment_id IS old.enrolment_id AND new.sha256 IS old.sha256
          AND new.candidate_id IS old.candidate_id)
    AND NOT (new.candidate_id IS NOT old.candidate_id AND new.number IS old.number AND new.version IS old.version
          AND new.content IS old.content AND new.pdf IS old.pdf AND new.sha256 IS old.sha256 AND new.qr IS old.qr
          AND new.enrolment_id IS old.enrolment_id AND new.superseded_at IS old.superseded_at
          AND new.erased_at IS old.erased_at)
    AND (old.superseded_at IS NOT NULL OR new.number IS NOT old.number OR new.version IS NOT old.version
    OR new.content IS NOT old.content OR new.pdf IS NOT old.pdf OR new.sha256 IS NOT old.sha256
    OR new.qr IS NOT old.qr OR new.enrolment_id IS NOT old.enrolment_id OR new.erased_at IS NOT old.erased_at)
BEGIN
    SELECT RAISE (ABORT, 'an issued certificate cannot be changed; reissue it');
END;

DROP TRIGGER cards_frozen;
CREATE TRIGGER cards_frozen BEFORE UPDATE ON cards
WHEN NOT (new.candidate_id IS NOT old.candidate_id AND new.number IS old.number AND new.content IS old.content
          AND new.pdf IS old.pdf AND new.sha256 IS old.sha256 AND new.qr IS old.qr
          AND new.superseded_at IS old.superseded_at)
    AND (old.superseded_at IS NOT NULL OR new.number IS NOT old.number OR new.content IS NOT old.content
    OR new.pdf IS NOT old.pdf OR new.sha256 IS NOT old.sha256 OR new.qr IS NOT old.qr
    OR new.candidate_id IS NOT old.candidate_id)
BEGIN
    SELECT RAISE (ABORT, 'an issued card cannot be changed; issue a new card');
END;

DROP VIEW candidate_search_source;
CREATE VIEW candidate_search_source AS
SELECT c.rowid AS rid, c.id AS candidate_id, search_names(c.forename, c.surname) AS names,
    (SELECT group_concat(employee_number, ' ') FROM employments WHERE candidate_id = c.id) AS employee,
    (SELECT group_concat(er.name, ' ') FROM employments em JOIN employers er ON er.id = em.employer_id
        WHERE em.candidate_id = c.id AND em.ended_on IS NULL) AS employer,
    c.ni_number AS ni,
    coalesce((SELECT group_concat(number, ' ') FROM certificates
        WHERE candidate_id = c.id AND superseded_at IS NULL), '') AS certificates
FROM candidates c WHERE c.merged_into IS NULL AND c.erased_at IS NULL;

CREATE TRIGGER candidates_search_erased AFTER UPDATE OF erased_at ON candidates WHEN new.erased_at IS NOT NULL BEGIN
    DELETE FROM candidate_search WHERE rowid = old.rowid;
END;

INSERT INTO candidate_search (candidate_search, rank) VALUES ('secure-delete', 1);
