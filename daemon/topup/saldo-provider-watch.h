/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "saldo-config.h"
#include "saldo-ledger.h"
#include "saldo-provider-object.h"
#include "saldo-store.h"

G_BEGIN_DECLS

#define SALDO_TYPE_PROVIDER_WATCH (saldo_provider_watch_get_type ())
G_DECLARE_FINAL_TYPE (SaldoProviderWatch, saldo_provider_watch, SALDO, PROVIDER_WATCH, GObject)

/*
 * What the providers need of their owner.  A provider is "ok" after a good
 * answer, "unreachable" when it could not be reached, "needs-attention"
 * when nothing will work until the owner acts (no funds, refused
 * credentials, a declined or expired payment method): the rules using it
 * pause — not disabled, not retried — until a health check with backoff
 * (or Check ()) finds it working again.  It also keeps each provider's
 * funds, what it spent this month and its warnings (funds low or short of
 * what the rules need, payment method expiring).  No bus calls: the
 * objects' skeletons are exported by the bus layer.
 *
 * Signals (providers are object paths):
 *  "needs-attention" (const char *provider, const char *reason)
 *  "warning"         (const char *provider, const char *warning, const char *message)
 *  "recovered"       (const char *id)  the rules using provider id may resume
 */

/* providers: SaldoProvider; rules: SaldoRuleObject — both the top-up
 * manager's arrays, shared (a reference on each).  ledger gives the clock. */
SaldoProviderWatch *saldo_provider_watch_new (SaldoStore  *store,
                                              SaldoLedger *ledger,
                                              SaldoConfig *config,
                                              GPtrArray   *providers,
                                              GPtrArray   *rules,
                                              GError     **error);
/* Asks every provider what its account holds; call once saldod serves. */
void saldo_provider_watch_start (SaldoProviderWatch *self);
/* SaldoProviderObject, in the providers' order (borrowed). */
GPtrArray *saldo_provider_watch_get_objects (SaldoProviderWatch *self);
/* The provider needs its owner: the rules using it are not evaluated. */
gboolean saldo_provider_watch_paused (SaldoProviderWatch *self, const char *id);
/* Why a rule using provider id waits, for its LastDecision; NULL when it
 * does not. */
char *
saldo_provider_watch_pause_reason (SaldoProviderWatch *self, const char *id, gint64 rule_id, const char *kind);
/* The provider's object path; "/" for an id no longer configured. */
const char *saldo_provider_watch_path (SaldoProviderWatch *self, const char *id);
/* A top-up through the provider ended (record as the ledger has it). */
void saldo_provider_watch_topup_finished (SaldoProviderWatch *self, const SaldoTopupRecord *record);
/* The rules changed: what they need of the funds. */
void saldo_provider_watch_refresh (SaldoProviderWatch *self);
/* Check (): asks the provider now.  Fails only when id is unknown; what
 * the provider said is in the object's properties. */
void     saldo_provider_watch_check_async (SaldoProviderWatch *self,
                                           const char         *id,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
gboolean saldo_provider_watch_check_finish (SaldoProviderWatch *self, GAsyncResult *result, GError **error);

G_END_DECLS
