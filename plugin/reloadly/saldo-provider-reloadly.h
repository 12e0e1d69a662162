/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-http.h"
#include "saldo-provider.h"

G_BEGIN_DECLS

#define SALDO_TYPE_PROVIDER_RELOADLY (saldo_provider_reloadly_get_type ())
G_DECLARE_FINAL_TYPE (SaldoProviderReloadly, saldo_provider_reloadly, SALDO, PROVIDER_RELOADLY, SaldoProvider)

/* Reply decoders, no I/O.  The token of a token endpoint reply and how long
 * to keep it (usec); the outcome of a POST /topups reply (never NULL: what
 * cannot be read is UNKNOWN); the transaction for @reference in page @page
 * (from 1) of a report: NULL with NOT_FOUND only on the report's last page
 * of a well-formed report, NULL with *out_more TRUE and no error when later
 * pages remain to be read; the account's funds from GET /accounts/balance
 * ({balance, currencyCode}) or the error its status and errorCode stand for. */
char *
saldo_provider_reloadly_parse_token (const SaldoHttpResponse *response, gint64 *out_lifetime, GError **error);
SaldoTopUpResult *
saldo_provider_reloadly_parse_top_up (const SaldoTopUpRequest *req, const SaldoHttpResponse *response);
SaldoTopUpResult *saldo_provider_reloadly_parse_report (const char              *reference,
                                                        const SaldoHttpResponse *response,
                                                        gint64                   page,
                                                        gboolean                *out_more,
                                                        GError                 **error);
SaldoProviderAccount *
saldo_provider_reloadly_parse_account (const SaldoHttpResponse *response, GError **error);

G_END_DECLS
