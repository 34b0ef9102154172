-- Device rows in one table per day of a ring of three (worker/visitors/device-days.ts): a day's rows go to
-- device_days_<day mod 3>, and the cron drops the table of the day before yesterday whole, instead of
-- deleting its rows one by one (a row written each, as D1 bills them). The view keeps the name for reads.
CREATE TABLE device_days_0 (
  day INTEGER NOT NULL,
  org INTEGER NOT NULL,
  device TEXT NOT NULL,
  version INTEGER NOT NULL,
  last INTEGER NOT NULL,
  seen TEXT NOT NULL,
  visits TEXT,
  people TEXT,
  PRIMARY KEY (day, org, device)
) WITHOUT ROWID;

CREATE TABLE device_days_1 (
  day INTEGER NOT NULL,
  org INTEGER NOT NULL,
  device TEXT NOT NULL,
  version INTEGER NOT NULL,
  last INTEGER NOT NULL,
  seen TEXT NOT NULL,
  visits TEXT,
  people TEXT,
  PRIMARY KEY (day, org, device)
) WITHOUT ROWID;

CREATE TABLE device_days_2 (
  day INTEGER NOT NULL,
  org INTEGER NOT NULL,
  device TEXT NOT NULL,
  version INTEGER NOT NULL,
  last INTEGER NOT NULL,
  seen TEXT NOT NULL,
  visits TEXT,
  people TEXT,
  PRIMARY KEY (day, org, device)
) WITHOUT ROWID;

INSERT INTO device_days_0 SELECT day, org, device, version, last, seen, visits, people FROM device_days WHERE day % 3 = 0;
INSERT INTO device_days_1 SELECT day, org, device, version, last, seen, visits, people FROM device_days WHERE day % 3 = 1;
INSERT INTO device_days_2 SELECT day, org, device, version, last, seen, visits, people FROM device_days WHERE day % 3 = 2;
DROP TABLE device_days;

CREATE VIEW device_days AS
  SELECT * FROM device_days_0 UNION ALL SELECT * FROM device_days_1 UNION ALL SELECT * FROM device_days_2;
