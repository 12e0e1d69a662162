/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exports: the Prometheus text the metrics file holds (exact bytes for
 * hostile names and every currency's minor units), the file's atomic
 * replacement, the exporter's coalescing over a real store and ledger, and
 * the [Daemon]/[Mqtt] keys. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "saldo-error.h"
#include "saldo-export-config.h"
#include "saldo-exporter.h"
#include "saldo-metrics-file.h"
#include "saldo-metrics-format.h"
#include "saldo-test-export.h"

#define ICCID_CLARO "8951100000000000011"

static SaldoExportLine *
make_line (gint64 id, const char *iccid, const char *operator_name)
{
  SaldoExportLine *line = saldo_test_export_line (id, iccid, operator_name);

  line->first_seen = 1700000000;
  line->refresh_interval = 21600;
  return line;
}

static void
set_balance (SaldoExportLine *line, gint64 minor, const char *currency)
{
  line->has_balance = TRUE;
  line->balance = minor;
  g_free (line->currency);
  line->currency = g_strdup (currency);
}

static char *
format (SaldoExportSnapshot *snapshot, gboolean full_iccid)
{
  SaldoMetricsOptions options = { .full_iccid = full_iccid };
  GString            *out = g_string_new (NULL);

  saldo_metrics_format (snapshot, &options, out);
  return g_string_free (out, FALSE);
}

#define LABELS(line, suffix, name)                                                          \
  "{line=\"" line "\",iccid_suffix=\"" suffix "\",operator=\"71610\",operator_name=\"" name \
  "\",carrier=\"claro-pe\""

static void
test_format_lines (void)
{
  g_autoptr(SaldoExportSnapshot) snapshot = saldo_export_snapshot_new ();
  SaldoExportLine *claro = make_line (1, ICCID_CLARO, "Claro PE");
  SaldoExportLine *yen = make_line (2, "8981100000000000022", "NTT \"do\\co\"\nmo\x1b[31m");
  SaldoExportLine *dinar = make_line (3, "8997300000000000033", "Batelco \xff\xfe");
  SaldoExportLine *fresh = make_line (4, "8951100000000000044", "Claro PE");
  g_autofree char *text = NULL;
  g_autofree char *full = NULL;

  snapshot->started = 1790000000;
  snapshot->modem_manager_running = TRUE;
  set_balance (claro, 1250, "PEN");
  claro->expiry = 1798588800;
  claro->last_reading = 1790000100;
  claro->active = TRUE;
  claro->roaming = TRUE;
  claro->data_known = TRUE;
  claro->data_bytes = 1610612736;
  claro->refresh_failures = 3;
  claro->spend_known = TRUE;
  claro->spend_per_day = 205;
  claro->runs_out_on = 1790500000;
  claro->deactivation_on = 1813000000;
  set_balance (yen, 500, "JPY");
  yen->spend_known = TRUE;
  yen->spend_per_day = 0;
  set_balance (dinar, 1250, "BHD");
  dinar->spend_known = TRUE;
  dinar->spend_per_day = 1005;
  /* Spending known, but no currency to count it in: not exported. */
  fresh->spend_known = TRUE;
  fresh->spend_per_day = 300;
  g_free (dinar->last_error);
  dinar->last_error = g_strdup ("no reply");
  /* A line seen a second ago: never read, not active. */
  fresh->refresh_interval = 0;
  g_ptr_array_add (snapshot->lines, claro);
  g_ptr_array_add (snapshot->lines, yen);
  g_ptr_array_add (snapshot->lines, dinar);
  g_ptr_array_add (snapshot->lines, fresh);

  text = format (snapshot, FALSE);
  g_assert_true (g_str_has_prefix (text, "# HELP saldo_build_info "));
  g_assert_nonnull (strstr (text, "saldo_build_info{version=\"" SALDO_VERSION "\"} 1\n"));
  g_assert_nonnull (strstr (text, "saldo_start_time_seconds 1790000000\n"));
  g_assert_nonnull (strstr (text, "saldo_modem_manager_running 1\n"));
  /* Major units from each currency's own minor units: never a fixed 100. */
  g_assert_nonnull (
    strstr (text, "saldo_line_balance" LABELS ("1", "0011", "Claro PE") ",currency=\"PEN\"} 12.50\n"));
  g_assert_nonnull (strstr (text, ",currency=\"JPY\"} 500\n"));
  g_assert_nonnull (strstr (text, ",currency=\"BHD\"} 1.250\n"));
  /* Escaped as the format says; other control characters and invalid
   * UTF-8 do not get through. */
  g_assert_nonnull (strstr (text, "operator_name=\"NTT \\\"do\\\\co\\\"\\nmo?[31m\""));
  g_assert_nonnull (strstr (text, "operator_name=\"Batelco \xef\xbf\xbd\xef\xbf\xbd\""));
  g_assert_nonnull (
    strstr (text,
            "saldo_line_balance_expiry_timestamp_seconds" LABELS ("1", "0011", "Claro PE") "} 1798588800\n"));
  g_assert_nonnull (
    strstr (text,
            "saldo_line_last_reading_timestamp_seconds" LABELS ("1", "0011", "Claro PE") "} 1790000100\n"));
  g_assert_nonnull (
    strstr (text, "saldo_line_data_remaining_bytes" LABELS ("1", "0011", "Claro PE") "} 1610612736\n"));
  g_assert_nonnull (strstr (text, "saldo_line_active" LABELS ("1", "0011", "Claro PE") "} 1\n"));
  g_assert_nonnull (strstr (text, "saldo_line_roaming" LABELS ("1", "0011", "Claro PE") "} 1\n"));
  g_assert_nonnull (strstr (text, "saldo_line_roaming" LABELS ("4", "0044", "Claro PE") "} 0\n"));
  g_assert_nonnull (
    strstr (text, "saldo_line_refresh_failures_total" LABELS ("1", "0011", "Claro PE") "} 3\n"));
  g_assert_nonnull (
    strstr (text, "saldo_line_refresh_interval_seconds" LABELS ("4", "0044", "Claro PE") "} 0\n"));
  g_assert_nonnull (strstr (text, "saldo_line_last_check_failed{line=\"3\""));
  g_assert_nonnull (
    strstr (text, "saldo_line_info" LABELS ("4", "0044", "Claro PE") ",sim_type=\"physical\"} 1\n"));
  /* The forecast: spending in the line's own minor units; dates. */
  g_assert_nonnull (
    strstr (text, "saldo_line_spend_per_day" LABELS ("1", "0011", "Claro PE") ",currency=\"PEN\"} 2.05\n"));
  g_assert_nonnull (strstr (text, "saldo_line_spend_per_day{line=\"2\""));
  g_assert_nonnull (strstr (text, ",currency=\"JPY\"} 0\n"));
  g_assert_nonnull (strstr (text, ",currency=\"BHD\"} 1.005\n"));
  g_assert_null (strstr (text, "saldo_line_spend_per_day{line=\"4\""));
  g_assert_nonnull (
    strstr (text, "saldo_line_runs_out_timestamp_seconds" LABELS ("1", "0011", "Claro PE") "} 1790500000\n"));
  g_assert_nonnull (
    strstr (text,
            "saldo_line_deactivation_timestamp_seconds" LABELS ("1", "0011", "Claro PE") "} 1813000000\n"));
  g_assert_null (strstr (text, "saldo_line_runs_out_timestamp_seconds{line=\"2\""));
  g_assert_null (strstr (text, "saldo_line_deactivation_timestamp_seconds{line=\"4\""));
  /* No provider configured: no provider series. */
  g_assert_null (strstr (text, "saldo_provider_"));
  g_assert_nonnull (strstr (text, "# TYPE saldo_line_refresh_failures_total counter\n"));
  /* What is not known is absent, never 0. */
  g_assert_null (strstr (text, "saldo_line_balance{line=\"4\""));
  g_assert_null (strstr (text, "saldo_line_last_reading_timestamp_seconds{line=\"4\""));
  g_assert_null (strstr (text, "saldo_line_balance_expiry_timestamp_seconds{line=\"2\""));
  g_assert_null (strstr (text, "saldo_line_data_remaining_bytes{line=\"2\""));
  /* The ledger was not read: no top-up series rather than zeros. */
  g_assert_null (strstr (text, "saldo_line_topups_total"));
  g_assert_null (strstr (text, "# HELP saldo_line_topup_unknown_since_timestamp_seconds"));
  /* The whole ICCID only when asked for. */
  g_assert_null (strstr (text, ICCID_CLARO));
  full = format (snapshot, TRUE);
  g_assert_nonnull (strstr (full, "iccid_suffix=\"0011\",iccid=\"" ICCID_CLARO "\","));
  /* Every sample line belongs to the family announced just before it. */
  {
    g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
    const char *family = NULL;

    for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
      if (g_str_has_prefix (lines[i], "# TYPE ")) {
        family = lines[i] + strlen ("# TYPE ");
      } else if (!g_str_has_prefix (lines[i], "# HELP ")) {
        g_autofree char *name = g_strndup (lines[i], strcspn (lines[i], "{ "));

        g_assert_nonnull (family);
        g_assert_true (g_str_has_prefix (family, name) && family[strlen (name)] == ' ');
      }
    }
  }
}

static void
test_format_topups (void)
{
  g_autoptr(SaldoExportSnapshot) snapshot = saldo_export_snapshot_new ();
  SaldoExportLine       *line = make_line (7, ICCID_CLARO, "Claro PE");
  SaldoExportTopupTotal *total = g_new0 (SaldoExportTopupTotal, 1);
  g_autofree char       *text = NULL;

  snapshot->topups_known = TRUE;
  line->topups_reached[SALDO_LEDGER_STATE_SUCCEEDED] = 2;
  line->topups_open[SALDO_LEDGER_STATE_UNKNOWN] = 1;
  line->topup_unknown_since = 1790000500;
  total->state = SALDO_LEDGER_STATE_SUCCEEDED;
  total->currency = g_strdup ("PEN");
  total->count = 2;
  total->amount = 4000;
  g_ptr_array_add (line->topup_totals, total);
  g_ptr_array_add (snapshot->lines, line);
  text = format (snapshot, FALSE);
  g_assert_nonnull (
    strstr (text, "saldo_line_topups_total" LABELS ("7", "0011", "Claro PE") ",state=\"succeeded\"} 2\n"));
  /* Zeros for the states not reached yet, so increase () sees the first. */
  g_assert_nonnull (
    strstr (text, "saldo_line_topups_total" LABELS ("7", "0011", "Claro PE") ",state=\"failed\"} 0\n"));
  g_assert_nonnull (
    strstr (text,
            "saldo_line_topup_amount_total" LABELS ("7", "0011", "Claro PE") ",state=\"succeeded\",currency="
                                                                             "\"PEN\"} 40.00\n"));
  g_assert_nonnull (
    strstr (text, "saldo_line_topups_pending" LABELS ("7", "0011", "Claro PE") ",state=\"unknown\"} 1\n"));
  g_assert_null (
    strstr (text, "saldo_line_topups_pending" LABELS ("7", "0011", "Claro PE") ",state=\"verified\""));
  g_assert_nonnull (
    strstr (text, "saldo_line_topup_unknown_since_timestamp_seconds" LABELS ("7", "0011",
                                                                             "Claro PE") "} 1790000500\n"));
}

static SaldoExportProvider *
make_provider (gint64 number, const char *id, const char *type, const char *state, const char *attention)
{
  SaldoExportProvider *provider = saldo_export_provider_new ();

  provider->number = number;
  provider->id = g_strdup (id);
  provider->type = g_strdup (type);
  provider->state = g_strdup (state);
  provider->attention = g_strdup (attention);
  provider->funds_currency = g_strdup ("");
  provider->payment_expires = g_strdup ("");
  return provider;
}

static void
add_spent (SaldoExportProvider *provider, const char *currency, gint64 amount)
{
  SaldoExportAmount *spent = g_new0 (SaldoExportAmount, 1);

  spent->currency = g_strdup (currency);
  spent->amount = amount;
  g_ptr_array_add (provider->spent_this_month, spent);
}

static void
test_format_providers (void)
{
  g_autoptr(SaldoExportSnapshot) snapshot = saldo_export_snapshot_new ();
  SaldoExportProvider *rl = make_provider (1, "rl", "reloadly", "ok", "");
  SaldoExportProvider *pay = make_provider (2, "pay", "http", "needs-attention", "payment-expired");
  g_autofree char     *text = NULL;

  rl->funds_known = TRUE;
  rl->funds = 2050;
  g_free (rl->funds_currency);
  rl->funds_currency = g_strdup ("USD");
  rl->last_success = 1790000200;
  g_free (pay->payment_expires);
  pay->payment_expires = g_strdup ("2026-08");
  pay->payment_end = 1788220800;
  g_strfreev (pay->warnings);
  pay->warnings = g_strsplit ("funds-short payment-expired", " ", -1);
  add_spent (rl, "PEN", 4000);
  add_spent (rl, "USD", 1250);
  add_spent (rl, "ZZZ", 99); /* a currency the money module does not know */
  g_ptr_array_add (snapshot->providers, rl);
  g_ptr_array_add (snapshot->providers, pay);
  text = format (snapshot, FALSE);
  /* One sample per state, 1 for the current one. */
  g_assert_nonnull (strstr (text, "# TYPE saldo_provider_state gauge\n"));
  g_assert_nonnull (
    strstr (text, "saldo_provider_state{provider=\"rl\",type=\"reloadly\",state=\"ok\"} 1\n"));
  g_assert_nonnull (
    strstr (text, "saldo_provider_state{provider=\"rl\",type=\"reloadly\",state=\"needs-attention\"} 0\n"));
  g_assert_nonnull (
    strstr (text, "saldo_provider_state{provider=\"pay\",type=\"http\",state=\"needs-attention\"} 1\n"));
  g_assert_nonnull (
    strstr (text, "saldo_provider_state{provider=\"pay\",type=\"http\",state=\"unknown\"} 0\n"));
  g_assert_nonnull (
    strstr (text, "saldo_provider_attention{provider=\"pay\",type=\"http\",reason=\"payment-expired\"} 1\n"));
  g_assert_nonnull (
    strstr (text,
            "saldo_provider_attention{provider=\"pay\",type=\"http\",reason=\"insufficient-funds\"} 0\n"));
  g_assert_nonnull (
    strstr (text,
            "saldo_provider_attention{provider=\"rl\",type=\"reloadly\",reason=\"payment-expired\"} 0\n"));
  /* Funds only where the provider can tell: never 0 for "cannot tell". */
  g_assert_nonnull (
    strstr (text, "saldo_provider_funds{provider=\"rl\",type=\"reloadly\",currency=\"USD\"} 20.50\n"));
  g_assert_null (strstr (text, "saldo_provider_funds{provider=\"pay\""));
  g_assert_nonnull (
    strstr (text,
            "saldo_provider_payment_expiry_timestamp_seconds{provider=\"pay\",type=\"http\"} 1788220800\n"));
  g_assert_null (strstr (text, "saldo_provider_payment_expiry_timestamp_seconds{provider=\"rl\""));
  g_assert_nonnull (
    strstr (text,
            "saldo_provider_last_success_timestamp_seconds{provider=\"rl\",type=\"reloadly\"} 1790000200\n"));
  g_assert_null (strstr (text, "saldo_provider_last_success_timestamp_seconds{provider=\"pay\""));
  /* Warnings: a state set where several can hold at once. */
  g_assert_nonnull (strstr (text, "# TYPE saldo_provider_warning gauge\n"));
  g_assert_nonnull (
    strstr (text, "saldo_provider_warning{provider=\"pay\",type=\"http\",warning=\"funds-short\"} 1\n"));
  g_assert_nonnull (
    strstr (text, "saldo_provider_warning{provider=\"pay\",type=\"http\",warning=\"payment-expired\"} 1\n"));
  g_assert_nonnull (
    strstr (text, "saldo_provider_warning{provider=\"pay\",type=\"http\",warning=\"funds-low\"} 0\n"));
  g_assert_nonnull (
    strstr (text,
            "saldo_provider_warning{provider=\"pay\",type=\"http\",warning=\"payment-expires-soon\"} 0\n"));
  g_assert_nonnull (
    strstr (text, "saldo_provider_warning{provider=\"rl\",type=\"reloadly\",warning=\"funds-low\"} 0\n"));
  /* Spent this month, one sample per currency, in major units. */
  g_assert_nonnull (strstr (text, "# TYPE saldo_provider_spent_this_month gauge\n"));
  g_assert_nonnull (
    strstr (text,
            "saldo_provider_spent_this_month{provider=\"rl\",type=\"reloadly\",currency=\"PEN\"} 40.00\n"));
  g_assert_nonnull (
    strstr (text,
            "saldo_provider_spent_this_month{provider=\"rl\",type=\"reloadly\",currency=\"USD\"} 12.50\n"));
  g_assert_null (strstr (text, "currency=\"ZZZ\""));
  g_assert_null (strstr (text, "saldo_provider_spent_this_month{provider=\"pay\""));
}

static void
test_metrics_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("saldo-export-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "saldo.prom", NULL);
  g_autofree char *missing = g_build_filename (dir, "nope", "saldo.prom", NULL);
  g_autoptr(SaldoExportSnapshot) snapshot = saldo_export_snapshot_new ();
  SaldoMetricsOptions options = { 0 };
  g_autoptr(SaldoMetricsFile) file = saldo_metrics_file_new (path, &options);
  g_autoptr(SaldoMetricsFile) nowhere = saldo_metrics_file_new (missing, &options);
  g_autofree char *contents = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GDir) listing = NULL;
  struct stat st;

  g_assert_no_error (error);
  g_ptr_array_add (snapshot->lines, make_line (1, ICCID_CLARO, "Claro PE"));
  /* saldod's unit runs it with UMask=0077; node_exporter's user must
   * still read the file. */
  umask (0077);
  g_assert_true (saldo_metrics_file_write (file, snapshot, &error));
  umask (0022);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  expected = format (snapshot, FALSE);
  g_assert_cmpstr (contents, ==, expected);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0644);
  /* Replaced, never rewritten in place, and no temporary file is left. */
  g_assert_true (saldo_metrics_file_write (file, snapshot, &error));
  {
    struct stat again;

    g_assert_cmpint (g_stat (path, &again), ==, 0);
    g_assert_cmpuint (again.st_ino, !=, st.st_ino);
  }
  listing = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dir_read_name (listing), ==, "saldo.prom");
  g_assert_null (g_dir_read_name (listing));
  /* A missing directory is a clear error naming the file. */
  g_assert_false (saldo_metrics_file_write (nowhere, snapshot, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, missing));
  g_unlink (path);
  g_rmdir (dir);
}

/* ---- the exporter over a real store and ledger ---- */

typedef struct {
  char        *dir;
  char        *metrics;
  SaldoStore  *store;
  SaldoLedger *ledger;
  SaldoConfig *config;
  GPtrArray   *lines;
} Fixture;

static SaldoLine *
fixture_add_line (Fixture *fx, const char *iccid)
{
  g_autoptr(SaldoLineRecord) record = saldo_line_record_new ();
  g_autoptr(GError) error = NULL;

  record->iccid = g_strdup (iccid);
  g_free (record->operator_code);
  record->operator_code = g_strdup ("71610");
  g_free (record->operator_name);
  record->operator_name = g_strdup ("Claro PE");
  record->first_seen = record->last_seen = 1700000000;
  g_assert_true (saldo_store_save_line (fx->store, record, &error));
  g_assert_no_error (error);
  g_ptr_array_add (fx->lines, saldo_line_new (record));
  return fx->lines->pdata[fx->lines->len - 1];
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *text = NULL;

  fx->dir = g_dir_make_tmp ("saldo-exporter-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (fx->dir, "saldo.db", NULL);
  fx->store = saldo_store_open (db, &error);
  g_assert_no_error (error);
  fx->ledger = saldo_ledger_new (fx->store);
  fx->metrics = g_build_filename (fx->dir, "saldo.prom", NULL);
  conf = g_build_filename (fx->dir, "saldo.conf", NULL);
  text = g_strdup_printf ("[Daemon]\nMetricsFile=%s\nRefreshInterval=3600\n", fx->metrics);
  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  fx->config = saldo_config_load (conf, TRUE, &error);
  g_assert_no_error (error);
  fx->lines = g_ptr_array_new_with_free_func (g_object_unref);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_autoptr(GDir) dir = g_dir_open (fx->dir, 0, NULL);
  const char *name;

  g_ptr_array_unref (fx->lines);
  g_clear_object (&fx->config);
  g_clear_object (&fx->ledger);
  g_clear_object (&fx->store);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *path = g_build_filename (fx->dir, name, NULL);
    g_unlink (path);
  }
  g_rmdir (fx->dir);
  g_free (fx->metrics);
  g_free (fx->dir);
}

static guint64
file_inode (const char *path)
{
  struct stat st;

  return g_stat (path, &st) == 0 ? (guint64) st.st_ino : 0;
}

static gboolean
on_tick (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for ms, counting how many times the file was replaced. */
static guint
run_counting_writes (const char *path, guint ms)
{
  gint64  end = g_get_monotonic_time () + ms * 1000;
  guint64 inode = file_inode (path);
  guint   writes = 0;

  while (g_get_monotonic_time () < end) {
    g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
    guint64 now;

    g_timeout_add (20, on_tick, loop);
    g_main_loop_run (loop);
    now = file_inode (path);
    if (now != inode)
      writes++;
    inode = now;
  }
  return writes;
}

static char *
metrics_text (Fixture *fx)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (fx->metrics, &text, NULL, NULL));
  return text;
}

static void
test_exporter_coalesces (Fixture *fx, gconstpointer data)
{
  SaldoLine *claro = fixture_add_line (fx, ICCID_CLARO);
  g_autoptr(SaldoExporter) exporter = saldo_exporter_new (fx->config, fx->ledger, NULL, fx->lines, NULL);
  SaldoDBusLine   *iface = saldo_line_get_dbus_line (claro);
  g_autofree char *first = NULL;
  g_autofree char *later = NULL;
  g_autofree char *topped = NULL;
  g_autoptr(GError) error = NULL;
  SaldoTopupPlan plan = {
    .line_id = saldo_line_get_id (claro),
    .origin = SALDO_TOPUP_ORIGIN_MANUAL,
    .provider = "rl",
    .amount = 2000,
    .currency = "PEN",
  };
  gint64 topup = 0;

  g_assert_nonnull (exporter);
  /* The first export goes out at once. */
  g_assert_cmpuint (run_counting_writes (fx->metrics, 300), ==, 1);
  first = metrics_text (fx);
  g_assert_null (strstr (first, "saldo_line_balance{"));
  g_assert_nonnull (strstr (first, "saldo_line_refresh_interval_seconds{line=\"1\""));
  g_assert_nonnull (strstr (first, "} 3600\n"));
  g_assert_nonnull (strstr (first,
                            "saldo_line_topups_total{line=\"1\",iccid_suffix=\"0011\",operator=\"71610\","
                            "operator_name=\"Claro PE\",carrier=\"\",state=\"planned\"} 0\n"));

  /* A burst of changes is one write, no sooner than the interval after the
   * last one, and carries the last value. */
  for (int i = 1; i <= 100; i++) {
    saldo_dbus_line_set_currency (iface, "PEN");
    saldo_dbus_line_set_balance (iface, i * 10);
  }
  saldo_exporter_refresh_failed (exporter, claro);
  saldo_exporter_set_roaming (exporter, claro, TRUE);
  saldo_dbus_line_set_active (iface, TRUE);
  g_assert_cmpuint (run_counting_writes (fx->metrics, SALDO_EXPORT_MIN_INTERVAL_MS - 500), ==, 0);
  g_assert_cmpuint (run_counting_writes (fx->metrics, 1500), ==, 1);
  later = metrics_text (fx);
  g_assert_nonnull (strstr (later, ",currency=\"PEN\"} 10.00\n"));
  g_assert_nonnull (strstr (later, "saldo_line_refresh_failures_total{line=\"1\""));
  g_assert_null (
    strstr (later, "saldo_line_refresh_failures_total{line=\"1\",iccid_suffix=\"0011\",operator=\"71610\","
                   "operator_name=\"Claro PE\",carrier=\"\"} 0\n"));
  g_assert_nonnull (strstr (later, "saldo_line_roaming{line=\"1\",iccid_suffix=\"0011\",operator=\"71610\","
                                   "operator_name=\"Claro PE\",carrier=\"\"} 1\n"));

  /* The forecast is exported: SpendPerDay (-1 while unknown), RunsOutOn
   * and DeactivationOn (0 while unknown). */
  g_assert_null (strstr (later, "saldo_line_spend_per_day{"));
  g_assert_null (strstr (later, "saldo_line_runs_out_timestamp_seconds{"));
  saldo_dbus_line_set_spend_per_day (iface, 150);
  saldo_dbus_line_set_runs_out_on (iface, 1790000000);
  saldo_dbus_line_set_deactivation_on (iface, 1813000000);
  g_assert_cmpuint (run_counting_writes (fx->metrics, SALDO_EXPORT_MIN_INTERVAL_MS + 300), ==, 1);
  g_clear_pointer (&later, g_free);
  later = metrics_text (fx);
  g_assert_nonnull (strstr (later,
                            "saldo_line_spend_per_day{line=\"1\",iccid_suffix=\"0011\",operator=\"71610\","
                            "operator_name=\"Claro PE\",carrier=\"\",currency=\"PEN\"} 1.50\n"));
  g_assert_nonnull (strstr (later, "carrier=\"\"} 1790000000\n"));
  g_assert_nonnull (strstr (later,
                            "saldo_line_deactivation_timestamp_seconds{line=\"1\",iccid_suffix=\"0011\","
                            "operator=\"71610\",operator_name=\"Claro PE\",carrier=\"\"} 1813000000\n"));

  /* Properties that are not exported write nothing; nothing else wakes it. */
  saldo_dbus_line_set_refreshing (iface, TRUE);
  saldo_dbus_line_set_last_reply (iface, "Saldo S/ 0.10");
  g_assert_cmpuint (run_counting_writes (fx->metrics, SALDO_EXPORT_MIN_INTERVAL_MS + 500), ==, 0);

  /* The ledger tells of its changes itself. */
  g_assert_true (saldo_ledger_create_planned (fx->ledger, &plan, &topup, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (run_counting_writes (fx->metrics, 500), ==, 1);
  topped = metrics_text (fx);
  g_assert_nonnull (strstr (topped, "carrier=\"\",state=\"planned\"} 1\n"));
  g_assert_nonnull (strstr (topped,
                            "saldo_line_topups_pending{line=\"1\",iccid_suffix=\"0011\",operator=\"71610\","
                            "operator_name=\"Claro PE\",carrier=\"\",state=\"planned\"} 1\n"));
  g_assert_nonnull (strstr (topped, "state=\"planned\",currency=\"PEN\"} 20.00\n"));

  /* A line that appears later is exported too. */
  fixture_add_line (fx, "8951100000000000099");
  saldo_exporter_add_line (exporter, fx->lines->pdata[1]);
  g_assert_cmpuint (run_counting_writes (fx->metrics, SALDO_EXPORT_MIN_INTERVAL_MS + 300), ==, 1);
  g_clear_pointer (&topped, g_free);
  topped = metrics_text (fx);
  g_assert_nonnull (strstr (topped, "saldo_line_info{line=\"2\",iccid_suffix=\"0099\""));
}

static void
test_exporter_unknown_since (Fixture *fx, gconstpointer data)
{
  SaldoLine *claro = fixture_add_line (fx, ICCID_CLARO);
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoExporter) exporter = NULL;
  g_autoptr(SaldoExportSnapshot) snapshot = NULL;
  const SaldoExportLine *line;
  SaldoTopupPlan         plan = {
            .line_id = saldo_line_get_id (claro),
            .origin = SALDO_TOPUP_ORIGIN_MANUAL,
            .provider = "rl",
            .amount = 1500,
            .currency = "PEN",
  };
  SaldoTopupReceipt receipt;
  gint64            id = 0;
  g_autofree char  *reference = NULL;
  gint64            before = g_get_real_time () / G_USEC_PER_SEC;

  saldo_topup_receipt_init (&receipt);
  receipt.error = "timed out";
  g_assert_true (saldo_ledger_create_planned (fx->ledger, &plan, &id, &error));
  g_assert_true (saldo_ledger_record_intent (fx->ledger, id, &reference, &error));
  g_assert_true (saldo_ledger_mark_sent (fx->ledger, id, SALDO_LEDGER_STATE_INTENT, NULL, &error));
  g_assert_true (saldo_ledger_mark_result (fx->ledger, id, SALDO_LEDGER_STATE_SENT,
                                           SALDO_LEDGER_STATE_UNKNOWN, &receipt, NULL, &error));
  g_assert_no_error (error);
  exporter = saldo_exporter_new (fx->config, fx->ledger, NULL, fx->lines, NULL);
  snapshot = saldo_exporter_snapshot (exporter);
  g_assert_true (snapshot->topups_known);
  line = snapshot->lines->pdata[0];
  g_assert_cmpuint (line->topups_reached[SALDO_LEDGER_STATE_PLANNED], ==, 1);
  g_assert_cmpuint (line->topups_reached[SALDO_LEDGER_STATE_SENT], ==, 1);
  g_assert_cmpuint (line->topups_reached[SALDO_LEDGER_STATE_UNKNOWN], ==, 1);
  g_assert_cmpuint (line->topups_reached[SALDO_LEDGER_STATE_SUCCEEDED], ==, 0);
  g_assert_cmpuint (line->topups_open[SALDO_LEDGER_STATE_UNKNOWN], ==, 1);
  g_assert_cmpint (line->topup_unknown_since, >=, before);
  g_assert_cmpint (line->topup_unknown_since, <=, before + 60);
}

/* ---- [Daemon] Metrics* and [Mqtt] ---- */

static SaldoExportSettings *
load_settings (const char *text, GError **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();

  g_assert_true (g_key_file_load_from_data (keyfile, text, -1, G_KEY_FILE_NONE, NULL));
  return saldo_export_settings_load (keyfile, "/etc/saldo/saldo.conf", NULL, error);
}

static void
test_settings (void)
{
  static const struct {
    const char *text;
    const char *message; /* NULL: accepted */
  } cases[] = {
    { "[Daemon]\nMetricsFile=saldo.prom\n", "[Daemon] MetricsFile must be an absolute path" },
    { "[Daemon]\nMetricsFile=/var/lib/prometheus/node-exporter/\n", "MetricsFile must name a file" },
    { "[Daemon]\nMetricsFullIccid=maybe\n", "MetricsFullIccid must be true or false" },
    { "[Mqtt]\nPort=1883\n", "[Mqtt] Host must name the broker" },
    { "[Mqtt]\nHost=broker\nPort=0\n", "[Mqtt] Port must be a whole number from 1 to 65535" },
    { "[Mqtt]\nHost=broker\nPort=70000\n", "Port must be a whole number" },
    { "[Mqtt]\nHost=broker\nTopicPrefix=saldo/#\n", "[Mqtt] TopicPrefix" },
    { "[Mqtt]\nHost=broker\nTopicPrefix=$SYS/saldo\n", "[Mqtt] TopicPrefix" },
    { "[Mqtt]\nHost=broker\nTopicPrefix=saldo//x\n", "[Mqtt] TopicPrefix" },
    { "[Mqtt]\nHost=broker\nDiscoveryPrefix=home+assistant\n", "[Mqtt] DiscoveryPrefix" },
    { "[Mqtt]\nHost=broker\nPasswordFile=/etc/saldo/mqtt.secret\n", "[Mqtt] PasswordFile needs Username" },
    { "[Mqtt]\nHost=broker\nCertFile=/etc/saldo/c.pem\n", "[Mqtt] CertFile and KeyFile go together" },
    { "[Mqtt]\nHost=broker\nTLS=false\nCAFile=/etc/saldo/ca.pem\n", "[Mqtt] TLS is false" },
    { "[Mqtt]\nHost=broker\nNodeId=my host\n", "[Mqtt] NodeId must be" },
    { "[Mqtt]\nHost=broker\nKeepAlive=5\n", "[Mqtt] KeepAlive must be a whole number from 30" },
    { "[Mqtt]\nHost=broker\nFullIccid=yes please\n", "[Mqtt] FullIccid must be true or false" },
    { "[Daemon]\nMetricsFile=/run/saldo/saldo.prom\n[Mqtt]\nHost=broker\n", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(SaldoExportSettings) settings = load_settings (cases[i].text, &error);

    if (cases[i].message == NULL) {
      g_assert_no_error (error);
      g_assert_nonnull (settings);
    } else {
      g_assert_null (settings);
      g_assert_error (error, SALDO_ERROR, SALDO_ERROR_CONFIG);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: '%s' does not say '%s'", i, error->message, cases[i].message);
    }
  }
}

static void
test_settings_defaults (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoExportSettings) plain = load_settings ("[Mqtt]\nHost=broker\nNodeId=gw-7\n"
                                                         "Username=saldo\nPasswordFile=mqtt.secret\n",
                                                         &error);
  g_autoptr(SaldoExportSettings) tls = NULL;
  g_autoptr(SaldoExportSettings) none = NULL;

  g_assert_no_error (error);
  g_assert_true (plain->mqtt_enabled);
  g_assert_null (plain->metrics_file);
  g_assert_cmpuint (plain->mqtt.port, ==, 1883);
  g_assert_false (plain->mqtt.tls);
  g_assert_cmpstr (plain->mqtt.topic_prefix, ==, "saldo/gw-7");
  g_assert_cmpstr (plain->mqtt.client_id, ==, "saldod-gw-7");
  g_assert_cmpstr (plain->mqtt.discovery_prefix, ==, "homeassistant");
  /* Relative names are beside the configuration file, like providers.d's. */
  g_assert_cmpstr (plain->mqtt.password_file, ==, "/etc/saldo/mqtt.secret");
  g_assert_cmpuint (plain->mqtt.keepalive, ==, 300);

  tls = load_settings ("[Mqtt]\nHost=broker\nCAFile=/etc/saldo/ca.pem\nDiscoveryPrefix=\n", &error);
  g_assert_no_error (error);
  g_assert_true (tls->mqtt.tls);
  g_assert_cmpuint (tls->mqtt.port, ==, 8883);
  g_assert_cmpstr (tls->mqtt.discovery_prefix, ==, "");

  none = load_settings ("[Daemon]\nRefreshInterval=600\n", &error);
  g_assert_no_error (error);
  g_assert_false (none->mqtt_enabled);
  g_assert_null (none->metrics_file);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/export/format/lines", test_format_lines);
  g_test_add_func ("/export/format/topups", test_format_topups);
  g_test_add_func ("/export/format/providers", test_format_providers);
  g_test_add_func ("/export/metrics-file", test_metrics_file);
  g_test_add ("/export/exporter/coalesces", Fixture, NULL, fixture_setup, test_exporter_coalesces,
              fixture_teardown);
  g_test_add ("/export/exporter/unknown-since", Fixture, NULL, fixture_setup, test_exporter_unknown_since,
              fixture_teardown);
  g_test_add_func ("/export/settings/refused", test_settings);
  g_test_add_func ("/export/settings/defaults", test_settings_defaults);
  return g_test_run ();
}
