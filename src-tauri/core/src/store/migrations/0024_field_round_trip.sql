-- The field round trip, whole: overrides travel in a return (a conflict may now be about one), and a
-- trainer can add a walk-in candidate on site, which the office registers through the import's
-- duplicate check or holds for a person where that check is unsure.

-- SQLite cannot widen a CHECK in place: field_conflicts is rebuilt with 'override' among its kinds.
CREATE TABLE field_conflicts_new (
    id            TEXT PRIMARY KEY,
    return_id     TEXT NOT NULL REFERENCES field_returns (id),
    kind          TEXT NOT NULL CHECK (kind IN ('attendance', 'result', 'override')),
    enrolment_id  TEXT NOT NULL REFERENCES enrolments (id),
    component_id  TEXT REFERENCES course_components (id),
    base          TEXT NOT NULL,                        -- JSON: the value when packed
    office        TEXT NOT NULL,                        -- JSON: the office's value when the return came
    field         TEXT NOT NULL,                        -- JSON: the trainer's value
    office_by     TEXT,
    office_at     TEXT,
    field_by      TEXT NOT NULL,
    field_at      TEXT,
    reason        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    resolution    TEXT CHECK (resolution IS NULL OR resolution IN ('office', 'field', 'superseded')),
    resolved_at   TEXT,
    resolved_by   TEXT REFERENCES users (id),
    CHECK ((kind = 'result') = (component_id IS NOT NULL)),
    CHECK ((resolution IS NULL) = (resolved_at IS NULL))
) STRICT;
INSERT INTO field_conflicts_new SELECT * FROM field_conflicts;
DROP TABLE field_conflicts;
ALTER TABLE field_conflicts_new RENAME TO field_conflicts;
CREATE INDEX field_conflicts_open ON field_conflicts (enrolment_id, component_id) WHERE resolution IS NULL;

-- Office: each walk-in a return brought, by the laptop's enrolment id (returns are cumulative, so
-- the same walk-in comes again): registered (a new record or the person already here, enrolled on
-- the run), or held for a person, or not registered by a person's decision. What was given on site
-- and the laptop's work on them are kept only while held.
CREATE TABLE field_walk_in_registrations (
    id                  TEXT PRIMARY KEY,
    field_enrolment_id  TEXT NOT NULL UNIQUE,
    return_id           TEXT NOT NULL REFERENCES field_returns (id),
    run_id              TEXT NOT NULL REFERENCES course_runs (id),
    status              TEXT NOT NULL CHECK (status IN ('held', 'registered', 'matched', 'dropped')),
    candidate_id        TEXT REFERENCES candidates (id),   -- the person matched or registered
    enrolment_id        TEXT,                              -- the office's enrolment, once registered
    person              TEXT,                              -- JSON as given on site, while held
    work                TEXT,                              -- JSON: the laptop's latest work on them, while held
    base                TEXT,                              -- JSON: the office's values after the last return applied
    reason              TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    resolved_at         TEXT,
    resolved_by         TEXT REFERENCES users (id),
    CHECK ((status = 'held') = (person IS NOT NULL))
) STRICT;

-- Laptop: the walk-ins added on site, as given (the enrolment and a bare candidate record are made
-- too, so the run's grid and attendance take them like anyone packed).
CREATE TABLE field_walk_ins (
    enrolment_id     TEXT PRIMARY KEY REFERENCES enrolments (id),
    run_id           TEXT NOT NULL REFERENCES course_runs (id),
    pack_id          TEXT NOT NULL REFERENCES field_packs_received (id),
    forename         TEXT NOT NULL,
    surname          TEXT NOT NULL,
    employer         TEXT,
    employee_number  TEXT,
    created_at       TEXT NOT NULL
) STRICT;
