/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoTopupRunner"

#include "config.h"

#include <signal.h>

#include "saldo-error.h"
#include "saldo-log.h"
#include "saldo-daemon-enums.h"
#include "saldo-enum.h"
#include "saldo-topup-runner.h"

struct _SaldoTopupRunner {
  GObject         parent_instance;
  SaldoTopupFault fault;
  GHashTable     *busy; /* gint64 ids of rows this runner is working on */
};

G_DEFINE_TYPE (SaldoTopupRunner, saldo_topup_runner, G_TYPE_OBJECT)

const char *
saldo_topup_fault_to_string (SaldoTopupFault fault)
{
  const char *name = saldo_enum_to_string (SALDO_TYPE_TOPUP_FAULT, fault);

  return name != NULL ? name : "invalid";
}

gboolean
saldo_topup_fault_from_string (const char *str, SaldoTopupFault *fault)
{
  return saldo_enum_from_string (SALDO_TYPE_TOPUP_FAULT, str, (gint *) fault);
}

gint64
saldo_topup_backoff (guint lookups)
{
  gint64 delay = SALDO_TOPUP_BACKOFF_FIRST;

  for (guint i = 0; i < lookups && delay < SALDO_TOPUP_BACKOFF_MAX; i++)
    delay *= 2;
  return MIN (delay, SALDO_TOPUP_BACKOFF_MAX);
}

SaldoTopupRunner *
saldo_topup_runner_new (void)
{
  SaldoTopupRunner *self = g_object_new (SALDO_TYPE_TOPUP_RUNNER, NULL);
  const char       *fault = g_getenv ("SALDO_TEST_FAULT");

  /* Read once, so a running daemon cannot be made to crash by anything
   * that happens after start-up. */
  if (fault != NULL && *fault != '\0') {
    if (saldo_topup_fault_from_string (fault, &self->fault))
      g_warning ("SALDO_TEST_FAULT=%s: this process will kill itself at that top-up step "
                 "(test only)",
                 fault);
    else
      g_warning ("SALDO_TEST_FAULT=%s is not a fault step; ignored", fault);
  }
  return self;
}

SaldoTopupFault
saldo_topup_runner_get_fault (SaldoTopupRunner *self)
{
  g_return_val_if_fail (SALDO_IS_TOPUP_RUNNER (self), SALDO_TOPUP_FAULT_NONE);
  return self->fault;
}

gboolean
saldo_topup_runner_is_busy (SaldoTopupRunner *self, gint64 topup_id)
{
  g_return_val_if_fail (SALDO_IS_TOPUP_RUNNER (self), FALSE);
  return g_hash_table_contains (self->busy, &topup_id);
}

/* TEST ONLY: the crash test's stand-in for a power cut. */
static void
fault_point (SaldoTopupRunner *self, SaldoTopupFault step)
{
  if (self->fault != SALDO_TOPUP_FAULT_NONE && self->fault == step)
    raise (SIGKILL);
}

static void
busy_add (SaldoTopupRunner *self, gint64 id)
{
  g_hash_table_add (self->busy, g_memdup2 (&id, sizeof (id)));
}

static void
busy_remove (SaldoTopupRunner *self, gint64 id)
{
  g_hash_table_remove (self->busy, &id);
}

static SaldoTopUpRequest *
request_from_record (const SaldoTopupRecord *record, const char *reference)
{
  SaldoTopUpRequest *req = saldo_top_up_request_new ();

  req->reference = g_strdup (reference);
  req->iccid = g_strdup (record->iccid);
  req->phone = g_strdup (record->phone);
  req->country = g_strdup (record->country);
  req->operator_id = g_strdup (record->operator_id);
  req->amount = record->amount;
  req->currency = g_strdup (record->currency);
  req->ussd_template = g_strdup (record->ussd_template);
  return req;
}

static SaldoLedgerState
state_for_status (SaldoTopUpStatus status)
{
  switch (status) {
  case SALDO_TOP_UP_STATUS_SUCCEEDED:
    return SALDO_LEDGER_STATE_SUCCEEDED;
  case SALDO_TOP_UP_STATUS_FAILED:
    return SALDO_LEDGER_STATE_FAILED;
  case SALDO_TOP_UP_STATUS_PENDING:
  case SALDO_TOP_UP_STATUS_UNKNOWN:
  default:
    /* Pending is not done, and unknown is never a refund: reconcile. */
    return SALDO_LEDGER_STATE_UNKNOWN;
  }
}

static void
receipt_from_result (const SaldoTopUpResult *result, SaldoTopupReceipt *receipt)
{
  saldo_topup_receipt_init (receipt);
  receipt->provider_transaction_id = result->transaction_id;
  receipt->delivered_amount = result->delivered_amount >= 0 ? result->delivered_amount : -1;
  receipt->delivered_currency = result->delivered_currency;
  receipt->requested_amount = result->requested_amount > 0 ? result->requested_amount : -1;
  receipt->requested_currency = result->requested_currency;
  receipt->message = result->message;
  if (result->status != SALDO_TOP_UP_STATUS_SUCCEEDED && result->status != SALDO_TOP_UP_STATUS_PENDING)
    receipt->failure = saldo_topup_failure_token (result->error);
  if (result->error != NULL)
    receipt->error = result->error->message;
  else if (result->error_code != NULL)
    receipt->error = result->error_code;
}

static char *
describe_result (const char *what, const SaldoTopUpResult *result)
{
  return g_strdup_printf ("%s: %s%s%s%s%s", what, saldo_top_up_status_to_string (result->status),
                          result->transaction_id != NULL ? ", transaction " : "",
                          result->transaction_id != NULL ? result->transaction_id : "",
                          result->error != NULL ? ": " : "",
                          result->error != NULL ? result->error->message : "");
}

/* Provider texts (replies and errors) go to the ledger, GetTopUps and the
 * journal: one that quotes the line's ICCID, as Reloadly's errors do, has
 * it shortened like every log line. */
static void
scrub_text (char **text, const char *iccid)
{
  char *clean;

  if (*text == NULL)
    return;
  clean = saldo_redact_iccid_in (*text, iccid);
  g_free (*text);
  *text = clean;
}

static void
scrub_result (SaldoTopUpResult *result, GError *error, const char *iccid)
{
  if (result != NULL) {
    scrub_text (&result->message, iccid);
    scrub_text (&result->error_code, iccid);
    if (result->error != NULL)
      scrub_text (&result->error->message, iccid);
  }
  if (error != NULL)
    scrub_text (&error->message, iccid);
}

/* ---- sending one row: mark sent, ask the provider, record the answer ---- */

typedef struct {
  SaldoLedger       *ledger;
  SaldoProvider     *provider;
  SaldoTopupRecord  *record;
  SaldoTopUpRequest *request;
} SendData;

static void
send_data_free (SendData *data)
{
  g_clear_object (&data->ledger);
  g_clear_object (&data->provider);
  g_clear_pointer (&data->record, saldo_topup_record_free);
  g_clear_pointer (&data->request, saldo_top_up_request_free);
  g_free (data);
}

static void
return_record (GTask *task, SaldoLedger *ledger, gint64 id)
{
  SaldoTopupRecord *record = NULL;
  GError           *error = NULL;

  if (!saldo_ledger_get (ledger, id, &record, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, record, (GDestroyNotify) saldo_topup_record_free);
}

static void
send_top_up_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SaldoTopupRunner *self = g_task_get_source_object (task);
  SendData         *data = g_task_get_task_data (task);
  g_autoptr(SaldoTopUpResult) result = NULL;
  g_autoptr(GError) provider_error = NULL;
  GError           *error = NULL;
  SaldoTopupReceipt receipt;
  SaldoLedgerState  state;
  g_autofree char  *detail = NULL;

  result = saldo_provider_top_up_finish (data->provider, res, &provider_error);
  fault_point (self, SALDO_TOPUP_FAULT_AFTER_PROVIDER_REPLY);
  scrub_result (result, provider_error, data->request->iccid);

  if (result == NULL) {
    /* The provider's contract: NULL + error = the request never reached it
     * in a chargeable form.  Nothing was charged; the row ends as failed
     * and a retry is a new top-up. */
    saldo_topup_receipt_init (&receipt);
    receipt.error = provider_error->message;
    receipt.failure = saldo_topup_failure_token (provider_error);
    state = SALDO_LEDGER_STATE_FAILED;
    detail = g_strdup_printf ("not sent, nothing charged: %s", provider_error->message);
  } else {
    receipt_from_result (result, &receipt);
    state = state_for_status (result->status);
    if (state == SALDO_LEDGER_STATE_UNKNOWN) {
      receipt.next_check = saldo_ledger_now (data->ledger) + saldo_topup_backoff (data->record->lookups);
      receipt.pending = result->status == SALDO_TOP_UP_STATUS_PENDING;
    }
    detail = describe_result ("provider", result);
  }
  if (!saldo_ledger_mark_result (data->ledger, data->record->id, SALDO_LEDGER_STATE_SENT, state, &receipt,
                                 detail, &error)) {
    /* The row stays "sent": the next reconcile asks the provider. */
    g_task_return_error (task, error);
    return;
  }
  fault_point (self, SALDO_TOPUP_FAULT_AFTER_RESULT);
  return_record (task, data->ledger, data->record->id);
}

/* Takes a row in `from` (intent for a first send; intent, sent or unknown
 * for a re-send after a NOT_FOUND lookup) through one request.  The row is
 * marked sent and committed before the request leaves, so a crash from here
 * on finds it "sent" and reconciles instead of sending blindly. */
static void
send_row_async (SaldoTopupRunner   *self,
                SaldoLedger        *ledger,
                SaldoProvider      *provider,
                SaldoTopupRecord   *record,
                SaldoLedgerState    from,
                const char         *detail,
                GCancellable       *cancellable,
                GAsyncReadyCallback callback,
                gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  SendData *data = g_new0 (SendData, 1);
  GError   *error = NULL;

  g_task_set_source_tag (task, send_row_async);
  data->ledger = g_object_ref (ledger);
  data->provider = g_object_ref (provider);
  data->record = saldo_topup_record_copy (record);
  data->request = request_from_record (record, record->reference);
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);

  if (!saldo_ledger_mark_sent (ledger, record->id, from, detail, &error)) {
    g_task_return_error (task, error);
    return;
  }
  fault_point (self, SALDO_TOPUP_FAULT_AFTER_SENT);
  saldo_provider_top_up_async (provider, data->request, cancellable, send_top_up_done,
                               g_steal_pointer (&task));
}

static SaldoTopupRecord *
send_row_finish (SaldoTopupRunner *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- execute / run ---- */

static void
execute_send_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError           *error = NULL;
  SaldoTopupRecord *record = send_row_finish (SALDO_TOPUP_RUNNER (source), res, &error);

  busy_remove (SALDO_TOPUP_RUNNER (source), *(gint64 *) g_task_get_task_data (task));
  if (record == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, record, (GDestroyNotify) saldo_topup_record_free);
}

static void
execute (SaldoTopupRunner *self, SaldoLedger *ledger, SaldoProvider *provider, gint64 topup_id, GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  g_autoptr(SaldoTopupRecord) record = NULL;
  g_autoptr(SaldoTopUpRequest) probe = NULL;
  g_autoptr(GError) invalid = NULL;
  g_autofree char *reference = NULL;
  GCancellable    *cancellable;
  GError          *error = NULL;

  if (!saldo_ledger_get (ledger, topup_id, &record, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if (record->state != SALDO_LEDGER_STATE_PLANNED) {
    g_task_return_new_error (task, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                             "top-up %" G_GINT64_FORMAT " is %s, not planned", topup_id,
                             saldo_ledger_state_to_string (record->state));
    return;
  }
  if (g_strcmp0 (record->provider, saldo_provider_get_id (provider)) != 0) {
    g_task_return_new_error (task, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                             "top-up %" G_GINT64_FORMAT " is for provider “%s”, not “%s”", topup_id,
                             record->provider, saldo_provider_get_id (provider));
    return;
  }
  /* Checked before a reference exists, so a request the provider would
   * refuse never becomes an intent; the row records why it stopped. */
  probe = request_from_record (record, "saldo-probe");
  if (!saldo_top_up_request_validate (probe, &invalid)) {
    if (!saldo_ledger_cancel (ledger, topup_id, invalid->message, &error)) {
      g_task_return_error (task, error);
      return;
    }
    g_task_return_new_error (task, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT, "%s", invalid->message);
    return;
  }
  /* Marked before the intent exists, so a reconcile pass running now
   * cannot take the row for a crashed one. */
  busy_add (self, topup_id);
  g_task_set_task_data (task, g_memdup2 (&topup_id, sizeof (topup_id)), g_free);
  if (!saldo_ledger_record_intent (ledger, topup_id, &reference, &error)) {
    busy_remove (self, topup_id);
    g_task_return_error (task, error);
    return;
  }
  fault_point (self, SALDO_TOPUP_FAULT_AFTER_INTENT);
  g_free (record->reference);
  record->reference = g_steal_pointer (&reference);
  record->state = SALDO_LEDGER_STATE_INTENT;
  cancellable = g_task_get_cancellable (task);
  send_row_async (self, ledger, provider, record, SALDO_LEDGER_STATE_INTENT, record->reference, cancellable,
                  execute_send_done, g_steal_pointer (&task));
}

void
saldo_topup_runner_execute_async (SaldoTopupRunner   *self,
                                  SaldoLedger        *ledger,
                                  SaldoProvider      *provider,
                                  gint64              topup_id,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (SALDO_IS_TOPUP_RUNNER (self));
  g_return_if_fail (SALDO_IS_LEDGER (ledger));
  g_return_if_fail (SALDO_IS_PROVIDER (provider));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, saldo_topup_runner_execute_async);
  execute (self, ledger, provider, topup_id, task);
}

SaldoTopupRecord *
saldo_topup_runner_execute_finish (SaldoTopupRunner *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
saldo_topup_runner_run_async (SaldoTopupRunner     *self,
                              SaldoLedger          *ledger,
                              SaldoProvider        *provider,
                              const SaldoTopupPlan *plan,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  GTask         *task;
  SaldoTopupPlan own;
  GError        *error = NULL;
  gint64         id;

  g_return_if_fail (SALDO_IS_TOPUP_RUNNER (self));
  g_return_if_fail (SALDO_IS_LEDGER (ledger));
  g_return_if_fail (SALDO_IS_PROVIDER (provider));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, saldo_topup_runner_run_async);
  own = *plan;
  own.provider = saldo_provider_get_id (provider);
  if (!saldo_ledger_create_planned (ledger, &own, &id, &error)) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  execute (self, ledger, provider, id, task);
}

SaldoTopupRecord *
saldo_topup_runner_run_finish (SaldoTopupRunner *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- reconcile ---- */

typedef struct {
  SaldoLedger          *ledger;
  SaldoProvider        *provider;
  gboolean              force;
  GPtrArray            *rows;
  guint                 next;
  SaldoTopupRecord     *current; /* borrowed from rows */
  SaldoReconcileSummary summary;
} ReconcileData;

static void
reconcile_data_free (ReconcileData *data)
{
  g_clear_object (&data->ledger);
  g_clear_object (&data->provider);
  g_clear_pointer (&data->rows, g_ptr_array_unref);
  g_free (data);
}

static void reconcile_next (GTask *task);

static void
note_due (ReconcileData *data, gint64 next_check)
{
  if (next_check > 0 && (data->summary.next_due == 0 || next_check < data->summary.next_due))
    data->summary.next_due = next_check;
}

static void
note_open (ReconcileData *data, gint64 next_check)
{
  data->summary.open++;
  note_due (data, next_check);
}

static void
tally (ReconcileData *data, const SaldoTopupRecord *record)
{
  if (record->state == SALDO_LEDGER_STATE_SUCCEEDED)
    data->summary.succeeded++;
  else if (record->state == SALDO_LEDGER_STATE_FAILED)
    data->summary.failed++;
  else
    note_open (data, record->next_check);
}

/* The current row is finished with; a ledger error ends the pass. */
static void
reconcile_row_done (GTask *task, GError *error)
{
  SaldoTopupRunner *self = g_task_get_source_object (task);
  ReconcileData    *data = g_task_get_task_data (task);

  busy_remove (self, data->current->id);
  if (error != NULL) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  reconcile_next (task);
}

static void
reconcile_resend_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask         *task = user_data;
  ReconcileData *data = g_task_get_task_data (task);
  g_autoptr(SaldoTopupRecord) record = NULL;
  GError *error = NULL;

  record = send_row_finish (SALDO_TOPUP_RUNNER (source), res, &error);
  if (record != NULL)
    tally (data, record);
  reconcile_row_done (task, error);
}

static void
reconcile_lookup_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask            *task = user_data;
  SaldoTopupRunner *self = g_task_get_source_object (task);
  ReconcileData    *data = g_task_get_task_data (task);
  SaldoTopupRecord *row = data->current;
  g_autoptr(SaldoTopUpResult) result = NULL;
  g_autoptr(GError) lookup_error = NULL;
  g_autofree char *detail = NULL;
  GError          *error = NULL;
  gint64           now = saldo_ledger_now (data->ledger);
  gint64           next_check = now + saldo_topup_backoff (row->lookups);
  gint64           believe_from = row->sent_at + saldo_provider_get_not_found_grace (data->provider);

  result = saldo_provider_lookup_finish (data->provider, res, &lookup_error);
  scrub_result (result, lookup_error, row->iccid);

  /* A provider whose records lag behind its charges is not believed to
   * have none until its grace after the request has passed. */
  if (result == NULL && row->sent_at > 0 && now < believe_from &&
      g_error_matches (lookup_error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_FOUND)) {
    g_autoptr(GError)
                 too_early = g_error_new (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                                          "%s; not believed until %" G_GINT64_FORMAT " s after the request",
                                          lookup_error->message, believe_from - row->sent_at);

    g_clear_error (&lookup_error);
    lookup_error = g_steal_pointer (&too_early);
    next_check = MAX (next_check, believe_from);
  }

  if (result == NULL &&
      g_error_matches (lookup_error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_FOUND)) {
    /* The provider confirms it never saw this reference: the only case in
     * which we send again, with the same reference, once per pass. */
    data->summary.resent++;
    detail = g_strdup_printf ("provider has no record of %s; re-sending with the same reference",
                              row->reference);
    send_row_async (self, data->ledger, data->provider, row, row->state, detail,
                    g_task_get_cancellable (task), reconcile_resend_done, task);
    return;
  }

  if (result == NULL) {
    /* Could not ask (network, auth, no StatusUrl=, a voucher): the outcome
     * stays open, as unknown, where the line's balance can settle it. */
    detail = g_strdup_printf ("lookup failed, outcome still unknown: %s", lookup_error->message);
    if (row->state != SALDO_LEDGER_STATE_UNKNOWN) {
      SaldoTopupReceipt receipt;

      saldo_topup_receipt_init (&receipt);
      receipt.error = lookup_error->message;
      receipt.next_check = next_check;
      saldo_ledger_mark_result (data->ledger, row->id, row->state, SALDO_LEDGER_STATE_UNKNOWN, &receipt,
                                detail, &error);
    } else {
      saldo_ledger_note_lookup (data->ledger, row->id, row->state, next_check, FALSE, detail, &error);
    }
    note_open (data, next_check);
    reconcile_row_done (task, error);
    return;
  }

  {
    SaldoLedgerState  state = state_for_status (result->status);
    SaldoTopupReceipt receipt;

    detail = describe_result ("lookup", result);
    receipt_from_result (result, &receipt);
    if (state == SALDO_LEDGER_STATE_UNKNOWN) {
      /* Still processing at the provider: look again later. */
      gboolean pending = result->status == SALDO_TOP_UP_STATUS_PENDING;

      if (row->state == SALDO_LEDGER_STATE_UNKNOWN) {
        saldo_ledger_note_lookup (data->ledger, row->id, row->state, next_check, pending, detail, &error);
      } else {
        receipt.next_check = next_check;
        receipt.pending = pending;
        saldo_ledger_mark_result (data->ledger, row->id, row->state, state, &receipt, detail, &error);
      }
      note_open (data, next_check);
    } else {
      saldo_ledger_mark_result (data->ledger, row->id, row->state, state, &receipt, detail, &error);
      if (state == SALDO_LEDGER_STATE_SUCCEEDED)
        data->summary.succeeded++;
      else
        data->summary.failed++;
    }
    reconcile_row_done (task, error);
  }
}

static void
reconcile_next (GTask *task)
{
  SaldoTopupRunner *self = g_task_get_source_object (task);
  ReconcileData    *data = g_task_get_task_data (task);
  gint64            now = saldo_ledger_now (data->ledger);
  GError           *error = NULL;

  while (data->next < data->rows->len) {
    SaldoTopupRecord *row = g_ptr_array_index (data->rows, data->next++);

    if (g_task_return_error_if_cancelled (task)) {
      g_object_unref (task);
      return;
    }
    if (g_hash_table_contains (self->busy, &row->id)) {
      data->summary.skipped++;
      continue;
    }
    if (!data->force && row->next_check > now) {
      data->summary.skipped++;
      note_due (data, row->next_check);
      continue;
    }
    if (row->reference == NULL) {
      g_set_error (&error, SALDO_ERROR, SALDO_ERROR_DATABASE,
                   "top-up %" G_GINT64_FORMAT " is %s without a reference", row->id,
                   saldo_ledger_state_to_string (row->state));
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
    data->current = row;
    data->summary.checked++;
    busy_add (self, row->id);
    saldo_provider_lookup_async (data->provider, row->reference, g_task_get_cancellable (task),
                                 reconcile_lookup_done, task);
    return;
  }
  g_task_return_pointer (task, g_memdup2 (&data->summary, sizeof (data->summary)), g_free);
  g_object_unref (task);
}

void
saldo_topup_runner_reconcile_async (SaldoTopupRunner   *self,
                                    SaldoLedger        *ledger,
                                    SaldoProvider      *provider,
                                    gboolean            force,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data)
{
  GTask           *task;
  ReconcileData   *data;
  SaldoLedgerQuery query = {
    .state_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_INTENT) |
                  SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_SENT) |
                  SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_UNKNOWN),
  };
  GError *error = NULL;

  g_return_if_fail (SALDO_IS_TOPUP_RUNNER (self));
  g_return_if_fail (SALDO_IS_LEDGER (ledger));
  g_return_if_fail (SALDO_IS_PROVIDER (provider));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, saldo_topup_runner_reconcile_async);
  data = g_new0 (ReconcileData, 1);
  data->ledger = g_object_ref (ledger);
  data->provider = g_object_ref (provider);
  data->force = force;
  g_task_set_task_data (task, data, (GDestroyNotify) reconcile_data_free);

  query.provider = saldo_provider_get_id (provider);
  if (!saldo_ledger_list (ledger, &query, &data->rows, &error)) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  /* Oldest first: the list comes newest first. */
  for (guint i = 0, j = data->rows->len; i + 1 < j; i++, j--) {
    gpointer tmp = data->rows->pdata[i];

    data->rows->pdata[i] = data->rows->pdata[j - 1];
    data->rows->pdata[j - 1] = tmp;
  }
  reconcile_next (task);
}

gboolean
saldo_topup_runner_reconcile_finish (SaldoTopupRunner      *self,
                                     GAsyncResult          *result,
                                     SaldoReconcileSummary *summary_out,
                                     GError               **error)
{
  g_autofree SaldoReconcileSummary *summary = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  summary = g_task_propagate_pointer (G_TASK (result), error);
  if (summary == NULL)
    return FALSE;
  if (summary_out != NULL)
    *summary_out = *summary;
  return TRUE;
}

static void
saldo_topup_runner_finalize (GObject *object)
{
  SaldoTopupRunner *self = SALDO_TOPUP_RUNNER (object);

  g_hash_table_unref (self->busy);
  G_OBJECT_CLASS (saldo_topup_runner_parent_class)->finalize (object);
}

static void
saldo_topup_runner_class_init (SaldoTopupRunnerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = saldo_topup_runner_finalize;
}

static void
saldo_topup_runner_init (SaldoTopupRunner *self)
{
  self->busy = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}
