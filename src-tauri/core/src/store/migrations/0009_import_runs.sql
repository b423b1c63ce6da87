-- Imports written in short transactions, undone whole if they do not finish.
--
-- A large import commits its rows a short batch at a time, so the window's own saves (a mark, an
-- attendance) are never kept waiting for the whole file. Each import is an `import_runs` row, and the
-- candidates and employers it creates carry its id; an import that stops (cancelled, failed, or the
-- process killed) is undone from those marks: at once when it fails, or when the store is next opened
-- by the only process using it. `finished_at` is set when it completed or was undone.

CREATE TABLE import_runs (
    id           TEXT PRIMARY KEY,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    undone       INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
) STRICT;

ALTER TABLE candidates ADD COLUMN import_run TEXT REFERENCES import_runs (id);
ALTER TABLE employers ADD COLUMN import_run TEXT REFERENCES import_runs (id);
CREATE INDEX candidates_import_run ON candidates (import_run) WHERE import_run IS NOT NULL;
CREATE INDEX employers_import_run ON employers (import_run) WHERE import_run IS NOT NULL;
