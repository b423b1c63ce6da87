-- Attendance per day of a run longer than a day: one mark per enrolment and day, present or absent,
-- with who marked it and when. A day with no row is not marked yet (the grid and the register show
-- it as a gap). The run's overall attendance stays on enrolments.status, derived from these marks
-- when there are any (records::attendance_days). Erasure and retention delete them with the enrolment.

CREATE TABLE attendance_days (
    enrolment_id    TEXT NOT NULL REFERENCES enrolments (id),
    day             TEXT NOT NULL,
    present         INTEGER NOT NULL CHECK (present IN (0, 1)),
    recorded_at     TEXT NOT NULL,
    recorded_by     TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (enrolment_id, day)
) STRICT;
