-- The number of living candidates (not merged away, not erased), kept by triggers, so the whole
-- centre's list gives its length without counting: a count reads all of `candidates_list` (7,000
-- pages at 500,000 candidates), and while an import commits every few tens of milliseconds each
-- commit empties the window connection's page cache, so every count decrypted every page again
-- (21 ms idle, 120-190 ms during an import; issue 17). One row, never below zero.
CREATE TABLE living_candidates (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    n   INTEGER NOT NULL CHECK (n >= 0)
);
INSERT INTO living_candidates (one, n)
    SELECT 1, count(*) FROM candidates WHERE merged_into IS NULL AND erased_at IS NULL;

CREATE TRIGGER living_candidates_ai AFTER INSERT ON candidates
    WHEN new.merged_into IS NULL AND new.erased_at IS NULL
BEGIN
    UPDATE living_candidates SET n = n + 1;
END;

CREATE TRIGGER living_candidates_ad AFTER DELETE ON candidates
    WHEN old.merged_into IS NULL AND old.erased_at IS NULL
BEGIN
    UPDATE living_candidates SET n = n - 1;
END;

CREATE TRIGGER living_candidates_au AFTER UPDATE OF merged_into, erased_at ON candidates
    WHEN (old.merged_into IS NULL AND old.erased_at IS NULL) <> (new.merged_into IS NULL AND new.erased_at IS NULL)
BEGIN
    UPDATE living_candidates
    SET n = n + CASE WHEN new.merged_into IS NULL AND new.erased_at IS NULL THEN 1 ELSE -1 END;
END;
