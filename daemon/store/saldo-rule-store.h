/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-store.h"

G_BEGIN_DECLS

/* A top-up rule as saldod keeps it. */
typedef struct {
  gint64   id;
  gint64   line_id;
  char    *kind; /* threshold | data | keep-alive | schedule | forecast */
  gboolean enabled;
  gboolean confirm;
  char    *provider;
  gint64   amount; /* minor units */
  char    *currency;
  gint64   below;         /* threshold: minor units; data: bytes */
  guint    days_before;   /* keep-alive: days before; forecast: days ahead */
  gint     day;           /* schedule: 1..28, -1 = last */
  guint    hour;          /* schedule */
  gint64   max_per_topup; /* 0 = none */
  gint64   max_per_day;
  gint64   max_per_month;
  guint    max_attempts_24h; /* 0 = the default */
  guint    cooldown;         /* seconds */
  gint64   created;
  gint64   rearmed_at;
  char    *disabled_reason;
} SaldoRuleRecord;

SaldoRuleRecord *saldo_rule_record_new (void);
SaldoRuleRecord *saldo_rule_record_copy (const SaldoRuleRecord *record);
void             saldo_rule_record_free (SaldoRuleRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoRuleRecord, saldo_rule_record_free)

gboolean saldo_store_load_rules (SaldoStore *store, GPtrArray **rules_out, GError **error);
/* Inserts when record->id is 0 (and sets it), updates otherwise. */
gboolean saldo_store_save_rule (SaldoStore *store, SaldoRuleRecord *record, GError **error);
gboolean saldo_store_remove_rule (SaldoStore *store, gint64 id, GError **error);

G_END_DECLS
