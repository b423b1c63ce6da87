-- Awarding-body submissions: which results went in which bundle, and its life after creation.
--
-- A submission is one signed container (its id is the manifest's id). Each enrolment's result stands
-- in at most one submission at a time: a later correction bundle supersedes the earlier item rather
-- than adding a second standing one. The fingerprint is the SHA-256 of the awarding-body values the
-- result was submitted with, so a later change (a corrected date of birth, an overridden outcome) is
-- seen as "changed since submitted" and goes in a correction bundle. Who received which fields of
-- whom is in the disclosure log (`disclosures.bundle_id`, `disclosure_subjects`).

CREATE TABLE submissions (
    id                TEXT PRIMARY KEY,                   -- the container's manifest id
    profile           TEXT NOT NULL,                      -- profile name
    profile_sha256    TEXT NOT NULL,                      -- of the exact profile JSON used
    awarding_body_id  TEXT NOT NULL REFERENCES awarding_bodies (id),
    correction        INTEGER NOT NULL CHECK (correction IN (0, 1)),
    protection        TEXT NOT NULL CHECK (protection IN ('none', 'password')),
    file_name         TEXT NOT NULL,                      -- as written, for people
    sha256            TEXT NOT NULL,                      -- of the whole file
    size              INTEGER NOT NULL CHECK (size > 0),
    counts            TEXT NOT NULL,                      -- JSON, as in the manifest
    disclosure_id     TEXT NOT NULL UNIQUE REFERENCES disclosures (id),
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL REFERENCES users (id),
    status            TEXT NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'sent', 'acknowledged')),
    sent_at           TEXT,
    sent_by           TEXT REFERENCES users (id),
    acknowledged_at   TEXT,
    acknowledged_by   TEXT REFERENCES users (id),
    reference         TEXT,                               -- the awarding body's acknowledgement reference
    CHECK ((status = 'created') = (sent_at IS NULL)),
    CHECK ((status = 'acknowledged') = (acknowledged_at IS NOT NULL))
) STRICT;
CREATE INDEX submissions_created ON submissions (created_at);

CREATE TABLE submission_items (
    submission_id  TEXT NOT NULL REFERENCES submissions (id),
    enrolment_id   TEXT NOT NULL REFERENCES enrolments (id),
    candidate_id   TEXT NOT NULL REFERENCES candidates (id),
    fingerprint    TEXT NOT NULL,
    superseded_by  TEXT REFERENCES submissions (id),
    PRIMARY KEY (submission_id, enrolment_id)
) STRICT;
-- Each result stands in exactly one submission.
CREATE UNIQUE INDEX submission_items_standing ON submission_items (enrolment_id) WHERE superseded_by IS NULL;
CREATE INDEX submission_items_candidate ON submission_items (candidate_id);
CREATE INDEX disclosures_bundle ON disclosures (bundle_id) WHERE bundle_id IS NOT NULL;

-- A submission's facts never change; only its status moves forward and an item may be superseded once.
CREATE TRIGGER submissions_frozen BEFORE UPDATE ON submissions
WHEN new.id IS NOT old.id OR new.profile IS NOT old.profile OR new.sha256 IS NOT old.sha256
    OR new.counts IS NOT old.counts OR new.disclosure_id IS NOT old.disclosure_id
    OR new.awarding_body_id IS NOT old.awarding_body_id OR new.created_at IS NOT old.created_at
    OR (old.status = 'sent' AND new.status = 'created')
    OR (old.status = 'acknowledged' AND new.status != 'acknowledged')
BEGIN
    SELECT RAISE (ABORT, 'a submission cannot be changed, only marked sent or acknowledged');
END;

CREATE TRIGGER submission_items_frozen BEFORE UPDATE ON submission_items
WHEN old.superseded_by IS NOT NULL OR new.fingerprint IS NOT old.fingerprint
    OR new.enrolment_id IS NOT old.enrolment_id OR new.submission_id IS NOT old.submission_id
BEGIN
    SELECT RAISE (ABORT, 'a submitted item cannot be changed, only superseded by a correction');
END;

CREATE TRIGGER submissions_no_delete BEFORE DELETE ON submissions
BEGIN
    SELECT RAISE (ABORT, 'submissions are kept as the record of what was disclosed');
END;
