-- The candidates list counts and pages the living records: not merged away and not erased. The list
-- index held only the first condition, so counting the list had to read every candidate's row to
-- test the second. With both conditions in the index, the count reads the index alone
-- (`records::candidates::list_count_sql`).
DROP INDEX candidates_list;
CREATE INDEX candidates_list ON candidates (surname COLLATE NOCASE, forename COLLATE NOCASE, id)
    WHERE merged_into IS NULL AND erased_at IS NULL;
