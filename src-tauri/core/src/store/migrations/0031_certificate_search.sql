-- Certificate numbers get a search index of their own, which an issue only adds to. In the holder's
-- `candidate_search` entry, each new number meant deleting and inserting the whole entry again (FTS5
-- cannot add to one), and with `secure-delete` that delete looks up every term of the entry and its
-- prefixes in every segment: 39% of issuing a certificate in a run of 1,000 (issue 17's profile).
-- `candidate_search` keeps its `certificates` column, always empty now, so its triggers stay as they
-- are. Only a holder's current certificates are indexed: not a superseded version, not an erased one.

DROP TRIGGER certificates_search_ai;
DROP TRIGGER certificates_search_au;

DROP VIEW candidate_search_source;
CREATE VIEW candidate_search_source AS
SELECT c.rowid AS rid, c.id AS candidate_id, search_names(c.forename, c.surname) AS names,
    (SELECT group_concat(employee_number, ' ') FROM employments WHERE candidate_id = c.id) AS employee,
    (SELECT group_concat(er.name, ' ') FROM employments em JOIN employers er ON er.id = em.employer_id
        WHERE em.candidate_id = c.id AND em.ended_on IS NULL) AS employer,
    c.ni_hash AS ni,
    '' AS certificates
FROM candidates c WHERE c.merged_into IS NULL AND c.erased_at IS NULL;

UPDATE candidate_search SET certificates = '' WHERE certificates <> '';

CREATE VIRTUAL TABLE certificate_search USING fts5 (
    number,
    tokenize = "unicode61 remove_diacritics 2",
    prefix = '1 2 3'
);
INSERT INTO certificate_search (certificate_search, rank) VALUES ('secure-delete', 1);
INSERT INTO certificate_search (rowid, number)
    SELECT rowid, number FROM certificates WHERE superseded_at IS NULL AND erased_at IS NULL;

CREATE TRIGGER certificates_search_ai AFTER INSERT ON certificates
    WHEN new.superseded_at IS NULL AND new.erased_at IS NULL
BEGIN
    INSERT INTO certificate_search (rowid, number) VALUES (new.rowid, new.number);
END;

CREATE TRIGGER certificates_search_au AFTER UPDATE OF number, superseded_at, erased_at ON certificates BEGIN
    DELETE FROM certificate_search WHERE rowid = old.rowid;
    INSERT INTO certificate_search (rowid, number)
        SELECT new.rowid, new.number WHERE new.superseded_at IS NULL AND new.erased_at IS NULL;
END;

CREATE TRIGGER certificates_search_ad AFTER DELETE ON certificates BEGIN
    DELETE FROM certificate_search WHERE rowid = old.rowid;
END;
