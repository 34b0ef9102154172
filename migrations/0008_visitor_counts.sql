-- Visitors per organization, kept by the queue consumer, so an unfiltered visitors list does not
-- count a million rows on every page.
CREATE TABLE organization_stats (
  organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
  visitors INTEGER NOT NULL DEFAULT 0
);
INSERT INTO organization_stats (organization_id, visitors)
  SELECT organization_id, count(*) FROM visitors GROUP BY organization_id;
