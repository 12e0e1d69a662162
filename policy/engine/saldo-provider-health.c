/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "saldo-provider-health.h"

#include "saldo-money.h"

void
saldo_provider_warning_free (SaldoProviderWarning *warning)
{
  if (warning == NULL)
    return;
  g_free (warning->warning);
  g_free (warning->message);
  g_free (warning);
}

static void
add (GPtrArray *warnings, const char *warning, char *message)
{
  SaldoProviderWarning *w = g_new0 (SaldoProviderWarning, 1);

  w->warning = g_strdup (warning);
  w->message = message;
  g_ptr_array_add (warnings, w);
}

gint64
saldo_provider_payment_end (int year, int month, GTimeZone *tz)
{
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) first = NULL;
  g_autoptr(GDateTime) end = NULL;

  if (year < 1970 || year > 9998 || month < 1 || month > 12)
    return 0;
  if (tz == NULL)
    tz = utc = g_time_zone_new_utc ();
  first = g_date_time_new (tz, year, month, 1, 0, 0, 0);
  end = first != NULL ? g_date_time_add_months (first, 1) : NULL;
  return end != NULL ? g_date_time_to_unix (end) : 0;
}

GPtrArray *
saldo_provider_health_warnings (const SaldoProviderHealthInput *in, gint64 *next_change)
{
  GPtrArray *warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_provider_warning_free);
  gint64     end = saldo_provider_payment_end (in->expires_year, in->expires_month, in->tz);

  if (next_change != NULL)
    *next_change = 0;
  if (in->funds_known && in->warn_below_known && in->funds < in->warn_below) {
    g_autofree char *funds = saldo_money_format (in->funds, in->funds_currency);
    g_autofree char *below = saldo_money_format (in->warn_below, in->funds_currency);

    add (warnings, "funds-low",
         g_strdup_printf ("its funds, %s, are below the %s it should keep", funds, below));
  }
  if (in->funds_known && in->needed_known && in->needed > 0 &&
      g_strcmp0 (in->funds_currency, in->needed_currency) == 0 && in->funds < in->needed) {
    g_autofree char *funds = saldo_money_format (in->funds, in->funds_currency);
    g_autofree char *needed = saldo_money_format (in->needed, in->needed_currency);

    add (warnings, "funds-short",
         g_strdup_printf ("its funds, %s, do not cover the next top-ups of its rules (%s)", funds, needed));
  }
  if (end > 0) {
    g_autofree char *when = g_strdup_printf ("%04d-%02d", in->expires_year, in->expires_month);

    if (in->now >= end) {
      add (warnings, "payment-expired",
           g_strdup_printf ("its payment method expired at the end of %s", when));
    } else if (in->now >= end - SALDO_PROVIDER_EXPIRY_NOTICE) {
      gint64 days = (end - in->now + 86399) / 86400;

      add (warnings, "payment-expires-soon",
           g_strdup_printf ("its payment method expires at the end of %s, in %" G_GINT64_FORMAT " day%s",
                            when, days, days == 1 ? "" : "s"));
      if (next_change != NULL)
        *next_change = end;
    } else if (next_change != NULL) {
      *next_change = end - SALDO_PROVIDER_EXPIRY_NOTICE;
    }
  }
  return warnings;
}

gint64
saldo_provider_check_delay (guint attempt, gint64 base)
{
  gint64 delay = MAX (base, 1);

  for (guint i = 0; i < attempt && delay < SALDO_PROVIDER_CHECK_MAX; i++)
    delay *= 2;
  return MIN (delay, SALDO_PROVIDER_CHECK_MAX);
}
