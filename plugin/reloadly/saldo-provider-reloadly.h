/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-provider.h"

G_BEGIN_DECLS

#define SALDO_TYPE_PROVIDER_RELOADLY (saldo_provider_reloadly_get_type ())
G_DECLARE_FINAL_TYPE (SaldoProviderReloadly, saldo_provider_reloadly,
                      SALDO, PROVIDER_RELOADLY, SaldoProvider)

G_END_DECLS
