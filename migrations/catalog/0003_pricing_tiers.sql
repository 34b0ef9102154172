-- Volume pricing: the tier whose [min_usage, max_usage] holds the period's usage prices every
-- identification. partner_id '*' is the default for partners without their own rows.
CREATE TABLE pricing_tiers (
  partner_id TEXT NOT NULL,
  tier TEXT NOT NULL,
  min_usage INTEGER NOT NULL,
  max_usage INTEGER, -- NULL = no upper bound
  price_per_identification REAL NOT NULL,
  currency TEXT NOT NULL DEFAULT 'USD',
  PRIMARY KEY (partner_id, min_usage)
) WITHOUT ROWID;
INSERT INTO pricing_tiers (partner_id, tier, min_usage, max_usage, price_per_identification) VALUES
  ('*', 'starter', 0, 1000, 0.10),
  ('*', 'growth', 1001, 10000, 0.08),
  ('*', 'scale', 10001, 100000, 0.06),
  ('*', 'enterprise', 100001, NULL, 0.04);
