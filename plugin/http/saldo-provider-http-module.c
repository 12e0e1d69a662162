/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <gmodule.h>

#include "saldo-provider-http.h"

/* Entry points of the loadable module; kept out of the provider's own file
 * so the same objects can also be linked into the daemon as a built-in. */
G_MODULE_EXPORT const guint32 saldo_provider_abi_version = SALDO_PROVIDER_ABI_VERSION;

G_MODULE_EXPORT GType saldo_provider_plugin_get_type (void);

GType
saldo_provider_plugin_get_type (void)
{
  return SALDO_TYPE_PROVIDER_HTTP;
}
