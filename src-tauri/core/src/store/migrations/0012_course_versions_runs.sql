-- Course versions, cancelled runs.
--
-- A course in use is never edited in place: a change makes a new version, a new `courses` row with
-- the same code and the next version number, and the old row is marked replaced. Runs, components,
-- results and certificates keep pointing at the version they ran under, so every old id stays valid
-- and every query that joins a run to its course still reads the wording that run had. A code's
-- versions are numbered uniquely; the newest (replaced_by IS NULL) is the one the catalogue lists and
-- new runs take. That there is one newest per code is kept by the one function that makes versions,
-- not by an index: a trainer's laptop holds the versions its packs' runs are under, each its newest.
--
-- `code` was UNIQUE on the column, which only a rebuild removes. Children reference courses (id), so
-- the rows are copied aside, the table dropped and made again, and the rows put back with foreign
-- keys deferred: the drop's orphans are adopted again before the migration's transaction commits.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE courses_before_versions AS SELECT * FROM courses;
DROP TABLE courses;
CREATE TABLE courses (
    id                TEXT PRIMARY KEY,
    code              TEXT NOT NULL COLLATE NOCASE,
    title             TEXT NOT NULL,
    awarding_body_id  TEXT REFERENCES awarding_bodies (id),
    course_type       TEXT NOT NULL CHECK (course_type IN ('training', 'test', 'qualification', 'assessment')),
    category          TEXT NOT NULL,
    length_days       REAL NOT NULL CHECK (length_days > 0),
    duration_hours    REAL NOT NULL CHECK (duration_hours > 0),
    validity_months   INTEGER CHECK (validity_months IS NULL OR validity_months > 0),
    requires_ni       INTEGER NOT NULL DEFAULT 0 CHECK (requires_ni IN (0, 1)),
    requires_dob      INTEGER NOT NULL DEFAULT 0 CHECK (requires_dob IN (0, 1)),
    requires_address  INTEGER NOT NULL DEFAULT 0 CHECK (requires_address IN (0, 1)),
    requires_photo    INTEGER NOT NULL DEFAULT 0 CHECK (requires_photo IN (0, 1)),
    grades            TEXT,
    retired           INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
    version           INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    replaced_by       TEXT REFERENCES courses (id) DEFERRABLE INITIALLY DEFERRED  -- set just before its replacement is written
) STRICT;
INSERT INTO courses (id, code, title, awarding_body_id, course_type, category, length_days, duration_hours,
        validity_months, requires_ni, requires_dob, requires_address, requires_photo, grades, retired)
    SELECT id, code, title, awarding_body_id, course_type, category, length_days, duration_hours,
        validity_months, requires_ni, requires_dob, requires_address, requires_photo, grades, retired
    FROM courses_before_versions;
DROP TABLE courses_before_versions;
CREATE UNIQUE INDEX courses_code_version ON courses (code, version);
CREATE INDEX courses_current_code ON courses (code) WHERE replaced_by IS NULL;

-- A cancelled run keeps its enrolments, each marked with the moment the run was cancelled.
ALTER TABLE course_runs ADD COLUMN cancelled_at TEXT;
ALTER TABLE course_runs ADD COLUMN cancel_reason TEXT CHECK ((cancel_reason IS NULL) = (cancelled_at IS NULL));
ALTER TABLE enrolments ADD COLUMN cancelled_at TEXT;
