-- Photo cards: wallet cards (ISO/IEC 7810 ID-1) listing the categories a candidate holds, frozen
-- when issued like certificates.
--
-- A card number comes from a counter per prefix (e.g. "RPT-C"), taken in the same transaction that
-- writes the card, so numbers are gapless per centre and never reused. Issuing a new card for a
-- candidate supersedes their standing one. The exact PDF bytes and their SHA-256 are kept with the
-- content snapshot (employer-visible fields only).

CREATE TABLE card_sequences (
    prefix  TEXT PRIMARY KEY,
    last    INTEGER NOT NULL CHECK (last >= 0)
) STRICT;

CREATE TABLE cards (
    id             TEXT PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,
    candidate_id   TEXT NOT NULL REFERENCES candidates (id),
    issued_on      TEXT NOT NULL,
    content        TEXT NOT NULL,                    -- JSON: everything printed
    qr             TEXT NOT NULL,                    -- the signed statement in the QR code
    key_id         TEXT NOT NULL REFERENCES signing_keys (id),
    pdf            BLOB NOT NULL,                    -- the exact bytes issued (one card-sized page)
    sha256         TEXT NOT NULL,
    issued_by      TEXT NOT NULL REFERENCES users (id),
    issued_at      TEXT NOT NULL,
    superseded_at  TEXT,
    retention      TEXT NOT NULL DEFAULT 'training_record'
) STRICT;
-- One standing card per candidate.
CREATE UNIQUE INDEX cards_candidate ON cards (candidate_id) WHERE superseded_at IS NULL;

-- Issued cards are never edited: only the superseded mark may be set, once.
CREATE TRIGGER cards_frozen BEFORE UPDATE ON cards
WHEN old.superseded_at IS NOT NULL OR new.number IS NOT old.number OR new.content IS NOT old.content
    OR new.pdf IS NOT old.pdf OR new.sha256 IS NOT old.sha256 OR new.qr IS NOT old.qr
    OR new.candidate_id IS NOT old.candidate_id
BEGIN
    SELECT RAISE (ABORT, 'an issued card cannot be changed; issue a new card');
END;
