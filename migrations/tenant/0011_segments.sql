-- Saved segments: a named filter of an organization's identified visitors (worker/segments/filter.ts),
-- shared by the dashboard feed and its export, alert rules and digests.
CREATE TABLE segments (
  id TEXT PRIMARY KEY, -- seg_…
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  name TEXT NOT NULL,
  filter TEXT NOT NULL, -- JSON of SegmentFilter
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX segments_by_organization ON segments (organization_id, created_at, id);
-- A name says which segment it is: unique per organization, ignoring ASCII case.
CREATE UNIQUE INDEX segments_by_name ON segments (organization_id, name COLLATE NOCASE);
