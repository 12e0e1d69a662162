/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A provider's warnings and health checks against a clock the test moves
 * (policy/saldo-provider-health.c), and the engine leaving failures that
 * were the provider's out of a rule's failure count.
 */
#include <string.h>

#include "saldo-provider-health.h"
#include "saldo-rule-engine.h"

#define DAY   (24 * 60 * 60)
#define ICCID "8951100000000000011"

static gint64
at (GTimeZone *tz, int year, int month, int day, int hour)
{
  g_autoptr(GDateTime) dt = g_date_time_new (tz, year, month, day, hour, 0, 0);

  return g_date_time_to_unix (dt);
}

/* The warnings' names, joined: "funds-low,payment-expires-soon". */
static char *
names (const SaldoProviderHealthInput *in, gint64 *next_change)
{
  g_autoptr(GPtrArray) warnings = saldo_provider_health_warnings (in, next_change);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < warnings->len; i++) {
    const SaldoProviderWarning *w = warnings->pdata[i];

    g_assert_nonnull (w->message);
    g_string_append_printf (text, "%s%s", i > 0 ? "," : "", w->warning);
  }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* A card valid thru 2026-09 in Lima, as the clock moves past it. */
static void
test_payment_expiry (void)
{
  g_autoptr(GTimeZone) lima = g_time_zone_new_identifier ("America/Lima");
  gint64                   end = at (lima, 2026, 10, 1, 0);
  SaldoProviderHealthInput in = { .expires_year = 2026, .expires_month = 9, .tz = lima };
  const struct {
    gint64      now;
    const char *expected;
    gint64      next;
  } clock[] = {
    { at (lima, 2026, 7, 15, 12), "", end - SALDO_PROVIDER_EXPIRY_NOTICE },
    { end - SALDO_PROVIDER_EXPIRY_NOTICE - 1, "", end - SALDO_PROVIDER_EXPIRY_NOTICE },
    { end - SALDO_PROVIDER_EXPIRY_NOTICE, "payment-expires-soon", end },
    { at (lima, 2026, 9, 30, 23), "payment-expires-soon", end },
    { end, "payment-expired", 0 },
    { at (lima, 2027, 3, 1, 0), "payment-expired", 0 },
  };

  g_assert_cmpint (saldo_provider_payment_end (2026, 9, lima), ==, end);
  /* 2026-10-01 00:00 in Lima is 05:00 UTC */
  g_assert_cmpint (end, ==, 1790830800);
  for (guint i = 0; i < G_N_ELEMENTS (clock); i++) {
    g_autofree char *got = NULL;
    gint64           next = -1;

    in.now = clock[i].now;
    got = names (&in, &next);
    g_assert_cmpstr (got, ==, clock[i].expected);
    g_assert_cmpint (next, ==, clock[i].next);
  }

  /* the days left are in the message */
  {
    g_autoptr(GPtrArray) warnings = NULL;

    in.now = end - 3 * DAY + 60;
    warnings = saldo_provider_health_warnings (&in, NULL);
    g_assert_cmpuint (warnings->len, ==, 1);
    g_assert_nonnull (strstr (((SaldoProviderWarning *) warnings->pdata[0])->message, "in 3 days"));
  }

  /* no PaymentExpires=: nothing, and no timer */
  {
    SaldoProviderHealthInput none = { .now = end };
    g_autofree char         *got = NULL;
    gint64                   next = -1;

    got = names (&none, &next);
    g_assert_cmpstr (got, ==, "");
    g_assert_cmpint (next, ==, 0);
  }
}

static void
test_funds (void)
{
  const struct {
    gint64      funds;
    const char *funds_currency;
    gboolean    warn_known;
    gint64      warn_below;
    gboolean    needed_known;
    gint64      needed;
    const char *needed_currency;
    const char *expected;
  } cases[] = {
    { 5000, "USD", TRUE, 2000, TRUE, 1000, "USD", "" },
    { 1999, "USD", TRUE, 2000, TRUE, 1000, "USD", "funds-low" },
    { 999, "USD", TRUE, 2000, TRUE, 1000, "USD", "funds-low,funds-short" },
    { 999, "USD", FALSE, 0, TRUE, 1000, "USD", "funds-short" },
    /* the rules top up in soles: USD funds are never compared with them */
    { 999, "USD", FALSE, 0, TRUE, 2000, "PEN", "" },
    /* no rules */
    { 0, "USD", FALSE, 0, FALSE, 0, NULL, "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    SaldoProviderHealthInput in = {
      .funds_known = TRUE,
      .funds = cases[i].funds,
      .funds_currency = cases[i].funds_currency,
      .warn_below_known = cases[i].warn_known,
      .warn_below = cases[i].warn_below,
      .needed_known = cases[i].needed_known,
      .needed = cases[i].needed,
      .needed_currency = cases[i].needed_currency,
      .now = 1780000000,
    };
    g_autofree char *got = names (&in, NULL);

    g_assert_cmpstr (got, ==, cases[i].expected);
  }

  /* unknown funds warn of nothing */
  {
    SaldoProviderHealthInput in = { .warn_below_known = TRUE,
                                    .warn_below = 100,
                                    .needed_known = TRUE,
                                    .needed = 100,
                                    .now = 1780000000 };
    g_autofree char         *got = names (&in, NULL);

    g_assert_cmpstr (got, ==, "");
  }
}

static void
test_backoff (void)
{
  gint64 expected[] = { 300, 600, 1200, 2400, 4800, 9600, 19200, 21600, 21600 };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpint (saldo_provider_check_delay (i, 300), ==, expected[i]);
  g_assert_cmpint (saldo_provider_check_delay (G_MAXUINT, 300), ==, SALDO_PROVIDER_CHECK_MAX);
  g_assert_cmpint (saldo_provider_check_delay (0, 0), ==, 1);
}

/* Three failures in a row disable a rule; failures that were its
 * provider's (no funds, refused credentials...) do not count. */
static void
test_provider_faults_do_not_disable (void)
{
  SaldoRule rule = {
    .id = 1,
    .iccid = ICCID,
    .provider = "rl",
    .kind = SALDO_RULE_KIND_THRESHOLD,
    .mode = SALDO_RULE_MODE_ENABLED,
    .amount = 2000,
    .currency = "PEN",
    .threshold = 500,
  };
  SaldoLedgerRow   rows[3];
  SaldoEngineInput in = { 0 };
  g_auto(SaldoDecision) d = SALDO_DECISION_INIT;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    rows[i] = (SaldoLedgerRow){ 1,
                                ICCID,
                                2000,
                                "PEN",
                                SALDO_LEDGER_STATE_FAILED,
                                1780000000 - 3600 * (gint64) (i + 1),
                                1780000000 - 3600 * (gint64) (i + 1),
                                FALSE };
  in.line.iccid = ICCID;
  in.line.currency = "PEN";
  in.line.balance = 100;
  in.line.balance_known = TRUE;
  in.rules = &rule;
  in.n_rules = 1;
  in.history = rows;
  in.n_history = G_N_ELEMENTS (rows);
  saldo_line_limits_init_defaults (&in.line_limits);
  saldo_global_limits_init_defaults (&in.global_limits);
  in.now = 1780000000;
  for (int strategy = 0; strategy < 2; strategy++) {
    rows[1].provider_fault = FALSE;
    g_assert_true (saldo_rule_engine_decide_with (&in, strategy, &d, &error));
    g_assert_cmpint (d.kind, ==, SALDO_DECISION_DISABLE_RULE);
    rows[1].provider_fault = TRUE;
    g_assert_true (saldo_rule_engine_decide_with (&in, strategy, &d, &error));
    g_assert_cmpint (d.kind, ==, SALDO_DECISION_TOP_UP);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/provider-health/payment-expiry", test_payment_expiry);
  g_test_add_func ("/provider-health/funds", test_funds);
  g_test_add_func ("/provider-health/backoff", test_backoff);
  g_test_add_func ("/provider-health/provider-faults-do-not-disable", test_provider_faults_do_not_disable);
  return g_test_run ();
}
