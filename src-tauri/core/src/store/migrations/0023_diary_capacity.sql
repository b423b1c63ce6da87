-- The diary (issue 16): a run's places, and the candidates one trainer may take on a course where its
-- awarding body sets a ratio (e.g. 3 novices per instructor on lift-truck courses). The ratio is the
-- course's, beside the other rules its body sets for it (the identifiers it requires), and travels with
-- the course's versions; NULL is "no limit" for both.
ALTER TABLE course_runs ADD COLUMN capacity INTEGER CHECK (capacity IS NULL OR capacity BETWEEN 1 AND 10000);
ALTER TABLE courses ADD COLUMN candidates_per_trainer INTEGER
    CHECK (candidates_per_trainer IS NULL OR candidates_per_trainer BETWEEN 1 AND 1000);
