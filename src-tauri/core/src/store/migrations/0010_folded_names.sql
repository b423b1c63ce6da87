-- Names folded as people type them: "obrien" finds O'Brien, "dsouza" finds D'Souza, D Souza and
-- D-Souza, "smithjones" finds Smith-Jones.
--
-- `fold_name` and `search_names` are the Rust rule in `fields::name`, registered on every connection
-- (`store::connect`): the search index holds each name with punctuation or spaces inside it once more
-- as one folded word, and the duplicate check compares folded surnames through an index on them. The
-- index is rebuilt here so candidates registered before this version are found the same way.

DROP VIEW candidate_search_source;
CREATE VIEW candidate_search_source AS
SELECT c.rowid AS rid, c.id AS candidate_id, search_names(c.forename, c.surname) AS names,
    (SELECT group_concat(employee_number, ' ') FROM employments WHERE candidate_id = c.id) AS employee,
    (SELECT group_concat(er.name, ' ') FROM employments em JOIN employers er ON er.id = em.employer_id
        WHERE em.candidate_id = c.id AND em.ended_on IS NULL) AS employer,
    c.ni_number AS ni,
    coalesce((SELECT group_concat(number, ' ') FROM certificates
        WHERE candidate_id = c.id AND superseded_at IS NULL), '') AS certificates
FROM candidates c WHERE c.merged_into IS NULL;

DELETE FROM candidate_search;
INSERT INTO candidate_search (rowid, names, employee, employer, ni, certificates)
SELECT rid, names, employee, employer, ni, certificates FROM candidate_search_source;

-- The duplicate check's lookups (same surname with date of birth and postcode; same names and
-- employer) compare folded names.
DROP INDEX candidates_surname_dob;
CREATE INDEX candidates_folded_surname ON candidates (fold_name(surname), date_of_birth) WHERE merged_into IS NULL;
