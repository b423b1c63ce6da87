-- Where an employee works within their employer (a site, depot or department), so an employer's
-- training report can be narrowed to one. Optional: most employers are a single site.
ALTER TABLE employments ADD COLUMN site TEXT;
CREATE INDEX employments_employer_site ON employments (employer_id, site) WHERE site IS NOT NULL;
