-- A candidate's objection (to marketing and to processing on legitimate-interest grounds) and their
-- marketing consent per channel. Both are histories: a row is never updated except to lift an
-- objection, and a consent answer is never overwritten (the next answer is a new row), so the record
-- shows what the centre was told and when. Erasure deletes both with the person.

CREATE TABLE candidate_objections (
    id              TEXT PRIMARY KEY,
    candidate_id    TEXT NOT NULL REFERENCES candidates (id),
    reason          TEXT NOT NULL,
    objected_at     TEXT NOT NULL,
    objected_by     TEXT NOT NULL REFERENCES users (id),
    lifted_at       TEXT,
    lift_reason     TEXT,
    lifted_by       TEXT REFERENCES users (id),
    CHECK ((lifted_at IS NULL) = (lift_reason IS NULL))
) STRICT;
-- At most one standing objection per person.
CREATE UNIQUE INDEX candidate_objections_standing ON candidate_objections (candidate_id) WHERE lifted_at IS NULL;

CREATE TABLE candidate_consents (
    id              TEXT PRIMARY KEY,
    candidate_id    TEXT NOT NULL REFERENCES candidates (id),
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'phone', 'sms', 'post')),
    granted         INTEGER NOT NULL CHECK (granted IN (0, 1)),
    recorded_at     TEXT NOT NULL,
    source          TEXT NOT NULL,
    recorded_by     TEXT NOT NULL REFERENCES users (id)
) STRICT;
CREATE INDEX candidate_consents_candidate ON candidate_consents (candidate_id, channel, recorded_at);

-- Guardian consent: an awarding body may require it for candidates under 16. The guardian's answer
-- is kept per candidate (one current answer; each recording is audited). Erasure deletes it.
ALTER TABLE awarding_bodies ADD COLUMN guardian_consent_under_16 INTEGER NOT NULL DEFAULT 0
    CHECK (guardian_consent_under_16 IN (0, 1));

CREATE TABLE guardian_consents (
    candidate_id    TEXT PRIMARY KEY REFERENCES candidates (id),
    guardian_name   TEXT NOT NULL,
    relationship    TEXT NOT NULL,
    how             TEXT NOT NULL,                 -- how it was given, e.g. "signed booking form"
    given_on        TEXT NOT NULL,                 -- YYYY-MM-DD
    recorded_at     TEXT NOT NULL,
    recorded_by     TEXT NOT NULL REFERENCES users (id)
) STRICT;
