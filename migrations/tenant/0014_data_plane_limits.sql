-- The data plane's storage bounds (docs/collect.md#limits-on-storage, docs/security.md H3/H4).

-- H4: per organization and UTC day, the device rows kept (the consumer stops keeping rows for hits
-- that identify nobody at DEVICE_ROWS_PER_DAY), the hits of devices past it (counted, no row), and the
-- page views of identified visitors counted but not stored (past STORED_PAGE_VIEWS_PER_DAY per visitor,
-- or a B2C page view whose path an identify call could not find again).
ALTER TABLE usage_daily ADD COLUMN devices INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_daily ADD COLUMN untracked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_daily ADD COLUMN unstored_page_views INTEGER NOT NULL DEFAULT 0;
