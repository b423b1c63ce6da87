-- The records: centre, awarding bodies, courses, employers and contacts, candidates, trainers, course
-- runs, enrolments, results and outcomes; and the data-protection fields later work relies on
-- (retention category, restriction of processing, the disclosure log).
--
-- Dates are ISO text (YYYY-MM-DD), times RFC 3339 UTC. Every table holding personal data carries a
-- `retention` category naming the rule that decides when it is deleted or anonymised.

CREATE TABLE awarding_bodies (
    id      TEXT PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name    TEXT NOT NULL
) STRICT;

-- The centre's approval number with each awarding body.
CREATE TABLE centre_approvals (
    awarding_body_id  TEXT PRIMARY KEY REFERENCES awarding_bodies (id),
    centre_number     TEXT NOT NULL
) STRICT;

CREATE TABLE courses (
    id                TEXT PRIMARY KEY,
    code              TEXT NOT NULL UNIQUE COLLATE NOCASE,
    title             TEXT NOT NULL,
    awarding_body_id  TEXT REFERENCES awarding_bodies (id),
    course_type       TEXT NOT NULL CHECK (course_type IN ('training', 'test', 'qualification', 'assessment')),
    category          TEXT NOT NULL,            -- equipment / environment, e.g. "Counterbalance lift truck"
    length_days       REAL NOT NULL CHECK (length_days > 0),
    duration_hours    REAL NOT NULL CHECK (duration_hours > 0),
    validity_months   INTEGER CHECK (validity_months IS NULL OR validity_months > 0),
    requires_ni       INTEGER NOT NULL DEFAULT 0 CHECK (requires_ni IN (0, 1)),
    requires_dob      INTEGER NOT NULL DEFAULT 0 CHECK (requires_dob IN (0, 1)),
    requires_address  INTEGER NOT NULL DEFAULT 0 CHECK (requires_address IN (0, 1)),
    requires_photo    INTEGER NOT NULL DEFAULT 0 CHECK (requires_photo IN (0, 1)),
    grades            TEXT,                      -- JSON list of grade bands, or NULL for pass/fail
    retired           INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1))
) STRICT;

-- Assessment components: theory (mark out of N, pass mark), practical by faults (minor/major limits)
-- or by marks, and observations (competent / not yet competent).
CREATE TABLE course_components (
    id                 TEXT PRIMARY KEY,
    course_id          TEXT NOT NULL REFERENCES courses (id),
    position           INTEGER NOT NULL,
    name               TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('marks', 'faults', 'observation')),
    max_mark           INTEGER,
    pass_mark          INTEGER,
    max_minor_faults   INTEGER,
    max_major_faults   INTEGER,
    UNIQUE (course_id, position),
    CHECK (kind != 'marks' OR (max_mark > 0 AND pass_mark BETWEEN 0 AND max_mark)),
    CHECK (kind != 'faults' OR (max_minor_faults >= 0 AND max_major_faults >= 0))
) STRICT;

CREATE TABLE employers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    address     TEXT,                            -- lines joined by newlines
    postcode    TEXT,
    phone       TEXT,
    email       TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    retention   TEXT NOT NULL DEFAULT 'business'
) STRICT;
CREATE INDEX employers_name ON employers (name COLLATE NOCASE);

CREATE TABLE contacts (
    id           TEXT PRIMARY KEY,
    employer_id  TEXT NOT NULL REFERENCES employers (id),
    forename     TEXT NOT NULL,
    surname      TEXT NOT NULL,
    job_title    TEXT,
    phone        TEXT,
    mobile       TEXT,
    email        TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    retention    TEXT NOT NULL DEFAULT 'contact'
) STRICT;
CREATE INDEX contacts_employer ON contacts (employer_id);

-- Marketing consent per channel, with when and how it was given or withdrawn (latest row wins).
CREATE TABLE contact_consents (
    id           TEXT PRIMARY KEY,
    contact_id   TEXT NOT NULL REFERENCES contacts (id),
    channel      TEXT NOT NULL CHECK (channel IN ('email', 'phone', 'sms', 'post')),
    granted      INTEGER NOT NULL CHECK (granted IN (0, 1)),
    recorded_at  TEXT NOT NULL,
    source       TEXT NOT NULL
) STRICT;
CREATE INDEX contact_consents_contact ON contact_consents (contact_id, channel, recorded_at);

CREATE TABLE candidates (
    id               TEXT PRIMARY KEY,
    forename         TEXT NOT NULL,
    surname          TEXT NOT NULL,
    ni_number        TEXT,
    date_of_birth    TEXT,
    address          TEXT,
    postcode         TEXT,
    email            TEXT,
    mobile           TEXT,
    driving_licence  TEXT,
    photo            BLOB,                        -- JPEG, 35x45 ratio, metadata stripped
    restricted       INTEGER NOT NULL DEFAULT 0 CHECK (restricted IN (0, 1)),  -- restriction of processing
    merged_into      TEXT REFERENCES candidates (id),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    retention        TEXT NOT NULL DEFAULT 'training_record'
) STRICT;
CREATE UNIQUE INDEX candidates_ni ON candidates (ni_number) WHERE ni_number IS NOT NULL AND merged_into IS NULL;
CREATE INDEX candidates_surname_dob ON candidates (surname COLLATE NOCASE, date_of_birth);

-- Employment history: a change of employer ends one row and starts another, never overwrites.
CREATE TABLE employments (
    id               TEXT PRIMARY KEY,
    candidate_id     TEXT NOT NULL REFERENCES candidates (id),
    employer_id      TEXT NOT NULL REFERENCES employers (id),
    employee_number  TEXT,
    started_on       TEXT NOT NULL,
    ended_on         TEXT
) STRICT;
CREATE INDEX employments_candidate ON employments (candidate_id, ended_on);
CREATE INDEX employments_employer ON employments (employer_id, employee_number);

-- Health or disability notes for reasonable adjustments: only with explicit consent, admins only.
CREATE TABLE special_category (
    candidate_id      TEXT PRIMARY KEY REFERENCES candidates (id),
    notes             TEXT NOT NULL,
    consent_given_at  TEXT NOT NULL,
    consent_source    TEXT NOT NULL,
    recorded_by       TEXT NOT NULL REFERENCES users (id),
    retention         TEXT NOT NULL DEFAULT 'special_category'
) STRICT;

CREATE TABLE trainers (
    id          TEXT PRIMARY KEY,
    user_id     TEXT UNIQUE REFERENCES users (id),
    name        TEXT NOT NULL,
    email       TEXT,
    phone       TEXT,
    created_at  TEXT NOT NULL,
    retention   TEXT NOT NULL DEFAULT 'staff'
) STRICT;

-- A trainer's registration number per scheme or awarding body.
CREATE TABLE trainer_registrations (
    trainer_id  TEXT NOT NULL REFERENCES trainers (id),
    scheme      TEXT NOT NULL,
    number      TEXT NOT NULL,
    PRIMARY KEY (trainer_id, scheme)
) STRICT;

CREATE TABLE course_runs (
    id               TEXT PRIMARY KEY,
    course_id        TEXT NOT NULL REFERENCES courses (id),
    starts_on        TEXT NOT NULL,
    ends_on          TEXT NOT NULL,
    assessment_on    TEXT,
    venue            TEXT,
    employer_id      TEXT REFERENCES employers (id),      -- on the employer's site
    site_contact_id  TEXT REFERENCES contacts (id),
    created_at       TEXT NOT NULL,
    CHECK (ends_on >= starts_on)
) STRICT;
CREATE INDEX course_runs_dates ON course_runs (starts_on);

CREATE TABLE run_trainers (
    run_id      TEXT NOT NULL REFERENCES course_runs (id),
    trainer_id  TEXT NOT NULL REFERENCES trainers (id),
    PRIMARY KEY (run_id, trainer_id)
) STRICT;

CREATE TABLE enrolments (
    id            TEXT PRIMARY KEY,
    run_id        TEXT NOT NULL REFERENCES course_runs (id),
    candidate_id  TEXT NOT NULL REFERENCES candidates (id),
    employer_id   TEXT REFERENCES employers (id),          -- who ordered it; NULL when self-booked
    status        TEXT NOT NULL DEFAULT 'booked'
                  CHECK (status IN ('booked', 'attended', 'did_not_attend', 'withdrawn')),
    created_at    TEXT NOT NULL,
    UNIQUE (run_id, candidate_id)
) STRICT;
CREATE INDEX enrolments_candidate ON enrolments (candidate_id);

CREATE TABLE results (
    id             TEXT PRIMARY KEY,
    enrolment_id   TEXT NOT NULL REFERENCES enrolments (id),
    component_id   TEXT NOT NULL REFERENCES course_components (id),
    mark           INTEGER,
    minor_faults   INTEGER,
    major_faults   INTEGER,
    competent      INTEGER CHECK (competent IS NULL OR competent IN (0, 1)),
    assessed_on    TEXT,
    assessor_id    TEXT REFERENCES trainers (id),
    comments       TEXT,
    updated_at     TEXT NOT NULL,
    UNIQUE (enrolment_id, component_id)
) STRICT;

CREATE TABLE evidence_photos (
    id            TEXT PRIMARY KEY,
    enrolment_id  TEXT NOT NULL REFERENCES enrolments (id),
    component_id  TEXT REFERENCES course_components (id),
    image         BLOB NOT NULL,
    caption       TEXT,
    taken_at      TEXT NOT NULL,
    retention     TEXT NOT NULL DEFAULT 'assessment_evidence'
) STRICT;

-- The outcome the course's rule computed, kept beside any human override (who, when, why), because a
-- candidate may ask for a human review of an automatic decision.
CREATE TABLE outcomes (
    enrolment_id     TEXT PRIMARY KEY REFERENCES enrolments (id),
    computed         TEXT NOT NULL CHECK (computed IN ('pass', 'fail', 'retest', 'did_not_attend', 'incomplete')),
    computed_grade   TEXT,
    override         TEXT CHECK (override IS NULL OR override IN ('pass', 'fail', 'retest', 'did_not_attend')),
    override_grade   TEXT,
    override_reason  TEXT,
    overridden_by    TEXT REFERENCES users (id),
    overridden_at    TEXT,
    computed_at      TEXT NOT NULL,
    CHECK ((override IS NULL) = (override_reason IS NULL))
) STRICT;

-- Who received which people's data, when, why, in which bundle.
CREATE TABLE disclosures (
    id              TEXT PRIMARY KEY,
    at              TEXT NOT NULL,
    actor_id        TEXT NOT NULL REFERENCES users (id),
    recipient_kind  TEXT NOT NULL CHECK (recipient_kind IN ('employer', 'awarding_body', 'trainer', 'subject', 'other')),
    recipient       TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    bundle_id       TEXT
) STRICT;

CREATE TABLE disclosure_subjects (
    disclosure_id  TEXT NOT NULL REFERENCES disclosures (id),
    candidate_id   TEXT NOT NULL REFERENCES candidates (id),
    fields         TEXT NOT NULL,                 -- JSON list of field names disclosed
    PRIMARY KEY (disclosure_id, candidate_id)
) STRICT;
CREATE INDEX disclosure_subjects_candidate ON disclosure_subjects (candidate_id);
