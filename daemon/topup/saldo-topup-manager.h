/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "saldo-config.h"
#include "saldo-forecaster.h"
#include "saldo-ledger.h"
#include "saldo-line-manager.h"
#include "saldo-provider-loader.h"
#include "saldo-provider-watch.h"
#include "saldo-report.h"
#include "saldo-rule-engine.h"
#include "saldo-rule-object.h"
#include "saldo-store.h"

G_BEGIN_DECLS

#define SALDO_TYPE_TOPUP_MANAGER (saldo_topup_manager_get_type ())
G_DECLARE_FINAL_TYPE (SaldoTopupManager, saldo_topup_manager, SALDO, TOPUP_MANAGER, GObject)

/*
 * Where saldod spends the owner's money: the rules, the ledger, the runner,
 * the providers and the timers that evaluate rules again, reconcile open
 * top-ups, expire unconfirmed ones and settle unknown ones by the balance.
 * The engine (policy/engine/) decides, the ledger records every step
 * durably before the next one, the runner talks to the provider; this
 * object wires them to the lines' balance readings.  It implements
 * SaldoProviderContext for the providers.  No bus calls.
 *
 * Signals (ids are the ledger's, as text; lines are object paths, "/" when
 * the line is gone):
 *  "rule-added"   (SaldoRuleObject *rule)   a new rule (after those
 *                                           get_rules () gave at start);
 *  "rule-removed" (SaldoRuleObject *rule);
 *  "top-up-started"  (const char *id, const char *line, gint64 amount, const char *currency)
 *  "top-up-finished" (const char *id, const char *line, const char *state, gint64 amount)
 *  "confirmation-required" (const char *id, const char *line, gint64 amount,
 *                           const char *currency, const char *reason)
 *  "rule-disabled" (const char *rule, const char *reason)
 *  "low-balance"   (const char *line, gint64 balance, const char *currency)
 */

/* Loads the providers from providers.d beside the configuration file
 * (through loader, which knows the built-in types) and the rules. */
SaldoTopupManager *saldo_topup_manager_new (SaldoStore          *store,
                                            SaldoLineManager    *lines,
                                            SaldoConfig         *config,
                                            SaldoProviderLoader *loader,
                                            GError             **error);
/* Where "now" comes from (unix seconds) for every decision, the ledger's
 * rows and the timers; NULL = the real clock.  For tests that move time. */
void saldo_topup_manager_set_clock (SaldoTopupManager *self, SaldoLedgerClock clock, gpointer data);
/* Closes what a stop left open, then reconciles: call once saldod serves. */
void saldo_topup_manager_start (SaldoTopupManager *self);

SaldoLedger *saldo_topup_manager_get_ledger (SaldoTopupManager *self);
/* The providers' objects and state, and the lines' forecasts (borrowed;
 * their signals are for the bus layer). */
SaldoProviderWatch *saldo_topup_manager_get_provider_watch (SaldoTopupManager *self);
SaldoForecaster    *saldo_topup_manager_get_forecaster (SaldoTopupManager *self);
/* GetReport: the local month year-month, of one line or (NULL) all. */
SaldoReport *
saldo_topup_manager_report (SaldoTopupManager *self, int year, int month, SaldoLine *only, GError **error);
/* SaldoProvider (borrowed). */
GPtrArray *saldo_topup_manager_get_providers (SaldoTopupManager *self);
/* SaldoRuleObject, by id (borrowed). */
GPtrArray       *saldo_topup_manager_get_rules (SaldoTopupManager *self);
SaldoRuleObject *saldo_topup_manager_lookup_rule (SaldoTopupManager *self, gint64 id);

/* AddRule: options as the D-Bus method takes them; errors name the key.
 * Returns a new reference. */
SaldoRuleObject *saldo_topup_manager_add_rule (SaldoTopupManager *self, GVariant *options, GError **error);
gboolean         saldo_topup_manager_update_rule (SaldoTopupManager *self,
                                                  SaldoRuleObject   *rule,
                                                  GVariant          *changes,
                                                  GError           **error);
gboolean saldo_topup_manager_remove_rule (SaldoTopupManager *self, SaldoRuleObject *rule, GError **error);

/* What the rules would decide for line now, or with another balance, data
 * left or time; nothing is recorded or spent. */
typedef struct {
  gboolean has_balance;
  gint64   balance; /* minor units */
  gboolean has_data;
  gint64   data; /* bytes */
  gint64   time; /* unix seconds; 0 = now */
} SaldoWhatIf;

gboolean saldo_topup_manager_simulate (SaldoTopupManager *self,
                                       SaldoLine         *line,
                                       const SaldoWhatIf *what_if,
                                       SaldoDecision     *decision,
                                       GError           **error);

/* The owner's top-up of amount through provider_id (NULL: the only one),
 * judged by the same limits as the rules; returns the top-up's id. */
char *saldo_topup_manager_top_up (SaldoTopupManager *self,
                                  SaldoLine         *line,
                                  gint64             amount,
                                  const char        *provider_id,
                                  GError           **error);
/* The owner's answer to a top-up waiting for confirmation. */
gboolean saldo_topup_manager_confirm (SaldoTopupManager *self, const char *id, GError **error);
gboolean saldo_topup_manager_reject (SaldoTopupManager *self, const char *id, GError **error);
/* The owner settles a top-up whose outcome is open (succeeded or failed);
 * uid is theirs, note may be NULL. */
gboolean saldo_topup_manager_resolve (SaldoTopupManager *self,
                                      const char        *id,
                                      SaldoLedgerState   outcome,
                                      guint32            uid,
                                      const char        *note,
                                      GError           **error);
/* Top-ups newest first, as the ledger lists them. */
gboolean saldo_topup_manager_list (SaldoTopupManager      *self,
                                   const SaldoLedgerQuery *query,
                                   GPtrArray             **records_out,
                                   GError                **error);
/* A top-up id as the bus shows it, parsed. */
gboolean saldo_topup_id_parse (const char *text, gint64 *id, GError **error);

G_END_DECLS
