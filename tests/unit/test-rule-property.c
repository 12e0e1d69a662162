/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Property test of the top-up engine: random lines, rules, limits and
 * balance sequences; time moves forward, every TOP_UP is applied to the
 * ledger with a random outcome, and after every step the ledger must
 * satisfy every cap, the cooldown, the attempt limit and "one in flight".
 *
 * SALDO_PROPERTY_SEED=N replays a run; SALDO_PROPERTY_RUNS=N changes its size.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "saldo-rule.h"
#include "saldo-rule-engine.h"

#define DAY       (24 * 60 * 60)
#define MAX_LINES 3
#define MAX_RULES 4
#define STEPS     200

static const char *const iccids[MAX_LINES] = {
  "8951100000000000017",
  "8951100000000000025",
  "8951100000000000033",
};

typedef struct {
  SaldoLineState    state;
  SaldoLineLimits   limits;
  SaldoRule         rules[MAX_RULES];
  gsize             n_rules;
  SaldoBalancePoint readings[6];
  gint64            true_balance; /* what the modem would say without misreads */
  gint64            confirmed;    /* rule confirmed by the simulated owner */
} SimLine;

typedef struct {
  guint line;
  gint  day_key;    /* local yyyymmdd at creation */
  gint  month_key;  /* local yyyymm at creation */
  guint resolve_in; /* steps until an open row gets its outcome */
} RowMeta;

typedef struct {
  GRand            *rand;
  GTimeZone        *tz;
  SimLine           lines[MAX_LINES];
  guint             n_lines;
  SaldoGlobalLimits global;
  GArray           *rows; /* SaldoLedgerRow */
  GArray           *meta; /* RowMeta */
  gint64            now;
  /* statistics, to show the run exercised something */
  guint decisions[SALDO_DECISION_DISABLE_RULE + 1];
  guint blocked_by[SALDO_LIMIT_CONSECUTIVE_FAILURES + 1];
} Sim;

static guint64 base_seed;

/* the contract, written out here so the test does not trust the library's
 * own classification: spent = may have charged money; open = in flight */
static gboolean
is_spent (SaldoLedgerState state)
{
  return state != SALDO_LEDGER_STATE_PLANNED && state != SALDO_LEDGER_STATE_FAILED;
}

static gboolean
is_open (SaldoLedgerState state)
{
  return state == SALDO_LEDGER_STATE_INTENT || state == SALDO_LEDGER_STATE_SENT ||
         state == SALDO_LEDGER_STATE_UNKNOWN;
}

static gint64
rand_range (Sim *sim, gint64 lo, gint64 hi)
{
  return lo + (gint64) (g_rand_double (sim->rand) * (double) (hi - lo + 1));
}

static gboolean
chance (Sim *sim, double p)
{
  return g_rand_double (sim->rand) < p;
}

static void
local_keys (Sim *sim, gint64 t, gint *day_key, gint *month_key)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (t);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, sim->tz);
  int y, m, d;

  g_date_time_get_ymd (local, &y, &m, &d);
  *day_key = y * 10000 + m * 100 + d;
  *month_key = y * 100 + m;
}

/* caps sit on or one minor unit below a multiple of the amounts' step, so
 * the boundary "spent + amount == cap" is reached exactly */
static gint64
cap_or_none (Sim *sim, gint64 lo, gint64 hi)
{
  if (chance (sim, 0.25))
    return 0;
  if (chance (sim, 0.2))
    return rand_range (sim, lo, hi);
  return rand_range (sim, lo / 100, hi / 100) * 100 - (chance (sim, 0.5) ? 1 : 0);
}

static void
sim_init (Sim *sim, guint64 seed)
{
  memset (sim, 0, sizeof (*sim));
  sim->rand = g_rand_new_with_seed_array ((const guint32[]){ (guint32) seed, (guint32) (seed >> 32) }, 2);
  sim->tz = g_time_zone_new_offset ((gint32) rand_range (sim, -12, 14) * 3600);
  sim->rows = g_array_new (FALSE, TRUE, sizeof (SaldoLedgerRow));
  sim->meta = g_array_new (FALSE, TRUE, sizeof (RowMeta));
  /* anywhere in 2023..2025, so month ends and leap days come up */
  sim->now = 1672531200 + rand_range (sim, 0, 3 * 365 * (gint64) DAY);
  sim->n_lines = (guint) rand_range (sim, 1, MAX_LINES);

  saldo_global_limits_init_defaults (&sim->global);
  sim->global.monthly_cap = cap_or_none (sim, 2000, 40000);
  sim->global.currency = "PEN";
  sim->global.max_consecutive_failures = (guint) rand_range (sim, 1, 4);
  sim->global.breaker_window = rand_range (sim, 60, 3600);

  for (guint l = 0; l < sim->n_lines; l++) {
    SimLine *line = &sim->lines[l];

    line->state.iccid = iccids[l];
    line->state.currency = "PEN";
    line->state.readings = line->readings;
    line->true_balance = rand_range (sim, 0, 20000);
    line->state.balance = line->true_balance;
    line->state.balance_known = TRUE;
    line->state.data_known = chance (sim, 0.8);
    line->state.data_left = rand_range (sim, 0, 2000000000);
    line->state.expiry = chance (sim, 0.7) ? sim->now + rand_range (sim, 0, 40) * DAY : 0;
    line->state.last_recharge = chance (sim, 0.7) ? sim->now - rand_range (sim, 0, 80) * DAY : 0;
    line->state.deactivation_days = chance (sim, 0.5) ? (guint) rand_range (sim, 30, 90) : 0;

    line->limits.max_per_topup = cap_or_none (sim, 500, 6000);
    line->limits.max_per_day = cap_or_none (sim, 500, 15000);
    line->limits.max_per_month = cap_or_none (sim, 1000, 40000);
    line->limits.max_attempts_24h = chance (sim, 0.25) ? 0 : (guint) rand_range (sim, 1, 6);
    line->limits.cooldown = chance (sim, 0.2) ? 0 : rand_range (sim, 60, 3 * 3600);

    line->n_rules = (gsize) rand_range (sim, 1, MAX_RULES);
    for (gsize r = 0; r < line->n_rules; r++) {
      SaldoRule *rule = &line->rules[r];
      double     mode = g_rand_double (sim->rand);

      rule->id = (gint64) (l * 10 + r + 1);
      rule->iccid = iccids[l];
      rule->provider = chance (sim, 0.5) ? "reloadly" : "dingconnect";
      rule->kind = (SaldoRuleKind) rand_range (sim, 0, 3);
      rule->mode = mode < 0.8   ? SALDO_RULE_MODE_ENABLED
                   : mode < 0.9 ? SALDO_RULE_MODE_CONFIRM
                                : SALDO_RULE_MODE_DISABLED;
      rule->amount = rand_range (sim, 1, 40) * 100;
      rule->currency = "PEN";
      rule->threshold = rule->kind == SALDO_RULE_KIND_DATA ? rand_range (sim, 1, 1000) * 1000000
                                                           : rand_range (sim, 100, 10000);
      rule->days_before = (guint) rand_range (sim, 1, 10);
      rule->day = chance (sim, 0.2) ? SALDO_RULE_DAY_LAST : (gint) rand_range (sim, 1, 28);
      rule->hour = (guint) rand_range (sim, 0, 23);
      rule->created = sim->now - rand_range (sim, 0, 60) * DAY;
    }
  }
}

static void
sim_clear (Sim *sim)
{
  g_rand_free (sim->rand);
  g_time_zone_unref (sim->tz);
  g_array_unref (sim->rows);
  g_array_unref (sim->meta);
}

static void
push_reading (SimLine *line, gint64 time, gint64 balance)
{
  gsize cap = G_N_ELEMENTS (line->readings);

  if (line->state.n_readings == cap) {
    memmove (&line->readings[0], &line->readings[1], sizeof (SaldoBalancePoint) * (cap - 1));
    line->state.n_readings--;
  }
  line->readings[line->state.n_readings++] = (SaldoBalancePoint){ time, balance };
  line->state.balance = balance;
}

/* the world moves: money and data are used, the modem is read (sometimes
 * wrongly), and open top-ups get their outcome */
static void
sim_world (Sim *sim)
{
  for (guint l = 0; l < sim->n_lines; l++) {
    SimLine *line = &sim->lines[l];

    line->true_balance = MAX (0, line->true_balance - rand_range (sim, 0, 800));
    line->state.data_left = MAX (0, line->state.data_left - rand_range (sim, 0, 80000000));
    if (chance (sim, 0.7)) {
      gint64 reading = line->true_balance;
      if (chance (sim, 0.05))
        reading = rand_range (sim, 0, 30000); /* misread */
      push_reading (line, sim->now, reading);
    }
  }

  for (guint i = 0; i < sim->rows->len; i++) {
    SaldoLedgerRow *row = &g_array_index (sim->rows, SaldoLedgerRow, i);
    RowMeta        *meta = &g_array_index (sim->meta, RowMeta, i);
    SimLine        *line = &sim->lines[meta->line];
    double          p;

    if (!is_open (row->state))
      continue;
    if (meta->resolve_in > 0) {
      meta->resolve_in--;
      continue;
    }
    p = g_rand_double (sim->rand);
    row->finished = sim->now;
    if (p < 0.55) {
      row->state = SALDO_LEDGER_STATE_SUCCEEDED;
      /* sometimes the money never shows up: the breaker must notice */
      if (chance (sim, 0.85)) {
        line->true_balance += row->amount;
        line->state.data_left += 500000000;
        line->state.last_recharge = sim->now;
        if (line->state.expiry > 0)
          line->state.expiry = sim->now + 30 * DAY;
      }
    } else if (p < 0.85) {
      row->state = SALDO_LEDGER_STATE_FAILED;
    } else {
      /* still unknown: reconcile later */
      row->state = SALDO_LEDGER_STATE_UNKNOWN;
      row->finished = 0;
      meta->resolve_in = (guint) rand_range (sim, 0, 6);
    }
  }
}

static void
sim_add_row (Sim *sim, guint l, const SaldoDecision *d)
{
  SaldoLedgerRow row = {
    .rule_id = d->rule_id,
    .iccid = iccids[l],
    .amount = d->amount,
    .currency = "PEN",
    .state = chance (sim, 0.5) ? SALDO_LEDGER_STATE_INTENT : SALDO_LEDGER_STATE_SENT,
    .created = sim->now,
  };
  RowMeta meta = { .line = l, .resolve_in = (guint) rand_range (sim, 0, 2) };

  local_keys (sim, row.created, &meta.day_key, &meta.month_key);
  g_array_append_val (sim->rows, row);
  g_array_append_val (sim->meta, meta);
}

static void
add_sum (GHashTable *sums, gint64 key, gint64 amount)
{
  gint64 *slot = g_hash_table_lookup (sums, &key);

  if (slot == NULL) {
    slot = g_new0 (gint64, 2);
    slot[0] = key;
    g_hash_table_insert (sums, slot, slot);
  }
  slot[1] += amount;
}

static gint64
get_sum (GHashTable *sums, gint64 key)
{
  gint64 *slot = g_hash_table_lookup (sums, &key);

  return slot != NULL ? slot[1] : 0;
}

/* Every invariant, recomputed from the whole ledger without the engine.
 * Rows are appended in time order, so per-line order is creation order. */
static void
check_invariants (Sim *sim, guint step)
{
  g_autoptr(GHashTable) sums = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  guint n = sim->rows->len;
  gint  last[MAX_LINES] = { -1, -1, -1 };
  guint window_start[MAX_LINES] = { 0 };
  guint in_flight[MAX_LINES] = { 0 };

  /* keys: line * 10^9 + yyyymmdd (day) / 10^8 + yyyymm (month); global: -yyyymm */
  for (guint i = 0; i < n; i++) {
    const SaldoLedgerRow *row = &g_array_index (sim->rows, SaldoLedgerRow, i);
    const RowMeta        *m = &g_array_index (sim->meta, RowMeta, i);

    if (!is_spent (row->state))
      continue;
    add_sum (sums, (gint64) m->line * 1000000000 + m->day_key, row->amount);
    add_sum (sums, (gint64) m->line * 1000000000 + (gint64) m->month_key, row->amount);
    add_sum (sums, -(gint64) m->month_key, row->amount);
  }

  for (guint i = 0; i < n; i++) {
    const SaldoLedgerRow  *row = &g_array_index (sim->rows, SaldoLedgerRow, i);
    const RowMeta         *m = &g_array_index (sim->meta, RowMeta, i);
    const SaldoLineLimits *lim = &sim->lines[m->line].limits;
    guint                  attempts = 0;

    if (is_spent (row->state)) {
      if (lim->max_per_topup > 0)
        g_assert_cmpint (row->amount, <=, lim->max_per_topup);
      if (lim->max_per_day > 0)
        g_assert_cmpint (get_sum (sums, (gint64) m->line * 1000000000 + m->day_key), <=, lim->max_per_day);
      if (lim->max_per_month > 0)
        g_assert_cmpint (get_sum (sums, (gint64) m->line * 1000000000 + m->month_key), <=,
                         lim->max_per_month);
      if (sim->global.monthly_cap > 0)
        g_assert_cmpint (get_sum (sums, -(gint64) m->month_key), <=, sim->global.monthly_cap);
    }
    if (is_open (row->state))
      in_flight[m->line]++;

    /* cooldown against the previous attempt of the line (nothing was
       * in flight then, so that one had already finished) */
    if (last[m->line] >= 0) {
      const SaldoLedgerRow *prev = &g_array_index (sim->rows, SaldoLedgerRow, last[m->line]);
      g_assert_cmpint (prev->finished, <=, row->created);
      g_assert_cmpint (row->created - MAX (prev->created, prev->finished), >=, lim->cooldown);
    }
    last[m->line] = (gint) i;

    /* attempts in the 24 h ending at this one */
    while (TRUE) {
      guint                 w = window_start[m->line];
      const SaldoLedgerRow *old = &g_array_index (sim->rows, SaldoLedgerRow, w);
      if (w < i &&
          (g_array_index (sim->meta, RowMeta, w).line != m->line || old->created <= row->created - DAY))
        window_start[m->line]++;
      else
        break;
    }
    for (guint w = window_start[m->line]; w <= i; w++)
      if (g_array_index (sim->meta, RowMeta, w).line == m->line)
        attempts++;
    if (lim->max_attempts_24h > 0)
      g_assert_cmpuint (attempts, <=, lim->max_attempts_24h);
  }

  for (guint l = 0; l < sim->n_lines; l++)
    if (in_flight[l] > 1)
      g_error ("seed %" G_GUINT64_FORMAT " step %u: line %u has %u top-ups in flight", base_seed, step, l,
               in_flight[l]);
}

static void
sim_step (Sim *sim, guint step)
{
  guint  target = (guint) rand_range (sim, 0, sim->n_lines - 1);
  gint64 cooldown_end = 0;

  /* sometimes land exactly where a line's cooldown ends */
  for (guint i = 0; i < sim->rows->len; i++) {
    const SaldoLedgerRow *row = &g_array_index (sim->rows, SaldoLedgerRow, i);
    if (g_array_index (sim->meta, RowMeta, i).line == target)
      cooldown_end = MAX (row->created, row->finished) + sim->lines[target].limits.cooldown;
  }
  if (cooldown_end > sim->now && chance (sim, 0.3))
    sim->now = cooldown_end - (chance (sim, 0.5) ? 1 : 0);
  /* mostly short steps so cooldowns and windows are hit, some long ones */
  else
    sim->now += chance (sim, 0.8) ? rand_range (sim, 30, 3600) : rand_range (sim, 3600, 3 * DAY);
  sim_world (sim);

  for (guint l = 0; l < sim->n_lines; l++) {
    SimLine *line = &sim->lines[l];
    g_auto(SaldoDecision) d = SALDO_DECISION_INIT;
    g_autoptr(GError) error = NULL;
    SaldoEngineInput in = {
      .line = line->state,
      .rules = line->rules,
      .n_rules = line->n_rules,
      .history = (const SaldoLedgerRow *) (gpointer) sim->rows->data,
      .n_history = sim->rows->len,
      .line_limits = line->limits,
      .global_limits = sim->global,
      .tz = sim->tz,
      .now = sim->now,
      .confirmed_rule_id = line->confirmed,
    };

    if (!saldo_rule_engine_decide (&in, &d, &error))
      g_error ("seed %" G_GUINT64_FORMAT " step %u: %s", base_seed, step, error->message);
    line->confirmed = 0;
    sim->decisions[d.kind]++;
    if (d.kind == SALDO_DECISION_BLOCKED)
      sim->blocked_by[d.limit]++;

    switch (d.kind) {
    case SALDO_DECISION_TOP_UP: {
      const SaldoRule *rule = NULL;
      for (gsize r = 0; r < line->n_rules; r++)
        if (line->rules[r].id == d.rule_id)
          rule = &line->rules[r];
      g_assert_nonnull (rule);
      g_assert_cmpint (rule->mode, !=, SALDO_RULE_MODE_DISABLED);
      g_assert_cmpint (d.amount, ==, rule->amount);
      sim_add_row (sim, l, &d);
    } break;
    case SALDO_DECISION_NEEDS_CONFIRMATION:
      if (chance (sim, 0.5))
        line->confirmed = d.rule_id;
      break;
    case SALDO_DECISION_DISABLE_RULE:
      for (gsize r = 0; r < line->n_rules; r++)
        if (line->rules[r].id == d.rule_id)
          line->rules[r].mode = SALDO_RULE_MODE_DISABLED;
      break;
    case SALDO_DECISION_WAIT:
    case SALDO_DECISION_BLOCKED:
    case SALDO_DECISION_NOTHING:
    default:
      break;
    }

    /* the owner now and then re-arms a paused or disabled rule */
    if (chance (sim, 0.03)) {
      SaldoRule *rule = &line->rules[rand_range (sim, 0, (gint64) line->n_rules - 1)];
      rule->mode = SALDO_RULE_MODE_ENABLED;
      rule->rearmed_at = sim->now;
    }
  }
  check_invariants (sim, step);
}

static void
test_property (void)
{
  const char *env_runs = g_getenv ("SALDO_PROPERTY_RUNS");
  guint       runs = env_runs != NULL ? (guint) g_ascii_strtoull (env_runs, NULL, 10) : 1000;
  guint       decisions[SALDO_DECISION_DISABLE_RULE + 1] = { 0 };
  guint       blocked_by[SALDO_LIMIT_CONSECUTIVE_FAILURES + 1] = { 0 };
  guint64     rows = 0;

  for (guint run = 0; run < runs; run++) {
    Sim sim;

    sim_init (&sim, base_seed + run);
    for (guint step = 0; step < STEPS; step++)
      sim_step (&sim, step);
    for (guint k = 0; k < G_N_ELEMENTS (decisions); k++)
      decisions[k] += sim.decisions[k];
    for (guint k = 0; k < G_N_ELEMENTS (blocked_by); k++)
      blocked_by[k] += sim.blocked_by[k];
    rows += sim.rows->len;
    sim_clear (&sim);
  }

  for (guint k = 0; k < G_N_ELEMENTS (decisions); k++)
    g_test_message ("%-20s %u", saldo_decision_kind_to_string (k), decisions[k]);
  for (guint k = 0; k < G_N_ELEMENTS (blocked_by); k++)
    g_test_message ("  blocked by %-20s %u", saldo_limit_to_string (k), blocked_by[k]);
  g_test_message ("ledger rows written: %" G_GUINT64_FORMAT, rows);

  /* a run that never tops up or never hits a cap would prove nothing */
  if (runs >= 100) {
    g_assert_cmpuint (decisions[SALDO_DECISION_TOP_UP], >, 0);
    g_assert_cmpuint (blocked_by[SALDO_LIMIT_MAX_PER_DAY], >, 0);
    g_assert_cmpuint (blocked_by[SALDO_LIMIT_MAX_PER_MONTH], >, 0);
    g_assert_cmpuint (blocked_by[SALDO_LIMIT_COOLDOWN], >, 0);
    g_assert_cmpuint (blocked_by[SALDO_LIMIT_IN_FLIGHT], >, 0);
  }
}

int
main (int argc, char **argv)
{
  const char *env_seed = g_getenv ("SALDO_PROPERTY_SEED");

  g_test_init (&argc, &argv, NULL);

  if (env_seed != NULL) {
    base_seed = g_ascii_strtoull (env_seed, NULL, 10);
  } else {
    g_autoptr(GRand) r = g_rand_new ();
    base_seed = ((guint64) g_rand_int (r) << 32) | g_rand_int (r);
  }
  /* printed so a failure can be replayed with SALDO_PROPERTY_SEED */
  g_printerr ("# SALDO_PROPERTY_SEED=%" G_GUINT64_FORMAT "\n", base_seed);

  g_test_add_func ("/rule-engine/property", test_property);
  return g_test_run ();
}
