/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Since ABI 1.2.  What saldod offers a provider beyond its request: vouchers
 * claimed in the ledger (a PIN is used at most once, whatever happens
 * after), a USSD dialer through the line's own modem (queued with the
 * balance checks, the secret masked in everything it logs or returns), and
 * the carrier's own words for a voucher that was taken or refused.  A
 * provider reaches it with saldo_provider_get_context (); it is NULL
 * outside saldod unless a test sets one.
 */
#define SALDO_TYPE_PROVIDER_CONTEXT (saldo_provider_context_get_type ())
G_DECLARE_INTERFACE (SaldoProviderContext, saldo_provider_context, SALDO, PROVIDER_CONTEXT, GObject)

struct _SaldoProviderContextInterface {
  GTypeInterface parent_iface;

  gboolean (*claim_voucher) (SaldoProviderContext *self,
                             const char           *reference,
                             const char           *pin,
                             GError              **error);
  gboolean (*voucher_is_used) (SaldoProviderContext *self, const char *pin, gboolean *used, GError **error);
  void (*dial_async) (SaldoProviderContext *self,
                      const char           *iccid,
                      const char           *code,
                      const char           *secret,
                      GCancellable         *cancellable,
                      GAsyncReadyCallback   callback,
                      gpointer              user_data);
  char *(*dial_finish) (SaldoProviderContext *self, GAsyncResult *result, GError **error);
  void (*voucher_patterns) (SaldoProviderContext *self, const char *iccid, GRegex **success, GRegex **failure);

  gpointer padding[8];
};

/* Claims pin for the top-up of reference, durably, before it is dialled;
 * fails when the PIN was claimed before or the top-up is not known. */
gboolean saldo_provider_context_claim_voucher (SaldoProviderContext *self,
                                               const char           *reference,
                                               const char           *pin,
                                               GError              **error);
gboolean saldo_provider_context_voucher_is_used (SaldoProviderContext *self,
                                                 const char           *pin,
                                                 gboolean             *used,
                                                 GError              **error);
/* Dials code (which carries secret) on the modem of the line of iccid. */
void  saldo_provider_context_dial_async (SaldoProviderContext *self,
                                         const char           *iccid,
                                         const char           *code,
                                         const char           *secret,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
char *saldo_provider_context_dial_finish (SaldoProviderContext *self, GAsyncResult *result, GError **error);
/* The line's carrier's VoucherSuccess= and VoucherFailure= (new
 * references, NULL when it has none). */
void saldo_provider_context_voucher_patterns (SaldoProviderContext *self,
                                              const char           *iccid,
                                              GRegex              **success,
                                              GRegex              **failure);

G_END_DECLS
