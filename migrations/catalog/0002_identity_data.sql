-- B2B firmographics, imported by the operator. One row per domain.
CREATE TABLE companies (
  id TEXT PRIMARY KEY,
  domain TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  industry TEXT,
  employee_range TEXT,
  revenue_range TEXT,
  country TEXT,
  region TEXT,
  city TEXT,
  linkedin_url TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- IP ranges of companies, IPv4 stored as IPv4-mapped IPv6 so one lookup serves both.
-- range_key = 3-digit prefix length + ':' + 32-hex network address: an address is
-- looked up by computing its network address for each prefix length in use, so the
-- lookup is a handful of exact index probes and the longest prefix wins.
CREATE TABLE company_ip_ranges (
  range_key TEXT PRIMARY KEY,
  company_id TEXT NOT NULL REFERENCES companies(id),
  cidr TEXT NOT NULL,
  prefix INTEGER NOT NULL
);
CREATE INDEX company_ip_ranges_by_company ON company_ip_ranges (company_id);

-- Prefix lengths present, so a lookup only probes lengths that exist.
CREATE TABLE ip_prefix_lengths (
  prefix INTEGER PRIMARY KEY
);

-- B2C identities, keyed by SHA-256 of the trimmed, lower-cased email.
CREATE TABLE people (
  email_sha256 TEXT PRIMARY KEY,
  name TEXT,
  email_domain TEXT,
  job_title TEXT,
  company_domain TEXT,
  linkedin_url TEXT,
  location TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
