-- Corrections to the organisations and people around candidates.

-- A contact who asked not to be contacted is removed from lists and from the site contacts a run may
-- be given, but the row stays: runs keep naming their site contact, and the consent history (ending
-- in a withdrawal on every channel) is the evidence that the request was honoured.
ALTER TABLE contacts ADD COLUMN removed_at TEXT;
ALTER TABLE contacts ADD COLUMN removed_reason TEXT;

-- A registration number's start. `trainer_registrations` keeps one current number per scheme, the one
-- certificates and bundles print; a number that ends moves to `trainer_registrations_ended` with its
-- end date, so what a trainer held and when stays answerable.
ALTER TABLE trainer_registrations ADD COLUMN valid_from TEXT;
CREATE TABLE trainer_registrations_ended (
    id          TEXT PRIMARY KEY,
    trainer_id  TEXT NOT NULL REFERENCES trainers (id),
    scheme      TEXT NOT NULL,
    number      TEXT NOT NULL,
    valid_from  TEXT,
    ended_on    TEXT NOT NULL
) STRICT;
CREATE INDEX trainer_registrations_ended_trainer ON trainer_registrations_ended (trainer_id, scheme);
