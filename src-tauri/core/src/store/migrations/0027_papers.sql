-- Paperwork for the day and refresher reminders are disclosures of their own kinds: practical test
-- sheets (to the run's trainers), joining instructions (to the employer), and a refresher reminder
-- letter and its draft email (to the employer).
--
-- `output` was given its CHECK by `ALTER TABLE ... ADD COLUMN`, which only a rebuild changes. Children
-- reference disclosures (id), so the rows are copied aside, the table dropped and made again, and the
-- rows put back with foreign keys deferred: the drop's orphans are adopted again before the
-- migration's transaction commits (as 0012 did for courses).
PRAGMA defer_foreign_keys = ON;

CREATE TABLE disclosures_before_papers AS SELECT * FROM disclosures;
DROP TABLE disclosures;
CREATE TABLE disclosures (
    id              TEXT PRIMARY KEY,
    at              TEXT NOT NULL,
    actor_id        TEXT NOT NULL REFERENCES users (id),
    recipient_kind  TEXT NOT NULL CHECK (recipient_kind IN ('employer', 'awarding_body', 'trainer', 'subject', 'other')),
    recipient       TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    bundle_id       TEXT,
    output          TEXT CHECK (output IN ('employer_report', 'certificate', 'card', 'certificate_batch', 'card_sheet',
                        'field_pack', 'subject_copy', 'bundle', 'manual', 'test_sheets', 'joining_instructions',
                        'reminder_letter', 'reminder_email')),
    file_name       TEXT,
    file_sha256     TEXT,
    channel         TEXT CHECK (channel IN ('phone', 'letter', 'email', 'in_person', 'file')),
    disclosed_on    TEXT
) STRICT;
INSERT INTO disclosures (id, at, actor_id, recipient_kind, recipient, purpose, bundle_id, output, file_name,
        file_sha256, channel, disclosed_on)
    SELECT id, at, actor_id, recipient_kind, recipient, purpose, bundle_id, output, file_name, file_sha256,
        channel, disclosed_on
    FROM disclosures_before_papers;
DROP TABLE disclosures_before_papers;
CREATE INDEX disclosures_bundle ON disclosures (bundle_id) WHERE bundle_id IS NOT NULL;
CREATE INDEX disclosures_file ON disclosures (file_sha256) WHERE file_sha256 IS NOT NULL;
