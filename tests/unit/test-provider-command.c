/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "command/saldo-provider-command.h"
#include "saldo-test-fake.h"

/* Each script answers on stdout like a payment helper would. The "log"
 * file beside it records every top-up it performed, one reference a line. */
static const struct {
  const char *name;
  const char *body;
} scripts[] = {
  { "ok.sh", "#!/bin/sh\n"
             "cd \"$(dirname \"$0\")\"\n"
             "if [ \"$SALDO_ACTION\" = lookup ]; then\n"
             "  if grep -qx \"$SALDO_REFERENCE\" log 2>/dev/null; then\n"
             "    printf '{\"status\":\"succeeded\",\"transaction_id\":\"cmd-%s\"}' \"$SALDO_REFERENCE\"\n"
             "  else\n"
             "    printf '{\"status\":\"not_found\"}'\n"
             "  fi\n"
             "  exit 0\n"
             "fi\n"
             "echo \"$SALDO_REFERENCE\" >> log\n"
             "printf '{\"status\":\"succeeded\",\"transaction_id\":\"cmd-%s\",\"delivered_amount\":\"%s\","
             "\"currency\":\"%s\",\"message\":\"%s %s %s %s\"}\\n' \"$SALDO_REFERENCE\" \"$SALDO_AMOUNT\" "
             "\"$SALDO_CURRENCY\" \"$1\" \"$SALDO_PHONE\" \"$SALDO_ICCID\" \"$SALDO_AMOUNT_MINOR\"\n" },
  { "hang.sh", "#!/bin/sh\n"
               "echo \"$SALDO_REFERENCE\" >> \"$(dirname \"$0\")/log\"\n"
               /* The grandchild keeps stdout open: only a process-group kill ends it. */
               "sleep 60 &\n"
               "wait\n" },
  { "escape.sh", "#!/bin/sh\n"
                 "cd \"$(dirname \"$0\")\"\n"
                 "echo \"$SALDO_REFERENCE\" >> log\n"
                 /* A grandchild leaves the process group and keeps stdout open. */
                 "setsid sleep 300 &\n"
                 "echo $! > escaped.pid\n"
                 "wait\n" },
  { "garbage.sh", "#!/bin/sh\necho 'Charged! (probably)'\n" },
  { "crash.sh", "#!/bin/sh\nexit 3\n" },
  { "account.sh", "#!/bin/sh\n"
                  "case \"$SALDO_ACTION/$SALDO_PROVIDER\" in\n"
                  "  account/cmd) printf '{\"balance\":\"42.10\",\"currency\":\"EUR\"}' ;;\n"
                  "  account/expired) printf '{\"error_code\":\"expired_card\",\"message\":\"09/26\"}' ;;\n"
                  "  account/nosuch) printf '{\"error_code\":\"not_supported\"}' ;;\n"
                  "  *) echo \"unexpected $SALDO_ACTION\"; exit 2 ;;\n"
                  "esac\n" },
  { "declined.sh", "#!/bin/sh\nprintf '{\"status\":\"failed\",\"error_code\":\"insufficient_funds\","
                   "\"message\":\"card declined\"}'\nexit 1\n" },
};

typedef struct {
  char *dir;
} Fixture;

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  fx->dir = saldo_test_make_dir ();
  for (guint i = 0; i < G_N_ELEMENTS (scripts); i++)
    g_free (saldo_test_write_file (fx->dir, scripts[i].name, scripts[i].body, 0755));
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  saldo_test_remove_dir (fx->dir);
  g_free (fx->dir);
}

static SaldoProvider *
new_provider (Fixture *fx, const char *script, const char *extra)
{
  g_autofree char *config = g_strdup_printf ("[Provider]\nType=command\nProgram=%s/%s\n"
                                             "TimeoutSec=1\n%s",
                                             fx->dir, script, extra != NULL ? extra : "");
  g_autoptr(GError) error = NULL;
  SaldoProvider *provider = saldo_test_new_provider (SALDO_TYPE_PROVIDER_COMMAND, "cmd", config, fx->dir,
                                                     &error);
  g_assert_no_error (error);
  return provider;
}

static SaldoTopUpRequest *
new_request (void)
{
  SaldoTopUpRequest *req = saldo_top_up_request_new ();

  req->reference = saldo_test_new_reference ();
  req->iccid = g_strdup ("89490200001234567890");
  req->phone = g_strdup ("+4917612345678");
  req->country = g_strdup ("DE");
  req->amount = 1550;
  req->currency = g_strdup ("EUR");
  return req;
}

static guint
count_in_log (Fixture *fx, const char *reference)
{
  g_autofree char *path = g_build_filename (fx->dir, "log", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    n += g_strcmp0 (lines[i], reference) == 0;
  return n;
}

static void
test_success_and_lookup (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoProvider) provider = new_provider (fx, "ok.sh", "Arguments='first arg' second\n");
  g_autoptr(SaldoTopUpRequest) req = new_request ();
  g_autoptr(SaldoTopUpResult) result = NULL;
  g_autoptr(SaldoTopUpResult) looked_up = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tx = g_strconcat ("cmd-", req->reference, NULL);

  result = saldo_test_top_up (provider, req, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
  g_assert_cmpstr (result->transaction_id, ==, tx);
  g_assert_cmpint (result->delivered_amount, ==, 1550);
  g_assert_cmpstr (result->delivered_currency, ==, "EUR");
  /* Arguments= are split like a shell would; the request is in the environment. */
  g_assert_cmpstr (result->message, ==, "first arg +4917612345678 89490200001234567890 1550");
  g_assert_cmpuint (count_in_log (fx, req->reference), ==, 1);

  looked_up = saldo_test_lookup (provider, req->reference, &error);
  g_assert_no_error (error);
  g_assert_cmpint (looked_up->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
  g_assert_cmpstr (looked_up->transaction_id, ==, tx);

  g_clear_pointer (&looked_up, saldo_top_up_result_free);
  looked_up = saldo_test_lookup (provider, "not-there", &error);
  g_assert_null (looked_up);
  g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_FOUND);
}

static void
test_outcomes (Fixture *fx, gconstpointer data)
{
  const struct {
    const char        *script;
    SaldoTopUpStatus   status;
    SaldoProviderError expected;
  } cases[] = {
    { "hang.sh", SALDO_TOP_UP_STATUS_UNKNOWN, SALDO_PROVIDER_ERROR_TIMEOUT },
    { "garbage.sh", SALDO_TOP_UP_STATUS_UNKNOWN, SALDO_PROVIDER_ERROR_PROTOCOL },
    { "crash.sh", SALDO_TOP_UP_STATUS_UNKNOWN, SALDO_PROVIDER_ERROR_PROTOCOL },
    { "declined.sh", SALDO_TOP_UP_STATUS_FAILED, SALDO_PROVIDER_ERROR_INSUFFICIENT_FUNDS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SaldoProvider) provider = new_provider (fx, cases[i].script, NULL);
    g_autoptr(SaldoTopUpRequest) req = new_request ();
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(GError) error = NULL;

    result = saldo_test_top_up (provider, req, &error);
    g_assert_no_error (error);
    g_assert_cmpint (result->status, ==, cases[i].status);
    g_assert_error (result->error, SALDO_PROVIDER_ERROR, (gint) cases[i].expected);
    g_assert_cmpint (result->requested_amount, ==, 1550);
  }
}

static void
test_lookup_errors (Fixture *fx, gconstpointer data)
{
  /* A lookup that cannot be understood is an error, never a guessed result. */
  const struct {
    const char        *script;
    SaldoProviderError expected;
  } cases[] = {
    { "hang.sh", SALDO_PROVIDER_ERROR_TIMEOUT },
    { "garbage.sh", SALDO_PROVIDER_ERROR_PROTOCOL },
    { "crash.sh", SALDO_PROVIDER_ERROR_PROTOCOL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SaldoProvider) provider = new_provider (fx, cases[i].script, NULL);
    g_autoptr(SaldoTopUpResult) result = NULL;
    g_autoptr(GError) error = NULL;

    result = saldo_test_lookup (provider, "some-reference", &error);
    g_assert_null (result);
    g_assert_error (error, SALDO_PROVIDER_ERROR, (gint) cases[i].expected);
  }
}

static void
store_result (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
}

static void
test_cancel_is_unknown (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoProvider) provider = new_provider (fx, "hang.sh", "TimeoutSec=600\n");
  g_autoptr(SaldoTopUpRequest) req = new_request ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(SaldoTopUpResult) result = NULL;
  g_autoptr(GError) error = NULL;

  saldo_provider_top_up_async (provider, req, cancellable, store_result, &res);
  /* Cancel once the script has started (it logs first). */
  while (count_in_log (fx, req->reference) == 0)
    g_usleep (10000);
  g_cancellable_cancel (cancellable);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);

  /* The program ran, so cancelling cannot mean "not charged". */
  result = saldo_provider_top_up_finish (provider, res, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_UNKNOWN);
  g_assert_error (result->error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_TRANSPORT);
}

static gboolean
on_stuck (gpointer user_data)
{
  g_error ("the top-up is still waiting for the program's output");
  return G_SOURCE_REMOVE;
}

/* After the timeout nothing waits on stdout: the outcome is unknown at
 * once, even when something the program started escaped the kill. */
static void
test_timeout_stops_waiting (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoProvider) provider = new_provider (fx, "escape.sh", NULL);
  g_autoptr(SaldoTopUpRequest) req = new_request ();
  g_autoptr(SaldoTopUpResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pid_path = g_build_filename (fx->dir, "escaped.pid", NULL);
  g_autofree char *pid_text = NULL;
  guint            guard = g_timeout_add_seconds (30, on_stuck, NULL);

  result = saldo_test_top_up (provider, req, &error);
  g_source_remove (guard);
  g_assert_no_error (error);
  g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_UNKNOWN);
  g_assert_error (result->error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_TIMEOUT);
  g_assert_cmpuint (count_in_log (fx, req->reference), ==, 1);
  /* The sleeper this test started is its own to end. */
  if (g_file_get_contents (pid_path, &pid_text, NULL, NULL)) {
    gint64 pid = g_ascii_strtoll (pid_text, NULL, 10);

    if (pid > 1)
      kill ((pid_t) pid, SIGKILL);
  }
}

static void
test_config_errors (Fixture *fx, gconstpointer data)
{
  g_autofree char *not_exec = saldo_test_write_file (fx->dir, "plain.txt", "x", 0644);
  char            *cases[] = {
               g_strdup ("[Provider]\nType=command\n"),
               g_strdup ("[Provider]\nType=command\nProgram=ok.sh\n"),
               g_strdup_printf ("[Provider]\nType=command\nProgram=%s\n", not_exec),
               g_strdup_printf ("[Provider]\nType=command\nProgram=%s\n", fx->dir),
               g_strdup_printf ("[Provider]\nType=command\nProgram=%s/ok.sh\nArguments='unterminated\n", fx->dir),
               g_strdup_printf ("[Provider]\nType=command\nProgram=%s/ok.sh\nTimeoutSec=soon\n", fx->dir),
               g_strdup_printf ("[Provider]\nType=command\nProgram=%s/ok.sh\nAccount=maybe\n", fx->dir),
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SaldoProvider) provider = NULL;
    g_autoptr(GError) error = NULL;

    provider = saldo_test_new_provider (SALDO_TYPE_PROVIDER_COMMAND, "bad", cases[i], fx->dir, &error);
    g_assert_null (provider);
    g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG);
    g_free (cases[i]);
  }
}

/* saldod runs Program= as root: a program, or a directory on its way,
 * that someone else could change is refused. */
static void
test_untrusted_program (Fixture *fx, gconstpointer data)
{
  g_autofree char *open_dir = g_build_filename (fx->dir, "open", NULL);
  g_autofree char *in_open_dir = NULL;
  g_autofree char *link = g_build_filename (fx->dir, "link.sh", NULL);
  g_autofree char *group_writable = saldo_test_write_file (fx->dir, "gw.sh", "#!/bin/sh\n", 0775);
  g_autofree char *foreign = saldo_test_write_file (fx->dir, "foreign.sh", "#!/bin/sh\n", 0755);
  GPtrArray       *cases = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpint (g_mkdir (open_dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (open_dir, 0777), ==, 0);
  in_open_dir = saldo_test_write_file (open_dir, "ok.sh", "#!/bin/sh\n", 0755);
  g_assert_cmpint (symlink (in_open_dir, link), ==, 0);
  g_ptr_array_add (cases, g_strdup_printf ("%s|writable by group or others", group_writable));
  g_ptr_array_add (cases, g_strdup_printf ("%s|directory %s", in_open_dir, open_dir));
  g_ptr_array_add (cases, g_strdup_printf ("%s|directory %s", link, open_dir));
  /* Another owner needs root to set up; CI runs the suite as root. */
  if (geteuid () == 0) {
    g_assert_cmpint (chown (foreign, 4242, 4242), ==, 0);
    g_ptr_array_add (cases, g_strdup_printf ("%s|owned by uid 4242", foreign));
  }

  for (guint i = 0; i < cases->len; i++) {
    g_auto(GStrv) parts = g_strsplit (cases->pdata[i], "|", 2);
    g_autofree char *config = g_strdup_printf ("[Provider]\nType=command\nProgram=%s\n", parts[0]);
    g_autoptr(SaldoProvider) provider = NULL;
    g_autoptr(GError) error = NULL;

    provider = saldo_test_new_provider (SALDO_TYPE_PROVIDER_COMMAND, "bad", config, fx->dir, &error);
    g_assert_null (provider);
    g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG);
    g_assert_nonnull (strstr (error->message, "Program= refused"));
    g_assert_nonnull (strstr (error->message, parts[1]));
  }
  g_ptr_array_unref (cases);
}

static void
test_account (Fixture *fx, gconstpointer data)
{
  const struct {
    const char          *id;
    const char          *script;
    const char          *account;
    SaldoProviderError   code; /* 0: funds expected */
    SaldoProviderFailure failure;
  } cases[] = {
    { "cmd", "account.sh", "true", 0, 0 },
    { "expired", "account.sh", "true", SALDO_PROVIDER_ERROR_PAYMENT_EXPIRED,
      SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION },
    { "nosuch", "account.sh", "true", SALDO_PROVIDER_ERROR_NOT_SUPPORTED, SALDO_PROVIDER_FAILURE_OTHER },
    { "cmd", "hang.sh", "true", SALDO_PROVIDER_ERROR_TIMEOUT, SALDO_PROVIDER_FAILURE_UNREACHABLE },
    /* ok.sh takes any action but lookup for a top-up: without Account=true
     * it is never asked */
    { "cmd", "ok.sh", "false", SALDO_PROVIDER_ERROR_NOT_SUPPORTED, SALDO_PROVIDER_FAILURE_OTHER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *config = g_strdup_printf ("[Provider]\nType=command\nProgram=%s/%s\n"
                                               "TimeoutSec=1\nAccount=%s\n",
                                               fx->dir, cases[i].script, cases[i].account);
    g_autoptr(SaldoProvider) provider = NULL;
    g_autoptr(SaldoProviderAccount) acct = NULL;
    g_autoptr(GError) error = NULL;

    provider = saldo_test_new_provider (SALDO_TYPE_PROVIDER_COMMAND, cases[i].id, config, fx->dir, &error);
    g_assert_no_error (error);
    acct = saldo_test_account (provider, &error);
    if (cases[i].code == 0) {
      g_assert_no_error (error);
      g_assert_cmpint (acct->funds, ==, 4210);
      g_assert_cmpstr (acct->currency, ==, "EUR");
      continue;
    }
    g_assert_null (acct);
    g_assert_error (error, SALDO_PROVIDER_ERROR, (gint) cases[i].code);
    g_assert_cmpint (saldo_provider_failure_classify (error), ==, cases[i].failure);
  }
  /* hang.sh logs one line (the account query has no reference); ok.sh none */
  {
    g_autofree char *path = g_build_filename (fx->dir, "log", NULL);
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "\n");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/provider/command/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("success-and-lookup", test_success_and_lookup);
  ADD ("outcomes", test_outcomes);
  ADD ("lookup-errors", test_lookup_errors);
  ADD ("cancel-is-unknown", test_cancel_is_unknown);
  ADD ("timeout-stops-waiting", test_timeout_stops_waiting);
  ADD ("config-errors", test_config_errors);
  ADD ("untrusted-program", test_untrusted_program);
  ADD ("account", test_account);
#undef ADD
  return g_test_run ();
}
