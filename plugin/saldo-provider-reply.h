/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-provider.h"

G_BEGIN_DECLS

SaldoTopUpResult *saldo_provider_reply_parse (const char               *data,
                                              gsize                     len,
                                              const char               *reference,
                                              const SaldoTopUpRequest  *req,
                                              GError                  **error);

G_END_DECLS
