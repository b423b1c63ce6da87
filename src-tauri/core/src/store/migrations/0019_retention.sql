-- Retention: how long each category of personal data is kept and what happens at the end, as data an
-- admin may change; legal holds that keep a person's records past their end (an accident
-- investigation); and the mark an anonymised contact carries so it is not anonymised twice.
--
-- The numbers are the defaults DOMAIN.md gives: training records 7 years from the course (HSE), the
-- identity and certificate facts 40 years, background assessment detail 10 years, assessment evidence
-- until quality assurance ends (3 months), employer contacts until they withdraw or their employer
-- has had no training for 6 years, special-category notes until the course ends. Backups follow the
-- daily backup's rotation, set with the backup plan, so they are not a row here.

CREATE TABLE retention_schedule (
    category    TEXT PRIMARY KEY CHECK (category IN ('training_record', 'identity', 'assessment_detail',
                                                     'assessment_evidence', 'contact', 'special_category')),
    months      INTEGER NOT NULL CHECK (months >= 0 AND months <= 1200),
    action      TEXT NOT NULL CHECK (action IN ('delete', 'anonymise')),
    updated_at  TEXT,
    updated_by  TEXT REFERENCES users (id)
) STRICT;

INSERT INTO retention_schedule (category, months, action) VALUES
    ('training_record', 84, 'delete'),
    ('identity', 480, 'anonymise'),
    ('assessment_detail', 120, 'delete'),
    ('assessment_evidence', 3, 'delete'),
    ('contact', 72, 'anonymise'),
    ('special_category', 0, 'delete');

-- A legal hold keeps everything about a candidate past its retention until an admin lifts it.
CREATE TABLE legal_holds (
    id            TEXT PRIMARY KEY,
    candidate_id  TEXT NOT NULL REFERENCES candidates (id),
    reason        TEXT NOT NULL,
    review_on     TEXT NOT NULL,
    placed_by     TEXT NOT NULL REFERENCES users (id),
    placed_at     TEXT NOT NULL,
    lifted_at     TEXT,
    lifted_by     TEXT REFERENCES users (id),
    CHECK ((lifted_at IS NULL) = (lifted_by IS NULL))
) STRICT;
CREATE INDEX legal_holds_standing ON legal_holds (candidate_id) WHERE lifted_at IS NULL;

ALTER TABLE contacts ADD COLUMN anonymised_at TEXT;

-- The end of the person's latest course whose training record retention removed: the identity period
-- counts from their last course, which must outlive the enrolments that said when it was.
ALTER TABLE candidates ADD COLUMN last_course_on TEXT;
