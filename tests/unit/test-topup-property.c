/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Property test of the money paths as a whole: the rule engine, the ledger
 * on a real SQLite file, the runner with a scripted provider, settlement by
 * the balance, expiry of planned rows, all on a fake clock.  Random
 * sequences of rule decisions, manual top-ups, confirmations, rejections,
 * outcomes the provider never tells, balance readings, reconcile passes,
 * restarts and time passing; after every step:
 *
 *  - what was spent (every row that may have charged, dated when its request
 *    left) never exceeds a cap: max-per-topup, max-per-day and max-per-month
 *    of the line (the rules' caps, else the defaults), the global monthly cap;
 *  - no provider charge happened twice for one reference, and every charge
 *    has its row;
 *  - no row stays unsettled past its deadline: a planned row past its expiry
 *    is expired; an unknown row is settled once a reading after its deadline
 *    shows the rise, or once one after the end of its window does not (and
 *    the reading is taken when it is due);
 *  - nothing is left in intent or sent between steps;
 *
 * and at the end, after time runs past every window and each line is read,
 * nothing is planned or unknown any more.
 *
 * The harness does what saldod's top-up manager (saldo-topup-manager.c)
 * does with the same library calls; the test's own arithmetic (the caps) is
 * written out here so it does not trust the library's.
 *
 * SALDO_PROPERTY_SEED=N replays a run; SALDO_PROPERTY_RUNS=N changes how many.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "saldo-error.h"
#include "saldo-ledger.h"
#include "saldo-rule-engine.h"
#include "saldo-settle.h"
#include "saldo-topup-runner.h"

#define DAY             86400
#define N_LINES         2
#define MAX_RULES       2
#define STEPS           250
#define SETTLE_DELAY    1800
#define SETTLE_WINDOW   DAY
#define CONFIRM_TIMEOUT DAY
#define VERIFY_PERCENT  80

static const char *const iccids[N_LINES] = { "8951100000000000017", "8951100000000000025" };

/* ---- a provider whose outcomes the simulation scripts ---- */

typedef struct _Sim Sim;

#define SIM_TYPE_PROVIDER (sim_provider_get_type ())
G_DECLARE_FINAL_TYPE (SimProvider, sim_provider, SIM, PROVIDER, SaldoProvider)

struct _SimProvider {
  SaldoProvider parent_instance;
  Sim          *sim;
};

G_DEFINE_TYPE (SimProvider, sim_provider, SALDO_TYPE_PROVIDER)

/* What really happened at the provider, whatever saldod was told. */
typedef struct {
  guint    line;
  gint64   amount;
  gboolean charged;
  gint64   arrives; /* the line's balance rises then */
  gboolean credited;
  guint    times; /* charges for this reference */
} Charge;

typedef struct {
  gint64          id;
  gint64          line_id;
  gint64          true_balance;
  GArray         *readings; /* SaldoBalancePoint, oldest first */
  SaldoRule       rules[MAX_RULES];
  gsize           n_rules;
  SaldoLineLimits rule_caps; /* folded from the rules, before defaults */
} SimLine;

struct _Sim {
  GRand            *rand;
  char             *dir;
  char             *path;
  SaldoStore       *store;
  SaldoLedger      *ledger;
  SaldoTopupRunner *runner;
  SaldoProvider    *provider;
  GTimeZone        *tz;
  gint64            now;
  SimLine           lines[N_LINES];
  SaldoCapDefaults  defaults[2];
  SaldoGlobalLimits global;
  GHashTable       *charges; /* reference → Charge */
  /* how often each thing happened, so a run shows it exercised something */
  guint topups, confirmed, refused, rejected, expired, settled_ok, settled_failed, restarts, unknown;
};

static guint64 base_seed;

static void
sim_provider_top_up_async (SaldoProvider      *provider,
                           SaldoTopUpRequest  *req,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  Sim *sim = SIM_PROVIDER (provider)->sim;
  g_autoptr(GTask) task = g_task_new (provider, cancellable, callback, user_data);
  Charge           *charge = g_hash_table_lookup (sim->charges, req->reference);
  double            dice = g_rand_double (sim->rand);
  SaldoTopUpResult *result;

  if (charge == NULL) {
    charge = g_new0 (Charge, 1);
    for (guint i = 0; i < N_LINES; i++)
      if (g_str_equal (req->iccid, iccids[i]))
        charge->line = i;
    charge->amount = req->amount;
    g_hash_table_insert (sim->charges, g_strdup (req->reference), charge);
  }
  if (dice < 0.5) {
    charge->charged = TRUE;
    charge->times++;
    charge->arrives = sim->now;
    result = saldo_top_up_result_new (SALDO_TOP_UP_STATUS_SUCCEEDED, req->reference);
  } else if (dice < 0.7) {
    result = saldo_top_up_result_new (SALDO_TOP_UP_STATUS_FAILED, req->reference);
    result->error = g_error_new_literal (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_REJECTED, "declined");
  } else {
    g_autoptr(GError)
                 lost = g_error_new_literal (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_TIMEOUT, "no answer");

    /* The answer is lost; the money may or may not be on its way. */
    if (g_rand_boolean (sim->rand)) {
      charge->charged = TRUE;
      charge->times++;
      charge->arrives = sim->now + g_rand_int_range (sim->rand, 0, 3 * 3600);
    }
    result = saldo_top_up_result_new_unknown (req->reference, lost);
    sim->unknown++;
  }
  g_task_return_pointer (task, result, (GDestroyNotify) saldo_top_up_result_free);
}

/* Like a voucher: nothing to look up, the balance has to tell. */
static void
sim_provider_lookup_async (SaldoProvider      *provider,
                           const char         *reference,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (provider, cancellable, callback, user_data);

  g_task_return_new_error (task, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                           "this provider cannot look anything up");
}

static void
sim_provider_class_init (SimProviderClass *klass)
{
  SaldoProviderClass *provider_class = SALDO_PROVIDER_CLASS (klass);

  provider_class->type_name = "sim";
  provider_class->top_up_async = sim_provider_top_up_async;
  provider_class->lookup_async = sim_provider_lookup_async;
}

static void
sim_provider_init (SimProvider *self)
{
}

/* ---- the simulated machine ---- */

static gint64
sim_clock (gpointer data)
{
  return ((Sim *) data)->now;
}

static void
sim_open (Sim *sim)
{
  g_autoptr(GError) error = NULL;

  sim->store = saldo_store_open (sim->path, &error);
  g_assert_no_error (error);
  sim->ledger = saldo_ledger_new (sim->store);
  saldo_ledger_set_clock (sim->ledger, sim_clock, sim);
  sim->runner = saldo_topup_runner_new ();
}

static void
sim_close (Sim *sim)
{
  g_clear_object (&sim->runner);
  g_clear_object (&sim->ledger);
  g_clear_object (&sim->store);
}

static gint64
rand_range (Sim *sim, gint64 lo, gint64 hi)
{
  return lo + (gint64) (g_rand_double (sim->rand) * (double) (hi - lo + 1));
}

static gint64
strictest (gint64 a, gint64 b)
{
  if (a == 0)
    return b;
  if (b == 0)
    return a;
  return MIN (a, b);
}

static void
sim_setup (Sim *sim, guint64 seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  const char *shm = "/dev/shm";

  memset (sim, 0, sizeof (*sim));
  sim->rand = g_rand_new_with_seed ((guint32) seed);
  /* A real SQLite file; in memory-backed /dev/shm when there is one, so
   * the fsyncs the ledger asks for stay cheap. */
  if (g_access (shm, W_OK) == 0) {
    g_autofree char *tmpl = g_build_filename (shm, "saldo-property-XXXXXX", NULL);

    sim->dir = g_mkdtemp (g_steal_pointer (&tmpl));
  }
  if (sim->dir == NULL)
    sim->dir = g_dir_make_tmp ("saldo-property-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_nonnull (sim->dir);
  sim->path = g_build_filename (sim->dir, "saldo.db", NULL);
  sim->tz = g_time_zone_new_identifier ("-05:00");
  sim->now = 1710000000 + rand_range (sim, 0, 60 * DAY);
  sim->charges = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sim_open (sim);

  sim->provider = g_object_new (SIM_TYPE_PROVIDER, "id", "sim", NULL);
  SIM_PROVIDER (sim->provider)->sim = sim;
  g_key_file_set_string (kf, SALDO_PROVIDER_GROUP, "Type", "sim");
  g_assert_true (saldo_provider_configure (sim->provider, kf, sim->dir, &error));
  g_assert_no_error (error);

  /* saldo.conf's defaults sometimes, the carrier file's always */
  sim->defaults[0] = (SaldoCapDefaults){ g_rand_boolean (sim->rand) ? rand_range (sim, 800, 3000) : 0,
                                         g_rand_boolean (sim->rand) ? rand_range (sim, 2000, 6000) : 0,
                                         "PEN" };
  sim->defaults[1] = (SaldoCapDefaults){ 5000, 10000, "PEN" };
  saldo_global_limits_init_defaults (&sim->global);
  if (g_rand_boolean (sim->rand)) {
    sim->global.monthly_cap = rand_range (sim, 3000, 30000);
    sim->global.currency = "PEN";
  }

  for (guint l = 0; l < N_LINES; l++) {
    SimLine *line = &sim->lines[l];
    g_autoptr(SaldoLineRecord) record = saldo_line_record_new ();

    record->iccid = g_strdup (iccids[l]);
    record->first_seen = record->last_seen = sim->now;
    g_assert_true (saldo_store_save_line (sim->store, record, &error));
    g_assert_no_error (error);
    line->line_id = record->id;
    line->true_balance = rand_range (sim, 0, 3000);
    line->readings = g_array_new (FALSE, FALSE, sizeof (SaldoBalancePoint));
    line->n_rules = (gsize) rand_range (sim, 0, MAX_RULES);
    line->rule_caps.cooldown = 0;
    for (gsize r = 0; r < line->n_rules; r++) {
      SaldoRule *rule = &line->rules[r];
      gint64     max_per_topup = g_rand_boolean (sim->rand) ? rand_range (sim, 500, 4000) : 0;
      gint64     max_per_day = g_rand_boolean (sim->rand) ? rand_range (sim, 1000, 8000) : 0;
      gint64     max_per_month = g_rand_int_range (sim->rand, 0, 3) == 0 ? rand_range (sim, 3000, 20000) : 0;

      rule->id = (gint64) (l * MAX_RULES + r + 1);
      rule->iccid = iccids[l];
      rule->provider = "sim";
      rule->kind = SALDO_RULE_KIND_THRESHOLD;
      rule->mode = g_rand_int_range (sim->rand, 0, 3) > 0 ? SALDO_RULE_MODE_CONFIRM : SALDO_RULE_MODE_ENABLED;
      rule->amount = rand_range (sim, 300, 4000);
      rule->currency = "PEN";
      rule->threshold = rand_range (sim, 500, 2500);
      rule->created = sim->now;
      line->rule_caps.max_per_topup = strictest (line->rule_caps.max_per_topup, max_per_topup);
      line->rule_caps.max_per_day = strictest (line->rule_caps.max_per_day, max_per_day);
      line->rule_caps.max_per_month = strictest (line->rule_caps.max_per_month, max_per_month);
      line->rule_caps.cooldown = MAX (line->rule_caps.cooldown, g_rand_boolean (sim->rand) ? 0 : 300);
    }
  }
}

static void
sim_teardown (Sim *sim)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  sim_close (sim);
  g_clear_object (&sim->provider);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++) {
    g_autofree char *p = g_strconcat (sim->path, suffixes[i], NULL);
    g_unlink (p);
  }
  g_rmdir (sim->dir);
  g_free (sim->path);
  g_free (sim->dir);
  for (guint l = 0; l < N_LINES; l++)
    g_array_unref (sim->lines[l].readings);
  g_hash_table_unref (sim->charges);
  g_time_zone_unref (sim->tz);
  g_rand_free (sim->rand);
}

/* The line's caps, as saldod computes them: the rules', then the defaults. */
static SaldoLineLimits
line_limits (Sim *sim, const SimLine *line)
{
  SaldoLineLimits lim;

  saldo_line_limits_init_defaults (&lim);
  lim.max_per_topup = line->rule_caps.max_per_topup;
  lim.max_per_day = line->rule_caps.max_per_day;
  lim.max_per_month = line->rule_caps.max_per_month;
  lim.cooldown = line->n_rules > 0 ? line->rule_caps.cooldown : SALDO_DEFAULT_COOLDOWN;
  saldo_line_limits_fill_defaults (&lim, "PEN", sim->defaults, G_N_ELEMENTS (sim->defaults), NULL, NULL);
  return lim;
}

static void
store_result (GObject *source, GAsyncResult *res, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (res);
}

static void
wait_for (GAsyncResult **res)
{
  while (*res == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static void
run_planned (Sim *sim, gint64 id)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(SaldoTopupRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  saldo_topup_runner_execute_async (sim->runner, sim->ledger, sim->provider, id, NULL, store_result, &res);
  wait_for (&res);
  record = saldo_topup_runner_execute_finish (sim->runner, res, &error);
  g_assert_no_error (error);
  g_assert_true (record->state == SALDO_LEDGER_STATE_SUCCEEDED ||
                 record->state == SALDO_LEDGER_STATE_FAILED || record->state == SALDO_LEDGER_STATE_UNKNOWN);
  sim->topups++;
}

static gint64
plan (Sim *sim, guint l, gint64 rule_id, gint64 amount)
{
  SimLine *line = &sim->lines[l];
  g_autoptr(GError) error = NULL;
  SaldoTopupPlan p = {
    .line_id = line->line_id,
    .rule_id = rule_id,
    .origin = rule_id > 0 ? SALDO_TOPUP_ORIGIN_RULE : SALDO_TOPUP_ORIGIN_MANUAL,
    .provider = "sim",
    .amount = amount,
    .currency = "PEN",
    .phone = "+51987654321",
    .country = "PE",
    .expires = sim->now + CONFIRM_TIMEOUT,
  };
  gint64 id = 0;

  if (line->readings->len > 0) {
    p.has_balance_before = TRUE;
    p.balance_before = g_array_index (line->readings, SaldoBalancePoint, line->readings->len - 1).balance;
  }
  g_assert_true (saldo_ledger_create_planned (sim->ledger, &p, &id, &error));
  g_assert_no_error (error);
  return id;
}

typedef struct {
  SaldoLedgerRows *rows;
  SaldoRule        manual;
} Scratch;

static void
scratch_clear (Scratch *scratch)
{
  g_clear_pointer (&scratch->rows, saldo_ledger_rows_free);
}

/* The engine's input for a line, as build_engine_input () makes it. */
static void
engine_input (Sim *sim, guint l, Scratch *scratch, SaldoEngineInput *in)
{
  SimLine *line = &sim->lines[l];
  g_autoptr(GError) error = NULL;
  guint n = line->readings->len;

  memset (in, 0, sizeof (*in));
  g_assert_true (saldo_ledger_to_rule_rows (sim->ledger, sim->now - 40 * DAY, &scratch->rows, &error));
  g_assert_no_error (error);
  in->line.iccid = iccids[l];
  in->line.currency = "PEN";
  in->line.balance_known = n > 0;
  in->line.balance = n > 0 ? g_array_index (line->readings, SaldoBalancePoint, n - 1).balance : 0;
  in->line.readings = n > 0 ? &g_array_index (line->readings, SaldoBalancePoint, n - MIN (n, 8)) : NULL;
  in->line.n_readings = MIN (n, 8);
  in->rules = line->rules;
  in->n_rules = line->n_rules;
  in->history = scratch->rows->rows;
  in->n_history = scratch->rows->n_rows;
  in->line_limits = line_limits (sim, line);
  in->global_limits = sim->global;
  in->tz = sim->tz;
  in->now = sim->now;
}

static gboolean
planned_exists (Sim *sim, guint l, gint64 rule_id)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  SaldoLedgerQuery q = { .line_id = sim->lines[l].line_id,
                         .state_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_PLANNED) };

  g_assert_true (saldo_ledger_list (sim->ledger, &q, &rows, &error));
  for (guint i = 0; i < rows->len; i++)
    if (((SaldoTopupRecord *) rows->pdata[i])->rule_id == rule_id)
      return TRUE;
  return FALSE;
}

/* evaluate_line (): the rules decide on the line's last reading. */
static void
evaluate (Sim *sim, guint l)
{
  g_auto(SaldoDecision) d = SALDO_DECISION_INIT;
  g_autoptr(GError) error = NULL;
  Scratch          scratch = { 0 };
  SaldoEngineInput in;

  if (sim->lines[l].n_rules == 0)
    return;
  engine_input (sim, l, &scratch, &in);
  g_assert_true (saldo_rule_engine_decide (&in, &d, &error));
  g_assert_no_error (error);
  if (d.kind == SALDO_DECISION_TOP_UP)
    run_planned (sim, plan (sim, l, d.rule_id, d.amount));
  else if (d.kind == SALDO_DECISION_NEEDS_CONFIRMATION && !planned_exists (sim, l, d.rule_id))
    plan (sim, l, d.rule_id, d.amount);
  scratch_clear (&scratch);
}

/* Line.TopUp: the same limits, through a rule that always wants the amount. */
static void
manual_top_up (Sim *sim, guint l)
{
  g_auto(SaldoDecision) d = SALDO_DECISION_INIT;
  g_autoptr(GError) error = NULL;
  Scratch          scratch = { 0 };
  SaldoEngineInput in;
  gint64           amount = g_rand_int_range (sim->rand, 0, 10) == 0 ? G_MAXINT64 - rand_range (sim, 0, 9)
                                                                     : rand_range (sim, 100, 3500);

  if (!saldo_amount_is_valid (amount)) {
    sim->refused++;
    return;
  }
  engine_input (sim, l, &scratch, &in);
  scratch.manual = (SaldoRule){
    .id = G_MAXINT64,
    .iccid = iccids[l],
    .provider = "sim",
    .kind = SALDO_RULE_KIND_THRESHOLD,
    .mode = SALDO_RULE_MODE_ENABLED,
    .amount = amount,
    .currency = "PEN",
    .threshold = 1,
    .rearmed_at = sim->now + 1,
  };
  in.rules = &scratch.manual;
  in.n_rules = 1;
  in.line.balance_known = TRUE;
  in.line.balance = 0;
  in.line.n_readings = 0;
  g_assert_cmpint (in.line_limits.max_per_topup, >, 0);
  g_assert_true (saldo_rule_engine_decide (&in, &d, &error));
  g_assert_no_error (error);
  if (d.kind == SALDO_DECISION_TOP_UP)
    run_planned (sim, plan (sim, l, 0, amount));
  else
    sim->refused++;
  scratch_clear (&scratch);
}

static SaldoTopupRecord *
pick_row (Sim *sim, SaldoLedgerState state)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  SaldoLedgerQuery q = { .state_mask = SALDO_LEDGER_STATE_BIT (state) };

  g_assert_true (saldo_ledger_list (sim->ledger, &q, &rows, &error));
  if (rows->len == 0)
    return NULL;
  return saldo_topup_record_copy (rows->pdata[g_rand_int_range (sim->rand, 0, (gint32) rows->len)]);
}

/* ConfirmTopUp: decides again (confirm_decides ()). */
static void
confirm (Sim *sim)
{
  g_autoptr(SaldoTopupRecord) row = pick_row (sim, SALDO_LEDGER_STATE_PLANNED);
  g_auto(SaldoDecision) d = SALDO_DECISION_INIT;
  g_autoptr(GError) error = NULL;
  Scratch          scratch = { 0 };
  SaldoEngineInput in;
  SaldoRule        rule = { 0 };
  guint            l;

  if (row == NULL)
    return;
  l = g_str_equal (row->iccid, iccids[0]) ? 0 : 1;
  engine_input (sim, l, &scratch, &in);
  for (gsize r = 0; r < sim->lines[l].n_rules; r++)
    if (sim->lines[l].rules[r].id == row->rule_id)
      rule = sim->lines[l].rules[r];
  g_assert_cmpint (rule.id, ==, row->rule_id);
  rule.amount = row->amount;
  in.rules = &rule;
  in.n_rules = 1;
  in.confirmed_rule_id = row->rule_id;
  g_assert_true (saldo_rule_engine_decide (&in, &d, &error));
  g_assert_no_error (error);
  if (d.kind == SALDO_DECISION_TOP_UP) {
    run_planned (sim, row->id);
    sim->confirmed++;
  } else if (d.limit == SALDO_LIMIT_NONE) {
    g_assert_true (saldo_ledger_withdraw (sim->ledger, row->id, "no longer wanted", &error));
    g_assert_no_error (error);
  } else {
    sim->refused++;
  }
  scratch_clear (&scratch);
}

static void
reject (Sim *sim)
{
  g_autoptr(SaldoTopupRecord) row = pick_row (sim, SALDO_LEDGER_STATE_PLANNED);
  g_autoptr(GError) error = NULL;

  if (row == NULL)
    return;
  g_assert_true (saldo_ledger_cancel (sim->ledger, row->id, "rejected by the owner", &error));
  g_assert_no_error (error);
  sim->rejected++;
}

static void
expire (Sim *sim)
{
  g_autoptr(GPtrArray) expired = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (saldo_ledger_expire_planned (sim->ledger, &expired, NULL, &error));
  g_assert_no_error (error);
  sim->expired += expired->len;
}

static void
settle_input (Sim *sim, const SaldoTopupRecord *row, SaldoSettleInput *in)
{
  const SimLine *line = &sim->lines[g_str_equal (row->iccid, iccids[0]) ? 0 : 1];

  *in = (SaldoSettleInput){
    .amount = row->amount,
    .sent = row->sent_at > 0 ? row->sent_at : row->created,
    .has_balance_before = row->has_balance_before,
    .balance_before = row->balance_before,
    .provider_pending = row->provider_pending,
    .readings = (const SaldoBalancePoint *) line->readings->data,
    .n_readings = line->readings->len,
    .delay = SETTLE_DELAY,
    .window = SETTLE_WINDOW,
    .percent = VERIFY_PERCENT,
    .now = sim->now,
  };
}

/* settle_unknown (): due[l] is set when line l needs a reading now. */
static void
settle (Sim *sim, gboolean *due)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  SaldoLedgerQuery q = { .state_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_UNKNOWN) };

  g_assert_true (saldo_ledger_list (sim->ledger, &q, &rows, &error));
  for (guint i = 0; i < rows->len; i++) {
    const SaldoTopupRecord *row = rows->pdata[i];
    g_auto(SaldoSettleDecision) d = { 0 };
    SaldoSettleInput in;
    guint            l = g_str_equal (row->iccid, iccids[0]) ? 0 : 1;

    settle_input (sim, row, &in);
    saldo_settle_decide (&in, "PEN", &d);
    if (d.kind == SALDO_SETTLE_SUCCEEDED) {
      g_assert_true (
        saldo_ledger_settle (sim->ledger, row->id, SALDO_LEDGER_STATE_SUCCEEDED, d.reason, &error));
      g_assert_true (saldo_ledger_mark_verified (sim->ledger, row->id, d.balance_after, &error));
      g_assert_no_error (error);
      sim->settled_ok++;
    } else if (d.kind == SALDO_SETTLE_FAILED) {
      g_assert_true (saldo_ledger_settle (sim->ledger, row->id, SALDO_LEDGER_STATE_FAILED, d.reason, &error));
      g_assert_no_error (error);
      sim->settled_failed++;
    } else if (d.kind == SALDO_SETTLE_WAIT && d.until <= sim->now) {
      due[l] = TRUE;
    } else {
      g_assert_cmpint (d.kind, !=, SALDO_SETTLE_CANNOT);
    }
  }
}

/* A USSD reading: money that arrived shows, the owner spent a little. */
static void
read_balance (Sim *sim, guint l)
{
  SimLine          *line = &sim->lines[l];
  GHashTableIter    iter;
  Charge           *charge;
  SaldoBalancePoint point;

  g_hash_table_iter_init (&iter, sim->charges);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &charge)) {
    if (charge->line == l && charge->charged && !charge->credited && charge->arrives <= sim->now) {
      line->true_balance += charge->amount;
      charge->credited = TRUE;
    }
  }
  line->true_balance = MAX (line->true_balance - rand_range (sim, 0, 400), 0);
  point.time = sim->now;
  point.balance = line->true_balance;
  g_array_append_val (line->readings, point);
}

/* What saldod does after every good USSD reading. */
static void
after_reading (Sim *sim, guint l)
{
  gboolean due[N_LINES] = { FALSE };

  settle (sim, due);
  evaluate (sim, l);
}

/* The timers: expiry, and readings for rows the balance is due to settle. */
static void
timers (Sim *sim)
{
  gboolean due[N_LINES] = { FALSE };

  expire (sim);
  settle (sim, due);
  for (guint l = 0; l < N_LINES; l++) {
    if (due[l]) {
      read_balance (sim, l);
      after_reading (sim, l);
    }
  }
}

static void
reconcile (Sim *sim)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  SaldoReconcileSummary summary;

  saldo_topup_runner_reconcile_async (sim->runner, sim->ledger, sim->provider, TRUE, NULL, store_result,
                                      &res);
  wait_for (&res);
  g_assert_true (saldo_topup_runner_reconcile_finish (sim->runner, res, &summary, &error));
  g_assert_no_error (error);
  /* Nothing here has "no record": nothing is ever sent twice. */
  g_assert_cmpuint (summary.resent, ==, 0);
}

/* ---- the properties ---- */

static gint
day_key (Sim *sim, gint64 t, gboolean month)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (t);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, sim->tz);

  return g_date_time_get_year (local) * 10000 + g_date_time_get_month (local) * 100 +
         (month ? 0 : g_date_time_get_day_of_month (local));
}

static gboolean
may_have_charged (SaldoLedgerState s)
{
  return s != SALDO_LEDGER_STATE_PLANNED && s != SALDO_LEDGER_STATE_FAILED && s != SALDO_LEDGER_STATE_EXPIRED;
}

static void
check (Sim *sim, const char *after)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GHashTable) day = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(GHashTable) month = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(GHashTable) global = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(GHashTable) references = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  SaldoLedgerQuery q = { 0 };
  GHashTableIter   iter;
  const char      *reference;
  Charge          *charge;

  g_assert_true (saldo_ledger_list (sim->ledger, &q, &rows, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++) {
    const SaldoTopupRecord *row = rows->pdata[i];
    guint                   l = g_str_equal (row->iccid, iccids[0]) ? 0 : 1;
    SaldoLineLimits         lim = line_limits (sim, &sim->lines[l]);
    gint64                  spent_at = row->sent_at > 0 ? row->sent_at : row->created;
    gpointer                dk = GINT_TO_POINTER (day_key (sim, spent_at, FALSE) * 4 + (gint) l);
    gpointer                mk = GINT_TO_POINTER (day_key (sim, spent_at, TRUE) * 4 + (gint) l);
    gpointer                gk = GINT_TO_POINTER (day_key (sim, spent_at, TRUE));

    if (row->state == SALDO_LEDGER_STATE_INTENT || row->state == SALDO_LEDGER_STATE_SENT)
      g_error ("after %s: top-up %" G_GINT64_FORMAT " is left %s", after, row->id,
               saldo_ledger_state_to_string (row->state));
    if (row->reference != NULL)
      g_hash_table_add (references, row->reference);
    /* deadlines */
    if (row->state == SALDO_LEDGER_STATE_PLANNED && row->expires <= sim->now)
      g_error ("after %s: top-up %" G_GINT64_FORMAT " is still planned past its expiry", after, row->id);
    if (row->state == SALDO_LEDGER_STATE_UNKNOWN) {
      g_auto(SaldoSettleDecision) d = { 0 };
      SaldoSettleInput in;

      settle_input (sim, row, &in);
      saldo_settle_decide (&in, "PEN", &d);
      if (d.kind != SALDO_SETTLE_WAIT || d.until <= sim->now)
        g_error ("after %s: top-up %" G_GINT64_FORMAT " is still unknown past its deadline: %s", after,
                 row->id, d.reason);
    }
    if (!may_have_charged (row->state))
      continue;
    /* caps */
    if (lim.max_per_topup > 0 && row->amount > lim.max_per_topup)
      g_error ("after %s: top-up %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " is above "
               "max-per-topup %" G_GINT64_FORMAT,
               after, row->id, row->amount, lim.max_per_topup);
    g_hash_table_insert (day, dk,
                         GSIZE_TO_POINTER (GPOINTER_TO_SIZE (g_hash_table_lookup (day, dk)) +
                                           (gsize) row->amount));
    g_hash_table_insert (month, mk,
                         GSIZE_TO_POINTER (GPOINTER_TO_SIZE (g_hash_table_lookup (month, mk)) +
                                           (gsize) row->amount));
    g_hash_table_insert (global, gk,
                         GSIZE_TO_POINTER (GPOINTER_TO_SIZE (g_hash_table_lookup (global, gk)) +
                                           (gsize) row->amount));
    if (lim.max_per_day > 0 && GPOINTER_TO_SIZE (g_hash_table_lookup (day, dk)) > (gsize) lim.max_per_day)
      g_error ("after %s: line %u spent %" G_GSIZE_FORMAT " in a day, above max-per-day %" G_GINT64_FORMAT,
               after, l, GPOINTER_TO_SIZE (g_hash_table_lookup (day, dk)), lim.max_per_day);
    if (lim.max_per_month > 0 &&
        GPOINTER_TO_SIZE (g_hash_table_lookup (month, mk)) > (gsize) lim.max_per_month)
      g_error ("after %s: line %u is above max-per-month", after, l);
    if (sim->global.monthly_cap > 0 &&
        GPOINTER_TO_SIZE (g_hash_table_lookup (global, gk)) > (gsize) sim->global.monthly_cap)
      g_error ("after %s: all lines are above the global monthly cap", after);
  }
  /* every charge happened once and has its row */
  g_hash_table_iter_init (&iter, sim->charges);
  while (g_hash_table_iter_next (&iter, (gpointer *) &reference, (gpointer *) &charge)) {
    g_assert_cmpuint (charge->times, <=, 1);
    g_assert_true (g_hash_table_contains (references, reference));
  }
}

static void
run_once (guint64 seed)
{
  Sim      sim;
  gboolean due[N_LINES];

  g_test_message ("seed %" G_GUINT64_FORMAT, seed);
  sim_setup (&sim, seed);
  for (guint l = 0; l < N_LINES; l++) {
    read_balance (&sim, l);
    after_reading (&sim, l);
  }
  check (&sim, "the first readings");
  for (guint step = 0; step < STEPS; step++) {
    guint       l = (guint) g_rand_int_range (sim.rand, 0, N_LINES);
    guint       what = (guint) g_rand_int_range (sim.rand, 0, 100);
    const char *name;

    timers (&sim);
    if (what < 25) {
      name = "a reading";
      read_balance (&sim, l);
      after_reading (&sim, l);
    } else if (what < 50) {
      name = "a manual top-up";
      manual_top_up (&sim, l);
    } else if (what < 60) {
      name = "a confirmation";
      confirm (&sim);
    } else if (what < 64) {
      name = "a rejection";
      reject (&sim);
    } else if (what < 68) {
      name = "a reconcile pass";
      reconcile (&sim);
    } else if (what < 72) {
      name = "a restart";
      sim_close (&sim);
      sim_open (&sim);
      sim.restarts++;
      reconcile (&sim);
    } else if (what < 95) {
      name = "minutes";
      sim.now += rand_range (&sim, 60, 2 * 3600);
    } else {
      name = "days";
      sim.now += rand_range (&sim, 3 * 3600, 3 * DAY);
    }
    timers (&sim);
    check (&sim, name);
  }

  /* Time runs past every deadline, the balance is read: all settles. */
  sim.now += SETTLE_DELAY + SETTLE_WINDOW + CONFIRM_TIMEOUT + 1;
  memset (due, 0, sizeof due);
  expire (&sim);
  for (guint l = 0; l < N_LINES; l++) {
    read_balance (&sim, l);
    settle (&sim, due);
  }
  check (&sim, "the end");
  {
    g_autoptr(GPtrArray) open = NULL;
    g_autoptr(GError) error = NULL;
    SaldoLedgerQuery q = { .state_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_PLANNED) |
                                         SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_UNKNOWN) };

    g_assert_true (saldo_ledger_list (sim.ledger, &q, &open, &error));
    g_assert_cmpuint (open->len, ==, 0);
  }
  g_test_message ("%u top-ups (%u unknown), %u confirmed, %u refused, %u rejected, %u expired, "
                  "settled %u by a rise and %u by none, %u restarts",
                  sim.topups, sim.unknown, sim.confirmed, sim.refused, sim.rejected, sim.expired,
                  sim.settled_ok, sim.settled_failed, sim.restarts);
  sim_teardown (&sim);
}

static void
test_property (void)
{
  const char *runs_env = g_getenv ("SALDO_PROPERTY_RUNS");
  guint       runs = runs_env != NULL ? (guint) g_ascii_strtoull (runs_env, NULL, 10) : 12;

  for (guint i = 0; i < runs; i++)
    run_once (base_seed + i);
}

int
main (int argc, char **argv)
{
  const char *seed = g_getenv ("SALDO_PROPERTY_SEED");

  g_test_init (&argc, &argv, NULL);
  base_seed = seed != NULL ? g_ascii_strtoull (seed, NULL, 10) : (guint64) g_random_int ();
  g_test_add_func ("/topup-property/caps-and-deadlines", test_property);
  return g_test_run ();
}
