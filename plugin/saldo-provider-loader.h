/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-provider.h"

G_BEGIN_DECLS

#define SALDO_PROVIDERS_SUBDIR "providers.d"

#define SALDO_TYPE_PROVIDER_LOADER (saldo_provider_loader_get_type ())
G_DECLARE_FINAL_TYPE (SaldoProviderLoader, saldo_provider_loader, SALDO, PROVIDER_LOADER, GObject)

SaldoProviderLoader *saldo_provider_loader_new (const char *plugin_dir);
void                 saldo_provider_loader_add_builtin (SaldoProviderLoader *self, GType type);
GType saldo_provider_loader_load_module (SaldoProviderLoader *self, const char *path, GError **error);
GType saldo_provider_loader_lookup_type (SaldoProviderLoader *self, const char *type_name, GError **error);
SaldoProvider *saldo_provider_loader_new_provider (SaldoProviderLoader *self,
                                                   const char          *id,
                                                   GKeyFile            *kf,
                                                   const char          *config_dir,
                                                   GError             **error);
SaldoProvider *saldo_provider_loader_load_file (SaldoProviderLoader *self, const char *path, GError **error);
GPtrArray     *saldo_provider_loader_load_dir (SaldoProviderLoader *self,
                                               const char          *config_dir,
                                               GPtrArray          **out_errors,
                                               GError             **error);
gboolean       saldo_provider_id_is_valid (const char *id);

G_END_DECLS
