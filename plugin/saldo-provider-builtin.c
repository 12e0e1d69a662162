/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "saldo-provider-builtin.h"

#include "command/saldo-provider-command.h"
#include "http/saldo-provider-http.h"
#include "reloadly/saldo-provider-reloadly.h"

/* Linked only with -Dbuiltin_providers=true; otherwise the same providers
 * are found as modules in the plugin directory. */
void
saldo_provider_loader_add_builtins (SaldoProviderLoader *loader)
{
  saldo_provider_loader_add_builtin (loader, SALDO_TYPE_PROVIDER_RELOADLY);
  saldo_provider_loader_add_builtin (loader, SALDO_TYPE_PROVIDER_HTTP);
  saldo_provider_loader_add_builtin (loader, SALDO_TYPE_PROVIDER_COMMAND);
}
