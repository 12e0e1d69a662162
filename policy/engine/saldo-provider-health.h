/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What will stop a top-up provider soon, and when to ask it again: pure,
 * no I/O, no clock (now comes in), so a test can move time freely.
 *
 * Warnings, in this order:
 *  - "funds-low":   its funds are known and below the owner's FundsWarnBelow=;
 *  - "funds-short": its funds are known and below what the next top-up of
 *                   every rule using it needs (only when both are in the
 *                   same currency: an exchange rate is never guessed);
 *  - "payment-expires-soon": PaymentExpires= (a card's "valid thru" month)
 *                   ends within SALDO_PROVIDER_EXPIRY_NOTICE, and
 *  - "payment-expired": it has ended (the end of its month, local time).
 * `next_change` is the next moment the payment warnings change by the
 * clock alone (0: never), for a timer.
 *
 * Health checks of a provider that needs its owner: the first after
 * `base` seconds, then twice as long each time, at most
 * SALDO_PROVIDER_CHECK_MAX.
 */

#define SALDO_PROVIDER_EXPIRY_NOTICE (30 * 24 * 60 * 60)
#define SALDO_PROVIDER_CHECK_MAX     (6 * 60 * 60)

typedef struct {
  gboolean    funds_known;
  gint64      funds; /* minor units of funds_currency */
  const char *funds_currency;
  gboolean    warn_below_known;
  gint64      warn_below; /* minor units of funds_currency */
  gboolean    needed_known;
  gint64      needed; /* minor units of needed_currency */
  const char *needed_currency;
  int         expires_year; /* 0: no PaymentExpires= */
  int         expires_month;
  GTimeZone  *tz; /* NULL: UTC */
  gint64      now;
} SaldoProviderHealthInput;

typedef struct {
  char *warning; /* funds-low, funds-short, payment-expires-soon, payment-expired */
  char *message; /* in words, for the journal and the signal */
} SaldoProviderWarning;

void saldo_provider_warning_free (SaldoProviderWarning *warning);
/* SaldoProviderWarning, in the order above; never NULL. */
GPtrArray *saldo_provider_health_warnings (const SaldoProviderHealthInput *in, gint64 *next_change);
/* When the payment method stops working: the first second after its
 * month, local time; 0 when year is 0 or out of range. */
gint64 saldo_provider_payment_end (int year, int month, GTimeZone *tz);
/* Seconds until the health check after @attempt earlier ones. */
gint64 saldo_provider_check_delay (guint attempt, gint64 base);

G_END_DECLS
