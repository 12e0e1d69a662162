-- SPDX-License-Identifier: GPL-2.0-or-later
-- A saldo.db at schema version 5 (before top-ups settle), as saldod's migrations 0..5
-- create it, with a planned rule top-up, an unknown voucher top-up (its PIN claimed) and a
-- verified one; written out with sqlite3's .dump.  tests/unit/test-store.c upgrades it.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE lines (  id INTEGER PRIMARY KEY AUTOINCREMENT,  iccid TEXT NOT NULL UNIQUE CHECK (length (iccid) BETWEEN 18 AND 22),  imsi TEXT NOT NULL DEFAULT '',  operator_code TEXT NOT NULL DEFAULT '',  operator_name TEXT NOT NULL DEFAULT '',  sim_type TEXT NOT NULL DEFAULT 'unknown',  first_seen INTEGER NOT NULL,  last_seen INTEGER NOT NULL, balance_code TEXT NOT NULL DEFAULT '', balance_menu TEXT NOT NULL DEFAULT '', refresh_interval INTEGER NOT NULL DEFAULT -1, allow_roaming INTEGER NOT NULL DEFAULT 0, own_number TEXT NOT NULL DEFAULT '', sms_senders TEXT NOT NULL DEFAULT '', eid TEXT NOT NULL DEFAULT '', profile_name TEXT NOT NULL DEFAULT '', profile_nickname TEXT NOT NULL DEFAULT '', service_provider TEXT NOT NULL DEFAULT '', profile_state TEXT NOT NULL DEFAULT '', profile_class TEXT NOT NULL DEFAULT '');
INSERT INTO lines VALUES(1,'8951101234567890123','','71610','','unknown',1700000000,1700000000,'','',-1,0,'','','','','','','','');
CREATE TABLE readings (  id INTEGER PRIMARY KEY AUTOINCREMENT,  line_id INTEGER NOT NULL REFERENCES lines (id),  time INTEGER NOT NULL,  source TEXT NOT NULL CHECK (source IN ('ussd', 'sms')),  kind TEXT NOT NULL,  raw_text TEXT NOT NULL DEFAULT '',  error TEXT NOT NULL DEFAULT '',  carrier TEXT NOT NULL DEFAULT '',  amount_minor INTEGER,  currency TEXT,  expiry INTEGER,  data_bytes INTEGER);
CREATE TABLE topups (  id INTEGER PRIMARY KEY AUTOINCREMENT,  reference TEXT UNIQUE CHECK (reference IS NULL OR length (reference) BETWEEN 1 AND 64),  line_id INTEGER NOT NULL REFERENCES lines (id),  rule_id INTEGER CHECK (rule_id IS NULL OR rule_id > 0),  origin TEXT NOT NULL CHECK (origin IN ('rule', 'manual')),  provider TEXT NOT NULL,  amount INTEGER NOT NULL CHECK (amount > 0),  currency TEXT NOT NULL CHECK (length (currency) = 3),  phone TEXT,  country TEXT,  operator_id TEXT,  ussd_template TEXT,  state TEXT NOT NULL CHECK (state IN ('planned', 'intent', 'sent', 'succeeded', 'failed',                                       'unknown', 'verified', 'disputed')),  created INTEGER NOT NULL,  updated INTEGER NOT NULL,  finished INTEGER NOT NULL DEFAULT 0,  provider_transaction_id TEXT,  delivered_amount INTEGER,  delivered_currency TEXT,  requested_amount INTEGER,  requested_currency TEXT,  balance_before INTEGER,  balance_after INTEGER,  message TEXT NOT NULL DEFAULT '',  error TEXT NOT NULL DEFAULT '',  attempts INTEGER NOT NULL DEFAULT 0,  lookups INTEGER NOT NULL DEFAULT 0,  next_check INTEGER NOT NULL DEFAULT 0,  CHECK (state != 'planned' OR reference IS NULL),  CHECK (state IN ('planned', 'failed') OR reference IS NOT NULL));
INSERT INTO topups VALUES(1,NULL,1,1,'rule','pay',1000,'PEN',NULL,NULL,NULL,NULL,'planned',1700000100,1700000100,0,NULL,NULL,NULL,NULL,NULL,200,NULL,'','',0,0,0);
INSERT INTO topups VALUES(2,'saldo-AAAAAAAAAAAAAAAAAAAA',1,NULL,'manual','voucher',1000,'PEN',NULL,NULL,NULL,NULL,'unknown',1700000200,1700000260,0,NULL,NULL,NULL,NULL,NULL,200,NULL,'','no reply',1,0,1700000320);
INSERT INTO topups VALUES(3,'saldo-BBBBBBBBBBBBBBBBBBBB',1,NULL,'manual','pay',500,'PEN',NULL,NULL,NULL,NULL,'verified',1700000300,1700000400,1700000310,NULL,NULL,NULL,NULL,NULL,200,700,'','',1,0,0);
CREATE TABLE topup_events (  id INTEGER PRIMARY KEY AUTOINCREMENT,  topup_id INTEGER NOT NULL REFERENCES topups (id),  time INTEGER NOT NULL,  kind TEXT NOT NULL,  from_state TEXT,  to_state TEXT NOT NULL,  detail TEXT NOT NULL DEFAULT '');
INSERT INTO topup_events VALUES(1,1,1700000100,'created',NULL,'planned','rule');
INSERT INTO topup_events VALUES(2,2,1700000200,'created',NULL,'planned','manual');
INSERT INTO topup_events VALUES(3,2,1700000201,'intent','planned','intent','saldo-AAAAAAAAAAAAAAAAAAAA');
INSERT INTO topup_events VALUES(4,2,1700000202,'sent','intent','sent','saldo-AAAAAAAAAAAAAAAAAAAA');
INSERT INTO topup_events VALUES(5,2,1700000260,'result','sent','unknown','provider: unknown');
INSERT INTO topup_events VALUES(6,3,1700000300,'created',NULL,'planned','manual');
INSERT INTO topup_events VALUES(7,3,1700000305,'sent','intent','sent','x');
INSERT INTO topup_events VALUES(8,3,1700000307,'resent','unknown','sent','x');
CREATE TABLE used_vouchers (  pin_sha256 TEXT PRIMARY KEY CHECK (length (pin_sha256) = 64),  topup_id INTEGER NOT NULL REFERENCES topups (id),  time INTEGER NOT NULL);
INSERT INTO used_vouchers VALUES('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',2,1700000202);
CREATE TABLE euiccs (  id INTEGER PRIMARY KEY AUTOINCREMENT,  key TEXT NOT NULL UNIQUE,  first_seen INTEGER NOT NULL);
CREATE TABLE rules (  id INTEGER PRIMARY KEY AUTOINCREMENT,  line_id INTEGER NOT NULL REFERENCES lines (id),  kind TEXT NOT NULL CHECK (kind IN ('threshold', 'data', 'keep-alive', 'schedule')),  enabled INTEGER NOT NULL,  confirm INTEGER NOT NULL,  provider TEXT NOT NULL,  amount INTEGER NOT NULL CHECK (amount > 0),  currency TEXT NOT NULL,  below INTEGER NOT NULL DEFAULT 0,  days_before INTEGER NOT NULL DEFAULT 0,  day INTEGER NOT NULL DEFAULT 0,  hour INTEGER NOT NULL DEFAULT 0,  max_per_topup INTEGER NOT NULL DEFAULT 0,  max_per_day INTEGER NOT NULL DEFAULT 0,  max_per_month INTEGER NOT NULL DEFAULT 0,  max_attempts_24h INTEGER NOT NULL DEFAULT 0,  cooldown INTEGER NOT NULL DEFAULT 300,  created INTEGER NOT NULL,  rearmed_at INTEGER NOT NULL DEFAULT 0,  disabled_reason TEXT NOT NULL DEFAULT '',  removed INTEGER NOT NULL DEFAULT 0);
INSERT INTO rules VALUES(1,1,'threshold',1,1,'pay',1000,'PEN',500,0,0,0,0,0,0,0,300,1700000000,0,'',0);
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('lines',1);
INSERT INTO sqlite_sequence VALUES('rules',1);
INSERT INTO sqlite_sequence VALUES('topups',3);
INSERT INTO sqlite_sequence VALUES('topup_events',8);
CREATE INDEX readings_by_line_time ON readings (line_id, time);
CREATE INDEX topups_by_line ON topups (line_id, id);
CREATE INDEX topups_by_state ON topups (state);
CREATE TRIGGER topups_keep_rows BEFORE DELETE ON topups BEGIN SELECT RAISE (ABORT, 'top-up rows are never deleted'); END;
CREATE TRIGGER topups_keep_reference BEFORE UPDATE OF reference ON topups WHEN OLD.reference IS NOT NULL AND NEW.reference IS NOT OLD.reference BEGIN SELECT RAISE (ABORT, 'a top-up reference never changes'); END;
CREATE INDEX topup_events_by_topup ON topup_events (topup_id, id);
CREATE TRIGGER topup_events_no_update BEFORE UPDATE ON topup_events BEGIN SELECT RAISE (ABORT, 'top-up events are append-only'); END;
CREATE TRIGGER topup_events_no_delete BEFORE DELETE ON topup_events BEGIN SELECT RAISE (ABORT, 'top-up events are append-only'); END;
PRAGMA user_version = 5;
COMMIT;
