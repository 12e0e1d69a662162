/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Times a full eUICC read through the real qmi-proxy against the simulated
 * modem (tests/sim/simqmi.py, three profiles): from opening the QMI port to all
 * profiles read (slot status, eUICC detection, one channel, GetEID,
 * GetProfilesInfo, close), with the card's chaining off (255-byte R-APDUs)
 * and on (64-byte R-APDUs, 61xx + GET RESPONSE), and the read alone on an
 * already open port.  The reference is the nearest existing tool call,
 * `qmicli -p --device-open-qmi -d PORT --uim-get-slot-status` (QMI mode
 * forced: AUTO cannot tell a pty's protocol), timed in the same run.
 * Prints mean and median ms and the APDUs per read.  Needs root (qmi-proxy
 * accepts root clients only).  No assertions: it reports.
 *
 *   bench-euicc-read [RUNS]     (SALDO_SOURCE_ROOT locates tests/sim/simqmi.py)
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "saldo-euicc-reader.h"
#include "saldo-uicc-transport-qmi.h"

#define PROFILES                                                                        \
  "[{\"iccid\":\"8944100000000000017\",\"state\":\"enabled\",\"nickname\":\"Work\","    \
  "\"spn\":\"Operator A\",\"name\":\"Operator A Business\",\"class\":\"operational\"}," \
  "{\"iccid\":\"89012608822220000009\",\"state\":\"disabled\",\"nickname\":\"Travel\"," \
  "\"spn\":\"Roam Mobile\",\"name\":\"Roam Global 5GB\",\"class\":\"operational\"},"    \
  "{\"iccid\":\"8988247000000000019\",\"state\":\"disabled\",\"spn\":\"Test Lab\","     \
  "\"name\":\"Conformance\",\"class\":\"test\"}]"

typedef struct {
  GSubprocess      *sim;
  GOutputStream    *sim_in;
  GDataInputStream *sim_out;
  gchar            *port_path;
} Bench;

static void
store_result (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
}

static GAsyncResult *
wait_result (GAsyncResult **res)
{
  while (*res == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *res;
}

static gboolean
sim_command (Bench *bench, const gchar *command, GError **error)
{
  g_autofree gchar *line = g_strdup_printf ("%s\n", command);
  g_autofree gchar *reply = NULL;

  if (!g_output_stream_write_all (bench->sim_in, line, strlen (line), NULL, NULL, error))
    return FALSE;
  reply = g_data_input_stream_read_line (bench->sim_out, NULL, NULL, error);
  if (reply == NULL)
    return FALSE;
  if (!g_str_equal (reply, "OK")) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "simulator: %s", reply);
    return FALSE;
  }
  return TRUE;
}

static SaldoQmiUim *
open_uim (Bench *bench, GError **error)
{
  g_autoptr(GFile) port = g_file_new_for_path (bench->port_path);
  g_autoptr(GAsyncResult) res = NULL;

  saldo_qmi_uim_new_async (port, NULL, store_result, &res);
  return saldo_qmi_uim_new_finish (wait_result (&res), error);
}

static void
close_uim (SaldoQmiUim *uim)
{
  g_autoptr(GAsyncResult) res = NULL;

  saldo_qmi_uim_close_async (uim, NULL, store_result, &res);
  saldo_qmi_uim_close_finish (uim, wait_result (&res), NULL);
}

static SaldoUiccTransport *
detect (SaldoQmiUim *uim, GError **error)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GPtrArray) slots = NULL;
  const SaldoQmiUimSlot *euicc;

  saldo_qmi_uim_get_slot_status_async (uim, NULL, store_result, &res);
  slots = saldo_qmi_uim_get_slot_status_finish (uim, wait_result (&res), error);
  if (slots == NULL)
    return NULL;
  euicc = saldo_uicc_transport_qmi_find_euicc (slots);
  if (euicc == NULL) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no active eUICC");
    return NULL;
  }
  return saldo_uicc_transport_qmi_new (uim, (guint8) euicc->logical_slot);
}

static SaldoEuiccInfo *
read_info (SaldoUiccTransport *transport, GError **error)
{
  g_autoptr(GAsyncResult) res = NULL;

  saldo_euicc_reader_read_async (transport, NULL, store_result, &res);
  return saldo_euicc_reader_read_finish (transport, wait_result (&res), error);
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
report (const gchar *name, GArray *ms, const gchar *apdus)
{
  double sum = 0;
  double median;

  g_array_sort (ms, compare_double);
  for (guint i = 0; i < ms->len; i++)
    sum += g_array_index (ms, double, i);
  median = ms->len % 2
             ? g_array_index (ms, double, ms->len / 2)
             : (g_array_index (ms, double, ms->len / 2 - 1) + g_array_index (ms, double, ms->len / 2)) / 2;
  g_print ("%-44s runs %3u  mean %8.2f ms  median %8.2f ms  %s\n", name, ms->len, sum / ms->len, median,
           apdus);
}

/* Port open -> slot status -> read -> port close, @runs times. */
static gboolean
bench_full (Bench *bench, guint runs, guint chunk, GError **error)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree gchar *command = g_strdup_printf ("chunk %u", chunk);
  g_autofree gchar *name = g_strdup_printf ("open+detect+read+close, chunk %u", chunk);
  g_autofree gchar *apdus = NULL;
  guint             apdu_count = 0;

  if (!sim_command (bench, command, error))
    return FALSE;
  for (guint i = 0; i < runs; i++) {
    g_autoptr(SaldoQmiUim) uim = NULL;
    g_autoptr(SaldoUiccTransport) transport = NULL;
    g_autoptr(SaldoEuiccInfo) info = NULL;
    gint64 start = g_get_monotonic_time ();
    double elapsed;

    uim = open_uim (bench, error);
    if (uim == NULL)
      return FALSE;
    transport = detect (uim, error);
    if (transport != NULL)
      info = read_info (transport, error);
    close_uim (uim);
    if (info == NULL)
      return FALSE;
    elapsed = (g_get_monotonic_time () - start) / 1000.0;
    g_array_append_val (ms, elapsed);
    apdu_count = info->apdu_count;
  }
  apdus = g_strdup_printf ("%u APDUs/read (channel open + %u + close)", apdu_count, apdu_count);
  report (name, ms, apdus);
  return TRUE;
}

/* The read alone on an open port, as the daemon does on each slot change. */
static gboolean
bench_read_only (Bench *bench, guint runs, guint chunk, GError **error)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree gchar *command = g_strdup_printf ("chunk %u", chunk);
  g_autofree gchar *name = g_strdup_printf ("read on open port, chunk %u", chunk);
  g_autofree gchar *apdus = NULL;
  g_autoptr(SaldoQmiUim) uim = NULL;
  g_autoptr(SaldoUiccTransport) transport = NULL;
  guint apdu_count = 0;

  if (!sim_command (bench, command, error))
    return FALSE;
  uim = open_uim (bench, error);
  if (uim == NULL)
    return FALSE;
  transport = detect (uim, error);
  for (guint i = 0; transport != NULL && i < runs; i++) {
    g_autoptr(SaldoEuiccInfo) info = NULL;
    gint64 start = g_get_monotonic_time ();
    double elapsed;

    info = read_info (transport, error);
    if (info == NULL)
      break;
    elapsed = (g_get_monotonic_time () - start) / 1000.0;
    g_array_append_val (ms, elapsed);
    apdu_count = info->apdu_count;
  }
  close_uim (uim);
  if (ms->len < runs)
    return FALSE;
  apdus = g_strdup_printf ("%u APDUs/read", apdu_count);
  report (name, ms, apdus);
  return TRUE;
}

static gboolean
bench_qmicli (Bench *bench, guint runs, GError **error)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < runs; i++) {
    g_autoptr(GSubprocess) qmicli = NULL;
    gint64 start = g_get_monotonic_time ();
    double elapsed;

    qmicli = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, error,
                               "qmicli", "-p", "--device-open-qmi", "-d", bench->port_path,
                               "--uim-get-slot-status", NULL);
    if (qmicli == NULL || !g_subprocess_wait_check (qmicli, NULL, error))
      return FALSE;
    elapsed = (g_get_monotonic_time () - start) / 1000.0;
    g_array_append_val (ms, elapsed);
  }
  report ("reference: qmicli -p --uim-get-slot-status", ms, "(no APDUs, own process)");
  return TRUE;
}

/* libqmi warns that a pty is not a qmi_wwan port; expected here. */
static void
quiet_log_handler (const gchar *log_domain, GLogLevelFlags log_level, const gchar *message, gpointer user_data)
{
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree gchar *tmpdir = NULL;
  g_autofree gchar *script = NULL;
  g_autofree gchar *ready = NULL;
  const gchar      *root = g_getenv ("SALDO_SOURCE_ROOT");
  guint             runs = argc > 1 ? (guint) strtoul (argv[1], NULL, 10) : 20;
  Bench             bench = { 0 };
  gboolean          ok;

  if (geteuid () != 0) {
    g_printerr ("bench-euicc-read: needs root (qmi-proxy accepts root clients only)\n");
    return 77;
  }
  if (runs == 0)
    runs = 1;
  g_log_set_handler ("Qmi", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE, quiet_log_handler, NULL);

  tmpdir = g_dir_make_tmp ("saldo-bench-euicc-XXXXXX", &error);
  if (tmpdir == NULL) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  bench.port_path = g_build_filename (tmpdir, "cdc-wdm0", NULL);
  script = g_build_filename (root != NULL ? root : ".", "tests", "sim", "simqmi.py", NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  bench.sim = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3", script, "--link",
                                           bench.port_path, "--profiles", PROFILES, NULL);
  if (bench.sim == NULL) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  bench.sim_in = g_subprocess_get_stdin_pipe (bench.sim);
  bench.sim_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bench.sim));
  ready = g_data_input_stream_read_line (bench.sim_out, NULL, NULL, &error);
  if (ready == NULL || !g_str_has_prefix (ready, "READY ")) {
    g_printerr ("simulator did not start: %s\n", error ? error->message : "no READY line");
    return 1;
  }

  g_print ("simulated QMI modem, 3 profiles, through qmi-proxy, %u runs each\n", runs);
  ok = bench_full (&bench, runs, 255, &error) && bench_full (&bench, runs, 64, &error) &&
       bench_read_only (&bench, runs, 255, &error) && bench_read_only (&bench, runs, 64, &error) &&
       bench_qmicli (&bench, runs, &error);
  if (!ok)
    g_printerr ("bench-euicc-read: %s\n", error != NULL ? error->message : "failed");

  g_output_stream_close (bench.sim_in, NULL, NULL);
  g_subprocess_wait (bench.sim, NULL, NULL);
  g_clear_object (&bench.sim_out);
  g_clear_object (&bench.sim);
  g_free (bench.port_path);
  g_rmdir (tmpdir);
  return ok ? 0 : 1;
}
