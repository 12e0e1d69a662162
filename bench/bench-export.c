/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cost of one export of the metrics file with 64 lines (each read, with
 * its forecast and 20 top-ups of five ledger events each), next to writing
 * the same bytes with a plain write () and with write () + fsync () in the
 * same run.
 *
 *   meson test -C _build --benchmark --verbose export
 *   _build/bench/bench-export [RUNS]
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <unistd.h>

#include "saldo-exporter.h"
#include "saldo-metrics-file.h"
#include "saldo-metrics-format.h"

#define N_LINES  64
#define N_TOPUPS 20

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (GArray *samples)
{
  g_array_sort (samples, compare_doubles);
  return g_array_index (samples, double, samples->len / 2);
}

static void
add_sample (GArray *samples, gint64 start, gint64 end)
{
  double ms = (end - start) / 1000.0;

  g_array_append_val (samples, ms);
}

static void
check (gboolean ok, GError *error)
{
  if (!ok)
    g_error ("%s", error != NULL ? error->message : "failed");
}

static void
add_topups (SaldoLedger *ledger, gint64 line_id)
{
  for (int i = 0; i < N_TOPUPS; i++) {
    SaldoTopupPlan plan = {
      .line_id = line_id,
      .origin = SALDO_TOPUP_ORIGIN_MANUAL,
      .provider = "rl",
      .amount = 1000 + i,
      .currency = "PEN",
    };
    SaldoTopupReceipt receipt;
    g_autofree char  *reference = NULL;
    GError           *error = NULL;
    gint64            id = 0;

    saldo_topup_receipt_init (&receipt);
    check (saldo_ledger_create_planned (ledger, &plan, &id, &error), error);
    check (saldo_ledger_record_intent (ledger, id, &reference, &error), error);
    check (saldo_ledger_mark_sent (ledger, id, SALDO_LEDGER_STATE_INTENT, NULL, &error), error);
    check (saldo_ledger_mark_result (ledger, id, SALDO_LEDGER_STATE_SENT, SALDO_LEDGER_STATE_SUCCEEDED,
                                     &receipt, NULL, &error),
           error);
    check (saldo_ledger_mark_verified (ledger, id, 2000, &error), error);
  }
}

static void
plain_write (const char *path, const char *data, gsize len, gboolean sync)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  if (fd < 0 || write (fd, data, len) != (ssize_t) len || (sync && fsync (fd) != 0))
    g_error ("cannot write %s", path);
  close (fd);
}

int
main (int argc, char **argv)
{
  guint runs = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 200;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("saldo-bench-export-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "saldo.db", NULL);
  g_autofree char *conf = g_build_filename (dir, "saldo.conf", NULL);
  g_autofree char *metrics = g_build_filename (dir, "saldo.prom", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain.prom", NULL);
  g_autofree char *text = g_strdup_printf ("[Daemon]\nMetricsFile=%s\n", metrics);
  g_autoptr(SaldoStore) store = NULL;
  g_autoptr(SaldoLedger) ledger = NULL;
  g_autoptr(SaldoConfig) config = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SaldoExporter) exporter = NULL;
  g_autoptr(SaldoMetricsFile) file = NULL;
  g_autoptr(GString) bytes = g_string_new (NULL);
  g_autoptr(GArray) t_export = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) t_snapshot = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) t_format = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) t_plain = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) t_fsync = g_array_new (FALSE, FALSE, sizeof (double));
  SaldoMetricsOptions options = { 0 };

  check (dir != NULL, error);
  check (g_file_set_contents (conf, text, -1, &error), error);
  config = saldo_config_load (conf, TRUE, &error);
  check (config != NULL, error);
  store = saldo_store_open (db, &error);
  check (store != NULL, error);
  /* Only the setup goes unsynced; the exports read what it wrote. */
  sqlite3_exec (saldo_store_get_handle (store), "PRAGMA synchronous = OFF", NULL, NULL, NULL);
  ledger = saldo_ledger_new (store);
  for (int i = 0; i < N_LINES; i++) {
    g_autoptr(SaldoLineRecord) record = saldo_line_record_new ();
    SaldoDBusLine *iface;

    record->iccid = g_strdup_printf ("89511000000000%05d", i);
    g_free (record->operator_name);
    record->operator_name = g_strdup ("Claro PE");
    record->first_seen = record->last_seen = 1790000000;
    check (saldo_store_save_line (store, record, &error), error);
    g_ptr_array_add (lines, saldo_line_new (record));
    iface = saldo_line_get_dbus_line (lines->pdata[i]);
    saldo_dbus_line_set_currency (iface, "PEN");
    saldo_dbus_line_set_balance (iface, 1000 + i);
    saldo_dbus_line_set_expiry (iface, 1798588800);
    saldo_dbus_line_set_last_updated (iface, 1790000100);
    saldo_dbus_line_set_active (iface, TRUE);
    saldo_dbus_line_set_spend_per_day (iface, 150);
    saldo_dbus_line_set_runs_out_on (iface, 1790500000);
    saldo_dbus_line_set_deactivation_on (iface, 1813000000);
    add_topups (ledger, record->id);
  }
  sqlite3_exec (saldo_store_get_handle (store), "PRAGMA synchronous = FULL", NULL, NULL, NULL);
  exporter = saldo_exporter_new (config, ledger, NULL, lines, NULL);
  file = saldo_metrics_file_new (metrics, &options);

  for (guint r = 0; r < runs; r++) {
    g_autoptr(SaldoExportSnapshot) snapshot = NULL;
    gint64 t0 = g_get_monotonic_time ();
    gint64 t1;

    /* What one export does: the snapshot (bus properties and the ledger's
     * counts), the text, the atomic replacement. */
    snapshot = saldo_exporter_snapshot (exporter);
    t1 = g_get_monotonic_time ();
    check (saldo_metrics_file_write (file, snapshot, &error), error);
    add_sample (t_export, t0, g_get_monotonic_time ());
    add_sample (t_snapshot, t0, t1);

    t0 = g_get_monotonic_time ();
    g_string_truncate (bytes, 0);
    saldo_metrics_format (snapshot, &options, bytes);
    add_sample (t_format, t0, g_get_monotonic_time ());

    t0 = g_get_monotonic_time ();
    plain_write (plain, bytes->str, bytes->len, FALSE);
    add_sample (t_plain, t0, g_get_monotonic_time ());
    t0 = g_get_monotonic_time ();
    plain_write (plain, bytes->str, bytes->len, TRUE);
    add_sample (t_fsync, t0, g_get_monotonic_time ());
  }

  g_print ("one export of %d lines (%d top-ups, %d ledger events), %" G_GSIZE_FORMAT
           " bytes, median of %u:\n",
           N_LINES, N_LINES * N_TOPUPS, N_LINES * N_TOPUPS * 5, bytes->len, runs);
  g_print ("  export (snapshot + text + write, fsync, rename, fsync dir)  %8.3f ms\n", median (t_export));
  g_print ("    of which the snapshot (bus properties, ledger counts)     %8.3f ms\n", median (t_snapshot));
  g_print ("    of which the text                                         %8.3f ms\n", median (t_format));
  g_print ("  plain write () of the same bytes                            %8.3f ms\n", median (t_plain));
  g_print ("  write () + fsync () of the same bytes                       %8.3f ms\n", median (t_fsync));

  /* The exporter writes what it had queued when it goes. */
  g_clear_object (&exporter);
  g_unlink (metrics);
  g_unlink (plain);
  g_unlink (conf);
  {
    const char *suffixes[] = { "", "-wal", "-shm" };

    g_clear_object (&ledger);
    g_clear_object (&store);
    for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++) {
      g_autofree char *p = g_strconcat (db, suffixes[i], NULL);
      g_unlink (p);
    }
  }
  g_rmdir (dir);
  return 0;
}
