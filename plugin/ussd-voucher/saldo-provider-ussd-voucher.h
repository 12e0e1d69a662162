/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "saldo-provider.h"

G_BEGIN_DECLS

/* What a carrier's reply to a voucher code says.  Only the carrier's own
 * words for success count as success: anything else is refused (built-in
 * refusals in Spanish, English, Portuguese and French, plus the carrier's
 * and the provider's failure patterns, looked for first) or unclear, which
 * leaves the top-up unknown until the balance tells. */
typedef enum {
  SALDO_VOUCHER_REPLY_UNCLEAR,
  SALDO_VOUCHER_REPLY_ACCEPTED,
  SALDO_VOUCHER_REPLY_REFUSED,
} SaldoVoucherReply;

typedef struct {
  GRegex *refusal;    /* saldo_voucher_refusal_regex_new () */
  GRegex *failure[2]; /* carrier's VoucherFailure=, provider's FailurePattern=; may be NULL */
  GRegex *success;    /* provider's SuccessPattern=, else carrier's VoucherSuccess=; may be NULL */
} SaldoVoucherPatterns;

GRegex           *saldo_voucher_refusal_regex_new (void);
SaldoVoucherReply saldo_voucher_reply_classify (const SaldoVoucherPatterns *patterns, const char *reply);

#define SALDO_TYPE_PROVIDER_USSD_VOUCHER (saldo_provider_ussd_voucher_get_type ())
G_DECLARE_FINAL_TYPE (SaldoProviderUssdVoucher,
                      saldo_provider_ussd_voucher,
                      SALDO,
                      PROVIDER_USSD_VOUCHER,
                      SaldoProvider)

/* The PINs of exactly @amount in a voucher file's text, in file order (no
 * I/O; the array frees them as secrets).  Lines are "PIN AMOUNT"; blank,
 * '#' and malformed lines are skipped. */
GPtrArray *saldo_voucher_file_find_pins (const char *contents, gint64 amount, const char *currency);

G_END_DECLS
