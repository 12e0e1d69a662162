/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <libmm-glib.h>

G_BEGIN_DECLS

#define SALDO_TYPE_USSD_CLIENT (saldo_ussd_client_get_type ())
G_DECLARE_FINAL_TYPE (SaldoUssdClient, saldo_ussd_client, SALDO, USSD_CLIENT, GObject)

/* One per modem: runs USSD sessions through ModemManager strictly one at a
 * time (requests queue), recovers a stale session by cancelling it, drives
 * multi-step menus, and bounds every session with its own timeout because
 * ModemManager never times out a request the network ignores. */
SaldoUssdClient *saldo_ussd_client_new (MMModem3gppUssd *ussd);
MMModem3gppUssd *saldo_ussd_client_get_ussd (SaldoUssdClient *self);
guint            saldo_ussd_client_get_queued (SaldoUssdClient *self);

/* Dials code, then answers each reply with the next of responses (may be
 * NULL).  The result is the last reply's text, hex/UCS2 decoded when the
 * modem left it undecoded. */
void saldo_ussd_client_run_async (SaldoUssdClient    *self,
                                  const char         *code,
                                  const char *const  *responses,
                                  guint               timeout_ms,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data);
/* As run_async for a code that carries a secret (a voucher PIN): the
 * secret is masked, by its exact value, in every log line, in errors and in
 * the reply.  Finish with saldo_ussd_client_run_finish (). */
void  saldo_ussd_client_run_secret_async (SaldoUssdClient    *self,
                                          const char         *code,
                                          const char         *secret,
                                          guint               timeout_ms,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);
char *saldo_ussd_client_run_finish (SaldoUssdClient *self, GAsyncResult *result, GError **error);

G_END_DECLS
