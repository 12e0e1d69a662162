/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "saldo-error.h"
#include "saldo-ledger.h"
#include "saldo-rule-store.h"
#include "saldo-store.h"

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("saldo-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "saldo.db", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++) {
    g_autofree char *p = g_strconcat (f->path, suffixes[i], NULL);
    g_unlink (p);
  }
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static SaldoLineRecord *
make_record (const char *iccid)
{
  SaldoLineRecord *record = saldo_line_record_new ();

  record->iccid = g_strdup (iccid);
  record->first_seen = 1000;
  record->last_seen = 1000;
  return record;
}

static void
test_store_new_and_reopen (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(SaldoLineRecord) a = make_record ("8951100000000000011");
  g_autoptr(SaldoLineRecord) b = make_record ("8951060000000000022");
  SaldoLineRecord *loaded;

  {
    g_autoptr(SaldoStore) store = saldo_store_open (f->path, &error);

    g_assert_no_error (error);
    g_assert_cmpint (saldo_store_get_schema_version (store), ==, SALDO_STORE_SCHEMA_VERSION);
    g_assert_true (saldo_store_save_line (store, a, &error));
    g_assert_no_error (error);
    g_assert_true (saldo_store_save_line (store, b, &error));
    g_assert_cmpint (a->id, ==, 1);
    g_assert_cmpint (b->id, ==, 2);

    g_free (a->imsi);
    a->imsi = g_strdup ("716100123456789");
    a->last_seen = 2000;
    g_assert_true (saldo_store_save_line (store, a, &error));
    g_assert_cmpint (a->id, ==, 1);
  }

  {
    g_autoptr(SaldoStore) store = saldo_store_open (f->path, &error);

    g_assert_no_error (error);
    g_assert_true (saldo_store_load_lines (store, &records, &error));
    g_assert_cmpuint (records->len, ==, 2);
    loaded = records->pdata[0];
    g_assert_cmpint (loaded->id, ==, 1);
    g_assert_cmpstr (loaded->iccid, ==, "8951100000000000011");
    g_assert_cmpstr (loaded->imsi, ==, "716100123456789");
    g_assert_cmpint (loaded->last_seen, ==, 2000);
    g_assert_cmpint (loaded->first_seen, ==, 1000);
  }
}

static void
test_store_duplicate_iccid (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoStore) store = saldo_store_open (f->path, &error);
  g_autoptr(SaldoLineRecord) a = make_record ("8951100000000000011");
  g_autoptr(SaldoLineRecord) again = make_record ("8951100000000000011");

  g_assert_true (saldo_store_save_line (store, a, &error));
  g_assert_false (saldo_store_save_line (store, again, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE);
  g_assert_cmpint (again->id, ==, 0);
}

static void
test_store_ids_never_reused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoStore) store = saldo_store_open (f->path, &error);
  g_autoptr(SaldoLineRecord) a = make_record ("8951100000000000011");
  g_autoptr(SaldoLineRecord) b = make_record ("8951100000000000029");
  sqlite3 *db = NULL;

  g_assert_true (saldo_store_save_line (store, a, &error));
  /* Someone deletes the newest row by hand: its number must still not come back. */
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM lines WHERE id = 1", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_true (saldo_store_save_line (store, b, &error));
  g_assert_cmpint (b->id, ==, 2);
}

static void
test_store_rejects_garbage (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoStore) store = NULL;
  g_autofree char *contents = NULL;
  const char      *garbage = "this is not an SQLite database, but it holds the owner's ledger\n";
  gsize            len = 0;

  g_assert_true (g_file_set_contents (f->path, garbage, -1, NULL));
  store = saldo_store_open (f->path, &error);
  g_assert_null (store);
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE);
  g_assert_nonnull (strstr (error->message, "left untouched"));
  /* Never silently replaced. */
  g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  g_assert_cmpstr (contents, ==, garbage);
}

static void
test_store_rejects_corrupt_pages (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize            len = 0;

  {
    g_autoptr(SaldoStore) store = saldo_store_open (f->path, &error);
    g_assert_no_error (error);
    for (int i = 0; i < 200; i++) {
      g_autofree char *iccid = g_strdup_printf ("89511000000000%05d", i);
      g_autoptr(SaldoLineRecord) r = make_record (iccid);
      g_assert_true (saldo_store_save_line (store, r, &error));
    }
  }
  {
    /* Checkpoint the WAL into the main file, then damage a b-tree page. */
    sqlite3 *db = NULL;
    g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
    sqlite3_exec (db, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;", NULL, NULL, NULL);
    sqlite3_close (db);
  }
  g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 8192);
  memset (contents + 4096 + 8, 0xA5, 2048);
  g_assert_true (g_file_set_contents (f->path, contents, len, NULL));
  {
    g_autoptr(SaldoStore) store = saldo_store_open (f->path, &error);
    g_assert_null (store);
    g_assert_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE);
  }
}

static void
test_store_rejects_newer_schema (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 999", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  {
    g_autoptr(SaldoStore) store = saldo_store_open (f->path, &error);
    g_assert_null (store);
    g_assert_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE);
    g_assert_nonnull (strstr (error->message, "newer"));
  }
}

static void
test_store_migrates_v1 (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  sqlite3 *db = NULL;

  /* A database as schema 1 left it. */
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TABLE lines (id INTEGER PRIMARY KEY AUTOINCREMENT, iccid TEXT NOT "
                                 "NULL UNIQUE,"
                                 " imsi TEXT NOT NULL DEFAULT '', operator_code TEXT NOT NULL DEFAULT '',"
                                 " operator_name TEXT NOT NULL DEFAULT '', sim_type TEXT NOT NULL DEFAULT "
                                 "'unknown',"
                                 " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL);"
                                 "INSERT INTO lines (iccid, imsi, first_seen, last_seen) VALUES "
                                 "('8951100000000000011', '716100000000011', 5, 6);"
                                 "PRAGMA user_version = 1;",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);
  {
    g_autoptr(SaldoStore) store = saldo_store_open (f->path, &error);
    SaldoLineRecord *r;

    g_assert_no_error (error);
    g_assert_cmpint (saldo_store_get_schema_version (store), ==, SALDO_STORE_SCHEMA_VERSION);
    g_assert_true (saldo_store_load_lines (store, &records, &error));
    g_assert_cmpuint (records->len, ==, 1);
    r = records->pdata[0];
    g_assert_cmpstr (r->imsi, ==, "716100000000011");
    g_assert_cmpint (r->refresh_interval, ==, -1);
    g_assert_cmpstr (r->balance_code, ==, "");
  }
}

static gint64
query_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64        value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* A database exactly as schema 5 left it (tests/data/saldo-schema-5.sql)
 * upgrades in place: every row and event kept, the new columns filled from
 * what the rows say, the rules that protect the ledger still there. */
static void
test_store_migrates_v5 (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sql_path = g_test_build_filename (G_TEST_DIST, "data", "saldo-schema-5.sql", NULL);
  g_autofree char *sql = NULL;
  g_autoptr(SaldoStore) store = NULL;
  g_autoptr(SaldoLedger) ledger = NULL;
  g_autoptr(SaldoTopupRecord) planned = NULL;
  g_autoptr(SaldoTopupRecord) unknown = NULL;
  g_autoptr(SaldoTopupRecord) verified = NULL;
  g_autoptr(GPtrArray) events = NULL;
  sqlite3 *db = NULL;

  g_assert_true (g_file_get_contents (sql_path, &sql, NULL, &error));
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, 5);
  /* Readings older versions kept: an SMS login code among them. */
  g_assert_cmpint (sqlite3_exec (db,
                                 "INSERT INTO readings (line_id, time, source, kind, raw_text)"
                                 " VALUES (1, 1700000400, 'sms', 'unknown', 'Tu codigo es 482913'),"
                                 " (1, 1700000401, 'sms', 'balance', 'Saldo S/ 5.00'),"
                                 " (1, 1700000402, 'ussd', 'menu', '1. Saldo 2. Bonos')",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);

  store = saldo_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (saldo_store_get_schema_version (store), ==, SALDO_STORE_SCHEMA_VERSION);
  db = saldo_store_get_handle (store);
  /* Schema 7: the SMS that was not a balance keeps no text; the rest do. */
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM readings WHERE raw_text LIKE '%482913%'"), ==, 0);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM readings WHERE raw_text != ''"), ==, 2);
  g_assert_cmpint (query_int (db, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM topups"), ==, 3);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM topup_events"), ==, 8);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM topup_events WHERE actor_uid IS NOT NULL"), ==, 0);

  ledger = saldo_ledger_new (store);
  g_assert_true (saldo_ledger_get (ledger, 1, &planned, &error));
  g_assert_cmpint (planned->state, ==, SALDO_LEDGER_STATE_PLANNED);
  g_assert_cmpint (planned->expires, ==, planned->created + 86400);
  g_assert_cmpint (planned->balance_before, ==, 200);
  g_assert_true (saldo_ledger_get (ledger, 2, &unknown, &error));
  g_assert_cmpint (unknown->state, ==, SALDO_LEDGER_STATE_UNKNOWN);
  g_assert_cmpstr (unknown->reference, ==, "saldo-AAAAAAAAAAAAAAAAAAAA");
  g_assert_cmpint (unknown->sent_at, ==, 1700000202);
  g_assert_cmpint (unknown->expires, ==, 0);
  g_assert_cmpint (unknown->next_check, ==, 1700000320);
  g_assert_cmpstr (unknown->error, ==, "no reply");
  g_assert_true (saldo_ledger_get (ledger, 3, &verified, &error));
  g_assert_cmpint (verified->state, ==, SALDO_LEDGER_STATE_VERIFIED);
  g_assert_cmpint (verified->sent_at, ==, 1700000307);
  g_assert_cmpint (verified->balance_after, ==, 700);
  g_assert_true (saldo_ledger_list_events (ledger, 2, &events, &error));
  g_assert_cmpuint (events->len, ==, 4);

  /* Schema 8: the rule kept as it was; the kinds are the engine's to know,
   * so one the schema never listed is stored, and ids go on from 1. */
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM rules WHERE id = 1 AND kind = 'threshold'"
                                  " AND amount = 1000 AND below = 500"),
                   ==, 1);
  {
    g_autoptr(SaldoRuleRecord) rule = saldo_rule_record_new ();

    g_free (rule->kind);
    rule->kind = g_strdup ("forecast");
    rule->line_id = 1;
    rule->amount = 1000;
    g_free (rule->provider);
    rule->provider = g_strdup ("pay");
    g_free (rule->currency);
    rule->currency = g_strdup ("PEN");
    g_assert_true (saldo_store_save_rule (store, rule, &error));
    g_assert_no_error (error);
    g_assert_cmpint (rule->id, ==, 2);
  }

  /* The guards are back on the rebuilt table. */
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM topups WHERE id = 3", NULL, NULL, NULL), !=, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE topups SET reference = 'x' WHERE id = 2", NULL, NULL, NULL), !=,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "INSERT INTO topup_events (topup_id, time, kind, to_state)"
                                 " VALUES (99, 1, 'x', 'planned')",
                                 NULL, NULL, NULL),
                   !=, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE topups SET state = 'refunded' WHERE id = 2", NULL, NULL, NULL),
                   !=, SQLITE_OK);
  /* The new state is accepted, the new transitions work, the used PIN stays. */
  g_assert_true (saldo_ledger_withdraw (ledger, 1, "test", &error));
  g_assert_no_error (error);
  g_assert_true (saldo_ledger_settle (ledger, 2, SALDO_LEDGER_STATE_FAILED, "test", &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM used_vouchers WHERE topup_id = 2"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM topups WHERE state = 'expired'"), ==, 1);
}

static void
test_store_readings (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoStore) store = saldo_store_open (f->path, &error);
  g_autoptr(SaldoLineRecord) line = make_record ("8951100000000000011");
  g_autoptr(GPtrArray) readings = NULL;
  g_autoptr(SaldoReading) last = NULL;
  g_autoptr(SaldoReading) last_any = NULL;
  SaldoReading *r;

  g_assert_true (saldo_store_save_line (store, line, &error));
  for (int i = 0; i < 3; i++) {
    g_autoptr(SaldoReading) reading = saldo_reading_new ();

    reading->line_id = line->id;
    reading->time = 100 + i;
    reading->source = g_strdup (i == 1 ? "sms" : "ussd");
    reading->kind = g_strdup (i == 2 ? "menu" : "balance");
    reading->raw_text = g_strdup_printf ("Saldo S/ %d.00", i);
    if (i < 2) {
      reading->has_amount = TRUE;
      reading->amount_minor = 100 * i;
      reading->currency = g_strdup ("PEN");
    } else {
      reading->error = g_strdup ("reply is a menu");
    }
    reading->has_data = i == 1;
    reading->data_bytes = 1610612736;
    g_assert_true (saldo_store_add_reading (store, reading, &error));
    g_assert_cmpint (reading->id, >, 0);
  }
  g_assert_true (saldo_store_list_readings (store, line->id, 0, 10, &readings, &error));
  g_assert_cmpuint (readings->len, ==, 3);
  r = readings->pdata[0];
  g_assert_cmpstr (r->kind, ==, "menu");
  g_assert_false (r->has_amount);
  g_assert_cmpstr (r->error, ==, "reply is a menu");
  r = readings->pdata[1];
  g_assert_cmpstr (r->source, ==, "sms");
  g_assert_true (r->has_data);
  g_assert_cmpint (r->data_bytes, ==, 1610612736);

  g_assert_true (saldo_store_last_reading (store, line->id, TRUE, &last, &error));
  g_assert_nonnull (last);
  g_assert_cmpint (last->amount_minor, ==, 100);
  g_assert_cmpstr (last->currency, ==, "PEN");
  g_assert_true (saldo_store_last_reading (store, line->id, FALSE, &last_any, &error));
  g_assert_cmpstr (last_any->kind, ==, "menu");

  g_clear_pointer (&readings, g_ptr_array_unref);
  g_assert_true (saldo_store_list_readings (store, line->id, 102, 10, &readings, &error));
  g_assert_cmpuint (readings->len, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/store/new-and-reopen", Fixture, NULL, fixture_setup, test_store_new_and_reopen,
              fixture_teardown);
  g_test_add ("/store/duplicate-iccid", Fixture, NULL, fixture_setup, test_store_duplicate_iccid,
              fixture_teardown);
  g_test_add ("/store/ids-never-reused", Fixture, NULL, fixture_setup, test_store_ids_never_reused,
              fixture_teardown);
  g_test_add ("/store/rejects-garbage", Fixture, NULL, fixture_setup, test_store_rejects_garbage,
              fixture_teardown);
  g_test_add ("/store/rejects-corrupt-pages", Fixture, NULL, fixture_setup, test_store_rejects_corrupt_pages,
              fixture_teardown);
  g_test_add ("/store/rejects-newer-schema", Fixture, NULL, fixture_setup, test_store_rejects_newer_schema,
              fixture_teardown);
  g_test_add ("/store/migrates-v1", Fixture, NULL, fixture_setup, test_store_migrates_v1, fixture_teardown);
  g_test_add ("/store/migrates-v5", Fixture, NULL, fixture_setup, test_store_migrates_v5, fixture_teardown);
  g_test_add ("/store/readings", Fixture, NULL, fixture_setup, test_store_readings, fixture_teardown);
  return g_test_run ();
}
