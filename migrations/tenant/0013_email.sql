-- E-mail (worker/email/, docs/alerts.md#e-mail-how-it-is-sent).

-- A partner's own sender: its From and Reply-To, and the SMTP server that sends as it. Without a
-- row, mail goes from the platform's sender under the partner's brand name.
CREATE TABLE email_senders (
  partner_id TEXT PRIMARY KEY,
  from_name TEXT NOT NULL,
  from_address TEXT NOT NULL,
  reply_to TEXT,
  smtp_host TEXT NOT NULL,
  smtp_port INTEGER NOT NULL,
  smtp_security TEXT NOT NULL CHECK (smtp_security IN ('tls', 'starttls', 'none')),
  smtp_username TEXT,
  smtp_password TEXT, -- sealed (worker/lib/sealing.ts), never answered
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;

-- Recipients who unsubscribed from one kind of mail of one organization (scope = its id) or of the
-- partner itself (scope = ''). Checked before every send; the address is stored lower-cased.
CREATE TABLE email_unsubscribes (
  partner_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  kind TEXT NOT NULL,
  email TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (partner_id, scope, kind, email)
) WITHOUT ROWID;

-- The notices e-mail preferences govern (credits low, first visitor, …): one row per event, its
-- id derived from what caused it, so a replayed cause queues nothing new and a notice is sent once.
CREATE TABLE email_notices (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL,
  organization_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  data TEXT NOT NULL, -- JSON: what the mail says (worker/email/notices.ts)
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'skipped', 'failed')),
  -- Why it was skipped (preference off, no recipient, unsubscribed) or why the last attempt failed.
  reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_until TEXT, -- while 'sending': the job holding it; another may take over after this time
  created_at TEXT NOT NULL,
  sent_at TEXT
) WITHOUT ROWID;
CREATE INDEX email_notices_by_organization ON email_notices (organization_id);
CREATE INDEX email_notices_waiting ON email_notices (created_at) WHERE status IN ('pending', 'sending');
