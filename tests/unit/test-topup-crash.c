/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Exactly-once top-ups across crashes, against tests/sim/fakeprovider.py.
 *
 * For every fault step the test re-executes itself as a child
 * ("--child run|reconcile DB PROVIDER.conf LINE") with SALDO_TEST_FAULT set,
 * so the child dies by SIGKILL at that step; then a fresh ledger and runner
 * reconcile, and the fake server's record of charges is the judge.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "saldo-error.h"
#include "saldo-ledger.h"
#include "saldo-provider-builtin.h"
#include "saldo-test-fake.h"
#include "saldo-topup-runner.h"

#define ICCID         "8951101234567890123"
#define HOOK_SECRET   "hook-Secret-value-71ac"
#define CLIENT        "saldo-client-id"
#define CLIENT_SECRET "s3cr3t-CLIENT-value-9f2b"

/* ---- both sides ---- */

static void
store_result (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
  g_main_context_wakeup (NULL);
}

static GAsyncResult *
wait_for (GAsyncResult **res)
{
  while (*res == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *res;
}

static SaldoTopupPlan
default_plan (gint64 line_id)
{
  SaldoTopupPlan plan = {
    .line_id = line_id,
    .origin = SALDO_TOPUP_ORIGIN_MANUAL,
    .amount = 1000,
    .currency = "PEN",
    .phone = "+51987654321",
    .country = "PE",
    .operator_id = "71610",
  };

  return plan;
}

static SaldoTopupRecord *
run_top_up (SaldoTopupRunner     *runner,
            SaldoLedger          *ledger,
            SaldoProvider        *provider,
            const SaldoTopupPlan *plan,
            GError              **error)
{
  g_autoptr(GAsyncResult) res = NULL;

  saldo_topup_runner_run_async (runner, ledger, provider, plan, NULL, store_result, &res);
  return saldo_topup_runner_run_finish (runner, wait_for (&res), error);
}

static gboolean
reconcile (SaldoTopupRunner      *runner,
           SaldoLedger           *ledger,
           SaldoProvider         *provider,
           gboolean               force,
           SaldoReconcileSummary *summary,
           GError               **error)
{
  g_autoptr(GAsyncResult) res = NULL;

  saldo_topup_runner_reconcile_async (runner, ledger, provider, force, NULL, store_result, &res);
  return saldo_topup_runner_reconcile_finish (runner, wait_for (&res), summary, error);
}

static SaldoProvider *
load_provider (const char *conf, GError **error)
{
  g_autoptr(SaldoProviderLoader) loader = saldo_provider_loader_new (NULL);

  saldo_provider_loader_add_builtins (loader);
  return saldo_provider_loader_load_file (loader, conf, error);
}

/* ---- the child: one run or one reconcile pass, then exit (or die) ---- */

static int
child_main (int argc, char **argv)
{
  g_autoptr(SaldoStore) store = NULL;
  g_autoptr(SaldoLedger) ledger = NULL;
  g_autoptr(SaldoProvider) provider = NULL;
  g_autoptr(SaldoTopupRunner) runner = NULL;
  g_autoptr(GError) error = NULL;

  if (argc != 6) {
    fprintf (stderr, "usage: %s --child run|reconcile DB PROVIDER.conf LINE\n", argv[0]);
    return 2;
  }
  store = saldo_store_open (argv[3], &error);
  if (store != NULL)
    provider = load_provider (argv[4], &error);
  if (provider == NULL) {
    fprintf (stderr, "child: %s\n", error->message);
    return 1;
  }
  ledger = saldo_ledger_new (store);
  runner = saldo_topup_runner_new ();

  if (g_strcmp0 (argv[2], "run") == 0) {
    SaldoTopupPlan plan = default_plan (g_ascii_strtoll (argv[5], NULL, 10));
    g_autoptr(SaldoTopupRecord) record = run_top_up (runner, ledger, provider, &plan, &error);

    if (record == NULL) {
      fprintf (stderr, "child: %s\n", error->message);
      return 1;
    }
    printf ("%s\n", saldo_ledger_state_to_string (record->state));
    return 0;
  }
  if (g_strcmp0 (argv[2], "reconcile") == 0) {
    SaldoReconcileSummary summary;

    if (!reconcile (runner, ledger, provider, TRUE, &summary, &error)) {
      fprintf (stderr, "child: %s\n", error->message);
      return 1;
    }
    printf ("checked %u resent %u\n", summary.checked, summary.resent);
    return 0;
  }
  fprintf (stderr, "child: unknown mode %s\n", argv[2]);
  return 2;
}

/* ---- the test ---- */

typedef struct {
  SaldoFake *fake;
  char      *dir;
  char      *http_conf;
  char      *reloadly_conf;
  char      *db;
  gint64     line_id;
} Fixture;

static const char *const provider_kinds[] = { "http", "reloadly" };

static void
new_database (Fixture *fx)
{
  g_autoptr(SaldoStore) store = NULL;
  g_autoptr(SaldoLineRecord) line = saldo_line_record_new ();
  g_autoptr(GError) error = NULL;
  static guint counter;

  g_free (fx->db);
  fx->db = g_strdup_printf ("%s/saldo-%u.db", fx->dir, ++counter);
  store = saldo_store_open (fx->db, &error);
  g_assert_no_error (error);
  line->iccid = g_strdup (ICCID);
  line->first_seen = line->last_seen = 1700000000;
  g_assert_true (saldo_store_save_line (store, line, &error));
  g_assert_no_error (error);
  fx->line_id = line->id;
}

static char *
write_http_conf (Fixture *fx, const char *name, const char *timeout)
{
  g_autofree char *conf = g_strdup_printf ("[Provider]\nType=http\n"
                                           "Url=https://127.0.0.1:%u/hook/topup\n"
                                           "StatusUrl=https://127.0.0.1:%u/hook/status/{reference}\n"
                                           "SecretFile=hook.secret\nCaFile=%s\nTimeoutSec=%s\n",
                                           fx->fake->port, fx->fake->port, fx->fake->ca, timeout);
  g_autofree char *file = g_strconcat (name, ".conf", NULL);

  return saldo_test_write_file (fx->dir, file, conf, 0600);
}

/* The recovery tests believe Reloadly's "no record" at once; the grace it
 * gets by default is tested on its own (test_not_found_grace). */
static char *
write_reloadly_conf_grace (Fixture *fx, const char *name, const char *timeout, const char *grace)
{
  g_autofree char *conf = g_strdup_printf ("[Provider]\nType=reloadly\nClientId=" CLIENT "\n"
                                           "ClientSecretFile=client.secret\nSandbox=true\n"
                                           "AuthUrl=https://127.0.0.1:%u/oauth/token\n"
                                           "ApiUrl=https://127.0.0.1:%u\nCaFile=%s\nTimeoutSec=%s\n"
                                           "NotFoundGraceSec=%s\n",
                                           fx->fake->port, fx->fake->port, fx->fake->ca, timeout, grace);
  g_autofree char *file = g_strconcat (name, ".conf", NULL);

  return saldo_test_write_file (fx->dir, file, conf, 0600);
}

static char *
write_reloadly_conf (Fixture *fx, const char *name, const char *timeout)
{
  return write_reloadly_conf_grace (fx, name, timeout, "0");
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  fx->fake = saldo_fake_start ();
  saldo_fake_fault (fx->fake, "{\"op\": \"config\", \"hmac_secret\": \"" HOOK_SECRET "\", "
                              "\"client_id\": \"" CLIENT "\", "
                              "\"client_secret\": \"" CLIENT_SECRET "\"}");
  fx->dir = saldo_test_make_dir ();
  g_free (saldo_test_write_file (fx->dir, "hook.secret", HOOK_SECRET "\n", 0600));
  g_free (saldo_test_write_file (fx->dir, "client.secret", CLIENT_SECRET "\n", 0600));
  fx->http_conf = write_http_conf (fx, "bank", "5");
  fx->reloadly_conf = write_reloadly_conf (fx, "rl", "5");
  new_database (fx);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  saldo_fake_stop (fx->fake);
  saldo_test_remove_dir (fx->dir);
  g_free (fx->dir);
  g_free (fx->http_conf);
  g_free (fx->reloadly_conf);
  g_free (fx->db);
}

static const char *
conf_for (Fixture *fx, const char *kind)
{
  return g_str_equal (kind, "http") ? fx->http_conf : fx->reloadly_conf;
}

/* Runs the child and checks how it ended: killed at the fault, or done. */
static void
spawn_child (Fixture *fx, const char *mode, const char *conf, SaldoTopupFault fault)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", &error);
  g_autofree char *line = g_strdup_printf ("%" G_GINT64_FORMAT, fx->line_id);

  g_assert_no_error (error);
  if (fault != SALDO_TOPUP_FAULT_NONE)
    g_subprocess_launcher_setenv (launcher, "SALDO_TEST_FAULT", saldo_topup_fault_to_string (fault), TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "SALDO_TEST_FAULT");
  child = g_subprocess_launcher_spawn (launcher, &error, self_exe, "--child", mode, fx->db, conf, line, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (child, NULL, &error));
  g_assert_no_error (error);
  if (fault != SALDO_TOPUP_FAULT_NONE) {
    g_assert_true (g_subprocess_get_if_signaled (child));
    g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
  } else {
    g_assert_true (g_subprocess_get_if_exited (child));
    g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
  }
}

typedef struct {
  SaldoStore       *store;
  SaldoLedger      *ledger;
  SaldoProvider    *provider;
  SaldoTopupRunner *runner;
} Daemon;

/* A fresh "saldod": new connection, new provider, new runner. */
static Daemon *
daemon_start (Fixture *fx, const char *conf)
{
  Daemon *d = g_new0 (Daemon, 1);
  g_autoptr(GError) error = NULL;

  d->store = saldo_store_open (fx->db, &error);
  g_assert_no_error (error);
  d->ledger = saldo_ledger_new (d->store);
  d->provider = load_provider (conf, &error);
  g_assert_no_error (error);
  d->runner = saldo_topup_runner_new ();
  g_assert_cmpint (saldo_topup_runner_get_fault (d->runner), ==, SALDO_TOPUP_FAULT_NONE);
  return d;
}

static void
daemon_stop (Daemon *d)
{
  g_clear_object (&d->runner);
  g_clear_object (&d->provider);
  g_clear_object (&d->ledger);
  g_clear_object (&d->store);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Daemon, daemon_stop)

static SaldoTopupRecord *
only_row (Daemon *d)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  SaldoLedgerQuery q = { 0 };

  g_assert_true (saldo_ledger_list (d->ledger, &q, &rows, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  return saldo_topup_record_copy (rows->pdata[0]);
}

static char *
event_kinds (Daemon *d, gint64 id)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  GString *kinds = g_string_new (NULL);

  g_assert_true (saldo_ledger_list_events (d->ledger, id, &events, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++) {
    SaldoTopupEvent *event = g_ptr_array_index (events, i);

    g_string_append_printf (kinds, "%s%s", i > 0 ? "," : "", event->kind);
  }
  return g_string_free (kinds, FALSE);
}

static void
test_crash_at_every_step (Fixture *fx, gconstpointer data)
{
  const struct {
    SaldoTopupFault  fault;
    SaldoLedgerState after_crash;
    guint            charges_after_crash;
    guint            resent;
    const char      *events;
  } cases[] = {
    { SALDO_TOPUP_FAULT_NONE, SALDO_LEDGER_STATE_SUCCEEDED, 1, 0, "created,intent,sent,result" },
    /* nothing left the machine: the provider has no record, one re-send */
    { SALDO_TOPUP_FAULT_AFTER_INTENT, SALDO_LEDGER_STATE_INTENT, 0, 1, "created,intent,sent,result" },
    { SALDO_TOPUP_FAULT_AFTER_SENT, SALDO_LEDGER_STATE_SENT, 0, 1, "created,intent,sent,resent,result" },
    /* charged, answer lost with the process: the lookup finds it */
    { SALDO_TOPUP_FAULT_AFTER_PROVIDER_REPLY, SALDO_LEDGER_STATE_SENT, 1, 0, "created,intent,sent,result" },
    { SALDO_TOPUP_FAULT_AFTER_RESULT, SALDO_LEDGER_STATE_SUCCEEDED, 1, 0, "created,intent,sent,result" },
  };

  for (guint p = 0; p < G_N_ELEMENTS (provider_kinds); p++) {
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
      const char *conf = conf_for (fx, provider_kinds[p]);
      g_autoptr(Daemon) d = NULL;
      g_autoptr(SaldoTopupRecord) crashed = NULL;
      g_autoptr(SaldoTopupRecord) done = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char      *kinds = NULL;
      SaldoReconcileSummary summary;
      guint                 total_before = saldo_fake_charges (fx->fake, NULL);

      g_test_message ("%s provider, crash %s", provider_kinds[p],
                      saldo_topup_fault_to_string (cases[i].fault));
      new_database (fx);
      spawn_child (fx, "run", conf, cases[i].fault);

      d = daemon_start (fx, conf);
      crashed = only_row (d);
      g_assert_cmpint (crashed->state, ==, cases[i].after_crash);
      g_assert_nonnull (crashed->reference);
      g_assert_cmpuint (saldo_fake_charges (fx->fake, crashed->reference), ==, cases[i].charges_after_crash);

      g_assert_true (reconcile (d->runner, d->ledger, d->provider, TRUE, &summary, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (summary.resent, ==, cases[i].resent);
      g_assert_cmpuint (summary.open, ==, 0);

      done = only_row (d);
      g_assert_cmpint (done->id, ==, crashed->id);
      g_assert_cmpstr (done->reference, ==, crashed->reference);
      g_assert_cmpint (done->state, ==, SALDO_LEDGER_STATE_SUCCEEDED);
      g_assert_nonnull (done->provider_transaction_id);
      g_assert_cmpint (done->delivered_amount, ==, 1000);
      g_assert_cmpstr (done->delivered_currency, ==, "PEN");
      g_assert_cmpuint (done->attempts, ==,
                        cases[i].resent + (cases[i].after_crash != SALDO_LEDGER_STATE_INTENT ? 1 : 0));
      kinds = event_kinds (d, done->id);
      g_assert_cmpstr (kinds, ==, cases[i].events);

      /* Exactly one charge for the top-up, and none for anything else. */
      g_assert_cmpuint (saldo_fake_charges (fx->fake, done->reference), ==, 1);
      g_assert_cmpuint (saldo_fake_charges (fx->fake, NULL), ==, total_before + 1);

      /* A second start changes nothing. */
      g_assert_true (reconcile (d->runner, d->ledger, d->provider, TRUE, &summary, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (summary.checked, ==, 0);
      g_assert_cmpuint (saldo_fake_charges (fx->fake, NULL), ==, total_before + 1);
    }
  }
}

/* Crashes during the recovery itself: the re-send dies too, twice. */
static void
test_crash_during_reconcile (Fixture *fx, gconstpointer data)
{
  const SaldoTopupFault recovery_faults[] = {
    SALDO_TOPUP_FAULT_AFTER_SENT,
    SALDO_TOPUP_FAULT_AFTER_PROVIDER_REPLY,
  };

  for (guint p = 0; p < G_N_ELEMENTS (provider_kinds); p++) {
    const char *conf = conf_for (fx, provider_kinds[p]);
    g_autoptr(Daemon) d = NULL;
    g_autoptr(SaldoTopupRecord) done = NULL;
    g_autoptr(GError) error = NULL;
    SaldoReconcileSummary summary;
    guint                 total_before = saldo_fake_charges (fx->fake, NULL);

    new_database (fx);
    spawn_child (fx, "run", conf, SALDO_TOPUP_FAULT_AFTER_INTENT);
    for (guint i = 0; i < G_N_ELEMENTS (recovery_faults); i++)
      spawn_child (fx, "reconcile", conf, recovery_faults[i]);
    g_assert_cmpuint (saldo_fake_charges (fx->fake, NULL), ==, total_before + 1);

    d = daemon_start (fx, conf);
    g_assert_true (reconcile (d->runner, d->ledger, d->provider, TRUE, &summary, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (summary.succeeded, ==, 1);
    /* the second crash came after the charge: found by lookup, not re-sent */
    g_assert_cmpuint (summary.resent, ==, 0);
    done = only_row (d);
    g_assert_cmpint (done->state, ==, SALDO_LEDGER_STATE_SUCCEEDED);
    g_assert_cmpuint (saldo_fake_charges (fx->fake, done->reference), ==, 1);
    g_assert_cmpuint (saldo_fake_charges (fx->fake, NULL), ==, total_before + 1);
  }
}

/* In-process outcomes: a fault at the fake, then reconcile passes. */
static void
test_outcomes (Fixture *fx, gconstpointer data)
{
  const struct {
    const char      *name;
    const char      *provider;
    const char      *timeout;
    const char      *topup_fault;  /* on the top-up endpoint, or NULL */
    SaldoLedgerState first;        /* after the run */
    const char      *lookup_fault; /* before the first reconcile, or NULL */
    const char      *resend_fault; /* likewise, for a re-send */
    guint            passes;       /* forced reconcile passes */
    SaldoLedgerState final;
    guint            charges;
    guint            resent;
  } cases[] = {
    { "reply lost to a timeout", "http", "1",
      "{\"op\": \"fault\", \"path\": \"/hook/topup\", \"action\": \"hang_after_charge\", \"seconds\": 3}",
      SALDO_LEDGER_STATE_UNKNOWN, NULL, NULL, 1, SALDO_LEDGER_STATE_SUCCEEDED, 1, 0 },
    { "reply lost to a timeout", "reloadly", "1",
      "{\"op\": \"fault\", \"path\": \"/topups\", \"action\": \"hang_after_charge\", \"seconds\": 3}",
      SALDO_LEDGER_STATE_UNKNOWN, NULL, NULL, 1, SALDO_LEDGER_STATE_SUCCEEDED, 1, 0 },
    { "connection reset after the charge", "reloadly", "5",
      "{\"op\": \"fault\", \"path\": \"/topups\", \"action\": \"reset_after_charge\"}",
      SALDO_LEDGER_STATE_UNKNOWN, NULL, NULL, 1, SALDO_LEDGER_STATE_SUCCEEDED, 1, 0 },
    { "provider says failed", "http", "5",
      "{\"op\": \"fault\", \"path\": \"/hook/topup\", \"action\": \"failed\", \"error_code\": "
      "\"insufficient_funds\"}",
      SALDO_LEDGER_STATE_FAILED, NULL, NULL, 1, SALDO_LEDGER_STATE_FAILED, 0, 0 },
    { "provider says processing", "reloadly", "5",
      "{\"op\": \"fault\", \"path\": \"/topups\", \"action\": \"processing\"}", SALDO_LEDGER_STATE_UNKNOWN,
      NULL, NULL, 1, SALDO_LEDGER_STATE_SUCCEEDED, 1, 0 },
    /* The provider wrongly claims no record: the re-send carries the same
     * reference, and the provider's idempotency holds the charge at one. */
    { "duplicate reference on re-send", "http", "1",
      "{\"op\": \"fault\", \"path\": \"/hook/topup\", \"action\": \"hang_after_charge\", \"seconds\": 3}",
      SALDO_LEDGER_STATE_UNKNOWN,
      "{\"op\": \"fault\", \"path\": \"/hook/status/\", \"action\": \"status\", \"http\": 404, \"body\": "
      "{\"status\": \"not_found\"}}",
      NULL, 1, SALDO_LEDGER_STATE_SUCCEEDED, 1, 1 },
    { "duplicate reference on re-send", "reloadly", "1",
      "{\"op\": \"fault\", \"path\": \"/topups\", \"action\": \"hang_after_charge\", \"seconds\": 3}",
      SALDO_LEDGER_STATE_UNKNOWN,
      "{\"op\": \"fault\", \"path\": \"/topups/reports/\", \"action\": \"status\", \"http\": 200, \"body\": "
      "{\"content\": [], \"totalPages\": 0}}",
      NULL, 2, SALDO_LEDGER_STATE_SUCCEEDED, 1, 1 },
    /* "No record" that is not the provider's own word re-sends nothing. */
    { "bare 404 from StatusUrl", "http", "5",
      "{\"op\": \"fault\", \"path\": \"/hook/topup\", \"action\": \"malformed_after_charge\"}",
      SALDO_LEDGER_STATE_UNKNOWN,
      "{\"op\": \"fault\", \"path\": \"/hook/status/\", \"action\": \"status\", \"http\": 404, \"body\": "
      "\"<html>Not Found</html>\"}",
      NULL, 1, SALDO_LEDGER_STATE_UNKNOWN, 1, 0 },
    { "404 on Reloadly's report", "reloadly", "5",
      "{\"op\": \"fault\", \"path\": \"/topups\", \"action\": \"reset_after_charge\"}",
      SALDO_LEDGER_STATE_UNKNOWN,
      "{\"op\": \"fault\", \"path\": \"/topups/reports/\", \"action\": \"status\", \"http\": 404, \"body\": "
      "{}}",
      NULL, 1, SALDO_LEDGER_STATE_UNKNOWN, 1, 0 },
    { "409 on re-send", "http", "5",
      "{\"op\": \"fault\", \"path\": \"/hook/topup\", \"action\": \"malformed_after_charge\"}",
      SALDO_LEDGER_STATE_UNKNOWN,
      "{\"op\": \"fault\", \"path\": \"/hook/status/\", \"action\": \"status\", \"http\": 404, \"body\": "
      "{\"status\": \"not_found\"}}",
      "{\"op\": \"fault\", \"path\": \"/hook/topup\", \"action\": \"status\", \"http\": 409, \"body\": "
      "\"conflict\"}",
      2, SALDO_LEDGER_STATE_SUCCEEDED, 1, 1 },
    { "lookup fails: stays unknown", "http", "1",
      "{\"op\": \"fault\", \"path\": \"/hook/topup\", \"action\": \"hang_after_charge\", \"seconds\": 3}",
      SALDO_LEDGER_STATE_UNKNOWN,
      "{\"op\": \"fault\", \"path\": \"/hook/status/\", \"action\": \"status\", \"http\": 500, \"count\": 3, "
      "\"body\": {}}",
      NULL, 1, SALDO_LEDGER_STATE_UNKNOWN, 1, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *conf = NULL;
    g_autoptr(Daemon) d = NULL;
    g_autoptr(SaldoTopupRecord) first = NULL;
    g_autoptr(SaldoTopupRecord) last = NULL;
    g_autoptr(GError) error = NULL;
    SaldoTopupPlan        plan;
    SaldoReconcileSummary summary = { 0 };
    guint                 resent = 0;
    guint                 total_before = saldo_fake_charges (fx->fake, NULL);

    g_test_message ("%s (%s)", cases[i].name, cases[i].provider);
    new_database (fx);
    conf = g_str_equal (cases[i].provider, "http") ? write_http_conf (fx, "hook1", cases[i].timeout)
                                                   : write_reloadly_conf (fx, "reload1", cases[i].timeout);
    d = daemon_start (fx, conf);
    plan = default_plan (fx->line_id);
    if (cases[i].topup_fault != NULL)
      saldo_fake_fault (fx->fake, cases[i].topup_fault);
    first = run_top_up (d->runner, d->ledger, d->provider, &plan, &error);
    g_assert_no_error (error);
    g_assert_cmpint (first->state, ==, cases[i].first);
    g_assert_cmpuint (first->attempts, ==, 1);
    if (first->state == SALDO_LEDGER_STATE_UNKNOWN) {
      /* why it is open: an error, or the provider's own word (pending) */
      g_assert_true (*first->error != '\0' || *first->message != '\0');
      g_assert_cmpint (first->next_check, >, 0);
    }

    if (cases[i].lookup_fault != NULL)
      saldo_fake_fault (fx->fake, cases[i].lookup_fault);
    if (cases[i].resend_fault != NULL)
      saldo_fake_fault (fx->fake, cases[i].resend_fault);
    for (guint pass = 0; pass < cases[i].passes; pass++) {
      g_assert_true (reconcile (d->runner, d->ledger, d->provider, TRUE, &summary, &error));
      g_assert_no_error (error);
      resent += summary.resent;
    }
    last = only_row (d);
    g_assert_cmpint (last->state, ==, cases[i].final);
    g_assert_cmpuint (resent, ==, cases[i].resent);
    g_assert_cmpuint (last->attempts, ==, 1 + cases[i].resent);
    g_assert_cmpuint (saldo_fake_charges (fx->fake, last->reference), ==, cases[i].charges);
    g_assert_cmpuint (saldo_fake_charges (fx->fake, NULL), ==, total_before + cases[i].charges);
    if (last->state == SALDO_LEDGER_STATE_FAILED)
      g_assert_cmpstr (last->error, !=, "");
    if (last->state == SALDO_LEDGER_STATE_UNKNOWN) {
      /* Backed off: a pass that is not forced leaves it alone. */
      g_assert_cmpuint (last->lookups, ==, 1);
      g_assert_cmpint (summary.next_due, ==, last->next_check);
      g_assert_true (reconcile (d->runner, d->ledger, d->provider, FALSE, &summary, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (summary.checked, ==, 0);
      g_assert_cmpuint (summary.skipped, ==, 1);
    }
  }
}

static gint64
fake_clock (gpointer data)
{
  return *(gint64 *) data;
}

/* Reloadly's report lags behind its charges: an empty report right after
 * the request is not "no record"; after NotFoundGraceSec it is, and only
 * then is the request sent again (with the same reference). */
static void
test_not_found_grace (Fixture *fx, gconstpointer data)
{
  g_autofree char *conf = write_reloadly_conf_grace (fx, "lagging", "5", "600");
  g_autoptr(Daemon) d = NULL;
  g_autoptr(SaldoTopupRecord) first = NULL;
  g_autoptr(SaldoTopupRecord) waiting = NULL;
  g_autoptr(SaldoTopupRecord) done = NULL;
  g_autoptr(GError) error = NULL;
  SaldoTopupPlan        plan;
  SaldoReconcileSummary summary = { 0 };
  const char           *empty_report = "{\"op\": \"fault\", \"path\": \"/topups/reports/\", \"action\": "
                                       "\"status\", \"http\": 200, \"body\": {\"content\": [], \"totalPages\": 0}}";
  gint64                now;

  new_database (fx);
  d = daemon_start (fx, conf);
  now = g_get_real_time () / G_USEC_PER_SEC;
  saldo_ledger_set_clock (d->ledger, fake_clock, &now);
  g_assert_cmpint (saldo_provider_get_not_found_grace (d->provider), ==, 600);
  plan = default_plan (fx->line_id);
  saldo_fake_fault (fx->fake, "{\"op\": \"fault\", \"path\": \"/topups\", \"action\": "
                              "\"reset_after_charge\"}");
  first = run_top_up (d->runner, d->ledger, d->provider, &plan, &error);
  g_assert_no_error (error);
  g_assert_cmpint (first->state, ==, SALDO_LEDGER_STATE_UNKNOWN);
  g_assert_cmpint (first->sent_at, ==, now);

  now += 599;
  saldo_fake_fault (fx->fake, empty_report);
  g_assert_true (reconcile (d->runner, d->ledger, d->provider, TRUE, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.resent, ==, 0);
  waiting = only_row (d);
  g_assert_cmpint (waiting->state, ==, SALDO_LEDGER_STATE_UNKNOWN);
  g_assert_cmpint (waiting->next_check, >=, first->sent_at + 600);

  now += 1;
  saldo_fake_fault (fx->fake, empty_report);
  g_assert_true (reconcile (d->runner, d->ledger, d->provider, TRUE, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summary.resent, ==, 1);
  /* The re-send meets the same reference at Reloadly: still one charge. */
  g_assert_true (reconcile (d->runner, d->ledger, d->provider, TRUE, &summary, &error));
  g_assert_no_error (error);
  done = only_row (d);
  g_assert_cmpint (done->state, ==, SALDO_LEDGER_STATE_SUCCEEDED);
  g_assert_cmpuint (saldo_fake_charges (fx->fake, done->reference), ==, 1);
}

/* The provider never got the request in a chargeable form (bad signature):
 * failed, nothing charged, nothing to reconcile. */
static void
test_not_reached (Fixture *fx, gconstpointer data)
{
  g_autoptr(Daemon) d = daemon_start (fx, fx->http_conf);
  SaldoTopupPlan plan = default_plan (fx->line_id);
  g_autoptr(SaldoTopupRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char      *kinds = NULL;
  SaldoReconcileSummary summary;

  saldo_fake_fault (fx->fake, "{\"op\": \"config\", \"hmac_secret\": \"another-secret\"}");
  record = run_top_up (d->runner, d->ledger, d->provider, &plan, &error);
  g_assert_no_error (error);
  g_assert_cmpint (record->state, ==, SALDO_LEDGER_STATE_FAILED);
  g_assert_nonnull (strstr (record->error, "signature"));
  g_assert_null (strstr (record->error, HOOK_SECRET));
  kinds = event_kinds (d, record->id);
  g_assert_cmpstr (kinds, ==, "created,intent,sent,result");
  g_assert_cmpuint (saldo_fake_charges (fx->fake, NULL), ==, 0);
  g_assert_true (reconcile (d->runner, d->ledger, d->provider, TRUE, &summary, &error));
  g_assert_cmpuint (summary.checked, ==, 0);
}

/* A request the provider would refuse never gets a reference. */
static void
test_invalid_request (Fixture *fx, gconstpointer data)
{
  const char *phones[] = { "987654321", "+51 987", "+5198765432109876543" };

  for (guint i = 0; i < G_N_ELEMENTS (phones); i++) {
    g_autoptr(Daemon) d = NULL;
    SaldoTopupPlan plan;
    g_autoptr(SaldoTopupRecord) record = NULL;
    g_autoptr(SaldoTopupRecord) row = NULL;
    g_autoptr(GError) error = NULL;

    new_database (fx);
    d = daemon_start (fx, fx->http_conf);
    plan = default_plan (fx->line_id);
    plan.phone = phones[i];
    record = run_top_up (d->runner, d->ledger, d->provider, &plan, &error);
    g_assert_null (record);
    g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
    row = only_row (d);
    g_assert_cmpint (row->state, ==, SALDO_LEDGER_STATE_FAILED);
    g_assert_null (row->reference);
    g_assert_cmpuint (row->attempts, ==, 0);
  }
  g_assert_cmpint (saldo_fake_counter (fx->fake, "hook_posts"), ==, 0);
}

static void
test_fault_names (void)
{
  for (int f = SALDO_TOPUP_FAULT_NONE; f <= SALDO_TOPUP_FAULT_AFTER_RESULT; f++) {
    SaldoTopupFault parsed;

    g_assert_true (saldo_topup_fault_from_string (saldo_topup_fault_to_string (f), &parsed));
    g_assert_cmpint (parsed, ==, f);
  }
  g_assert_false (saldo_topup_fault_from_string ("after-everything", &(SaldoTopupFault){ 0 }));
  g_assert_cmpint (saldo_topup_backoff (0), ==, 60);
  g_assert_cmpint (saldo_topup_backoff (1), ==, 120);
  g_assert_cmpint (saldo_topup_backoff (5), ==, 1920);
  g_assert_cmpint (saldo_topup_backoff (6), ==, SALDO_TOPUP_BACKOFF_MAX);
  g_assert_cmpint (saldo_topup_backoff (1000), ==, SALDO_TOPUP_BACKOFF_MAX);
}

int
main (int argc, char **argv)
{
  g_setenv ("no_proxy", "127.0.0.1,localhost", TRUE);
  g_setenv ("NO_PROXY", "127.0.0.1,localhost", TRUE);
  if (argc > 1 && g_str_equal (argv[1], "--child"))
    return child_main (argc, argv);
  /* The parent must never carry a fault into its own runners. */
  g_unsetenv ("SALDO_TEST_FAULT");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/topup/fault-names", test_fault_names);
#define ADD(path, func) g_test_add ("/topup/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("crash-at-every-step", test_crash_at_every_step);
  ADD ("crash-during-reconcile", test_crash_during_reconcile);
  ADD ("outcomes", test_outcomes);
  ADD ("not-found-grace", test_not_found_grace);
  ADD ("not-reached", test_not_reached);
  ADD ("invalid-request", test_invalid_request);
#undef ADD
  return g_test_run ();
}
