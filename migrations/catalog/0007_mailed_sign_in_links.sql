-- A sign-in link the platform mailed (dashboard-links `send: true`) lives longer and opens with a
-- click on a confirmation page: mail scanners that fetch every link must not spend it.
ALTER TABLE sign_in_links ADD COLUMN mailed INTEGER NOT NULL DEFAULT 0;
