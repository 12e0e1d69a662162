/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "saldo-ledger.h"
#include "saldo-provider.h"

G_BEGIN_DECLS

/*
 * Runs top-ups through a provider so that each is charged at most once,
 * and reconciles the ones whose outcome a crash or a timeout left open.
 *
 * run:       planned → intent (committed, synced) → sent (committed before
 *            the request leaves) → provider → succeeded | failed | unknown
 * reconcile: for each intent/sent/unknown row of a provider, look its
 *            reference up; take the provider's answer, or re-send with the
 *            same reference only when the provider says it has no record.
 *
 * TEST ONLY: SALDO_TEST_FAULT=<step> (read once, by saldo_topup_runner_new)
 * makes the process kill itself with SIGKILL when a top-up reaches that
 * step, so tests can prove every crash point is recovered.  Without the
 * variable the fault points do nothing.
 */

typedef enum {
  SALDO_TOPUP_FAULT_NONE,
  SALDO_TOPUP_FAULT_AFTER_INTENT,         /* "after-intent" */
  SALDO_TOPUP_FAULT_AFTER_SENT,           /* "after-sent" */
  SALDO_TOPUP_FAULT_AFTER_PROVIDER_REPLY, /* "after-provider-reply" */
  SALDO_TOPUP_FAULT_AFTER_RESULT,         /* "after-result" */
} SaldoTopupFault;

const char *saldo_topup_fault_to_string (SaldoTopupFault fault);
gboolean    saldo_topup_fault_from_string (const char *str, SaldoTopupFault *fault);

/* Lookups that leave a top-up open are retried after 1, 2, 4 … minutes,
 * at most an hour apart. */
#define SALDO_TOPUP_BACKOFF_FIRST 60
#define SALDO_TOPUP_BACKOFF_MAX   3600
gint64 saldo_topup_backoff (guint lookups);

typedef struct {
  guint  checked; /* rows looked up */
  guint  resent;  /* re-sent after the provider had no record */
  guint  succeeded;
  guint  failed;
  guint  open;     /* still unknown (or in flight) after the pass */
  guint  skipped;  /* not due yet, or being run right now */
  gint64 next_due; /* earliest next_check of an open row, 0 = none */
} SaldoReconcileSummary;

#define SALDO_TYPE_TOPUP_RUNNER (saldo_topup_runner_get_type ())
G_DECLARE_FINAL_TYPE (SaldoTopupRunner, saldo_topup_runner, SALDO, TOPUP_RUNNER, GObject)

SaldoTopupRunner *saldo_topup_runner_new (void);
SaldoTopupFault   saldo_topup_runner_get_fault (SaldoTopupRunner *self);
/* TRUE while this runner is sending or looking up the row. */
gboolean saldo_topup_runner_is_busy (SaldoTopupRunner *self, gint64 topup_id);

/* Creates the planned row, then runs it.  The result is the row as it ended
 * (succeeded, failed or unknown); an error means the ledger could not be
 * written or the request was invalid (then the row, if any, was cancelled). */
void saldo_topup_runner_run_async (SaldoTopupRunner     *self,
                                   SaldoLedger          *ledger,
                                   SaldoProvider        *provider,
                                   const SaldoTopupPlan *plan,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data);
SaldoTopupRecord *
saldo_topup_runner_run_finish (SaldoTopupRunner *self, GAsyncResult *result, GError **error);

/* Runs an existing planned row (e.g. once the owner confirmed it). */
void saldo_topup_runner_execute_async (SaldoTopupRunner   *self,
                                       SaldoLedger        *ledger,
                                       SaldoProvider      *provider,
                                       gint64              topup_id,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
SaldoTopupRecord *
saldo_topup_runner_execute_finish (SaldoTopupRunner *self, GAsyncResult *result, GError **error);

/* One pass over the provider's open rows.  force ignores the backoff (on
 * start-up).  Rows being run by this runner are skipped. */
void     saldo_topup_runner_reconcile_async (SaldoTopupRunner   *self,
                                             SaldoLedger        *ledger,
                                             SaldoProvider      *provider,
                                             gboolean            force,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
gboolean saldo_topup_runner_reconcile_finish (SaldoTopupRunner      *self,
                                              GAsyncResult          *result,
                                              SaldoReconcileSummary *summary_out,
                                              GError               **error);

G_END_DECLS
