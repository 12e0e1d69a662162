/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <gmodule.h>

#include "saldo-provider.h"

/* A provider plugin for test-provider-loader. Built several times with a
 * different SALDO_TEST_PLUGIN_ABI to exercise the loader's version check. */

#ifndef SALDO_TEST_PLUGIN_ABI
#define SALDO_TEST_PLUGIN_ABI SALDO_PROVIDER_ABI_VERSION
#endif

#define SALDO_TYPE_TEST_PLUGIN (saldo_test_plugin_get_type ())
G_DECLARE_FINAL_TYPE (SaldoTestPlugin, saldo_test_plugin, SALDO, TEST_PLUGIN, SaldoProvider)

struct _SaldoTestPlugin {
  SaldoProvider parent_instance;
  char         *prefix;
};

G_DEFINE_TYPE (SaldoTestPlugin, saldo_test_plugin, SALDO_TYPE_PROVIDER)

static gboolean
saldo_test_plugin_configure (SaldoProvider *provider, GKeyFile *kf, const char *config_dir, GError **error)
{
  SaldoTestPlugin *self = SALDO_TEST_PLUGIN (provider);

  g_free (self->prefix);
  self->prefix = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, "Prefix", error);
  return self->prefix != NULL;
}

static void
saldo_test_plugin_top_up_async (SaldoProvider      *provider,
                                SaldoTopUpRequest  *req,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  SaldoTestPlugin *self = SALDO_TEST_PLUGIN (provider);
  g_autoptr(GTask) task = g_task_new (provider, cancellable, callback, user_data);
  SaldoTopUpResult *result = saldo_top_up_result_new (SALDO_TOP_UP_STATUS_SUCCEEDED, req->reference);

  result->transaction_id = g_strconcat (self->prefix, req->reference, NULL);
  result->delivered_amount = req->amount;
  result->delivered_currency = g_strdup (req->currency);
  g_task_return_pointer (task, result, (GDestroyNotify) saldo_top_up_result_free);
}

static SaldoTopUpResult *
saldo_test_plugin_finish (SaldoProvider *provider, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
saldo_test_plugin_lookup_async (SaldoProvider      *provider,
                                const char         *reference,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (provider, cancellable, callback, user_data);

  g_task_return_new_error (task, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_FOUND, "No top-up %s",
                           reference);
}

static void
saldo_test_plugin_finalize (GObject *object)
{
  g_free (SALDO_TEST_PLUGIN (object)->prefix);
  G_OBJECT_CLASS (saldo_test_plugin_parent_class)->finalize (object);
}

static void
saldo_test_plugin_class_init (SaldoTestPluginClass *klass)
{
  SaldoProviderClass *provider_class = SALDO_PROVIDER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = saldo_test_plugin_finalize;
  provider_class->type_name = "testplug";
  provider_class->configure = saldo_test_plugin_configure;
  provider_class->top_up_async = saldo_test_plugin_top_up_async;
  provider_class->top_up_finish = saldo_test_plugin_finish;
  provider_class->lookup_async = saldo_test_plugin_lookup_async;
  provider_class->lookup_finish = saldo_test_plugin_finish;
}

static void
saldo_test_plugin_init (SaldoTestPlugin *self)
{
}

G_MODULE_EXPORT const guint32 saldo_provider_abi_version = SALDO_TEST_PLUGIN_ABI;

G_MODULE_EXPORT GType saldo_provider_plugin_get_type (void);

GType
saldo_provider_plugin_get_type (void)
{
  return SALDO_TYPE_TEST_PLUGIN;
}
