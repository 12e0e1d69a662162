/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-provider-loader.h"

G_BEGIN_DECLS

void saldo_provider_loader_add_builtins (SaldoProviderLoader *loader);

G_END_DECLS
