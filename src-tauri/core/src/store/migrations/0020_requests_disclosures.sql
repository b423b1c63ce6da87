-- The request register (access, erasure, rectification, restriction, objection: one clock each) and a
-- disclosure log that can name the file it describes and hold entries typed by hand.
--
-- A request names the person by id without a foreign key: the register is the centre's proof that it
-- answered, so it outlives an erased record. `due_on` is computed once, at entry, by
-- `records::requests::due_date` (the corresponding date next month), and never moves.

CREATE TABLE requests (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('access', 'erasure', 'rectification', 'restriction', 'objection')),
    candidate_id    TEXT NOT NULL,
    received_on     TEXT NOT NULL,
    identity_check  TEXT NOT NULL,                -- how identity was checked, in words
    due_on          TEXT NOT NULL,
    notes           TEXT,
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    outcome         TEXT CHECK (outcome IN ('completed', 'refused', 'withdrawn')),
    closed_on       TEXT,
    close_note      TEXT,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL REFERENCES users (id),
    closed_by       TEXT REFERENCES users (id),
    CHECK (due_on > received_on),
    CHECK ((status = 'closed') = (outcome IS NOT NULL)),
    CHECK ((status = 'closed') = (closed_on IS NOT NULL))
) STRICT;
CREATE INDEX requests_open ON requests (received_on) WHERE status = 'open';
CREATE INDEX requests_candidate ON requests (candidate_id);

-- What kind of output a disclosure was, the file it wrote (name and SHA-256, so a lost file can be
-- named back to its entry), and for an entry typed by hand, how and on which day it was made.
ALTER TABLE disclosures ADD COLUMN output TEXT CHECK (output IN ('employer_report', 'certificate', 'card',
    'certificate_batch', 'card_sheet', 'field_pack', 'subject_copy', 'bundle', 'manual'));
ALTER TABLE disclosures ADD COLUMN file_name TEXT;
ALTER TABLE disclosures ADD COLUMN file_sha256 TEXT;
ALTER TABLE disclosures ADD COLUMN channel TEXT CHECK (channel IN ('phone', 'letter', 'email', 'in_person', 'file'));
ALTER TABLE disclosures ADD COLUMN disclosed_on TEXT;
CREATE INDEX disclosures_file ON disclosures (file_sha256) WHERE file_sha256 IS NOT NULL;

-- A person's copy reads their evidence photos by enrolment.
CREATE INDEX IF NOT EXISTS evidence_photos_enrolment ON evidence_photos (enrolment_id);

UPDATE disclosures SET output = 'bundle' WHERE bundle_id IS NOT NULL;
UPDATE disclosures SET output = 'field_pack' WHERE id IN (SELECT disclosure_id FROM field_packs);
UPDATE disclosures SET output = 'employer_report' WHERE output IS NULL AND recipient_kind = 'employer';
UPDATE disclosures SET file_sha256 = (SELECT sha256 FROM submissions s WHERE s.disclosure_id = disclosures.id),
    file_name = (SELECT file_name FROM submissions s WHERE s.disclosure_id = disclosures.id)
    WHERE bundle_id IS NOT NULL;
