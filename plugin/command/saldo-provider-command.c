/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoCommand"

#include "saldo-provider-command.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "saldo-money.h"
#include "saldo-provider-reply.h"
#include "saldo-trusted-path.h"

/* Runs Program= with the request in SALDO_* environment variables and reads
 * one JSON object (the http provider's reply schema) from its stdout. Fully
 * asynchronous on the caller's main context through GSubprocess. */

#define DEFAULT_TIMEOUT_SEC 60.0

struct _SaldoProviderCommand {
  SaldoProvider parent_instance;

  char   **argv; /* Program= followed by Arguments= */
  double   timeout_sec;
  gboolean account; /* Account=: the program answers SALDO_ACTION=account */
};

G_DEFINE_TYPE (SaldoProviderCommand, saldo_provider_command, SALDO_TYPE_PROVIDER)

typedef struct {
  SaldoTopUpRequest *req;       /* NULL for a lookup or the account query */
  char              *reference; /* NULL for the account query */
  GSubprocess       *proc;
  GPid               pid;
  GSource           *timeout;
  GCancellable      *cancellable;
  gulong             cancelled_id;
  GCancellable      *io_cancel; /* stops reading stdout */
  gboolean           timed_out;
} Run;

static void
run_free (Run *run)
{
  if (run->timeout != NULL) {
    g_source_destroy (run->timeout);
    g_source_unref (run->timeout);
  }
  if (run->cancellable != NULL) {
    g_cancellable_disconnect (run->cancellable, run->cancelled_id);
    g_object_unref (run->cancellable);
  }
  g_clear_pointer (&run->req, saldo_top_up_request_free);
  g_clear_object (&run->io_cancel);
  g_clear_object (&run->proc);
  g_free (run->reference);
  g_free (run);
}

/* The program runs in its own process group so a timeout also kills
 * whatever it started (curl, a shell pipeline).  Something it started may
 * have left the group (setsid) and still hold stdout open, so after the
 * kill saldod stops reading rather than wait for an end that never comes. */
static void
child_setup (gpointer user_data)
{
  setpgid (0, 0);
}

static void
kill_group (Run *run)
{
  if (run->pid > 0)
    kill (-run->pid, SIGKILL);
}

static gboolean
on_timeout (gpointer user_data)
{
  Run *run = user_data;

  run->timed_out = TRUE;
  kill_group (run);
  g_cancellable_cancel (run->io_cancel);
  g_clear_pointer (&run->timeout, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  Run *run = user_data;

  kill_group (run);
  g_cancellable_cancel (run->io_cancel);
}

static SaldoTopUpResult *
unknown_result (Run *run, GError *reason)
{
  SaldoTopUpResult *result = saldo_top_up_result_new_unknown (run->reference, reason);

  result->requested_amount = run->req->amount;
  result->requested_currency = g_strdup (run->req->currency);
  g_error_free (reason);
  return result;
}

static void
communicate_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SaldoProviderCommand *self = g_task_get_source_object (task);
  Run                  *run = g_task_get_task_data (task);
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) parse_error = NULL;
  SaldoTopUpResult *result;
  GError           *reason = NULL;
  const char       *data;
  gsize             len = 0;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), res, &out, NULL, &error);
  /* Reaped: the id may be reused, so never signal it again. */
  run->pid = 0;
  if (run->timeout != NULL) {
    g_source_destroy (run->timeout);
    g_clear_pointer (&run->timeout, g_source_unref);
  }

  if (run->timed_out)
    reason = g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_TIMEOUT,
                          "%s did not answer within %.1f s and was killed", self->argv[0], self->timeout_sec);
  else if (g_cancellable_is_cancelled (run->cancellable))
    reason = g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_TRANSPORT,
                          "%s was killed because the request was cancelled", self->argv[0]);
  else if (error != NULL)
    reason = g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_TRANSPORT,
                          "Cannot read the output of %s: %s", self->argv[0], error->message);

  if (reason == NULL && run->reference == NULL) {
    SaldoProviderAccount *account;

    data = out != NULL ? g_bytes_get_data (out, &len) : NULL;
    account = saldo_provider_account_reply_parse (data != NULL ? data : "", len, &parse_error);
    if (account != NULL)
      g_task_return_pointer (task, account, (GDestroyNotify) saldo_provider_account_free);
    else
      g_task_return_new_error (task, SALDO_PROVIDER_ERROR, parse_error->code, "%s (account query): %s",
                               self->argv[0], parse_error->message);
    return;
  }
  if (reason == NULL) {
    data = out != NULL ? g_bytes_get_data (out, &len) : NULL;
    result = saldo_provider_reply_parse (data != NULL ? data : "", len, run->reference, run->req,
                                         &parse_error);
    if (result != NULL) {
      g_task_return_pointer (task, result, (GDestroyNotify) saldo_top_up_result_free);
      return;
    }
    if (g_error_matches (parse_error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_FOUND)) {
      g_task_return_error (task, g_steal_pointer (&parse_error));
      return;
    }
    if (g_subprocess_get_if_exited (G_SUBPROCESS (source)))
      reason = g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                            "%s exited with status %d without a valid reply: %s", self->argv[0],
                            g_subprocess_get_exit_status (G_SUBPROCESS (source)), parse_error->message);
    else
      reason = g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                            "%s was killed by signal %d without a valid reply", self->argv[0],
                            g_subprocess_get_term_sig (G_SUBPROCESS (source)));
  }

  /* The program ran, so for a top-up it may have charged. */
  if (run->req != NULL)
    g_task_return_pointer (task, unknown_result (run, reason), (GDestroyNotify) saldo_top_up_result_free);
  else
    g_task_return_error (task, reason);
}

static void
set_env (GSubprocessLauncher *launcher, const char *name, const char *value)
{
  if (value != NULL)
    g_subprocess_launcher_setenv (launcher, name, value, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, name);
}

static void
start (SaldoProviderCommand *self,
       Run                  *run,
       GCancellable         *cancellable,
       GAsyncReadyCallback   callback,
       gpointer              user_data,
       gpointer              source_tag)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) empty = NULL;
  const char *identifier;

  g_task_set_source_tag (task, source_tag);
  /* A cancelled top-up still reports what may have happened. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  run->io_cancel = g_cancellable_new ();

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  set_env (launcher, "SALDO_ACTION",
           run->req != NULL         ? "topup"
           : run->reference != NULL ? "lookup"
                                    : "account");
  set_env (launcher, "SALDO_REFERENCE", run->reference);
  set_env (launcher, "SALDO_PROVIDER", saldo_provider_get_id (SALDO_PROVIDER (self)));
  if (run->req != NULL) {
    g_autofree char *amount = saldo_money_to_decimal (run->req->amount, run->req->currency);
    g_autofree char *minor = g_strdup_printf ("%" G_GINT64_FORMAT, run->req->amount);

    set_env (launcher, "SALDO_AMOUNT", amount);
    set_env (launcher, "SALDO_AMOUNT_MINOR", minor);
    set_env (launcher, "SALDO_CURRENCY", run->req->currency);
    set_env (launcher, "SALDO_PHONE", run->req->phone);
    set_env (launcher, "SALDO_ICCID", run->req->iccid);
    set_env (launcher, "SALDO_COUNTRY", run->req->country);
    set_env (launcher, "SALDO_OPERATOR", run->req->operator_id);
  }

  run->proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) self->argv, &error);
  if (run->proc == NULL) {
    g_task_return_new_error (task, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_TRANSPORT, "Cannot run %s: %s",
                             self->argv[0], error->message);
    return;
  }
  identifier = g_subprocess_get_identifier (run->proc);
  run->pid = identifier != NULL ? (GPid) g_ascii_strtoll (identifier, NULL, 10) : 0;

  run->timeout = g_timeout_source_new ((guint) (self->timeout_sec * 1000.0));
  g_source_set_callback (run->timeout, on_timeout, run, NULL);
  g_source_attach (run->timeout, g_main_context_get_thread_default ());
  if (cancellable != NULL) {
    run->cancellable = g_object_ref (cancellable);
    run->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), run, NULL);
  }
  /* An empty stdin: the program gets EOF rather than the daemon's stdin. */
  empty = g_bytes_new_static ("", 0);
  g_subprocess_communicate_async (run->proc, empty, run->io_cancel, communicate_cb, g_steal_pointer (&task));
}

static void
saldo_provider_command_top_up_async (SaldoProvider      *provider,
                                     SaldoTopUpRequest  *req,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  Run *run = g_new0 (Run, 1);

  run->req = saldo_top_up_request_copy (req);
  run->reference = g_strdup (req->reference);
  start (SALDO_PROVIDER_COMMAND (provider), run, cancellable, callback, user_data,
         saldo_provider_command_top_up_async);
}

static void
saldo_provider_command_lookup_async (SaldoProvider      *provider,
                                     const char         *reference,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  Run *run = g_new0 (Run, 1);

  run->reference = g_strdup (reference);
  start (SALDO_PROVIDER_COMMAND (provider), run, cancellable, callback, user_data,
         saldo_provider_command_lookup_async);
}

/* Only asked of programs whose file says they answer it: one written
 * before the account query may take any action but "lookup" for a top-up. */
static void
saldo_provider_command_account_async (SaldoProvider      *provider,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  SaldoProviderCommand *self = SALDO_PROVIDER_COMMAND (provider);

  if (!self->account) {
    g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

    g_task_set_source_tag (task, saldo_provider_command_account_async);
    g_task_return_new_error (task, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_SUPPORTED,
                             "Provider “%s” has no Account=true, so its funds are not known",
                             saldo_provider_get_id (provider));
    return;
  }
  start (self, g_new0 (Run, 1), cancellable, callback, user_data, saldo_provider_command_account_async);
}

static gboolean
saldo_provider_command_configure (SaldoProvider *provider,
                                  GKeyFile      *kf,
                                  const char    *config_dir,
                                  GError       **error)
{
  SaldoProviderCommand *self = SALDO_PROVIDER_COMMAND (provider);
  g_autofree char      *program = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, "Program", NULL);
  g_autofree char      *arguments = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, "Arguments", NULL);
  g_auto(GStrv) args = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  double   timeout = DEFAULT_TIMEOUT_SEC;
  gboolean account = FALSE;

  if (program == NULL || !g_path_is_absolute (program)) {
    g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                         "Program= must be an absolute path");
    return FALSE;
  }
  if (!g_file_test (program, G_FILE_TEST_IS_EXECUTABLE) || g_file_test (program, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "Program= %s is not an executable file", program);
    return FALSE;
  }
  /* saldod runs it as root with the request in its environment. */
  if (!saldo_trusted_check_path (program, error)) {
    g_prefix_error (error, "Program= refused: ");
    return FALSE;
  }
  if (arguments != NULL && *arguments != '\0') {
    g_autoptr(GError) local_error = NULL;

    if (!g_shell_parse_argv (arguments, NULL, &args, &local_error)) {
      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                   "Arguments= cannot be parsed: %s", local_error->message);
      return FALSE;
    }
  }
  if (g_key_file_has_key (kf, SALDO_PROVIDER_GROUP, "TimeoutSec", NULL)) {
    g_autoptr(GError) local_error = NULL;

    timeout = g_key_file_get_double (kf, SALDO_PROVIDER_GROUP, "TimeoutSec", &local_error);
    if (local_error != NULL || timeout <= 0 || timeout > 3600) {
      g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                           "TimeoutSec= must be a number of seconds between 0 and 3600");
      return FALSE;
    }
  }

  if (g_key_file_has_key (kf, SALDO_PROVIDER_GROUP, "Account", NULL)) {
    g_autoptr(GError) local_error = NULL;

    account = g_key_file_get_boolean (kf, SALDO_PROVIDER_GROUP, "Account", &local_error);
    if (local_error != NULL) {
      g_set_error_literal (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                           "Account= must be true or false");
      return FALSE;
    }
  }

  g_strv_builder_add (builder, program);
  if (args != NULL)
    g_strv_builder_addv (builder, (const char **) args);
  g_strfreev (self->argv);
  self->argv = g_strv_builder_end (builder);
  self->timeout_sec = timeout;
  self->account = account;
  return TRUE;
}

static char *
saldo_provider_command_describe (SaldoProvider *provider)
{
  SaldoProviderCommand *self = SALDO_PROVIDER_COMMAND (provider);

  return g_strdup_printf ("command provider “%s” (%s)", saldo_provider_get_id (provider),
                          self->argv != NULL ? self->argv[0] : "not configured");
}

static void
saldo_provider_command_finalize (GObject *object)
{
  SaldoProviderCommand *self = SALDO_PROVIDER_COMMAND (object);

  g_strfreev (self->argv);
  G_OBJECT_CLASS (saldo_provider_command_parent_class)->finalize (object);
}

static void
saldo_provider_command_class_init (SaldoProviderCommandClass *klass)
{
  GObjectClass       *object_class = G_OBJECT_CLASS (klass);
  SaldoProviderClass *provider_class = SALDO_PROVIDER_CLASS (klass);

  object_class->finalize = saldo_provider_command_finalize;
  provider_class->type_name = "command";
  provider_class->configure = saldo_provider_command_configure;
  provider_class->top_up_async = saldo_provider_command_top_up_async;
  provider_class->lookup_async = saldo_provider_command_lookup_async;
  provider_class->account_async = saldo_provider_command_account_async;
  provider_class->describe = saldo_provider_command_describe;
}

static void
saldo_provider_command_init (SaldoProviderCommand *self)
{
  self->timeout_sec = DEFAULT_TIMEOUT_SEC;
}
