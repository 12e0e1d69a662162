/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoStore"

#include "config.h"

#include <sqlite3.h>

#include "saldo-error.h"
#include "saldo-sql.h"
#include "saldo-store.h"

struct _SaldoStore {
  GObject  parent_instance;
  sqlite3 *db;
  char    *path;
  int      schema_version;
};

G_DEFINE_TYPE (SaldoStore, saldo_store, G_TYPE_OBJECT)


/* Migration N takes the schema from version N to N+1.  Append only: a shipped
 * migration is never edited, so every database walks the same path. */
static const char *const migrations[] = {
  /* 0 → 1: lines.  AUTOINCREMENT guarantees an id is never handed out twice,
   * even after the row with the highest id is deleted. */
  "CREATE TABLE lines ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  iccid TEXT NOT NULL UNIQUE CHECK (length (iccid) BETWEEN 18 AND 22),"
  "  imsi TEXT NOT NULL DEFAULT '',"
  "  operator_code TEXT NOT NULL DEFAULT '',"
  "  operator_name TEXT NOT NULL DEFAULT '',"
  "  sim_type TEXT NOT NULL DEFAULT 'unknown',"
  "  first_seen INTEGER NOT NULL,"
  "  last_seen INTEGER NOT NULL"
  ");",

  /* 1 → 2: the owner's per-line settings and every balance reading. */
  "ALTER TABLE lines ADD COLUMN balance_code TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE lines ADD COLUMN balance_menu TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE lines ADD COLUMN refresh_interval INTEGER NOT NULL DEFAULT -1;"
  "ALTER TABLE lines ADD COLUMN allow_roaming INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE lines ADD COLUMN own_number TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE lines ADD COLUMN sms_senders TEXT NOT NULL DEFAULT '';"
  "CREATE TABLE readings ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  line_id INTEGER NOT NULL REFERENCES lines (id),"
  "  time INTEGER NOT NULL,"
  "  source TEXT NOT NULL CHECK (source IN ('ussd', 'sms')),"
  "  kind TEXT NOT NULL,"
  "  raw_text TEXT NOT NULL DEFAULT '',"
  "  error TEXT NOT NULL DEFAULT '',"
  "  carrier TEXT NOT NULL DEFAULT '',"
  "  amount_minor INTEGER,"
  "  currency TEXT,"
  "  expiry INTEGER,"
  "  data_bytes INTEGER"
  ");"
  "CREATE INDEX readings_by_line_time ON readings (line_id, time);",

  /* 2 → 3: the top-up ledger (daemon/store/saldo-ledger.c).  A row is never
   * deleted and its reference never changes once the intent is recorded:
   * the provider knows the top-up by it.  Events are append-only. */
  "CREATE TABLE topups ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  reference TEXT UNIQUE CHECK (reference IS NULL OR length (reference) BETWEEN 1 AND 64),"
  "  line_id INTEGER NOT NULL REFERENCES lines (id),"
  "  rule_id INTEGER CHECK (rule_id IS NULL OR rule_id > 0),"
  "  origin TEXT NOT NULL CHECK (origin IN ('rule', 'manual')),"
  "  provider TEXT NOT NULL,"
  "  amount INTEGER NOT NULL CHECK (amount > 0),"
  "  currency TEXT NOT NULL CHECK (length (currency) = 3),"
  "  phone TEXT,"
  "  country TEXT,"
  "  operator_id TEXT,"
  "  ussd_template TEXT,"
  "  state TEXT NOT NULL CHECK (state IN ('planned', 'intent', 'sent', 'succeeded', 'failed',"
  "                                       'unknown', 'verified', 'disputed')),"
  "  created INTEGER NOT NULL,"
  "  updated INTEGER NOT NULL,"
  "  finished INTEGER NOT NULL DEFAULT 0,"
  "  provider_transaction_id TEXT,"
  "  delivered_amount INTEGER,"
  "  delivered_currency TEXT,"
  "  requested_amount INTEGER,"
  "  requested_currency TEXT,"
  "  balance_before INTEGER,"
  "  balance_after INTEGER,"
  "  message TEXT NOT NULL DEFAULT '',"
  "  error TEXT NOT NULL DEFAULT '',"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  lookups INTEGER NOT NULL DEFAULT 0,"
  "  next_check INTEGER NOT NULL DEFAULT 0,"
  "  CHECK (state != 'planned' OR reference IS NULL),"
  "  CHECK (state IN ('planned', 'failed') OR reference IS NOT NULL)"
  ");"
  "CREATE INDEX topups_by_line ON topups (line_id, id);"
  "CREATE INDEX topups_by_state ON topups (state);"
  "CREATE TRIGGER topups_keep_rows BEFORE DELETE ON topups"
  " BEGIN SELECT RAISE (ABORT, 'top-up rows are never deleted'); END;"
  "CREATE TRIGGER topups_keep_reference BEFORE UPDATE OF reference ON topups"
  " WHEN OLD.reference IS NOT NULL AND NEW.reference IS NOT OLD.reference"
  " BEGIN SELECT RAISE (ABORT, 'a top-up reference never changes'); END;"
  "CREATE TABLE topup_events ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  topup_id INTEGER NOT NULL REFERENCES topups (id),"
  "  time INTEGER NOT NULL,"
  "  kind TEXT NOT NULL,"
  "  from_state TEXT,"
  "  to_state TEXT NOT NULL,"
  "  detail TEXT NOT NULL DEFAULT ''"
  ");"
  "CREATE INDEX topup_events_by_topup ON topup_events (topup_id, id);"
  "CREATE TRIGGER topup_events_no_update BEFORE UPDATE ON topup_events"
  " BEGIN SELECT RAISE (ABORT, 'top-up events are append-only'); END;"
  "CREATE TRIGGER topup_events_no_delete BEFORE DELETE ON topup_events"
  " BEGIN SELECT RAISE (ABORT, 'top-up events are append-only'); END;"
  "CREATE TABLE used_vouchers ("
  "  pin_sha256 TEXT PRIMARY KEY CHECK (length (pin_sha256) = 64),"
  "  topup_id INTEGER NOT NULL REFERENCES topups (id),"
  "  time INTEGER NOT NULL"
  ");",

  /* 3 → 4: eSIM profiles on lines, and eUICCs. */
  "ALTER TABLE lines ADD COLUMN eid TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE lines ADD COLUMN profile_name TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE lines ADD COLUMN profile_nickname TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE lines ADD COLUMN service_provider TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE lines ADD COLUMN profile_state TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE lines ADD COLUMN profile_class TEXT NOT NULL DEFAULT '';"
  "CREATE TABLE euiccs ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  key TEXT NOT NULL UNIQUE,"
  "  first_seen INTEGER NOT NULL"
  ");",

  /* 4 → 5: top-up rules.  Removed rules stay (removed = 1) so the ledger's
   * rule ids keep pointing somewhere. */
  "CREATE TABLE rules ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  line_id INTEGER NOT NULL REFERENCES lines (id),"
  "  kind TEXT NOT NULL CHECK (kind IN ('threshold', 'data', 'keep-alive', 'schedule')),"
  "  enabled INTEGER NOT NULL,"
  "  confirm INTEGER NOT NULL,"
  "  provider TEXT NOT NULL,"
  "  amount INTEGER NOT NULL CHECK (amount > 0),"
  "  currency TEXT NOT NULL,"
  "  below INTEGER NOT NULL DEFAULT 0,"
  "  days_before INTEGER NOT NULL DEFAULT 0,"
  "  day INTEGER NOT NULL DEFAULT 0,"
  "  hour INTEGER NOT NULL DEFAULT 0,"
  "  max_per_topup INTEGER NOT NULL DEFAULT 0,"
  "  max_per_day INTEGER NOT NULL DEFAULT 0,"
  "  max_per_month INTEGER NOT NULL DEFAULT 0,"
  "  max_attempts_24h INTEGER NOT NULL DEFAULT 0,"
  "  cooldown INTEGER NOT NULL DEFAULT 300,"
  "  created INTEGER NOT NULL,"
  "  rearmed_at INTEGER NOT NULL DEFAULT 0,"
  "  disabled_reason TEXT NOT NULL DEFAULT '',"
  "  removed INTEGER NOT NULL DEFAULT 0"
  ");",

  /* 5 → 6: top-ups that settle (issue 9).  A planned row expires when
   * nobody confirms it in time (expires; rows planned before this schema get
   * a day from their creation); sent_at is the time of the last request
   * (from the events, for rows sent before); provider_pending marks a row
   * whose provider said it is still processing it.  SQLite cannot change a
   * CHECK constraint in place, so the table is rebuilt (foreign keys are off
   * for this step, see saldo_store_migrate); its triggers and indexes are
   * recreated as they were.  Events gain the uid of the person who caused
   * them (NULL: saldod itself). */
  "CREATE TABLE topups_v6 ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  reference TEXT UNIQUE CHECK (reference IS NULL OR length (reference) BETWEEN 1 AND 64),"
  "  line_id INTEGER NOT NULL REFERENCES lines (id),"
  "  rule_id INTEGER CHECK (rule_id IS NULL OR rule_id > 0),"
  "  origin TEXT NOT NULL CHECK (origin IN ('rule', 'manual')),"
  "  provider TEXT NOT NULL,"
  "  amount INTEGER NOT NULL CHECK (amount > 0),"
  "  currency TEXT NOT NULL CHECK (length (currency) = 3),"
  "  phone TEXT,"
  "  country TEXT,"
  "  operator_id TEXT,"
  "  ussd_template TEXT,"
  "  state TEXT NOT NULL CHECK (state IN ('planned', 'intent', 'sent', 'succeeded', 'failed',"
  "                                       'unknown', 'verified', 'disputed', 'expired')),"
  "  created INTEGER NOT NULL,"
  "  updated INTEGER NOT NULL,"
  "  finished INTEGER NOT NULL DEFAULT 0,"
  "  provider_transaction_id TEXT,"
  "  delivered_amount INTEGER,"
  "  delivered_currency TEXT,"
  "  requested_amount INTEGER,"
  "  requested_currency TEXT,"
  "  balance_before INTEGER,"
  "  balance_after INTEGER,"
  "  message TEXT NOT NULL DEFAULT '',"
  "  error TEXT NOT NULL DEFAULT '',"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  lookups INTEGER NOT NULL DEFAULT 0,"
  "  next_check INTEGER NOT NULL DEFAULT 0,"
  "  expires INTEGER NOT NULL DEFAULT 0,"
  "  sent_at INTEGER NOT NULL DEFAULT 0,"
  "  provider_pending INTEGER NOT NULL DEFAULT 0 CHECK (provider_pending IN (0, 1)),"
  "  CHECK (state NOT IN ('planned', 'expired') OR reference IS NULL),"
  "  CHECK (state IN ('planned', 'failed', 'expired') OR reference IS NOT NULL)"
  ");"
  "INSERT INTO topups_v6 (id, reference, line_id, rule_id, origin, provider, amount, currency,"
  " phone, country, operator_id, ussd_template, state, created, updated, finished,"
  " provider_transaction_id, delivered_amount, delivered_currency, requested_amount,"
  " requested_currency, balance_before, balance_after, message, error, attempts, lookups,"
  " next_check, expires, sent_at)"
  " SELECT t.id, t.reference, t.line_id, t.rule_id, t.origin, t.provider, t.amount, t.currency,"
  " t.phone, t.country, t.operator_id, t.ussd_template, t.state, t.created, t.updated,"
  " t.finished, t.provider_transaction_id, t.delivered_amount, t.delivered_currency,"
  " t.requested_amount, t.requested_currency, t.balance_before, t.balance_after, t.message,"
  " t.error, t.attempts, t.lookups, t.next_check,"
  " CASE WHEN t.state = 'planned' THEN t.created + 86400 ELSE 0 END,"
  " COALESCE ((SELECT MAX (e.time) FROM topup_events e"
  "            WHERE e.topup_id = t.id AND e.kind IN ('sent', 'resent')), 0)"
  " FROM topups t;"
  "DROP TABLE topups;"
  "ALTER TABLE topups_v6 RENAME TO topups;"
  "CREATE INDEX topups_by_line ON topups (line_id, id);"
  "CREATE INDEX topups_by_state ON topups (state);"
  "CREATE TRIGGER topups_keep_rows BEFORE DELETE ON topups"
  " BEGIN SELECT RAISE (ABORT, 'top-up rows are never deleted'); END;"
  "CREATE TRIGGER topups_keep_reference BEFORE UPDATE OF reference ON topups"
  " WHEN OLD.reference IS NOT NULL AND NEW.reference IS NOT OLD.reference"
  " BEGIN SELECT RAISE (ABORT, 'a top-up reference never changes'); END;"
  "ALTER TABLE topup_events ADD COLUMN actor_uid INTEGER CHECK (actor_uid IS NULL OR actor_uid >= 0);",

  /* 6 → 7: an SMS that is not a balance is kept without its text (it may be
   * a login or verification code, and the history is free to read); this
   * clears what older versions stored. */
  "UPDATE readings SET raw_text = '' WHERE source = 'sms' AND kind NOT IN ('balance', 'ambiguous');",

  /* 7 → 8: which rule kinds exist is the rule engine's to say
   * (saldo_rule_kind_from_string () refuses any other before a rule is
   * stored), not a CHECK constraint's: a new kind needs no table rebuild.
   * SQLite cannot drop a CHECK in place, so the table is rebuilt once. */
  "CREATE TABLE rules_v8 ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  line_id INTEGER NOT NULL REFERENCES lines (id),"
  "  kind TEXT NOT NULL,"
  "  enabled INTEGER NOT NULL,"
  "  confirm INTEGER NOT NULL,"
  "  provider TEXT NOT NULL,"
  "  amount INTEGER NOT NULL CHECK (amount > 0),"
  "  currency TEXT NOT NULL,"
  "  below INTEGER NOT NULL DEFAULT 0,"
  "  days_before INTEGER NOT NULL DEFAULT 0,"
  "  day INTEGER NOT NULL DEFAULT 0,"
  "  hour INTEGER NOT NULL DEFAULT 0,"
  "  max_per_topup INTEGER NOT NULL DEFAULT 0,"
  "  max_per_day INTEGER NOT NULL DEFAULT 0,"
  "  max_per_month INTEGER NOT NULL DEFAULT 0,"
  "  max_attempts_24h INTEGER NOT NULL DEFAULT 0,"
  "  cooldown INTEGER NOT NULL DEFAULT 300,"
  "  created INTEGER NOT NULL,"
  "  rearmed_at INTEGER NOT NULL DEFAULT 0,"
  "  disabled_reason TEXT NOT NULL DEFAULT '',"
  "  removed INTEGER NOT NULL DEFAULT 0"
  ");"
  "INSERT INTO rules_v8 (id, line_id, kind, enabled, confirm, provider, amount, currency, below,"
  " days_before, day, hour, max_per_topup, max_per_day, max_per_month, max_attempts_24h, cooldown,"
  " created, rearmed_at, disabled_reason, removed)"
  " SELECT id, line_id, kind, enabled, confirm, provider, amount, currency, below, days_before,"
  " day, hour, max_per_topup, max_per_day, max_per_month, max_attempts_24h, cooldown, created,"
  " rearmed_at, disabled_reason, removed FROM rules;"
  /* Rule ids are never handed out twice: the counter carries over. */
  "UPDATE sqlite_sequence SET seq = max (seq, (SELECT seq FROM sqlite_sequence WHERE name = 'rules'))"
  " WHERE name = 'rules_v8';"
  "DROP TABLE rules;"
  "ALTER TABLE rules_v8 RENAME TO rules;",

  /* 8 → 9: the payment side.  A finished top-up keeps what its failure
   * asked of the owner (insufficient funds, refused credentials, a
   * declined or expired payment method: the provider's fault, not the
   * rule's, never disabling it); providers get a stable number and keep
   * their last known state across restarts. */
  "ALTER TABLE topups ADD COLUMN failure TEXT NOT NULL DEFAULT ''"
  " CHECK (failure IN ('', 'insufficient-funds', 'credentials-rejected', 'payment-declined',"
  "                    'payment-expired', 'unreachable', 'other'));"
  "CREATE TABLE providers ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  name TEXT NOT NULL UNIQUE,"
  "  state TEXT NOT NULL DEFAULT 'unknown'"
  "    CHECK (state IN ('ok', 'needs-attention', 'unreachable', 'unknown')),"
  "  attention TEXT NOT NULL DEFAULT '',"
  "  last_error TEXT NOT NULL DEFAULT '',"
  "  last_success INTEGER NOT NULL DEFAULT 0,"
  "  funds INTEGER,"
  "  funds_currency TEXT,"
  "  attention_funds INTEGER,"
  "  updated INTEGER NOT NULL DEFAULT 0"
  ");",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == SALDO_STORE_SCHEMA_VERSION);

SaldoLineRecord *
saldo_line_record_new (void)
{
  SaldoLineRecord *record = g_new0 (SaldoLineRecord, 1);

  record->imsi = g_strdup ("");
  record->operator_code = g_strdup ("");
  record->operator_name = g_strdup ("");
  record->sim_type = g_strdup ("unknown");
  record->balance_code = g_strdup ("");
  record->balance_menu = g_strdup ("");
  record->refresh_interval = -1;
  record->own_number = g_strdup ("");
  record->sms_senders = g_strdup ("");
  record->eid = g_strdup ("");
  record->profile_name = g_strdup ("");
  record->profile_nickname = g_strdup ("");
  record->service_provider = g_strdup ("");
  record->profile_state = g_strdup ("");
  record->profile_class = g_strdup ("");
  return record;
}

/* The lines table: one entry per persisted field of SaldoLineRecord (a new
 * one is an entry here and a migration adding its column). */
static const SaldoSqlColumn line_columns[] = {
  { "iccid", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoLineRecord, iccid) },
  { "imsi", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoLineRecord, imsi) },
  { "operator_code", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoLineRecord, operator_code) },
  { "operator_name", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoLineRecord, operator_name) },
  { "sim_type", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoLineRecord, sim_type) },
  { "first_seen", SALDO_SQL_INT64, G_STRUCT_OFFSET (SaldoLineRecord, first_seen) },
  { "last_seen", SALDO_SQL_INT64, G_STRUCT_OFFSET (SaldoLineRecord, last_seen) },
  { "balance_code", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoLineRecord, balance_code) },
  { "balance_menu", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoLineRecord, balance_menu) },
  { "refresh_interval", SALDO_SQL_INT64, G_STRUCT_OFFSET (SaldoLineRecord, refresh_interval) },
  { "allow_roaming", SALDO_SQL_BOOL, G_STRUCT_OFFSET (SaldoLineRecord, allow_roaming) },
  { "own_number", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoLineRecord, own_number) },
  { "sms_senders", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoLineRecord, sms_senders) },
  { "eid", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoLineRecord, eid) },
  { "profile_name", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoLineRecord, profile_name) },
  { "profile_nickname", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoLineRecord, profile_nickname) },
  { "service_provider", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoLineRecord, service_provider) },
  { "profile_state", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoLineRecord, profile_state) },
  { "profile_class", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoLineRecord, profile_class) },
};

static const SaldoSqlTable lines_table = {
  "lines",
  G_STRUCT_OFFSET (SaldoLineRecord, id),
  line_columns,
  G_N_ELEMENTS (line_columns),
  sizeof (SaldoLineRecord),
};

SaldoLineRecord *
saldo_line_record_copy (const SaldoLineRecord *record)
{
  return saldo_sql_record_copy (&lines_table, record);
}

void
saldo_line_record_free (SaldoLineRecord *record)
{
  saldo_sql_record_free (&lines_table, record);
}

SaldoReading *
saldo_reading_new (void)
{
  return g_new0 (SaldoReading, 1);
}

void
saldo_reading_free (SaldoReading *reading)
{
  if (reading == NULL)
    return;
  g_free (reading->source);
  g_free (reading->kind);
  g_free (reading->raw_text);
  g_free (reading->error);
  g_free (reading->carrier);
  g_free (reading->currency);
  g_free (reading);
}

static gboolean
saldo_store_fail (SaldoStore *self, const char *what, GError **error)
{
  return saldo_sql_fail (self->db, self->path, what, error);
}

static gboolean
saldo_store_exec (SaldoStore *self, const char *sql, GError **error)
{
  return saldo_sql_exec (self->db, self->path, sql, error);
}

static gboolean
saldo_store_query_text (SaldoStore *self, const char *sql, char **value_out, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return saldo_store_fail (self, sql, error);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return saldo_store_fail (self, sql, error);
  *value_out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  return TRUE;
}

static gboolean
saldo_store_check_integrity (SaldoStore *self, GError **error)
{
  g_autofree char *verdict = NULL;
  g_autoptr(GError) local_error = NULL;

  /* The first read is where a file that is not a database, or a damaged one,
   * shows.  It is reported and left in place: silently starting a new
   * database would lose the ledger. */
  if (!saldo_store_query_text (self, "PRAGMA quick_check", &verdict, &local_error)) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE,
                 "%s is not a usable Saldo database (%s); it was left untouched: "
                 "move it away or restore a backup",
                 self->path, sqlite3_errmsg (self->db));
    return FALSE;
  }
  if (g_strcmp0 (verdict, "ok") != 0) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE,
                 "%s is corrupt (%s); it was left untouched: move it away or restore a backup", self->path,
                 verdict);
    return FALSE;
  }
  return TRUE;
}

/* Inside a migration: every foreign key still points at a row. */
static gboolean
saldo_store_check_foreign_keys (SaldoStore *self, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA foreign_key_check", -1, &stmt, NULL) != SQLITE_OK)
    return saldo_store_fail (self, "checking foreign keys", error);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE,
                 "%s: table %s has a row whose reference to %s points nowhere", self->path,
                 (const char *) sqlite3_column_text (stmt, 0), (const char *) sqlite3_column_text (stmt, 2));
    return FALSE;
  }
  if (rc != SQLITE_DONE)
    return saldo_store_fail (self, "checking foreign keys", error);
  return TRUE;
}

static gboolean
saldo_store_migrate (SaldoStore *self, GError **error)
{
  g_autofree char *version_text = NULL;
  gint64           version;

  if (!saldo_store_query_text (self, "PRAGMA user_version", &version_text, error))
    return FALSE;
  version = g_ascii_strtoll (version_text, NULL, 10);
  if (version > SALDO_STORE_SCHEMA_VERSION) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE,
                 "%s has schema version %" G_GINT64_FORMAT ", newer than this saldod "
                 "understands (%d); refusing to touch it",
                 self->path, version, SALDO_STORE_SCHEMA_VERSION);
    return FALSE;
  }
  /* A step that rebuilds a table drops the old one, which foreign keys
   * pointing at it would refuse; SQLite's documented way is to switch them
   * off (outside a transaction) and check every reference before the step
   * commits. */
  if (version < SALDO_STORE_SCHEMA_VERSION && !saldo_store_exec (self, "PRAGMA foreign_keys = OFF", error))
    return FALSE;
  for (gint64 v = version; v < SALDO_STORE_SCHEMA_VERSION; v++) {
    g_autofree char *bump = NULL;

    /* Each step and its version bump commit together, so a crash leaves the
     * database either before or after the step, never half-way. */
    if (!saldo_store_exec (self, "BEGIN IMMEDIATE", error))
      return FALSE;
    bump = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT, v + 1);
    if (!saldo_store_exec (self, migrations[v], error) || !saldo_store_check_foreign_keys (self, error) ||
        !saldo_store_exec (self, bump, error)) {
      saldo_store_exec (self, "ROLLBACK", NULL);
      g_prefix_error (error, "migrating schema %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ": ", v, v + 1);
      return FALSE;
    }
    if (!saldo_store_exec (self, "COMMIT", error))
      return FALSE;
    g_info ("database %s migrated to schema version %" G_GINT64_FORMAT, self->path, v + 1);
  }
  if (!saldo_store_exec (self, "PRAGMA foreign_keys = ON", error))
    return FALSE;
  self->schema_version = SALDO_STORE_SCHEMA_VERSION;
  return TRUE;
}

SaldoStore *
saldo_store_open (const char *path, GError **error)
{
  g_autoptr(SaldoStore) self = g_object_new (SALDO_TYPE_STORE, NULL);
  g_autofree char *journal_mode = NULL;
  int              rc;

  self->path = g_strdup (path);
  rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE, "cannot open %s: %s", path,
                 self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
    return NULL;
  }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, 5000);

  if (!saldo_store_check_integrity (self, error))
    return NULL;
  /* WAL keeps readers (saldoctl via the daemon, sqlite3 by hand) from
   * blocking writes; synchronous=FULL makes a commit durable before we act on
   * it, which the top-up ledger relies on. */
  if (!saldo_store_query_text (self, "PRAGMA journal_mode = WAL", &journal_mode, error))
    return NULL;
  if (g_ascii_strcasecmp (journal_mode, "wal") != 0) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE, "%s: cannot switch to WAL journal mode (got %s)",
                 path, journal_mode);
    return NULL;
  }
  if (!saldo_store_exec (self, "PRAGMA synchronous = FULL", error) ||
      !saldo_store_exec (self, "PRAGMA foreign_keys = ON", error))
    return NULL;
  if (!saldo_store_migrate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

int
saldo_store_get_schema_version (SaldoStore *self)
{
  g_return_val_if_fail (SALDO_IS_STORE (self), 0);
  return self->schema_version;
}

/* For modules that keep their own tables in this database (the top-up
 * ledger): the connection stays owned by the store. */
sqlite3 *
saldo_store_get_handle (SaldoStore *self)
{
  g_return_val_if_fail (SALDO_IS_STORE (self), NULL);
  return self->db;
}

gboolean
saldo_store_load_lines (SaldoStore *self, GPtrArray **records_out, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_line_record_free);
  g_autofree char *sql = saldo_sql_select (&lines_table, "ORDER BY id");
  int              rc;

  g_return_val_if_fail (SALDO_IS_STORE (self), FALSE);

  if (!saldo_sql_prepare (self->db, self->path, sql, &stmt, error))
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (records, saldo_sql_read (&lines_table, stmt));
  if (rc != SQLITE_DONE)
    return saldo_store_fail (self, "loading lines", error);
  *records_out = g_steal_pointer (&records);
  return TRUE;
}

/* Inserts the line when record->id is 0 (and sets it), updates it otherwise.
 * A single statement is its own transaction in SQLite. */
gboolean
saldo_store_save_line (SaldoStore *self, SaldoLineRecord *record, GError **error)
{
  g_return_val_if_fail (SALDO_IS_STORE (self), FALSE);
  g_return_val_if_fail (record->iccid != NULL, FALSE);

  return saldo_sql_save (self->db, self->path, &lines_table, record, NULL, "saving a line", error);
}

gboolean
saldo_store_ensure_euicc (SaldoStore *self, const char *key, gint64 *id_out, GError **error)
{
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autoptr(sqlite3_stmt) select = NULL;

  if (sqlite3_prepare_v2 (self->db,
                          "INSERT INTO euiccs (key, first_seen) VALUES (?1, ?2)"
                          " ON CONFLICT (key) DO NOTHING",
                          -1, &insert, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (self->db, "SELECT id FROM euiccs WHERE key = ?1", -1, &select, NULL) != SQLITE_OK)
    return saldo_store_fail (self, "recording an eUICC", error);
  sqlite3_bind_text (insert, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (insert, 2, g_get_real_time () / G_USEC_PER_SEC);
  if (sqlite3_step (insert) != SQLITE_DONE)
    return saldo_store_fail (self, "recording an eUICC", error);
  sqlite3_bind_text (select, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (select) != SQLITE_ROW)
    return saldo_store_fail (self, "recording an eUICC", error);
  *id_out = sqlite3_column_int64 (select, 0);
  return TRUE;
}

gboolean
saldo_store_load_euiccs (SaldoStore *self, GArray **ids_out, GPtrArray **keys_out, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (sqlite3_prepare_v2 (self->db, "SELECT id, key FROM euiccs ORDER BY id", -1, &stmt, NULL) != SQLITE_OK)
    return saldo_store_fail (self, "loading eUICCs", error);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    gint64 id = sqlite3_column_int64 (stmt, 0);

    g_array_append_val (ids, id);
    g_ptr_array_add (keys, saldo_sql_column_dup (stmt, 1));
  }
  if (rc != SQLITE_DONE)
    return saldo_store_fail (self, "loading eUICCs", error);
  *ids_out = g_steal_pointer (&ids);
  *keys_out = g_steal_pointer (&keys);
  return TRUE;
}

gboolean
saldo_store_add_reading (SaldoStore *self, SaldoReading *reading, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (SALDO_IS_STORE (self), FALSE);

  if (sqlite3_prepare_v2 (self->db,
                          "INSERT INTO readings (line_id, time, source, kind, raw_text, error,"
                          " carrier, amount_minor, currency, expiry, data_bytes)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                          -1, &stmt, NULL) != SQLITE_OK)
    return saldo_store_fail (self, "recording a reading", error);
  sqlite3_bind_int64 (stmt, 1, reading->line_id);
  sqlite3_bind_int64 (stmt, 2, reading->time);
  sqlite3_bind_text (stmt, 3, reading->source, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, reading->kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, reading->raw_text != NULL ? reading->raw_text : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, reading->error != NULL ? reading->error : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, reading->carrier != NULL ? reading->carrier : "", -1, SQLITE_STATIC);
  saldo_sql_bind_int64_if (stmt, 8, reading->has_amount, reading->amount_minor);
  if (reading->has_amount && reading->currency != NULL)
    sqlite3_bind_text (stmt, 9, reading->currency, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 9);
  saldo_sql_bind_int64_if (stmt, 10, reading->has_expiry, reading->expiry);
  saldo_sql_bind_int64_if (stmt, 11, reading->has_data, reading->data_bytes);
  /* A balance reading may be lost to a power cut (the next check brings a
   * new one), unlike a ledger row: skip the fsync for it alone.  In WAL mode
   * the commit still survives a crash of saldod itself. */
  saldo_store_exec (self, "PRAGMA synchronous = NORMAL", NULL);
  if (sqlite3_step (stmt) != SQLITE_DONE) {
    saldo_store_exec (self, "PRAGMA synchronous = FULL", NULL);
    return saldo_store_fail (self, "recording a reading", error);
  }
  saldo_store_exec (self, "PRAGMA synchronous = FULL", NULL);
  reading->id = sqlite3_last_insert_rowid (self->db);
  return TRUE;
}

static SaldoReading *
reading_from_row (sqlite3_stmt *stmt)
{
  SaldoReading *reading = saldo_reading_new ();

  reading->id = sqlite3_column_int64 (stmt, 0);
  reading->line_id = sqlite3_column_int64 (stmt, 1);
  reading->time = sqlite3_column_int64 (stmt, 2);
  reading->source = saldo_sql_column_dup (stmt, 3);
  reading->kind = saldo_sql_column_dup (stmt, 4);
  reading->raw_text = saldo_sql_column_dup (stmt, 5);
  reading->error = saldo_sql_column_dup (stmt, 6);
  reading->carrier = saldo_sql_column_dup (stmt, 7);
  reading->has_amount = sqlite3_column_type (stmt, 8) != SQLITE_NULL;
  reading->amount_minor = sqlite3_column_int64 (stmt, 8);
  reading->currency = saldo_sql_column_dup (stmt, 9);
  reading->has_expiry = sqlite3_column_type (stmt, 10) != SQLITE_NULL;
  reading->expiry = sqlite3_column_int64 (stmt, 10);
  reading->has_data = sqlite3_column_type (stmt, 11) != SQLITE_NULL;
  reading->data_bytes = sqlite3_column_int64 (stmt, 11);
  return reading;
}

#define READING_COLUMNS                                        \
  "id, line_id, time, source, kind, raw_text, error, carrier," \
  " amount_minor, currency, expiry, data_bytes"

/* Newest first.  line_id 0 lists every line. */
gboolean
saldo_store_list_readings (SaldoStore *self,
                           gint64      line_id,
                           gint64      since,
                           guint       limit,
                           GPtrArray **readings_out,
                           GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) readings = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_reading_free);
  int rc;

  /* One line's readings come straight off readings_by_line_time, walked
   * backwards (the index ends with the rowid, so ties keep their order):
   * a query that left the line open would sort every reading of every line
   * on each call. */
  if (sqlite3_prepare_v2 (self->db,
                          line_id != 0 ? "SELECT " READING_COLUMNS " FROM readings"
                                         " WHERE line_id = ?1 AND time >= ?2"
                                         " ORDER BY time DESC, id DESC LIMIT ?3"
                                       : "SELECT " READING_COLUMNS " FROM readings"
                                         " WHERE time >= ?2"
                                         " ORDER BY time DESC, id DESC LIMIT ?3",
                          -1, &stmt, NULL) != SQLITE_OK)
    return saldo_store_fail (self, "listing readings", error);
  sqlite3_bind_int64 (stmt, 1, line_id);
  sqlite3_bind_int64 (stmt, 2, since);
  sqlite3_bind_int64 (stmt, 3, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (readings, reading_from_row (stmt));
  if (rc != SQLITE_DONE)
    return saldo_store_fail (self, "listing readings", error);
  *readings_out = g_steal_pointer (&readings);
  return TRUE;
}

/* The newest reading of the line, only good balances when balance_only,
 * only from `source` unless NULL; *reading_out is NULL when there is none. */
static gboolean
last_reading_where (SaldoStore    *self,
                    gint64         line_id,
                    gboolean       balance_only,
                    const char    *source,
                    SaldoReading **reading_out,
                    GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT " READING_COLUMNS " FROM readings"
                          " WHERE line_id = ?1 AND (?2 = 0 OR kind = 'balance')"
                          " AND (?3 IS NULL OR source = ?3)"
                          " ORDER BY time DESC, id DESC LIMIT 1",
                          -1, &stmt, NULL) != SQLITE_OK)
    return saldo_store_fail (self, "reading the last balance", error);
  sqlite3_bind_int64 (stmt, 1, line_id);
  sqlite3_bind_int (stmt, 2, balance_only ? 1 : 0);
  if (source != NULL)
    sqlite3_bind_text (stmt, 3, source, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 3);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW) {
    *reading_out = reading_from_row (stmt);
    return TRUE;
  }
  if (rc != SQLITE_DONE)
    return saldo_store_fail (self, "reading the last balance", error);
  *reading_out = NULL;
  return TRUE;
}

/* *reading_out is NULL when the line has no such reading. */
gboolean
saldo_store_last_reading (SaldoStore    *self,
                          gint64         line_id,
                          gboolean       balance_only,
                          SaldoReading **reading_out,
                          GError       **error)
{
  return last_reading_where (self, line_id, balance_only, NULL, reading_out, error);
}

gboolean
saldo_store_last_balance_from (SaldoStore    *self,
                               gint64         line_id,
                               const char    *source,
                               SaldoReading **reading_out,
                               GError       **error)
{
  g_return_val_if_fail (source != NULL, FALSE);
  return last_reading_where (self, line_id, TRUE, source, reading_out, error);
}

static void
saldo_store_finalize (GObject *object)
{
  SaldoStore *self = SALDO_STORE (object);

  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_free (self->path);
  G_OBJECT_CLASS (saldo_store_parent_class)->finalize (object);
}

static void
saldo_store_class_init (SaldoStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = saldo_store_finalize;
}

static void
saldo_store_init (SaldoStore *self)
{
}
