/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

#include "saldo-carrier.h"
#include "saldo-provider-info.h"
#include "saldo-store.h"
#include "saldo-ussd-client.h"

G_BEGIN_DECLS

typedef struct {
  guint ussd_timeout_ms; /* one USSD session */
  guint attempts;        /* sessions per check, at least 1 */
  guint retry_delay_ms;  /* before the 2nd attempt; doubles after */
} SaldoBalanceCheckConfig;

#define SALDO_TYPE_BALANCE_CHECKER (saldo_balance_checker_get_type ())
G_DECLARE_FINAL_TYPE (SaldoBalanceChecker, saldo_balance_checker, SALDO, BALANCE_CHECKER, GObject)

SaldoBalanceChecker *saldo_balance_checker_new (const SaldoBalanceCheckConfig *config);

/* Turns a reply into a reading (always), with an error when it carries no
 * balance.  Pure apart from the clock value passed in.  country (ISO
 * 3166-1, may be NULL) stands in for a generic carrier's. */
SaldoReading *saldo_balance_checker_parse (SaldoCarrier *carrier,
                                           const char   *country,
                                           const char   *text,
                                           const char   *source,
                                           gint64        now,
                                           GError      **error);

/* Where a line's balance code comes from, first that has one: the owner's
 * setting, a Saldo carrier file, mobile-broadband-provider-info. */
typedef enum {
  SALDO_BALANCE_CODE_NONE,          /* "" */
  SALDO_BALANCE_CODE_OWNER,         /* "owner" */
  SALDO_BALANCE_CODE_CARRIER,       /* "carrier" */
  SALDO_BALANCE_CODE_PROVIDER_INFO, /* "provider-info" */
} SaldoBalanceCodeSource;

const char *saldo_balance_code_source_to_string (SaldoBalanceCodeSource source);
/* *code is borrowed from line, carrier or info; *menu is a new array. */
SaldoBalanceCodeSource saldo_balance_checker_choose_code (const SaldoLineRecord        *line,
                                                          SaldoCarrier                 *carrier,
                                                          const SaldoProviderInfoCodes *info,
                                                          const char                  **code,
                                                          GStrv                        *menu);

/* Dials the line's balance code (see choose_code()), follows the menu
 * path, retries transient failures with backoff, and parses the final
 * reply with country standing in for a generic carrier's. */
void saldo_balance_checker_check_async (SaldoBalanceChecker          *self,
                                        SaldoUssdClient              *client,
                                        const SaldoLineRecord        *line,
                                        SaldoCarrier                 *carrier,
                                        const SaldoProviderInfoCodes *info,
                                        const char                   *country,
                                        GCancellable                 *cancellable,
                                        GAsyncReadyCallback           callback,
                                        gpointer                      user_data);
/* *reading_out is set whenever a reading is worth recording (also on
 * failure); FALSE + error when the check gave no balance. */
gboolean saldo_balance_checker_check_finish (SaldoBalanceChecker *self,
                                             GAsyncResult        *result,
                                             SaldoReading       **reading_out,
                                             GError             **error);

G_END_DECLS
