/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-store.h"

G_BEGIN_DECLS

/* One row of the providers table: what saldod last knew of a provider, so
 * a restart neither forgets that it needs its owner nor renumbers it. */
typedef struct {
  gint64   id;        /* never reused: /io/github/saldo/Saldo1/Provider/<id> */
  char    *name;      /* the provider id, providers.d/<name>.conf */
  char    *state;     /* ok | needs-attention | unreachable | unknown */
  char    *attention; /* while needs-attention: its reason token, else "" */
  char    *last_error;
  gint64   last_success; /* unix seconds, 0 = never */
  gboolean has_funds;
  gint64   funds;               /* minor units of funds_currency */
  char    *funds_currency;      /* "" when funds are not known */
  gboolean has_attention_funds; /* the funds when it ran dry, to tell a refill */
  gint64   attention_funds;
  gint64   updated;
} SaldoProviderRecord;

SaldoProviderRecord *saldo_provider_record_copy (const SaldoProviderRecord *record);
void                 saldo_provider_record_free (SaldoProviderRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoProviderRecord, saldo_provider_record_free)

/* The provider's row, made (state "unknown") the first time its name is seen. */
gboolean saldo_store_ensure_provider (SaldoStore           *store,
                                      const char           *name,
                                      SaldoProviderRecord **record_out,
                                      GError              **error);
gboolean saldo_store_save_provider (SaldoStore *store, const SaldoProviderRecord *record, GError **error);

G_END_DECLS
