-- A client dashboard opened from the console belongs to the console session that opened it: it ends
-- with it (sign-out, revocation) and never outlives it (docs/dashboard.md#sessions).
ALTER TABLE dashboard_sessions ADD COLUMN parent_id TEXT;
CREATE INDEX dashboard_sessions_by_parent ON dashboard_sessions (parent_id, organization_id) WHERE parent_id IS NOT NULL;
-- The cron forgets a session 30 days after its absolute end, however it ended (worker/sessions/sessions.ts).
CREATE INDEX dashboard_sessions_by_expiry ON dashboard_sessions (expires_at);

-- Every operator change of a partner's settings moves this on by one; a change computed from an older
-- version is applied again on top of the newer one (worker/admin/update-partner.ts).
ALTER TABLE partners ADD COLUMN settings_version INTEGER NOT NULL DEFAULT 0;
