/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "saldo-settle.h"

#include "saldo-money.h"

void
saldo_settle_decision_clear (SaldoSettleDecision *decision)
{
  g_clear_pointer (&decision->reason, g_free);
  decision->kind = SALDO_SETTLE_WAIT;
  decision->until = 0;
  decision->balance_after = 0;
  decision->reading_time = 0;
}

static gint64
sat_add (gint64 a, gint64 b)
{
  if (b > 0 && a > G_MAXINT64 - b)
    return G_MAXINT64;
  return a + b;
}

static char *
format_time (gint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t);

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M UTC")
                    : g_strdup_printf ("@%" G_GINT64_FORMAT, t);
}

void
saldo_settle_decide (const SaldoSettleInput *in, const char *currency, SaldoSettleDecision *out)
{
  gint64                   deadline = sat_add (in->sent, MAX (in->delay, 1));
  gint64                   window_end = sat_add (deadline, MAX (in->window, 1));
  const SaldoBalancePoint *base = NULL;
  const SaldoBalancePoint *rose = NULL;
  const SaldoBalancePoint *last = NULL;
  gboolean                 has_before = in->has_balance_before;
  gint64                   before = in->balance_before;
  g_autofree char         *amount = saldo_money_format (in->amount, currency);
  g_autofree char         *deadline_str = format_time (deadline);
  g_autofree char         *end_str = format_time (window_end);

  saldo_settle_decision_clear (out);
  for (gsize i = 0; i < in->n_readings; i++) {
    const SaldoBalancePoint *r = &in->readings[i];

    if (r->time <= in->sent && (base == NULL || r->time > base->time))
      base = r;
    if (r->time >= window_end && (last == NULL || r->time > last->time))
      last = r;
  }
  if (!has_before && base != NULL) {
    has_before = TRUE;
    before = base->balance;
  }
  if (!has_before) {
    out->kind = SALDO_SETTLE_CANNOT;
    out->reason = g_strdup ("there is no balance from before the top-up to compare with, so "
                            "only the owner can settle it");
    return;
  }
  if (in->now < deadline) {
    out->until = deadline;
    out->reason = g_strdup_printf ("the balance read after %s decides whether it arrived", deadline_str);
    return;
  }
  for (gsize i = 0; i < in->n_readings; i++) {
    const SaldoBalancePoint *r = &in->readings[i];

    if (r->time > in->sent && r->time <= in->now &&
        saldo_balance_rose_by (before, r->balance, in->amount, in->percent) &&
        (rose == NULL || r->time < rose->time))
      rose = r;
  }
  if (rose != NULL) {
    g_autofree char *b = saldo_money_format (before, currency);
    g_autofree char *a = saldo_money_format (rose->balance, currency);
    g_autofree char *when = format_time (rose->time);

    out->kind = SALDO_SETTLE_SUCCEEDED;
    out->balance_after = rose->balance;
    out->reading_time = rose->time;
    out->reason = g_strdup_printf ("the balance rose from %s to %s (read %s), by at least %u %% "
                                   "of %s",
                                   b, a, when, in->percent, amount);
    return;
  }
  if (in->provider_pending) {
    out->until = window_end;
    out->reason = g_strdup ("the provider reports it as still processing; its answer decides");
    return;
  }
  if (last != NULL && last->time <= in->now) {
    g_autofree char *b = saldo_money_format (before, currency);
    g_autofree char *a = saldo_money_format (last->balance, currency);
    g_autofree char *when = format_time (last->time);

    out->kind = SALDO_SETTLE_FAILED;
    out->reading_time = last->time;
    out->reason = g_strdup_printf ("the balance did not rise by %u %% of %s by the end of the "
                                   "window at %s: it was %s before and %s when read %s",
                                   in->percent, amount, end_str, b, a, when);
    return;
  }
  out->until = MAX (window_end, in->now);
  out->reason = g_strdup_printf ("no reading has shown it yet; unless the balance rises, a "
                                 "reading after %s marks it failed",
                                 end_str);
}
