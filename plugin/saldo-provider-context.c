/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "saldo-provider-context.h"

G_DEFINE_INTERFACE (SaldoProviderContext, saldo_provider_context, G_TYPE_OBJECT)

static void
saldo_provider_context_default_init (SaldoProviderContextInterface *iface)
{
}

gboolean
saldo_provider_context_claim_voucher (SaldoProviderContext *self,
                                      const char           *reference,
                                      const char           *pin,
                                      GError              **error)
{
  g_return_val_if_fail (SALDO_IS_PROVIDER_CONTEXT (self), FALSE);
  return SALDO_PROVIDER_CONTEXT_GET_IFACE (self)->claim_voucher (self, reference, pin, error);
}

gboolean
saldo_provider_context_voucher_is_used (SaldoProviderContext *self,
                                        const char           *pin,
                                        gboolean             *used,
                                        GError              **error)
{
  g_return_val_if_fail (SALDO_IS_PROVIDER_CONTEXT (self), FALSE);
  return SALDO_PROVIDER_CONTEXT_GET_IFACE (self)->voucher_is_used (self, pin, used, error);
}

void
saldo_provider_context_dial_async (SaldoProviderContext *self,
                                   const char           *iccid,
                                   const char           *code,
                                   const char           *secret,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  g_return_if_fail (SALDO_IS_PROVIDER_CONTEXT (self));
  SALDO_PROVIDER_CONTEXT_GET_IFACE (self)->dial_async (self, iccid, code, secret, cancellable, callback,
                                                       user_data);
}

char *
saldo_provider_context_dial_finish (SaldoProviderContext *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (SALDO_IS_PROVIDER_CONTEXT (self), NULL);
  return SALDO_PROVIDER_CONTEXT_GET_IFACE (self)->dial_finish (self, result, error);
}

void
saldo_provider_context_voucher_patterns (SaldoProviderContext *self,
                                         const char           *iccid,
                                         GRegex              **success,
                                         GRegex              **failure)
{
  *success = NULL;
  *failure = NULL;
  g_return_if_fail (SALDO_IS_PROVIDER_CONTEXT (self));
  SALDO_PROVIDER_CONTEXT_GET_IFACE (self)->voucher_patterns (self, iccid, success, failure);
}
