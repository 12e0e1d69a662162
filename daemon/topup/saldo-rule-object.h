/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "saldo-dbus-generated.h"
#include "saldo-rule.h"
#include "saldo-rule-store.h"

G_BEGIN_DECLS

#define SALDO_RULE_PATH_PREFIX SALDO_OBJECT_ROOT "/Rule/"

#define SALDO_TYPE_RULE_OBJECT (saldo_rule_object_get_type ())
G_DECLARE_FINAL_TYPE (SaldoRuleObject, saldo_rule_object, SALDO, RULE_OBJECT, GObject)

SaldoRuleObject       *saldo_rule_object_new (const SaldoRuleRecord *record, const char *line_path);
const SaldoRuleRecord *saldo_rule_object_get_record (SaldoRuleObject *self);
void                   saldo_rule_object_set_record (SaldoRuleObject *self, const SaldoRuleRecord *record);
const char            *saldo_rule_object_get_path (SaldoRuleObject *self);
/* What the engine last decided for the rule, and why. */
void                 saldo_rule_object_set_last_decision (SaldoRuleObject *self, const char *reason);
GDBusObjectSkeleton *saldo_rule_object_get_dbus_object (SaldoRuleObject *self);
SaldoDBusRule       *saldo_rule_object_get_dbus_rule (SaldoRuleObject *self);

/* Applies AddRule/Update keys to record (all or nothing) and validates the
 * result for a line in line_currency; errors name the key.  now is the
 * ledger's clock (a rule turned on again is re-armed after it). */
gboolean saldo_rule_record_apply (SaldoRuleRecord   *record,
                                  GVariant          *options,
                                  const char        *line_currency,
                                  const char *const *providers,
                                  gint64             now,
                                  GError           **error);
/* The engine's view; strings borrowed from record and iccid. */
void saldo_rule_record_to_engine (const SaldoRuleRecord *record, const char *iccid, SaldoRule *rule);
/* Folds the rule's limits into the line's: the strictest of all rules wins. */
void saldo_rule_record_fold_limits (const SaldoRuleRecord *record, SaldoLineLimits *limits);

G_END_DECLS
