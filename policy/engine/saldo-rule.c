/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "saldo-rule.h"

#include "saldo-enum.h"
#include "saldo-policy-enums.h"

#include <string.h>

G_DEFINE_QUARK (saldo - rule - error - quark, saldo_rule_error)

/* These strings are part of the D-Bus contract and the database: never
 * rename the values (saldo-policy-enums.c is generated from saldo-rule.h). */

const char *
saldo_rule_kind_to_string (SaldoRuleKind kind)
{
  return saldo_enum_to_string (SALDO_TYPE_RULE_KIND, kind);
}

gboolean
saldo_rule_kind_from_string (const char *str, SaldoRuleKind *kind)
{
  return saldo_enum_from_string (SALDO_TYPE_RULE_KIND, str, (gint *) kind);
}

const char *
saldo_rule_mode_to_string (SaldoRuleMode mode)
{
  return saldo_enum_to_string (SALDO_TYPE_RULE_MODE, mode);
}

gboolean
saldo_rule_mode_from_string (const char *str, SaldoRuleMode *mode)
{
  return saldo_enum_from_string (SALDO_TYPE_RULE_MODE, str, (gint *) mode);
}

const char *
saldo_ledger_state_to_string (SaldoLedgerState state)
{
  return saldo_enum_to_string (SALDO_TYPE_LEDGER_STATE, state);
}

gboolean
saldo_ledger_state_from_string (const char *str, SaldoLedgerState *state)
{
  return saldo_enum_from_string (SALDO_TYPE_LEDGER_STATE, str, (gint *) state);
}

const char *
saldo_limit_to_string (SaldoLimit limit)
{
  return saldo_enum_to_string (SALDO_TYPE_LIMIT, limit);
}

gboolean
saldo_limit_from_string (const char *str, SaldoLimit *limit)
{
  return saldo_enum_from_string (SALDO_TYPE_LIMIT, str, (gint *) limit);
}

gboolean
saldo_rule_day_from_string (const char *str, gint *day)
{
  guint64 v;

  if (str == NULL)
    return FALSE;
  if (g_strcmp0 (str, "last") == 0) {
    *day = SALDO_RULE_DAY_LAST;
    return TRUE;
  }
  if (!g_ascii_string_to_unsigned (str, 10, 1, 28, &v, NULL))
    return FALSE;
  *day = (gint) v;
  return TRUE;
}

char *
saldo_rule_day_to_string (gint day)
{
  if (day == SALDO_RULE_DAY_LAST)
    return g_strdup ("last");
  return g_strdup_printf ("%d", day);
}

gboolean
saldo_ledger_state_is_charging (SaldoLedgerState state)
{
  switch (state) {
  case SALDO_LEDGER_STATE_INTENT:
  case SALDO_LEDGER_STATE_SENT:
  case SALDO_LEDGER_STATE_SUCCEEDED:
  case SALDO_LEDGER_STATE_UNKNOWN:
  case SALDO_LEDGER_STATE_VERIFIED:
  case SALDO_LEDGER_STATE_DISPUTED:
    return TRUE;
  case SALDO_LEDGER_STATE_PLANNED:
  case SALDO_LEDGER_STATE_FAILED:
  case SALDO_LEDGER_STATE_EXPIRED:
    return FALSE;
  default:
    /* a state we do not know may have charged: count it */
    return TRUE;
  }
}

gboolean
saldo_ledger_state_is_in_flight (SaldoLedgerState state)
{
  return state == SALDO_LEDGER_STATE_INTENT || state == SALDO_LEDGER_STATE_SENT ||
         state == SALDO_LEDGER_STATE_UNKNOWN;
}

gboolean
saldo_ledger_state_is_attempt (SaldoLedgerState state)
{
  return state != SALDO_LEDGER_STATE_PLANNED && state != SALDO_LEDGER_STATE_EXPIRED;
}

gboolean
saldo_ledger_state_is_reserved (SaldoLedgerState state)
{
  return state == SALDO_LEDGER_STATE_PLANNED;
}

gboolean
saldo_amount_is_valid (gint64 amount)
{
  return amount > 0 && amount <= SALDO_AMOUNT_MAX;
}

gboolean
saldo_balance_rose_by (gint64 before, gint64 after, gint64 amount, guint percent)
{
  gint64 need;
  gint64 rise;

  /* need = ceil (amount × percent / 100), split so nothing overflows */
  percent = MIN (percent, 100);
  amount = MAX (amount, 0);
  need = amount / 100 * (gint64) percent + ((amount % 100) * (gint64) percent + 99) / 100;
  if (after <= before)
    return need <= 0;
  /* after - before overflows only when the rise is beyond any amount */
  if (before < 0 && after > G_MAXINT64 + before)
    return TRUE;
  rise = after - before;
  return rise >= need;
}

void
saldo_line_limits_fill_defaults (SaldoLineLimits        *limits,
                                 const char             *currency,
                                 const SaldoCapDefaults *defaults,
                                 gsize                   n_defaults,
                                 int                    *topup_from,
                                 int                    *day_from)
{
  int topup = -1;
  int day = -1;

  for (gsize i = 0; i < n_defaults; i++) {
    const SaldoCapDefaults *d = &defaults[i];

    if (currency == NULL || g_strcmp0 (d->currency, currency) != 0)
      continue;
    if (limits->max_per_topup == 0 && topup < 0 && d->max_per_topup > 0)
      topup = (int) i;
    if (limits->max_per_day == 0 && day < 0 && d->max_per_day > 0)
      day = (int) i;
  }
  if (topup >= 0)
    limits->max_per_topup = defaults[topup].max_per_topup;
  if (day >= 0)
    limits->max_per_day = defaults[day].max_per_day;
  if (topup_from != NULL)
    *topup_from = topup;
  if (day_from != NULL)
    *day_from = day;
}

void
saldo_line_limits_init_defaults (SaldoLineLimits *limits)
{
  memset (limits, 0, sizeof (*limits));
  limits->cooldown = SALDO_DEFAULT_COOLDOWN;
  limits->max_attempts_24h = SALDO_DEFAULT_MAX_ATTEMPTS_24H;
}

void
saldo_global_limits_init_defaults (SaldoGlobalLimits *limits)
{
  memset (limits, 0, sizeof (*limits));
  limits->breaker_window = SALDO_DEFAULT_BREAKER_WINDOW;
  limits->contradiction_window = SALDO_DEFAULT_CONTRADICTION_WINDOW;
  limits->contradiction_percent = SALDO_DEFAULT_CONTRADICTION_PERCENT;
  limits->contradiction_pause = SALDO_DEFAULT_CONTRADICTION_PAUSE;
  limits->max_consecutive_failures = SALDO_DEFAULT_MAX_CONSECUTIVE_FAILURES;
}

static gboolean invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const char *format, ...)
{
  va_list          args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, SALDO_RULE_ERROR, SALDO_RULE_ERROR_INVALID_ARGUMENT, msg);
  return FALSE;
}

gboolean
saldo_rule_validate (const SaldoRule *rule, const char *line_currency, GError **error)
{
  if (rule == NULL)
    return invalid (error, "rule: missing");
  if (rule->id <= 0)
    return invalid (error, "id: must be greater than zero");
  if (rule->iccid == NULL || rule->iccid[0] == '\0')
    return invalid (error, "iccid: must not be empty");
  if (rule->provider == NULL || rule->provider[0] == '\0')
    return invalid (error, "provider: must not be empty");
  if (saldo_rule_kind_to_string (rule->kind) == NULL)
    return invalid (error, "kind: unknown kind %d", (int) rule->kind);
  if (saldo_rule_mode_to_string (rule->mode) == NULL)
    return invalid (error, "mode: unknown mode %d", (int) rule->mode);
  if (rule->amount <= 0)
    return invalid (error, "amount: must be greater than zero");
  if (rule->amount > SALDO_AMOUNT_MAX)
    return invalid (error, "amount: must be at most %" G_GINT64_FORMAT " minor units", SALDO_AMOUNT_MAX);
  if (!saldo_currency_is_valid (rule->currency))
    return invalid (error, "currency: \"%s\" is not an ISO 4217 currency code",
                    rule->currency != NULL ? rule->currency : "");
  if (line_currency != NULL && strcmp (rule->currency, line_currency) != 0)
    return invalid (error, "currency: %s does not match the line currency %s", rule->currency, line_currency);
  if (rule->created < 0)
    return invalid (error, "created: must not be negative");
  if (rule->rearmed_at < 0)
    return invalid (error, "rearmed-at: must not be negative");

  switch (rule->kind) {
  case SALDO_RULE_KIND_THRESHOLD:
    if (rule->threshold <= 0)
      return invalid (error, "threshold: must be greater than zero");
    if (rule->threshold > SALDO_AMOUNT_MAX)
      return invalid (error, "threshold: must be at most %" G_GINT64_FORMAT " minor units", SALDO_AMOUNT_MAX);
    break;
  case SALDO_RULE_KIND_DATA:
    if (rule->threshold <= 0)
      return invalid (error, "threshold: must be greater than zero bytes");
    break;
  case SALDO_RULE_KIND_KEEP_ALIVE:
    if (rule->days_before < 1 || rule->days_before > 90)
      return invalid (error, "days-before: must be between 1 and 90, got %u", rule->days_before);
    break;
  case SALDO_RULE_KIND_FORECAST:
    if (rule->threshold <= 0)
      return invalid (error, "below: must be greater than zero");
    if (rule->threshold > SALDO_AMOUNT_MAX)
      return invalid (error, "below: must be at most %" G_GINT64_FORMAT " minor units", SALDO_AMOUNT_MAX);
    if (rule->days_before < 1 || rule->days_before > 90)
      return invalid (error, "days: must be between 1 and 90, got %u", rule->days_before);
    break;
  case SALDO_RULE_KIND_SCHEDULE:
    if (rule->day != SALDO_RULE_DAY_LAST && (rule->day < 1 || rule->day > 28))
      return invalid (error, "day: must be between 1 and 28 or \"last\", got %d", rule->day);
    if (rule->hour > 23)
      return invalid (error, "hour: must be between 0 and 23, got %u", rule->hour);
    break;
  default:
    g_assert_not_reached ();
  }
  return TRUE;
}

gboolean
saldo_line_limits_validate (const SaldoLineLimits *limits, GError **error)
{
  if (limits->max_per_topup < 0)
    return invalid (error, "max-per-topup: must not be negative");
  if (limits->max_per_day < 0)
    return invalid (error, "max-per-day: must not be negative");
  if (limits->max_per_month < 0)
    return invalid (error, "max-per-month: must not be negative");
  if (limits->cooldown < 0)
    return invalid (error, "cooldown: must not be negative");
  return TRUE;
}

gboolean
saldo_global_limits_validate (const SaldoGlobalLimits *limits, GError **error)
{
  if (limits->monthly_cap < 0)
    return invalid (error, "global-monthly-cap: must not be negative");
  if (limits->monthly_cap > 0 && !saldo_currency_is_valid (limits->currency))
    return invalid (error, "global-currency: a monthly cap needs an ISO 4217 currency code");
  if (limits->breaker_window <= 0)
    return invalid (error, "breaker-window: must be greater than zero");
  if (limits->contradiction_window < 0)
    return invalid (error, "contradiction-window: must not be negative");
  if (limits->contradiction_percent < 1 || limits->contradiction_percent > 99)
    return invalid (error, "contradiction-percent: must be between 1 and 99, got %u",
                    limits->contradiction_percent);
  if (limits->contradiction_pause < 0)
    return invalid (error, "contradiction-pause: must not be negative");
  if (limits->max_consecutive_failures < 1)
    return invalid (error, "max-consecutive-failures: must be at least 1");
  return TRUE;
}

static gboolean
check_cap (const char *field, gint64 cap, const SaldoRule *rule, GError **error)
{
  g_autofree char *cap_str = NULL;
  g_autofree char *amount_str = NULL;

  if (cap <= 0 || cap >= rule->amount)
    return TRUE;
  cap_str = saldo_money_format (cap, rule->currency);
  amount_str = saldo_money_format (rule->amount, rule->currency);
  return invalid (error, "%s: %s is below the top-up amount %s", field, cap_str, amount_str);
}

gboolean
saldo_rule_check_limits (const SaldoRule         *rule,
                         const SaldoLineLimits   *limits,
                         const SaldoGlobalLimits *global,
                         GError                 **error)
{
  if (limits != NULL) {
    if (!check_cap ("max-per-topup", limits->max_per_topup, rule, error) ||
        !check_cap ("max-per-day", limits->max_per_day, rule, error) ||
        !check_cap ("max-per-month", limits->max_per_month, rule, error))
      return FALSE;
  }
  if (global != NULL && global->monthly_cap > 0) {
    if (g_strcmp0 (global->currency, rule->currency) != 0)
      return invalid (error, "global-monthly-cap: the cap is in %s but the rule tops up in %s",
                      global->currency != NULL ? global->currency : "(none)",
                      rule->currency != NULL ? rule->currency : "(none)");
    if (!check_cap ("global-monthly-cap", global->monthly_cap, rule, error))
      return FALSE;
  }
  return TRUE;
}
