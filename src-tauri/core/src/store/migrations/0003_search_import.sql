-- Type-ahead search over candidates, and saved import column mappings.
--
-- `candidate_search` is an FTS5 index kept in step by triggers, so no code path can forget it. Its
-- rowid is the candidate row's rowid. Accents fold (`remove_diacritics 2`: "sian" finds "Siân") and
-- prefix indexes make type-ahead cheap. The NI number has its own column so that roles which may not
-- see NI numbers search without it. Merged-away records are not indexed.

CREATE VIRTUAL TABLE candidate_search USING fts5 (
    names,            -- forename and surname
    employee,         -- employee numbers, current and past
    employer,         -- current employer's name
    ni,               -- NI number (searched only by roles that may see it)
    certificates,     -- certificate numbers
    tokenize = "unicode61 remove_diacritics 2",
    prefix = '1 2 3'
);

CREATE TRIGGER candidates_search_ad AFTER DELETE ON candidates BEGIN
    DELETE FROM candidate_search WHERE rowid = old.rowid;
END;

-- One statement re-derives a candidate's row; every trigger below calls it for the candidates touched.
CREATE VIEW candidate_search_source AS
SELECT c.rowid AS rid, c.id AS candidate_id, c.forename || ' ' || c.surname AS names,
    (SELECT group_concat(employee_number, ' ') FROM employments WHERE candidate_id = c.id) AS employee,
    (SELECT group_concat(er.name, ' ') FROM employments em JOIN employers er ON er.id = em.employer_id
        WHERE em.candidate_id = c.id AND em.ended_on IS NULL) AS employer,
    c.ni_number AS ni, '' AS certificates
FROM candidates c WHERE c.merged_into IS NULL;

CREATE TRIGGER candidates_search_ai AFTER INSERT ON candidates BEGIN
    INSERT INTO candidate_search (rowid, names, employee, employer, ni, certificates)
    SELECT rid, names, employee, employer, ni, certificates FROM candidate_search_source WHERE candidate_id = new.id;
END;

CREATE TRIGGER candidates_search_au AFTER UPDATE OF forename, surname, ni_number, merged_into ON candidates BEGIN
    DELETE FROM candidate_search WHERE rowid = old.rowid;
    INSERT INTO candidate_search (rowid, names, employee, employer, ni, certificates)
    SELECT rid, names, employee, employer, ni, certificates FROM candidate_search_source WHERE candidate_id = new.id;
END;

CREATE TRIGGER employments_search_ai AFTER INSERT ON employments BEGIN
    DELETE FROM candidate_search WHERE rowid = (SELECT rowid FROM candidates WHERE id = new.candidate_id);
    INSERT INTO candidate_search (rowid, names, employee, employer, ni, certificates)
    SELECT rid, names, employee, employer, ni, certificates FROM candidate_search_source
    WHERE candidate_id = new.candidate_id;
END;

CREATE TRIGGER employments_search_au AFTER UPDATE ON employments BEGIN
    DELETE FROM candidate_search WHERE rowid IN (SELECT rowid FROM candidates WHERE id IN (old.candidate_id, new.candidate_id));
    INSERT INTO candidate_search (rowid, names, employee, employer, ni, certificates)
    SELECT rid, names, employee, employer, ni, certificates FROM candidate_search_source
    WHERE candidate_id IN (old.candidate_id, new.candidate_id);
END;

CREATE TRIGGER employers_search_au AFTER UPDATE OF name ON employers BEGIN
    DELETE FROM candidate_search WHERE rowid IN (SELECT c.rowid FROM candidates c JOIN employments em
        ON em.candidate_id = c.id WHERE em.employer_id = new.id AND em.ended_on IS NULL);
    INSERT INTO candidate_search (rowid, names, employee, employer, ni, certificates)
    SELECT rid, names, employee, employer, ni, certificates FROM candidate_search_source
    WHERE candidate_id IN (SELECT candidate_id FROM employments WHERE employer_id = new.id AND ended_on IS NULL);
END;

-- A saved column mapping for imports: per employer, or the centre's default when employer_id is NULL.
CREATE TABLE import_mappings (
    id           TEXT PRIMARY KEY,
    employer_id  TEXT REFERENCES employers (id),
    mapping      TEXT NOT NULL,       -- JSON: { "field": "column header", ... }
    updated_at   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX import_mappings_employer ON import_mappings (coalesce(employer_id, ''));

-- The candidate list's order, and lookups the run and results screens make.
CREATE INDEX candidates_list ON candidates (surname COLLATE NOCASE, forename COLLATE NOCASE, id) WHERE merged_into IS NULL;
CREATE INDEX enrolments_run ON enrolments (run_id);
CREATE INDEX results_enrolment ON results (enrolment_id);
CREATE INDEX course_runs_employer ON course_runs (employer_id);
