-- Per-organization overrides of the partner's email preferences (JSON object of booleans).
CREATE TABLE organization_email_preferences (
  organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
  overrides TEXT NOT NULL DEFAULT '{}',
  updated_at TEXT NOT NULL
);
