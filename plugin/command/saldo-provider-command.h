/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-provider.h"

G_BEGIN_DECLS

#define SALDO_TYPE_PROVIDER_COMMAND (saldo_provider_command_get_type ())
G_DECLARE_FINAL_TYPE (SaldoProviderCommand, saldo_provider_command, SALDO, PROVIDER_COMMAND, SaldoProvider)

G_END_DECLS
