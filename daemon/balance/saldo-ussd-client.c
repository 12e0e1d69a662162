/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoUssd"

#include "config.h"

#include "saldo-error.h"
#include "saldo-log.h"
#include "saldo-ussd-client.h"
#include "saldo-ussd-text.h"

/* How long to wait, after ModemManager reports "terminated by network", for
 * the reply to land in NetworkNotification instead: some networks send an
 * interim release before the real answer. */
#define SALDO_USSD_LATE_REPLY_MS 5000
/* How long a session state left "active" by someone else may take to settle. */
#define SALDO_USSD_SETTLE_MS 300

struct _SaldoUssdClient {
  GObject          parent_instance;
  MMModem3gppUssd *ussd;
  GQueue           queue; /* GTask, head is running */
  gboolean         busy;
};

G_DEFINE_TYPE (SaldoUssdClient, saldo_ussd_client, G_TYPE_OBJECT)

typedef struct {
  char         *code;
  char         *shown;  /* code for logs and errors: PINs masked */
  char         *secret; /* masked in every text we give out, or NULL */
  GStrv         responses;
  guint         next_response;
  guint         timeout_ms;
  GCancellable *call_cancellable; /* cancels the ModemManager call in flight */
  guint         timeout_id;
  guint         late_reply_id;
  guint         settle_id;
  gulong        notification_id;
  gulong        request_id;
  gulong        caller_cancel_id;
  GCancellable *caller_cancellable;
  gboolean      retried_busy;
  gboolean      finished;
} RunData;

static void run_data_free (RunData *data);
static void saldo_ussd_client_next (SaldoUssdClient *self);
static void run_initiate (GTask *task);

static void
run_data_disconnect (RunData *data, MMModem3gppUssd *ussd)
{
  g_clear_handle_id (&data->timeout_id, g_source_remove);
  g_clear_handle_id (&data->late_reply_id, g_source_remove);
  g_clear_handle_id (&data->settle_id, g_source_remove);
  g_clear_signal_handler (&data->notification_id, ussd);
  g_clear_signal_handler (&data->request_id, ussd);
  if (data->caller_cancellable != NULL && data->caller_cancel_id != 0)
    g_cancellable_disconnect (data->caller_cancellable, data->caller_cancel_id);
  data->caller_cancel_id = 0;
}

static void
run_data_free (RunData *data)
{
  if (data->code != NULL)
    memset (data->code, 0, strlen (data->code));
  g_free (data->code);
  g_free (data->shown);
  if (data->secret != NULL)
    explicit_bzero (data->secret, strlen (data->secret));
  g_free (data->secret);
  g_strfreev (data->responses);
  g_clear_object (&data->call_cancellable);
  g_clear_object (&data->caller_cancellable);
  g_free (data);
}

static gboolean
session_is_open (MMModem3gppUssd *ussd)
{
  MMModem3gppUssdSessionState state = mm_modem_3gpp_ussd_get_state (ussd);

  return state == MM_MODEM_3GPP_USSD_SESSION_STATE_ACTIVE ||
         state == MM_MODEM_3GPP_USSD_SESSION_STATE_USER_RESPONSE;
}

static void
on_release_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaldoUssdClient) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!mm_modem_3gpp_ussd_cancel_finish (MM_MODEM_3GPP_USSD (source), result, &error))
    g_debug ("cancelling the USSD session: %s", error->message);
  self->busy = FALSE;
  saldo_ussd_client_next (self);
}

/* Completes the running task.  The next request starts only once the
 * session is released, so two sessions never overlap on one modem. */
static void
run_complete (GTask *task, char *reply, GError *error, gboolean release)
{
  SaldoUssdClient *self = g_task_get_source_object (task);
  RunData         *data = g_task_get_task_data (task);

  if (data->finished) {
    g_free (reply);
    if (error != NULL)
      g_error_free (error);
    return;
  }
  data->finished = TRUE;
  run_data_disconnect (data, self->ussd);
  g_cancellable_cancel (data->call_cancellable);
  g_queue_remove (&self->queue, task);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, reply, g_free);

  /* After a final reply ModemManager announces the idle state only after
   * returning the text: a lagging "active" is not an open session, and a
   * Cancel then could abort another client's.  USER_RESPONSE is open. */
  if (release ||
      mm_modem_3gpp_ussd_get_state (self->ussd) == MM_MODEM_3GPP_USSD_SESSION_STATE_USER_RESPONSE) {
    mm_modem_3gpp_ussd_cancel (self->ussd, NULL, on_release_done, g_object_ref (self));
  } else {
    self->busy = FALSE;
    saldo_ussd_client_next (self);
  }
  g_object_unref (task);
}

static GError *
convert_mm_error (const GError *mm_error, const char *code, const char *secret)
{
  /* ModemManager may quote the code it was given. */
  g_autoptr(GError) error = g_error_copy (mm_error);

  g_free (error->message);
  error->message = saldo_redact_secret (mm_error->message, secret);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (SALDO_ERROR, SALDO_ERROR_TIMED_OUT, "USSD %s: no answer from the modem: %s", code,
                        error->message);
  if (g_error_matches (error, MM_CORE_ERROR, MM_CORE_ERROR_UNSUPPORTED))
    return g_error_new (SALDO_ERROR, SALDO_ERROR_NOT_SUPPORTED, "USSD %s: not supported by the modem: %s",
                        code, error->message);
  if (g_error_matches (error, MM_CORE_ERROR, MM_CORE_ERROR_WRONG_STATE))
    return g_error_new (SALDO_ERROR, SALDO_ERROR_MODEM_UNAVAILABLE, "USSD %s: modem not ready: %s", code,
                        error->message);
  return g_error_new (SALDO_ERROR, SALDO_ERROR_NETWORK_REJECTED, "USSD %s: %s", code, error->message);
}

static void
run_deliver (GTask *task, const char *raw_reply)
{
  RunData         *data = g_task_get_task_data (task);
  g_autofree char *decoded = saldo_ussd_text_maybe_decode (raw_reply != NULL ? raw_reply : "");
  /* A network that echoes a voucher PIN must not put it in a log or a ledger row. */
  g_autofree char *reply = saldo_redact_secret (decoded, data->secret);

  g_debug ("USSD %s: reply '%s'", data->shown, reply);
  run_complete (task, g_steal_pointer (&reply), NULL, FALSE);
}

static void on_reply (GObject *source, GAsyncResult *result, gpointer user_data);

static void
run_respond_or_finish (GTask *task, char *reply)
{
  SaldoUssdClient *self = g_task_get_source_object (task);
  RunData         *data = g_task_get_task_data (task);

  if (data->responses != NULL && data->responses[data->next_response] != NULL) {
    const char *answer = data->responses[data->next_response++];

    g_debug ("USSD %s: menu step %u, answering '%s'", data->shown, data->next_response, answer);
    mm_modem_3gpp_ussd_respond (self->ussd, answer, data->call_cancellable, on_reply, g_object_ref (task));
    g_free (reply);
    return;
  }
  run_deliver (task, reply);
  g_free (reply);
}

static void
on_network_text (MMModem3gppUssd *ussd, GParamSpec *pspec, gpointer user_data)
{
  GTask      *task = user_data;
  RunData    *data = g_task_get_task_data (task);
  const char *text;

  text = g_str_equal (pspec->name, "network-request") ? mm_modem_3gpp_ussd_get_network_request (ussd)
                                                      : mm_modem_3gpp_ussd_get_network_notification (ussd);
  if (text == NULL || *text == '\0' || data->finished)
    return;
  g_debug ("USSD %s: reply arrived as %s", data->shown, pspec->name);
  run_respond_or_finish (task, g_strdup (text));
}

static gboolean
on_late_reply_timeout (gpointer user_data)
{
  GTask   *task = user_data;
  RunData *data = g_task_get_task_data (task);

  data->late_reply_id = 0;
  run_complete (task, NULL,
                g_error_new (SALDO_ERROR, SALDO_ERROR_NETWORK_REJECTED,
                             "USSD %s: the network released the session without an answer", data->shown),
                FALSE);
  return G_SOURCE_REMOVE;
}

static gboolean
is_network_release (const GError *error)
{
  return error != NULL && strstr (error->message, "terminated by network") != NULL;
}

static gboolean
is_session_busy (const GError *error)
{
  return error != NULL && (strstr (error->message, "already active") != NULL ||
                           strstr (error->message, "already an ongoing") != NULL ||
                           g_error_matches (error, MM_CORE_ERROR, MM_CORE_ERROR_IN_PROGRESS));
}

static void
on_stale_cancelled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  RunData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!mm_modem_3gpp_ussd_cancel_finish (MM_MODEM_3GPP_USSD (source), result, &error))
    g_debug ("cancelling a stale USSD session: %s", error->message);
  if (!data->finished)
    run_initiate (task);
}

static void
on_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SaldoUssdClient *self = g_task_get_source_object (task);
  RunData         *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *reply;

  /* Initiate and Respond have the same finish signature. */
  reply = mm_modem_3gpp_ussd_initiate_finish (MM_MODEM_3GPP_USSD (source), result, &error);
  if (data->finished) {
    g_free (reply);
    return;
  }
  if (reply != NULL) {
    run_respond_or_finish (task, reply);
    return;
  }

  if (is_network_release (error)) {
    /* The text of a release is dropped by ModemManager; the real answer
     * may still come as a network notification. */
    g_debug ("USSD %s: released by the network; waiting for a late reply", data->shown);
    data->late_reply_id = g_timeout_add (MIN (SALDO_USSD_LATE_REPLY_MS, data->timeout_ms),
                                         on_late_reply_timeout, task);
    return;
  }
  if (is_session_busy (error) && !data->retried_busy) {
    data->retried_busy = TRUE;
    g_info ("USSD %s: a session was still open; cancelling it first", data->shown);
    mm_modem_3gpp_ussd_cancel (self->ussd, NULL, on_stale_cancelled, g_object_ref (task));
    return;
  }
  run_complete (task, NULL, convert_mm_error (error, data->shown, data->secret), TRUE);
}

static void
run_initiate (GTask *task)
{
  SaldoUssdClient *self = g_task_get_source_object (task);
  RunData         *data = g_task_get_task_data (task);

  g_debug ("USSD %s: initiating", data->shown);
  mm_modem_3gpp_ussd_initiate (self->ussd, data->code, data->call_cancellable, on_reply, g_object_ref (task));
}

static gboolean
on_run_timeout (gpointer user_data)
{
  GTask   *task = user_data;
  RunData *data = g_task_get_task_data (task);

  data->timeout_id = 0;
  run_complete (task, NULL,
                g_error_new (SALDO_ERROR, SALDO_ERROR_TIMED_OUT, "USSD %s: no reply within %u s", data->shown,
                             data->timeout_ms / 1000),
                TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
on_caller_cancelled_idle (gpointer user_data)
{
  GTask *task = user_data;

  run_complete (task, NULL,
                g_error_new_literal (SALDO_ERROR, SALDO_ERROR_CANCELLED, "USSD request cancelled"), TRUE);
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *cancellable, gpointer user_data)
{
  /* Not from inside the cancellable's handler: disconnecting it there deadlocks. */
  g_idle_add_full (G_PRIORITY_DEFAULT, on_caller_cancelled_idle, g_object_ref (user_data), g_object_unref);
}

static gboolean
on_settled (gpointer user_data)
{
  GTask           *task = user_data;
  SaldoUssdClient *self = g_task_get_source_object (task);
  RunData         *data = g_task_get_task_data (task);

  data->settle_id = 0;
  if (session_is_open (self->ussd)) {
    g_info ("USSD %s: cancelling a stale session first", data->shown);
    mm_modem_3gpp_ussd_cancel (self->ussd, NULL, on_stale_cancelled, g_object_ref (task));
  } else {
    run_initiate (task);
  }
  return G_SOURCE_REMOVE;
}

static void
saldo_ussd_client_start (SaldoUssdClient *self, GTask *task)
{
  RunData *data = g_task_get_task_data (task);

  self->busy = TRUE;
  data->timeout_id = g_timeout_add (data->timeout_ms, on_run_timeout, task);
  data->notification_id = g_signal_connect (self->ussd, "notify::network-notification",
                                            G_CALLBACK (on_network_text), task);
  data->request_id = g_signal_connect (self->ussd, "notify::network-request", G_CALLBACK (on_network_text),
                                       task);
  if (data->caller_cancellable != NULL)
    data->caller_cancel_id = g_cancellable_connect (data->caller_cancellable,
                                                    G_CALLBACK (on_caller_cancelled), task, NULL);
  if (session_is_open (self->ussd)) {
    /* Give a lagging state a moment to settle before calling it stale. */
    data->settle_id = g_timeout_add (SALDO_USSD_SETTLE_MS, on_settled, task);
    return;
  }
  run_initiate (task);
}

static void
saldo_ussd_client_next (SaldoUssdClient *self)
{
  GTask *task;

  if (self->busy)
    return;
  task = g_queue_peek_head (&self->queue);
  if (task != NULL)
    saldo_ussd_client_start (self, task);
}

/* Voucher codes carry a PIN: the secret, whatever its length, and any run
 * of 6 or more digits are masked before a code reaches a log line or an
 * error message. */
static char *
mask_code (const char *code, const char *secret)
{
  g_autofree char *masked = saldo_redact_secret (code, secret);
  GString         *shown = g_string_new (NULL);
  const char      *p = masked;

  while (*p != '\0') {
    gsize run = 0;

    while (g_ascii_isdigit (p[run]))
      run++;
    if (run >= 6) {
      g_string_append (shown, "…");
      p += run;
    } else if (run > 0) {
      g_string_append_len (shown, p, (gssize) run);
      p += run;
    } else {
      g_string_append_c (shown, *p++);
    }
  }
  return g_string_free (shown, FALSE);
}

static void
saldo_ussd_client_run (SaldoUssdClient    *self,
                       const char         *code,
                       const char         *secret,
                       const char *const  *responses,
                       guint               timeout_ms,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  GTask   *task;
  RunData *data;

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, saldo_ussd_client_run);
  data = g_new0 (RunData, 1);
  data->code = g_strdup (code);
  data->secret = secret != NULL && *secret != '\0' ? g_strdup (secret) : NULL;
  data->shown = mask_code (code, data->secret);
  data->responses = g_strdupv ((char **) responses);
  data->timeout_ms = MAX (timeout_ms, 1000);
  data->call_cancellable = g_cancellable_new ();
  data->caller_cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, data, (GDestroyNotify) run_data_free);
  /* The queue holds the task's own reference until run_complete (). */
  g_queue_push_tail (&self->queue, task);
  saldo_ussd_client_next (self);
}

void
saldo_ussd_client_run_async (SaldoUssdClient    *self,
                             const char         *code,
                             const char *const  *responses,
                             guint               timeout_ms,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_return_if_fail (SALDO_IS_USSD_CLIENT (self));
  g_return_if_fail (code != NULL);

  saldo_ussd_client_run (self, code, NULL, responses, timeout_ms, cancellable, callback, user_data);
}

void
saldo_ussd_client_run_secret_async (SaldoUssdClient    *self,
                                    const char         *code,
                                    const char         *secret,
                                    guint               timeout_ms,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data)
{
  g_return_if_fail (SALDO_IS_USSD_CLIENT (self));
  g_return_if_fail (code != NULL);

  saldo_ussd_client_run (self, code, secret, NULL, timeout_ms, cancellable, callback, user_data);
}

char *
saldo_ussd_client_run_finish (SaldoUssdClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

SaldoUssdClient *
saldo_ussd_client_new (MMModem3gppUssd *ussd)
{
  SaldoUssdClient *self = g_object_new (SALDO_TYPE_USSD_CLIENT, NULL);

  self->ussd = g_object_ref (ussd);
  /* Our own per-session timer decides when to give up; the D-Bus default
   * of 25 s would cut slow networks short. */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (self->ussd), G_MAXINT);
  return self;
}

MMModem3gppUssd *
saldo_ussd_client_get_ussd (SaldoUssdClient *self)
{
  return self->ussd;
}

guint
saldo_ussd_client_get_queued (SaldoUssdClient *self)
{
  return g_queue_get_length (&self->queue);
}

static void
saldo_ussd_client_dispose (GObject *object)
{
  SaldoUssdClient *self = SALDO_USSD_CLIENT (object);
  GTask           *task;

  /* Tasks hold a reference to us, so this runs only when none is queued;
   * drain defensively all the same. */
  while ((task = g_queue_pop_head (&self->queue)) != NULL) {
    RunData *data = g_task_get_task_data (task);

    run_data_disconnect (data, self->ussd);
    data->finished = TRUE;
    g_task_return_new_error (task, SALDO_ERROR, SALDO_ERROR_CANCELLED, "modem went away");
    g_object_unref (task);
  }
  g_clear_object (&self->ussd);
  G_OBJECT_CLASS (saldo_ussd_client_parent_class)->dispose (object);
}

static void
saldo_ussd_client_class_init (SaldoUssdClientClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = saldo_ussd_client_dispose;
}

static void
saldo_ussd_client_init (SaldoUssdClient *self)
{
  g_queue_init (&self->queue);
}
