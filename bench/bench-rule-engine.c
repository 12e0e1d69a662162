/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Evaluates 1,000 lines x 10 rules with 50 ledger rows per line and prints
 * decisions/s and the wall time of the whole set, for the production
 * aggregation (SALDO_ENGINE_SCAN_ONCE: one pass over the history per
 * decision) and the naive one (SALDO_ENGINE_SCAN_PER_RULE: every limit
 * rescans the history for every rule).  No assertions: it reports.
 *
 *   bench-rule-engine [LINES] [REPEATS]
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "saldo-rule.h"
#include "saldo-rule-engine.h"

#define RULES_PER_LINE    10
#define ROWS_PER_LINE     50
#define READINGS_PER_LINE 6
#define DAY               (24 * 60 * 60)

typedef struct {
  char              iccid[24];
  SaldoLineState    state;
  SaldoRule         rules[RULES_PER_LINE];
  SaldoBalancePoint readings[READINGS_PER_LINE];
  gsize             first_row; /* this line's rows in the shared history */
} BenchLine;

typedef struct {
  BenchLine        *lines;
  guint             n_lines;
  SaldoLedgerRow   *history;
  gsize             n_history;
  SaldoLineLimits   limits;
  SaldoGlobalLimits global;
  GTimeZone        *tz;
  gint64            now;
  gint64            month_start;
  gint64            month_spent_all;
} Bench;

static void
bench_init (Bench *b, guint n_lines)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240315);
  static const SaldoLedgerState states[] = {
    SALDO_LEDGER_STATE_VERIFIED,  SALDO_LEDGER_STATE_VERIFIED, SALDO_LEDGER_STATE_VERIFIED,
    SALDO_LEDGER_STATE_SUCCEEDED, SALDO_LEDGER_STATE_FAILED,   SALDO_LEDGER_STATE_PLANNED,
  };
  g_autoptr(GDateTime) month = NULL;

  memset (b, 0, sizeof (*b));
  b->n_lines = n_lines;
  b->lines = g_new0 (BenchLine, n_lines);
  b->n_history = (gsize) n_lines * ROWS_PER_LINE;
  b->history = g_new0 (SaldoLedgerRow, b->n_history);
  b->tz = g_time_zone_new_identifier ("-05:00");
  b->now = 1710522000; /* 2024-03-15 17:00 UTC */
  saldo_line_limits_init_defaults (&b->limits);
  b->limits.max_per_topup = 5000;
  b->limits.max_per_day = 10000;
  b->limits.max_per_month = 30000;
  saldo_global_limits_init_defaults (&b->global);
  b->global.monthly_cap = 100000000;
  b->global.currency = "PEN";
  month = g_date_time_new (b->tz, 2024, 3, 1, 0, 0, 0);
  b->month_start = g_date_time_to_unix (month);

  for (guint l = 0; l < n_lines; l++) {
    BenchLine *line = &b->lines[l];

    g_snprintf (line->iccid, sizeof (line->iccid), "89511%014u", l);
    line->state.iccid = line->iccid;
    line->state.currency = "PEN";
    line->state.balance = g_rand_int_range (rand, 0, 10000);
    line->state.balance_known = TRUE;
    line->state.data_left = g_rand_int_range (rand, 0, 1000000000);
    line->state.data_known = TRUE;
    line->state.expiry = b->now + g_rand_int_range (rand, 0, 40) * (gint64) DAY;
    line->state.last_recharge = b->now - g_rand_int_range (rand, 0, 60) * (gint64) DAY;
    line->state.deactivation_days = 90;
    for (guint i = 0; i < READINGS_PER_LINE; i++)
      line->readings[i] = (SaldoBalancePoint){ b->now - (READINGS_PER_LINE - i) * 3600,
                                               line->state.balance + g_rand_int_range (rand, 0, 200) };
    line->state.readings = line->readings;
    line->state.n_readings = READINGS_PER_LINE;

    for (guint r = 0; r < RULES_PER_LINE; r++) {
      SaldoRule *rule = &line->rules[r];
      rule->id = r + 1;
      rule->iccid = line->iccid;
      rule->provider = "reloadly";
      rule->kind = (SaldoRuleKind) (r % 4);
      rule->mode = r == 9 ? SALDO_RULE_MODE_CONFIRM : SALDO_RULE_MODE_ENABLED;
      rule->amount = 500 + 100 * g_rand_int_range (rand, 0, 40);
      rule->currency = "PEN";
      rule->threshold = rule->kind == SALDO_RULE_KIND_DATA ? 200000000 : 2000 + 500 * r;
      rule->days_before = 3;
      rule->day = (gint) (1 + r * 2);
      rule->hour = 9;
      rule->created = b->now - 400 * (gint64) DAY;
    }

    /* 50 rows over the last 60 days, oldest first, none in flight */
    line->first_row = (gsize) l * ROWS_PER_LINE;
    for (guint i = 0; i < ROWS_PER_LINE; i++) {
      SaldoLedgerRow *row = &b->history[line->first_row + i];
      gint64          created = b->now - 60 * (gint64) DAY + (gint64) i * (60 * DAY / ROWS_PER_LINE);

      *row = (SaldoLedgerRow){
        .rule_id = g_rand_int_range (rand, 0, RULES_PER_LINE + 1),
        .iccid = line->iccid,
        .amount = 500 + 100 * g_rand_int_range (rand, 0, 20),
        .currency = "PEN",
        .state = states[g_rand_int_range (rand, 0, G_N_ELEMENTS (states))],
        .created = created,
        .finished = created + 40,
      };
      if (saldo_ledger_state_is_charging (row->state) && row->created >= b->month_start)
        b->month_spent_all += row->amount;
    }
  }
}

static void
bench_clear (Bench *b)
{
  g_free (b->lines);
  g_free (b->history);
  g_time_zone_unref (b->tz);
}

typedef struct {
  gint64 best_usec;
  guint  evaluated;
  guint  kinds[SALDO_DECISION_DISABLE_RULE + 1];
  guint  hash; /* folds every decision, to compare strategies */
} BenchResult;

/* full_history: every line gets the 50,000-row history (the engine sums
 * the global cap itself); otherwise its own 50 rows plus the precomputed
 * spend of the other lines, as the daemon would pass them */
static void
bench_run (Bench              *b,
           SaldoEngineStrategy strategy,
           gboolean            full_history,
           guint               n_lines,
           guint               repeats,
           BenchResult        *res)
{
  memset (res, 0, sizeof (*res));
  res->best_usec = G_MAXINT64;

  for (guint rep = 0; rep < repeats; rep++) {
    gint64 start = g_get_monotonic_time ();
    guint  hash = 5381;

    memset (res->kinds, 0, sizeof (res->kinds));
    for (guint l = 0; l < n_lines; l++) {
      BenchLine *line = &b->lines[l];
      g_auto(SaldoDecision) d = SALDO_DECISION_INIT;
      gint64           own = 0;
      SaldoEngineInput in = {
        .line = line->state,
        .rules = line->rules,
        .n_rules = RULES_PER_LINE,
        .line_limits = b->limits,
        .global_limits = b->global,
        .tz = b->tz,
        .now = b->now,
      };

      if (full_history) {
        in.history = b->history;
        in.n_history = b->n_history;
      } else {
        in.history = &b->history[line->first_row];
        in.n_history = ROWS_PER_LINE;
        /* what the caller keeps as a running total */
        for (guint i = 0; i < ROWS_PER_LINE; i++)
          if (saldo_ledger_state_is_charging (in.history[i].state) && in.history[i].created >= b->month_start)
            own += in.history[i].amount;
        in.month_spent_other_lines = MAX (b->month_spent_all - own, 0);
      }

      if (!saldo_rule_engine_decide_with (&in, strategy, &d, NULL)) {
        g_printerr ("line %u: the engine refused its input\n", l);
        return;
      }
      res->kinds[d.kind]++;
      hash = hash * 33 + (guint) d.kind * 7 + (guint) d.rule_id + (guint) d.limit * 131;
    }
    res->best_usec = MIN (res->best_usec, g_get_monotonic_time () - start);
    res->hash = hash;
  }
  res->evaluated = n_lines;
}

static void
print_result (const char *name, const BenchResult *res, guint total_lines)
{
  double secs = (double) res->best_usec / 1e6;
  double rate = secs > 0 ? (double) res->evaluated / secs : 0;

  g_print ("  %-34s %8u decisions in %9.3f ms  %12.0f decisions/s  (%8.3f ms for all %u lines)\n", name,
           res->evaluated, secs * 1e3, rate, rate > 0 ? (double) total_lines / rate * 1e3 : 0.0, total_lines);
}

static void
print_kinds (const BenchResult *res)
{
  g_print ("  decisions:");
  for (guint k = 0; k < G_N_ELEMENTS (res->kinds); k++)
    g_print (" %s=%u", saldo_decision_kind_to_string (k), res->kinds[k]);
  g_print ("\n");
}

int
main (int argc, char **argv)
{
  guint       n_lines = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 1000;
  guint       repeats = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 3;
  guint       sample;
  BenchResult once, naive;
  Bench       b;

  n_lines = MAX (n_lines, 1);
  repeats = MAX (repeats, 1);
  bench_init (&b, n_lines);
  g_print ("bench-rule-engine: %u lines x %d rules, %d ledger rows per line, best of %u runs\n", n_lines,
           RULES_PER_LINE, ROWS_PER_LINE, repeats);

  g_print ("per-line history (%d rows each, other lines' spend precomputed):\n", ROWS_PER_LINE);
  bench_run (&b, SALDO_ENGINE_SCAN_ONCE, FALSE, n_lines, repeats, &once);
  bench_run (&b, SALDO_ENGINE_SCAN_PER_RULE, FALSE, n_lines, repeats, &naive);
  print_result ("scan-once (production)", &once, n_lines);
  print_result ("scan-per-rule-per-limit (naive)", &naive, n_lines);
  print_kinds (&once);
  g_print ("  same decisions: %s; naive/once time ratio: %.1fx\n", once.hash == naive.hash ? "yes" : "NO",
           (double) naive.best_usec / (double) MAX (once.best_usec, 1));

  /* the naive strategy over 50,000 rows is ~100x slower: time a sample */
  sample = MIN (n_lines, 50);
  g_print ("full history (%" G_GSIZE_FORMAT " rows passed to every decision):\n", b.n_history);
  bench_run (&b, SALDO_ENGINE_SCAN_ONCE, TRUE, n_lines, repeats, &once);
  print_result ("scan-once (production)", &once, n_lines);
  bench_run (&b, SALDO_ENGINE_SCAN_PER_RULE, TRUE, sample, 1, &naive);
  print_result ("scan-per-rule-per-limit (naive)", &naive, n_lines);
  g_print ("  (naive timed on the first %u lines; the whole set extrapolated)\n", sample);
  print_kinds (&once);

  bench_clear (&b);
  return 0;
}
