-- A candidate's trail, subject copy and merge each look up the records merged into theirs. Without an
-- index that read every candidate's row: 0.6 s of opening a candidate's page at 500,000 candidates
-- (`records::candidates::MERGED_INTO`). Few records are ever merged, so the index holds only those.
CREATE INDEX candidates_merged_into ON candidates (merged_into) WHERE merged_into IS NOT NULL;
