/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-http.h"
#include "saldo-provider.h"

G_BEGIN_DECLS

#define SALDO_TYPE_PROVIDER_HTTP (saldo_provider_http_get_type ())
G_DECLARE_FINAL_TYPE (SaldoProviderHttp, saldo_provider_http, SALDO, PROVIDER_HTTP, SaldoProvider)

char *saldo_provider_http_sign (const char *secret, const char *data, gsize len);

/* The account reply of AccountUrl= (no I/O, so it can be fuzzed): the
 * funds, or the error its status and "error_code" stand for. */
SaldoProviderAccount *saldo_provider_http_parse_account (const SaldoHttpResponse *response, GError **error);

G_END_DECLS
