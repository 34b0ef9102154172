-- ICP (ideal customer profile) configs of an organization; `groups` is the JSON of the API object.
CREATE TABLE icp_configs (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  name TEXT NOT NULL,
  priority INTEGER NOT NULL, -- lower is evaluated first
  enabled INTEGER NOT NULL DEFAULT 1,
  groups TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX icp_configs_by_org ON icp_configs (organization_id, priority, created_at, id);

-- Bumped on every config change. Rescoring jobs carry the generation they started for and
-- stop when a newer one exists; score writes are guarded by it, so a stale score never
-- overwrites a newer one. last_sweep_at dedupes the periodic re-sweep (time-dependent conditions).
CREATE TABLE icp_generations (
  organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
  generation INTEGER NOT NULL,
  last_sweep_at TEXT
) WITHOUT ROWID;
