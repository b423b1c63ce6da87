-- Rectification that reaches the recipients.
--
-- When a candidate's field that was already sent somewhere is corrected, everyone who holds the old
-- value is owed the correction: the recipients of each disclosure that carried the field (awarding
-- bodies, employers, trainers' field packs), and the standing certificates and cards printed with it.
-- One row per correction (`rectifications`) and one per recipient owed (`rectification_owed`), both
-- written in the transaction that made the correction.
--
-- Whether an owed item has been passed on is not a flag someone must remember to set: a later
-- disclosure to the same recipient carrying the field about the person (a correction bundle, a new
-- report, a new pack), or a later version of the certificate or card, is the proof, read when the
-- list is read. Only "told by another route" is written, with its note.

CREATE TABLE rectifications (
    id            TEXT PRIMARY KEY,
    candidate_id  TEXT NOT NULL REFERENCES candidates (id),
    changed_at    TEXT NOT NULL,                -- UTC, RFC 3339
    changed_on    TEXT NOT NULL,                -- the centre's date, the 20 working days count from it
    changed_by    TEXT NOT NULL REFERENCES users (id),
    reason        TEXT CHECK (reason IN ('rectification_request', 'typing_error', 'name_change')),  -- NULL: a contact detail
    fields        TEXT NOT NULL                 -- JSON list of the disclosure-log names that changed
) STRICT;
CREATE INDEX rectifications_candidate ON rectifications (candidate_id);

CREATE TABLE rectification_owed (
    id                TEXT PRIMARY KEY,
    rectification_id  TEXT NOT NULL REFERENCES rectifications (id),
    kind              TEXT NOT NULL CHECK (kind IN ('awarding_body', 'employer', 'trainer', 'certificate', 'card')),
    recipient         TEXT NOT NULL,            -- as the disclosure log names it, or the document's number
    disclosure_id     TEXT REFERENCES disclosures (id),
    certificate_id    TEXT REFERENCES certificates (id),
    card_id           TEXT REFERENCES cards (id),
    fields            TEXT NOT NULL,            -- JSON list: which changed fields this recipient holds
    told_at           TEXT,
    told_by           TEXT REFERENCES users (id),
    told_note         TEXT,
    CHECK ((told_at IS NULL) = (told_note IS NULL)),
    CHECK ((kind = 'certificate') = (certificate_id IS NOT NULL)),
    CHECK ((kind = 'card') = (card_id IS NOT NULL)),
    CHECK ((kind IN ('certificate', 'card')) = (disclosure_id IS NULL))
) STRICT;
CREATE INDEX rectification_owed_rectification ON rectification_owed (rectification_id);
