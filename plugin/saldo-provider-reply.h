/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-provider.h"

G_BEGIN_DECLS

SaldoTopUpResult *saldo_provider_reply_parse (const char              *data,
                                              gsize                    len,
                                              const char              *reference,
                                              const SaldoTopUpRequest *req,
                                              GError                 **error);

/* {"balance", "currency"}, or the provider's error mapped by its
 * "error_code" (REJECTED for a code Saldo does not know). */
SaldoProviderAccount *saldo_provider_account_reply_parse (const char *data, gsize len, GError **error);
/* The error an "error_code" of this schema stands for, with the provider's
 * @message appended when given; NULL for a code Saldo does not know. */
GError *saldo_provider_reply_error (const char *error_code, const char *message);

G_END_DECLS
