/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoTopUp"

#include "config.h"

#include <string.h>

#include "saldo-error.h"
#include "saldo-forecaster.h"
#include "saldo-log.h"
#include "saldo-provider.h"
#include "saldo-provider-context.h"
#include "saldo-provider-watch.h"
#include "saldo-report-builder.h"
#include "saldo-rule-store.h"
#include "saldo-settle.h"
#include "saldo-topup-manager.h"
#include "saldo-topup-runner.h"

struct _SaldoTopupManager {
  GObject                    parent_instance;
  SaldoStore                *store;
  SaldoLineManager          *lines;
  SaldoConfig               *config;
  const SaldoDaemonSettings *settings;
  SaldoLedger               *ledger;
  SaldoTopupRunner          *runner;
  GPtrArray                 *providers;      /* SaldoProvider */
  GPtrArray                 *rules;          /* SaldoRuleObject, by id */
  SaldoProviderWatch        *watch;          /* the providers' state; pauses their rules */
  SaldoForecaster           *forecaster;     /* each line's spend per day */
  GHashTable                *topups_running; /* topup id (gint64*) → line */
  guint                      evaluate_id;    /* earliest WAIT to look at again */
  guint                      reconcile_id;
  guint                      expiry_id; /* the next planned top-up to expire */
  guint                      settle_id; /* the next unknown top-up the balance may settle */
};

static void saldo_topup_manager_context_init (SaldoProviderContextInterface *iface);

G_DEFINE_TYPE_WITH_CODE (SaldoTopupManager,
                         saldo_topup_manager,
                         G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (SALDO_TYPE_PROVIDER_CONTEXT,
                                                saldo_topup_manager_context_init))

enum {
  SIGNAL_RULE_ADDED,
  SIGNAL_RULE_REMOVED,
  SIGNAL_TOP_UP_STARTED,
  SIGNAL_TOP_UP_FINISHED,
  SIGNAL_CONFIRMATION_REQUIRED,
  SIGNAL_RULE_DISABLED,
  SIGNAL_LOW_BALANCE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gint64
topup_now (SaldoTopupManager *self)
{
  return saldo_ledger_now (self->ledger);
}

static void
emit_finished (SaldoTopupManager *self,
               const char        *id,
               const char        *line_path,
               const char        *state,
               gint64             amount)
{
  g_signal_emit (self, signals[SIGNAL_TOP_UP_FINISHED], 0, id, line_path, state, amount);
}

/* journald MESSAGE_IDs, so applets and admins can select the events. */
#define SALDO_MESSAGE_TOPUP_STARTED  "5a1d0c3e7f2b4a9c8e6d1f0a2b3c4d01"
#define SALDO_MESSAGE_TOPUP_FINISHED "5a1d0c3e7f2b4a9c8e6d1f0a2b3c4d02"
#define SALDO_MESSAGE_CONFIRMATION   "5a1d0c3e7f2b4a9c8e6d1f0a2b3c4d03"
#define SALDO_MESSAGE_RULE_DISABLED  "5a1d0c3e7f2b4a9c8e6d1f0a2b3c4d04"
#define SALDO_MESSAGE_LOW_BALANCE    "5a1d0c3e7f2b4a9c8e6d1f0a2b3c4d05"

/* A balance that rose by at least this share of the amount verifies a
 * top-up (carriers may take a fee or settle a debt out of it). */
#define SALDO_VERIFY_PERCENT 80

/* The ledger window the engine sees: a calendar month and some. */
#define SALDO_HISTORY_WINDOW (40 * 86400)

static void
journal_event (const char *message_id, SaldoLine *line, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
journal_event (const char *message_id, SaldoLine *line, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list          args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MESSAGE_ID", message_id, "SALDO_LINE",
                    line != NULL ? saldo_line_get_object_path (line) : "", "MESSAGE", "%s", message);
}

static SaldoProvider *
find_provider (SaldoTopupManager *self, const char *id)
{
  for (guint i = 0; i < self->providers->len; i++)
    if (g_strcmp0 (saldo_provider_get_id (self->providers->pdata[i]), id) == 0)
      return self->providers->pdata[i];
  return NULL;
}

static GStrv
provider_ids (SaldoTopupManager *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < self->providers->len; i++)
    g_strv_builder_add (builder, saldo_provider_get_id (self->providers->pdata[i]));
  return g_strv_builder_end (builder);
}

static SaldoRuleObject *
find_rule (SaldoTopupManager *self, gint64 id)
{
  for (guint i = 0; i < self->rules->len; i++)
    if (saldo_rule_object_get_record (self->rules->pdata[i])->id == id)
      return self->rules->pdata[i];
  return NULL;
}

static char *
topup_id_string (gint64 id)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, id);
}

/* ---- running a top-up ------------------------------------------------- */

static void   evaluate_line (SaldoTopupManager *self, SaldoLine *line, gint64 confirmed_rule_id);
static gint64 settle_unknown (SaldoTopupManager *self, SaldoLine *line, GPtrArray **due_lines_out);
static void   schedule_settle (SaldoTopupManager *self, gint64 due);
static char  *open_topup_note (SaldoTopupManager *self, SaldoLine *line);
static void   schedule_reconcile (SaldoTopupManager *self, gint64 due);

typedef struct {
  SaldoTopupManager *self;
  SaldoLine         *line;
  gint64             topup_id;
} TopupContext;

static gboolean
on_verify_timeout (gpointer user_data)
{
  TopupContext *ctx = user_data;

  /* A fresh reading: on_balance_read () verifies. */
  if (saldo_line_get_active (ctx->line))
    saldo_line_manager_refresh (ctx->self->lines, ctx->line);
  return G_SOURCE_REMOVE;
}

static void
topup_context_free (TopupContext *ctx)
{
  g_object_unref (ctx->self);
  g_object_unref (ctx->line);
  g_free (ctx);
}

static void
on_topup_executed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TopupContext      *ctx = user_data;
  SaldoTopupManager *self = ctx->self;
  g_autoptr(SaldoTopupRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = topup_id_string (ctx->topup_id);
  const char      *state;

  record = saldo_topup_runner_execute_finish (SALDO_TOPUP_RUNNER (source), result, &error);
  g_hash_table_remove (self->topups_running, &ctx->topup_id);
  if (record == NULL) {
    g_warning ("top-up %s: %s", id, error->message);
    state = "unknown";
  } else {
    state = saldo_ledger_state_to_string (record->state);
  }
  journal_event (SALDO_MESSAGE_TOPUP_FINISHED, ctx->line, "top-up %s of line %s: %s%s%s", id,
                 saldo_line_get_object_path (ctx->line), state,
                 record != NULL && *record->error != '\0' ? ": " : "", record != NULL ? record->error : "");
  emit_finished (self, id, saldo_line_get_object_path (ctx->line), state,
                 record != NULL ? record->amount : 0);
  /* A top-up is a recharge: the carrier's deactivation date moves; and
   * the provider's state follows what it said. */
  saldo_forecaster_update (self->forecaster, ctx->line, FALSE);
  saldo_provider_watch_topup_finished (self->watch, record);
  if (record != NULL && record->state == SALDO_LEDGER_STATE_SUCCEEDED) {
    TopupContext *verify = g_new0 (TopupContext, 1);

    verify->self = g_object_ref (self);
    verify->line = g_object_ref (ctx->line);
    verify->topup_id = ctx->topup_id;
    g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, self->settings->verify_delay, on_verify_timeout, verify,
                                (GDestroyNotify) topup_context_free);
  } else if (record == NULL || record->state == SALDO_LEDGER_STATE_UNKNOWN ||
             record->state == SALDO_LEDGER_STATE_SENT) {
    gint64 next = settle_unknown (self, ctx->line, NULL);

    schedule_reconcile (self, topup_now (self) + 60);
    if (next > 0)
      schedule_settle (self, next);
  }
  evaluate_line (self, ctx->line, 0);
  topup_context_free (ctx);
}

/* Runs a planned ledger row.  Returns FALSE when the provider is gone. */
static gboolean
execute_topup (SaldoTopupManager *self,
               SaldoLine         *line,
               gint64             topup_id,
               const char        *provider_id,
               gint64             amount,
               const char        *currency,
               GError           **error)
{
  SaldoProvider   *provider = find_provider (self, provider_id);
  g_autofree char *id = topup_id_string (topup_id);
  TopupContext    *ctx;
  gint64          *key;

  if (provider == NULL) {
    g_autoptr(GError) cancel_error = NULL;

    g_set_error (error, SALDO_ERROR, SALDO_ERROR_PROVIDER, "provider '%s' is not configured", provider_id);
    /* Nothing was sent: close the planned row rather than leave it open. */
    if (!saldo_ledger_cancel (self->ledger, topup_id, (*error)->message, &cancel_error))
      g_warning ("top-up %s: %s", id, cancel_error->message);
    return FALSE;
  }
  key = g_new (gint64, 1);
  *key = topup_id;
  g_hash_table_insert (self->topups_running, key, g_object_ref (line));
  journal_event (SALDO_MESSAGE_TOPUP_STARTED, line,
                 "top-up %s of line %s: %" G_GINT64_FORMAT " %s through %s", id,
                 saldo_line_get_object_path (line), amount, currency, provider_id);
  g_signal_emit (self, signals[SIGNAL_TOP_UP_STARTED], 0, id, saldo_line_get_object_path (line), amount,
                 currency);
  ctx = g_new0 (TopupContext, 1);
  ctx->self = g_object_ref (self);
  ctx->line = g_object_ref (line);
  ctx->topup_id = topup_id;
  saldo_topup_runner_execute_async (self->runner, self->ledger, provider, topup_id, NULL, on_topup_executed,
                                    ctx);
  return TRUE;
}

static gboolean
plan_topup (SaldoTopupManager *self,
            SaldoLine         *line,
            gint64             rule_id,
            const char        *provider_id,
            gint64             amount,
            const char        *currency,
            gint64            *id_out,
            GError           **error)
{
  const SaldoLineRecord *record = saldo_line_get_record (line);
  g_autoptr(SaldoCarrier) carrier = saldo_line_manager_get_carrier (self->lines, line);
  g_autoptr(SaldoReading) last = saldo_line_manager_last_network_reading (self->lines, line);
  const char    *own_number = saldo_line_get_own_number (line);
  SaldoTopupPlan plan = { 0 };

  plan.line_id = record->id;
  plan.rule_id = rule_id;
  plan.origin = rule_id > 0 ? SALDO_TOPUP_ORIGIN_RULE : SALDO_TOPUP_ORIGIN_MANUAL;
  plan.provider = provider_id;
  plan.amount = amount;
  plan.currency = currency;
  plan.phone = *own_number != '\0' ? own_number : NULL;
  plan.country = carrier != NULL && !saldo_carrier_is_generic (carrier) ? saldo_carrier_get_country (carrier)
                                                                        : NULL;
  plan.operator_id = *record->operator_code != '\0' ? record->operator_code : NULL;
  plan.ussd_template = carrier != NULL && saldo_carrier_get_voucher_template (carrier) != NULL &&
                           *saldo_carrier_get_voucher_template (carrier) != '\0'
                         ? saldo_carrier_get_voucher_template (carrier)
                         : NULL;
  if (plan.ussd_template == NULL && carrier != NULL && saldo_carrier_is_generic (carrier)) {
    const SaldoProviderInfoCodes *info = saldo_line_manager_get_provider_info (self->lines, line, carrier,
                                                                               NULL);

    plan.ussd_template = info != NULL ? info->topup_template : NULL;
  }
  plan.has_balance_before = last != NULL && last->has_amount && g_strcmp0 (last->currency, currency) == 0;
  plan.balance_before = plan.has_balance_before ? last->amount_minor : 0;
  /* Only rows awaiting confirmation stay planned for long; any planned row
   * left behind (a crash before it was sent) expires all the same. */
  plan.expires = topup_now (self) + self->settings->confirmation_timeout;
  return saldo_ledger_create_planned (self->ledger, &plan, id_out, error);
}

/* ---- planned rows that nobody confirmed ------------------------------- */

static void expire_planned (SaldoTopupManager *self);

static gboolean
on_expiry_timer (gpointer user_data)
{
  SaldoTopupManager *self = user_data;

  self->expiry_id = 0;
  expire_planned (self);
  return G_SOURCE_REMOVE;
}

static const char *
line_path_or_root (SaldoLine *line)
{
  return line != NULL ? saldo_line_get_object_path (line) : "/";
}

/* A planned row whose time ran out becomes "expired": nothing was sent, its
 * reserved amount is free again, and the owner hears about it. */
static void
expire_planned (SaldoTopupManager *self)
{
  g_autoptr(GPtrArray) expired = NULL;
  g_autoptr(GError) error = NULL;
  gint64 next = 0;

  g_clear_handle_id (&self->expiry_id, g_source_remove);
  if (!saldo_ledger_expire_planned (self->ledger, &expired, &next, &error)) {
    g_warning ("cannot expire planned top-ups: %s", error->message);
    next = topup_now (self) + 300;
  }
  for (guint i = 0; expired != NULL && i < expired->len; i++) {
    const SaldoTopupRecord *row = expired->pdata[i];
    SaldoLine              *line = saldo_line_manager_lookup_by_id (self->lines, row->line_id);
    g_autofree char        *id = topup_id_string (row->id);

    journal_event (SALDO_MESSAGE_TOPUP_FINISHED, line,
                   "top-up %s of line %s: expired: nobody confirmed it within %" G_GINT64_FORMAT
                   " s; nothing was sent",
                   id, line_path_or_root (line), self->settings->confirmation_timeout);
    emit_finished (self, id, line_path_or_root (line), saldo_ledger_state_to_string (row->state),
                   row->amount);
  }
  if (next > 0)
    self->expiry_id = g_timeout_add_seconds ((guint) CLAMP (next - topup_now (self), 1, 86400),
                                             on_expiry_timer, self);
}

/* ---- the engine ------------------------------------------------------- */

typedef struct {
  GArray            *rules; /* SaldoRule */
  SaldoLedgerRows   *rows;
  SaldoBalancePoint *points;
  gsize              n_points;
  char              *iccid;
  char              *currency;
  GTimeZone         *tz;
  /* where the caps the rules left unset came from, for the owner: NULL
   * when a rule set it or nothing did */
  char         *topup_cap_from;
  char         *day_cap_from;
  SaldoReading *last; /* the line's last USSD balance reading */
} EngineScratch;

static void
engine_scratch_clear (EngineScratch *scratch)
{
  g_clear_pointer (&scratch->rules, g_array_unref);
  g_clear_pointer (&scratch->rows, saldo_ledger_rows_free);
  g_clear_pointer (&scratch->points, g_free);
  g_clear_pointer (&scratch->iccid, g_free);
  g_clear_pointer (&scratch->currency, g_free);
  g_clear_pointer (&scratch->tz, g_time_zone_unref);
  g_clear_pointer (&scratch->topup_cap_from, g_free);
  g_clear_pointer (&scratch->day_cap_from, g_free);
  g_clear_pointer (&scratch->last, saldo_reading_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EngineScratch, engine_scratch_clear)

/* Fills the engine's input for line from what saldod knows now; the caller
 * may then change the balance or the time to ask "what if". */
static gboolean
build_engine_input (SaldoTopupManager *self,
                    SaldoLine         *line,
                    const SaldoRule   *extra_rule,
                    EngineScratch     *scratch,
                    SaldoEngineInput  *in,
                    GError           **error)
{
  g_autoptr(SaldoCarrier) carrier = saldo_line_manager_get_carrier (self->lines, line);
  g_autoptr(GPtrArray) readings = NULL;
  gint64 now = topup_now (self);

  memset (in, 0, sizeof *in);
  scratch->iccid = g_strdup (saldo_line_get_iccid (line));
  scratch->currency = saldo_line_manager_get_currency (self->lines, line);
  scratch->tz = g_time_zone_new_local ();
  scratch->rules = g_array_new (FALSE, TRUE, sizeof (SaldoRule));
  saldo_line_limits_init_defaults (&in->line_limits);
  in->line_limits.max_attempts_24h = 0;
  /* The rules' limits apply, enabled or not; without rules, the defaults. */
  in->line_limits.cooldown = 0;
  for (guint i = 0; i < self->rules->len; i++) {
    const SaldoRuleRecord *r = saldo_rule_object_get_record (self->rules->pdata[i]);
    SaldoRule              rule;

    if (r->line_id != saldo_line_get_id (line))
      continue;
    saldo_rule_record_fold_limits (r, &in->line_limits);
    /* Its provider needs the owner: the rule waits, neither tried nor judged. */
    if (saldo_provider_watch_paused (self->watch, r->provider))
      continue;
    saldo_rule_record_to_engine (r, scratch->iccid, &rule);
    g_array_append_val (scratch->rules, rule);
  }
  if (in->line_limits.max_attempts_24h == 0)
    in->line_limits.max_attempts_24h = SALDO_DEFAULT_MAX_ATTEMPTS_24H;
  /* Every top-up has caps: where the rules set none, saldo.conf's default,
   * else the carrier file's, in the line's currency. */
  {
    SaldoCapDefaults defaults[2] = {
      { self->settings->default_max_per_topup, self->settings->default_max_per_day,
        self->settings->default_cap_currency },
      { carrier != NULL ? saldo_carrier_get_max_per_topup (carrier) : 0,
        carrier != NULL ? saldo_carrier_get_max_per_day (carrier) : 0,
        carrier != NULL ? saldo_carrier_get_currency (carrier) : NULL },
    };
    int              topup_from;
    int              day_from;
    g_autofree char *conf_topup = g_strdup_printf ("DefaultMaxPerTopup in %s",
                                                   saldo_config_get_path (self->config));
    g_autofree char *conf_day = g_strdup_printf ("DefaultMaxPerDay in %s",
                                                 saldo_config_get_path (self->config));

    saldo_line_limits_fill_defaults (&in->line_limits, scratch->currency, defaults, G_N_ELEMENTS (defaults),
                                     &topup_from, &day_from);
    if (topup_from == 0)
      scratch->topup_cap_from = g_steal_pointer (&conf_topup);
    else if (topup_from == 1)
      scratch->topup_cap_from = g_strdup_printf ("MaxPerTopup in the carrier file %s.conf",
                                                 saldo_carrier_get_id (carrier));
    if (day_from == 0)
      scratch->day_cap_from = g_steal_pointer (&conf_day);
    else if (day_from == 1)
      scratch->day_cap_from = g_strdup_printf ("MaxPerDay in the carrier file %s.conf",
                                               saldo_carrier_get_id (carrier));
  }
  if (scratch->rules->len == 0)
    in->line_limits.cooldown = SALDO_DEFAULT_COOLDOWN;
  if (extra_rule != NULL)
    g_array_append_val (scratch->rules, *extra_rule);

  if (!saldo_ledger_to_rule_rows (self->ledger, now - SALDO_HISTORY_WINDOW, &scratch->rows, error))
    return FALSE;
  if (!saldo_store_list_readings (self->store, saldo_line_get_id (line), now - SALDO_HISTORY_WINDOW, 8,
                                  &readings, error))
    return FALSE;
  scratch->points = g_new0 (SaldoBalancePoint, readings->len + 1);
  for (guint i = 0; i < readings->len; i++) {
    const SaldoReading *r = readings->pdata[i];

    if (g_strcmp0 (r->kind, "balance") != 0 || !r->has_amount || g_strcmp0 (r->source, "ussd") != 0)
      continue;
    scratch->points[scratch->n_points].time = r->time;
    scratch->points[scratch->n_points].balance = r->amount_minor;
    scratch->n_points++;
  }

  in->line.iccid = scratch->iccid;
  in->line.currency = scratch->currency != NULL ? scratch->currency : "XXX";
  /* The line as the network last described it, never as an SMS did. */
  scratch->last = saldo_line_manager_last_network_reading (self->lines, line);
  in->line.balance_known = scratch->last != NULL && scratch->last->has_amount;
  in->line.balance = in->line.balance_known ? scratch->last->amount_minor : 0;
  in->line.balance_currency = in->line.balance_known ? scratch->last->currency : NULL;
  in->line.expiry = scratch->last != NULL && scratch->last->has_expiry ? scratch->last->expiry : 0;
  in->line.data_known = scratch->last != NULL && scratch->last->has_data;
  in->line.data_left = in->line.data_known ? scratch->last->data_bytes : 0;
  in->line.deactivation_days = carrier != NULL ? saldo_carrier_get_deactivation_days (carrier) : 0;
  for (gsize i = 0; i < scratch->rows->n_rows; i++) {
    const SaldoLedgerRow *row = &scratch->rows->rows[i];

    if (g_strcmp0 (row->iccid, scratch->iccid) == 0 &&
        (row->state == SALDO_LEDGER_STATE_SUCCEEDED || row->state == SALDO_LEDGER_STATE_VERIFIED))
      in->line.last_recharge = MAX (in->line.last_recharge, row->finished);
  }
  in->line.readings = scratch->points;
  in->line.n_readings = scratch->n_points;
  saldo_forecaster_fill (self->forecaster, line, &in->line);
  in->rules = (const SaldoRule *) scratch->rules->data;
  in->n_rules = scratch->rules->len;
  in->history = scratch->rows->rows;
  in->n_history = scratch->rows->n_rows;
  saldo_global_limits_init_defaults (&in->global_limits);
  in->global_limits.monthly_cap = self->settings->global_monthly_cap;
  in->global_limits.currency = self->settings->global_cap_currency;
  in->tz = scratch->tz;
  in->now = now;
  return TRUE;
}

/* A decision held back by a default cap names the key that set it, so the
 * owner knows what to change. */
static void
explain_default_cap (const EngineScratch *scratch, SaldoDecision *decision)
{
  const char *from = NULL;
  const char *rule_key = NULL;
  char       *reason;

  if (decision->limit == SALDO_LIMIT_MAX_PER_TOPUP) {
    from = scratch->topup_cap_from;
    rule_key = "max-per-topup";
  } else if (decision->limit == SALDO_LIMIT_MAX_PER_DAY) {
    from = scratch->day_cap_from;
    rule_key = "max-per-day";
  }
  if (from == NULL || decision->reason == NULL)
    return;
  reason = g_strdup_printf ("%s (the default cap: %s; a rule's %s replaces it)", decision->reason, from,
                            rule_key);
  g_free (decision->reason);
  decision->reason = reason;
}

static gboolean
on_evaluate_timer (gpointer user_data)
{
  SaldoTopupManager *self = user_data;
  GPtrArray         *lines = saldo_line_manager_get_lines (self->lines);

  self->evaluate_id = 0;
  for (guint i = 0; i < lines->len; i++)
    evaluate_line (self, lines->pdata[i], 0);
  return G_SOURCE_REMOVE;
}

static void
schedule_evaluation (SaldoTopupManager *self, gint64 until)
{
  gint64 delay = MAX (until - topup_now (self), 1);

  /* One timer for every line: the earliest WAIT wins, and re-evaluating
   * every line then is cheap (the engine is pure and fast). */
  if (self->evaluate_id != 0) {
    GSource *source = g_main_context_find_source_by_id (NULL, self->evaluate_id);

    if (source != NULL &&
        g_source_get_ready_time (source) <= g_get_monotonic_time () + delay * G_USEC_PER_SEC)
      return;
    g_clear_handle_id (&self->evaluate_id, g_source_remove);
  }
  self->evaluate_id = g_timeout_add_seconds ((guint) MIN (delay, 7 * 86400), on_evaluate_timer, self);
}

static gboolean
planned_row_exists (SaldoTopupManager *self, SaldoLine *line, gint64 rule_id)
{
  g_autoptr(GPtrArray) rows = NULL;
  SaldoLedgerQuery query = { 0 };

  query.line_id = saldo_line_get_id (line);
  query.state_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_PLANNED);
  if (!saldo_ledger_list (self->ledger, &query, &rows, NULL))
    return TRUE; /* when in doubt, do not ask twice */
  for (guint i = 0; i < rows->len; i++)
    if (((SaldoTopupRecord *) rows->pdata[i])->rule_id == rule_id)
      return TRUE;
  return FALSE;
}

static void
disable_rule (SaldoTopupManager *self, SaldoRuleObject *rule, SaldoLine *line, const char *reason)
{
  g_autoptr(SaldoRuleRecord) record = saldo_rule_record_copy (saldo_rule_object_get_record (rule));
  g_autoptr(GError) error = NULL;

  record->enabled = FALSE;
  g_free (record->disabled_reason);
  record->disabled_reason = g_strdup (reason);
  if (!saldo_store_save_rule (self->store, record, &error))
    g_warning ("cannot disable rule %s: %s", saldo_rule_object_get_path (rule), error->message);
  saldo_rule_object_set_record (rule, record);
  journal_event (SALDO_MESSAGE_RULE_DISABLED, line, "rule %s disabled: %s", saldo_rule_object_get_path (rule),
                 reason);
  g_warning ("rule %s disabled itself: %s", saldo_rule_object_get_path (rule), reason);
  g_signal_emit (self, signals[SIGNAL_RULE_DISABLED], 0, saldo_rule_object_get_path (rule), reason);
}

/* The line's rules whose provider needs the owner say so. */
static void
note_paused (SaldoTopupManager *self, SaldoLine *line)
{
  for (guint i = 0; i < self->rules->len; i++) {
    SaldoRuleObject       *rule = self->rules->pdata[i];
    const SaldoRuleRecord *r = saldo_rule_object_get_record (rule);
    g_autofree char       *why = NULL;

    if (r->line_id != saldo_line_get_id (line) || !r->enabled)
      continue;
    why = saldo_provider_watch_pause_reason (self->watch, r->provider, r->id, r->kind);
    if (why != NULL)
      saldo_rule_object_set_last_decision (rule, why);
  }
}

static void
evaluate_line (SaldoTopupManager *self, SaldoLine *line, gint64 confirmed_rule_id)
{
  g_auto(EngineScratch) scratch = { 0 };
  g_auto(SaldoDecision) decision = SALDO_DECISION_INIT;
  g_autoptr(GError) error = NULL;
  SaldoEngineInput in;
  SaldoRuleObject *rule;
  gboolean         has_rules = FALSE;

  for (guint i = 0; i < self->rules->len && !has_rules; i++)
    has_rules = saldo_rule_object_get_record (self->rules->pdata[i])->line_id == saldo_line_get_id (line);
  if (!has_rules)
    return;
  note_paused (self, line);
  if (!build_engine_input (self, line, NULL, &scratch, &in, &error) ||
      (in.confirmed_rule_id = confirmed_rule_id, !saldo_rule_engine_decide (&in, &decision, &error))) {
    g_warning ("line %s: cannot evaluate its rules: %s", saldo_line_get_object_path (line), error->message);
    return;
  }
  explain_default_cap (&scratch, &decision);
  rule = decision.rule_id > 0 ? find_rule (self, decision.rule_id) : NULL;
  if (rule != NULL)
    saldo_rule_object_set_last_decision (rule, decision.reason);
  {
    g_autofree char *open_note = open_topup_note (self, line);

    for (guint i = 0; open_note != NULL && i < self->rules->len; i++)
      if (saldo_rule_object_get_record (self->rules->pdata[i])->line_id == saldo_line_get_id (line))
        saldo_rule_object_set_last_decision (self->rules->pdata[i], open_note);
  }
  g_debug ("line %s: %s: %s", saldo_line_get_object_path (line),
           saldo_decision_kind_to_string (decision.kind), decision.reason);

  switch (decision.kind) {
  case SALDO_DECISION_TOP_UP: {
    gint64 id;

    if (!plan_topup (self, line, decision.rule_id, decision.provider, decision.amount, decision.currency, &id,
                     &error) ||
        !execute_topup (self, line, id, decision.provider, decision.amount, decision.currency, &error))
      g_warning ("line %s: cannot top up: %s", saldo_line_get_object_path (line), error->message);
    break;
  }
  case SALDO_DECISION_NEEDS_CONFIRMATION: {
    gint64           id;
    g_autofree char *id_text = NULL;

    if (planned_row_exists (self, line, decision.rule_id))
      break;
    if (!plan_topup (self, line, decision.rule_id, decision.provider, decision.amount, decision.currency, &id,
                     &error)) {
      g_warning ("line %s: cannot plan a top-up: %s", saldo_line_get_object_path (line), error->message);
      break;
    }
    id_text = topup_id_string (id);
    expire_planned (self);
    journal_event (SALDO_MESSAGE_CONFIRMATION, line, "top-up %s needs confirmation: %s", id_text,
                   decision.reason);
    g_signal_emit (self, signals[SIGNAL_CONFIRMATION_REQUIRED], 0, id_text, saldo_line_get_object_path (line),
                   decision.amount, decision.currency, decision.reason);
    break;
  }
  case SALDO_DECISION_DISABLE_RULE:
    if (rule != NULL)
      disable_rule (self, rule, line, decision.reason);
    break;
  case SALDO_DECISION_WAIT:
  case SALDO_DECISION_BLOCKED:
    if (decision.until > 0)
      schedule_evaluation (self, decision.until);
    if (decision.kind == SALDO_DECISION_BLOCKED)
      g_info ("line %s: %s", saldo_line_get_object_path (line), decision.reason);
    break;
  case SALDO_DECISION_NOTHING:
  default:
    break;
  }
}

/* ---- verification ----------------------------------------------------- */

static void
verify_topups (SaldoTopupManager *self, SaldoLine *line, const SaldoReading *reading)
{
  g_autoptr(GPtrArray) rows = NULL;
  SaldoLedgerQuery query = { 0 };
  gint64           breaker_window = SALDO_DEFAULT_BREAKER_WINDOW;

  query.line_id = saldo_line_get_id (line);
  query.state_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_SUCCEEDED);
  if (!reading->has_amount || !saldo_ledger_list (self->ledger, &query, &rows, NULL))
    return;
  for (guint i = 0; i < rows->len; i++) {
    const SaldoTopupRecord *row = rows->pdata[i];
    g_autoptr(GError) error = NULL;
    g_autofree char *id = topup_id_string (row->id);
    if (reading->time < row->finished || !row->has_balance_before)
      continue;
    if (saldo_balance_rose_by (row->balance_before, reading->amount_minor, row->amount,
                               SALDO_VERIFY_PERCENT)) {
      if (saldo_ledger_mark_verified (self->ledger, row->id, reading->amount_minor, &error)) {
        g_info ("top-up %s verified: balance %" G_GINT64_FORMAT " → %" G_GINT64_FORMAT, id,
                row->balance_before, reading->amount_minor);
        emit_finished (self, id, saldo_line_get_object_path (line), "verified", row->amount);
      }
    } else if (reading->time > row->finished + breaker_window) {
      if (saldo_ledger_mark_disputed (self->ledger, row->id, TRUE, reading->amount_minor,
                                      "the balance did not rise after the top-up", &error)) {
        g_warning ("top-up %s disputed: the balance did not rise", id);
        emit_finished (self, id, saldo_line_get_object_path (line), "disputed", row->amount);
      }
    }
    if (error != NULL)
      g_warning ("top-up %s: %s", id, error->message);
  }
}

/* ---- unknown top-ups, settled by the balance --------------------------- */

/* The USSD balance readings of a line since `since`, in `currency`: SMS can
 * be sent by anyone, so they never settle money. */
static SaldoBalancePoint *
settle_readings (SaldoTopupManager *self, gint64 line_id, const char *currency, gint64 since, gsize *n_out)
{
  g_autoptr(GPtrArray) readings = NULL;
  g_autoptr(GError) error = NULL;
  SaldoBalancePoint *points;
  gsize              n = 0;

  if (!saldo_store_list_readings (self->store, line_id, since, 200, &readings, &error)) {
    g_warning ("cannot read the balance history: %s", error->message);
    *n_out = 0;
    return NULL;
  }
  points = g_new0 (SaldoBalancePoint, readings->len + 1);
  for (guint i = 0; i < readings->len; i++) {
    const SaldoReading *r = readings->pdata[i];

    if (!r->has_amount || g_strcmp0 (r->kind, "balance") != 0 || g_strcmp0 (r->source, "ussd") != 0 ||
        g_strcmp0 (r->currency, currency) != 0)
      continue;
    points[n].time = r->time;
    points[n].balance = r->amount_minor;
    n++;
  }
  *n_out = n;
  return points;
}

static void
settle_decide (SaldoTopupManager *self, const SaldoTopupRecord *row, SaldoSettleDecision *decision)
{
  g_autofree SaldoBalancePoint *points = NULL;
  SaldoSettleInput              in = { 0 };
  gsize                         n = 0;

  in.amount = row->amount;
  in.sent = row->sent_at > 0 ? row->sent_at : row->created;
  in.has_balance_before = row->has_balance_before;
  in.balance_before = row->balance_before;
  in.provider_pending = row->provider_pending;
  points = settle_readings (self, row->line_id, row->currency, in.sent - SALDO_HISTORY_WINDOW, &n);
  in.readings = points;
  in.n_readings = n;
  in.delay = self->settings->unknown_settle_delay;
  in.window = self->settings->unknown_settle_window;
  in.percent = SALDO_VERIFY_PERCENT;
  in.now = topup_now (self);
  saldo_settle_decide (&in, row->currency, decision);
}

static void
settle_apply (SaldoTopupManager         *self,
              SaldoLine                 *line,
              const SaldoTopupRecord    *row,
              const SaldoSettleDecision *decision)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = topup_id_string (row->id);
  g_autofree char *reason = g_strdup_printf ("settled by the balance: %s", decision->reason);
  gboolean         ok = decision->kind == SALDO_SETTLE_SUCCEEDED;

  if (!saldo_ledger_settle (self->ledger, row->id,
                            ok ? SALDO_LEDGER_STATE_SUCCEEDED : SALDO_LEDGER_STATE_FAILED, reason, &error) ||
      (ok && !saldo_ledger_mark_verified (self->ledger, row->id, decision->balance_after, &error))) {
    g_warning ("top-up %s: %s", id, error->message);
    return;
  }
  journal_event (SALDO_MESSAGE_TOPUP_FINISHED, line, "top-up %s of line %s: %s: %s", id,
                 line_path_or_root (line), ok ? "verified" : "failed", reason);
  if (!ok)
    g_warning ("top-up %s: %s", id, reason);
  emit_finished (self, id, line_path_or_root (line), ok ? "verified" : "failed", row->amount);
}

/* Settles what the balance can settle among the line's unknown rows (all
 * lines when line is NULL).  Returns the earliest time a reading is worth
 * taking for a row still open, 0 = none; *due_lines_out (may be NULL) gets
 * the lines that need one now. */
static gint64
settle_unknown (SaldoTopupManager *self, SaldoLine *line, GPtrArray **due_lines_out)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) due_lines = g_ptr_array_new ();
  SaldoLedgerQuery query = { .state_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_UNKNOWN) };
  gint64           now = topup_now (self);
  gint64           next = 0;

  query.line_id = line != NULL ? saldo_line_get_id (line) : 0;
  if (!saldo_ledger_list (self->ledger, &query, &rows, &error)) {
    g_warning ("cannot list unknown top-ups: %s", error->message);
    return now + 300;
  }
  for (guint i = 0; i < rows->len; i++) {
    const SaldoTopupRecord *row = rows->pdata[i];
    g_auto(SaldoSettleDecision) decision = { 0 };
    SaldoLine *row_line = saldo_line_manager_lookup_by_id (self->lines, row->line_id);

    /* A lookup or a re-send of it is under way: its answer comes first. */
    if (saldo_topup_runner_is_busy (self->runner, row->id))
      continue;
    settle_decide (self, row, &decision);
    switch (decision.kind) {
    case SALDO_SETTLE_SUCCEEDED:
    case SALDO_SETTLE_FAILED:
      settle_apply (self, row_line, row, &decision);
      break;
    case SALDO_SETTLE_WAIT:
      if (decision.until <= now && row_line != NULL && !g_ptr_array_find (due_lines, row_line, NULL))
        g_ptr_array_add (due_lines, row_line);
      else if (decision.until > now)
        next = next == 0 ? decision.until : MIN (next, decision.until);
      break;
    case SALDO_SETTLE_CANNOT:
    default:
      break;
    }
  }
  if (due_lines_out != NULL)
    *due_lines_out = g_steal_pointer (&due_lines);
  return next;
}

static gboolean
on_settle_timer (gpointer user_data)
{
  SaldoTopupManager *self = user_data;
  g_autoptr(GPtrArray) due_lines = NULL;
  gint64 next;

  self->settle_id = 0;
  next = settle_unknown (self, NULL, &due_lines);
  /* The balance decides: read it now.  The reading settles (or not). */
  for (guint i = 0; i < due_lines->len; i++)
    if (saldo_line_get_active (due_lines->pdata[i]))
      saldo_line_manager_refresh (self->lines, due_lines->pdata[i]);
  if (next > 0)
    schedule_settle (self, next);
  return G_SOURCE_REMOVE;
}

static void
schedule_settle (SaldoTopupManager *self, gint64 due)
{
  gint64 delay = MAX (due - topup_now (self), 1);

  if (self->settle_id != 0) {
    GSource *source = g_main_context_find_source_by_id (NULL, self->settle_id);

    if (source != NULL &&
        g_source_get_ready_time (source) <= g_get_monotonic_time () + delay * G_USEC_PER_SEC)
      return;
    g_clear_handle_id (&self->settle_id, g_source_remove);
  }
  self->settle_id = g_timeout_add_seconds ((guint) MIN (delay, 86400), on_settle_timer, self);
}

/* A top-up whose outcome is open blocks every other one on its line: the
 * line's rules say which, since when, and what will settle it. */
static char *
open_topup_note (SaldoTopupManager *self, SaldoLine *line)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_auto(SaldoSettleDecision) decision = { 0 };
  SaldoLedgerQuery query = {
    .line_id = saldo_line_get_id (line),
    .state_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_INTENT) |
                  SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_SENT) |
                  SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_UNKNOWN),
    .limit = 1,
  };
  const SaldoTopupRecord *row;
  g_autofree char        *amount = NULL;
  const char             *how;

  if (!saldo_ledger_list (self->ledger, &query, &rows, NULL) || rows->len == 0)
    return NULL;
  row = rows->pdata[0];
  amount = saldo_money_format (row->amount, row->currency);
  if (row->state == SALDO_LEDGER_STATE_UNKNOWN) {
    settle_decide (self, row, &decision);
    how = decision.reason;
  } else {
    how = "it is being sent or looked up now";
  }
  return g_strdup_printf ("top-up %" G_GINT64_FORMAT " (%s through %s) is %s%s%s: %s; no other "
                          "top-up of this line until it settles (or the owner settles it with "
                          "saldoctl topup resolve %" G_GINT64_FORMAT " succeeded|failed)",
                          row->id, amount, row->provider, saldo_ledger_state_to_string (row->state),
                          *row->error != '\0' ? ", " : "", row->error, how, row->id);
}

static void
on_balance_read (SaldoLineManager   *lines,
                 SaldoLine          *line,
                 const SaldoReading *reading,
                 SaldoTopupManager  *self)
{
  /* Only what the network itself answered settles money: an SMS sender can
   * be forged. */
  if (g_strcmp0 (reading->source, "ussd") == 0) {
    gint64 next;

    verify_topups (self, line, reading);
    next = settle_unknown (self, line, NULL);
    if (next > 0)
      schedule_settle (self, next);
  }
  saldo_forecaster_update (self->forecaster, line, TRUE);
  for (guint i = 0; i < self->rules->len; i++) {
    const SaldoRuleRecord *r = saldo_rule_object_get_record (self->rules->pdata[i]);

    if (r->line_id == saldo_line_get_id (line) && g_str_equal (r->kind, "threshold") && reading->has_amount &&
        reading->amount_minor < r->below) {
      journal_event (SALDO_MESSAGE_LOW_BALANCE, line,
                     "line %s: balance %" G_GINT64_FORMAT " %s is below %" G_GINT64_FORMAT,
                     saldo_line_get_object_path (line), reading->amount_minor, reading->currency, r->below);
      g_signal_emit (self, signals[SIGNAL_LOW_BALANCE], 0, saldo_line_get_object_path (line),
                     reading->amount_minor, reading->currency);
      break;
    }
  }
  evaluate_line (self, line, 0);
}

/* ---- reconciliation --------------------------------------------------- */

static void reconcile_all (SaldoTopupManager *self, gboolean force);

static gboolean
on_reconcile_timer (gpointer user_data)
{
  SaldoTopupManager *self = user_data;

  self->reconcile_id = 0;
  reconcile_all (self, FALSE);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconcile (SaldoTopupManager *self, gint64 due)
{
  gint64 delay = MAX (due - topup_now (self), 1);

  if (self->reconcile_id != 0)
    return;
  self->reconcile_id = g_timeout_add_seconds ((guint) MIN (delay, 86400), on_reconcile_timer, self);
}

static void
on_reconciled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaldoTopupManager) self = user_data;
  g_autoptr(GError) error = NULL;
  SaldoReconcileSummary summary = { 0 };

  if (!saldo_topup_runner_reconcile_finish (SALDO_TOPUP_RUNNER (source), result, &summary, &error)) {
    g_warning ("reconciling top-ups: %s", error->message);
    schedule_reconcile (self, topup_now (self) + 300);
    return;
  }
  if (summary.checked > 0)
    g_info ("reconciled %u top-up(s): %u succeeded, %u failed, %u re-sent, %u still open", summary.checked,
            summary.succeeded, summary.failed, summary.resent, summary.open);
  if (summary.next_due > 0)
    schedule_reconcile (self, summary.next_due);
}

/* Every sent/unknown row is looked up by its reference; a request is sent
 * again, with the same reference, only when the provider has no record. */
static void
reconcile_all (SaldoTopupManager *self, gboolean force)
{
  for (guint i = 0; i < self->providers->len; i++)
    saldo_topup_runner_reconcile_async (self->runner, self->ledger, self->providers->pdata[i], force, NULL,
                                        on_reconciled, g_object_ref (self));
}

/* ---- rules ------------------------------------------------------------ */

GPtrArray *
saldo_topup_manager_get_rules (SaldoTopupManager *self)
{
  return self->rules;
}

SaldoRuleObject *
saldo_topup_manager_lookup_rule (SaldoTopupManager *self, gint64 id)
{
  return find_rule (self, id);
}

SaldoRuleObject *
saldo_topup_manager_add_rule (SaldoTopupManager *self, GVariant *options, GError **error)
{
  g_autoptr(SaldoRuleRecord) record = saldo_rule_record_new ();
  g_autoptr(SaldoRuleObject) rule = NULL;
  g_autofree char *currency = NULL;
  g_auto(GStrv) providers = provider_ids (self);
  g_autoptr(GVariantDict) dict = g_variant_dict_new (options);
  const char *line_path = NULL;
  SaldoLine  *line;

  if (!g_variant_lookup (options, "line", "&o", &line_path)) {
    g_set_error_literal (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                         "line: required (o, a line object path)");
    return NULL;
  }
  line = saldo_line_manager_lookup_by_path (self->lines, line_path);
  if (line == NULL) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT, "line: unknown line %s", line_path);
    return NULL;
  }
  if (!g_variant_dict_contains (dict, "amount")) {
    g_set_error_literal (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                         "amount: required (x, minor units)");
    return NULL;
  }
  currency = saldo_line_manager_get_currency (self->lines, line);
  record->line_id = saldo_line_get_id (line);
  record->created = topup_now (self);
  if (!saldo_rule_record_apply (record, options, currency, (const char *const *) providers, topup_now (self),
                                error) ||
      !saldo_store_save_rule (self->store, record, error))
    return NULL;
  rule = saldo_rule_object_new (record, saldo_line_get_object_path (line));
  g_ptr_array_add (self->rules, g_object_ref (rule));
  g_signal_emit (self, signals[SIGNAL_RULE_ADDED], 0, rule);
  g_info ("rule %s added for line %s", saldo_rule_object_get_path (rule), line_path);
  /* What the rules need of their providers' funds changed. */
  saldo_provider_watch_refresh (self->watch);
  evaluate_line (self, line, 0);
  return g_steal_pointer (&rule);
}

gboolean
saldo_topup_manager_update_rule (SaldoTopupManager *self,
                                 SaldoRuleObject   *rule,
                                 GVariant          *changes,
                                 GError           **error)
{
  g_autoptr(SaldoRuleRecord) record = saldo_rule_record_copy (saldo_rule_object_get_record (rule));
  g_autofree char *currency = NULL;
  g_auto(GStrv) providers = provider_ids (self);
  SaldoLine *line = saldo_line_manager_lookup_by_id (self->lines, record->line_id);
  g_autoptr(GVariantDict) dict = g_variant_dict_new (changes);

  if (g_variant_dict_contains (dict, "line")) {
    g_set_error_literal (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                         "line: a rule cannot move to another line");
    return FALSE;
  }
  currency = line != NULL ? saldo_line_manager_get_currency (self->lines, line) : NULL;
  if (!saldo_rule_record_apply (record, changes, currency, (const char *const *) providers, topup_now (self),
                                error) ||
      !saldo_store_save_rule (self->store, record, error))
    return FALSE;
  saldo_rule_object_set_record (rule, record);
  saldo_provider_watch_refresh (self->watch);
  if (line != NULL)
    evaluate_line (self, line, 0);
  return TRUE;
}

gboolean
saldo_topup_manager_remove_rule (SaldoTopupManager *self, SaldoRuleObject *rule, GError **error)
{
  g_autoptr(SaldoRuleObject) removed = g_object_ref (rule);

  if (!saldo_store_remove_rule (self->store, saldo_rule_object_get_record (rule)->id, error))
    return FALSE;
  g_info ("rule %s removed", saldo_rule_object_get_path (rule));
  g_ptr_array_remove (self->rules, rule);
  g_signal_emit (self, signals[SIGNAL_RULE_REMOVED], 0, removed);
  saldo_provider_watch_refresh (self->watch);
  return TRUE;
}

/* ---- what the owner asks ---------------------------------------------- */

gboolean
saldo_topup_manager_simulate (SaldoTopupManager *self,
                              SaldoLine         *line,
                              const SaldoWhatIf *what_if,
                              SaldoDecision     *decision,
                              GError           **error)
{
  g_auto(EngineScratch) scratch = { 0 };
  SaldoEngineInput in;

  if (!build_engine_input (self, line, NULL, &scratch, &in, error))
    return FALSE;
  /* What-ifs change the copy only: nothing is recorded or spent. */
  if (what_if->has_balance) {
    in.line.balance = what_if->balance;
    in.line.balance_known = TRUE;
    in.line.balance_currency = NULL;
    in.line.n_readings = 0;
  }
  if (what_if->has_data) {
    in.line.data_left = what_if->data;
    in.line.data_known = TRUE;
  }
  if (what_if->time > 0)
    in.now = what_if->time;
  if (!saldo_rule_engine_decide (&in, decision, error)) {
    g_prefix_error (error, "simulate: ");
    (*error)->domain = SALDO_ERROR;
    (*error)->code = SALDO_ERROR_INVALID_ARGUMENT;
    return FALSE;
  }
  explain_default_cap (&scratch, decision);
  return TRUE;
}

char *
saldo_topup_manager_top_up (SaldoTopupManager *self,
                            SaldoLine         *line,
                            gint64             amount,
                            const char        *provider_id,
                            GError           **error)
{
  g_auto(EngineScratch) scratch = { 0 };
  g_auto(SaldoDecision) decision = SALDO_DECISION_INIT;
  g_autofree char *currency = NULL;
  SaldoEngineInput in;
  SaldoRule        manual;
  gint64           id;

  if (amount <= 0) {
    g_set_error_literal (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                         "amount: must be greater than zero");
    return NULL;
  }
  /* Far above any cap, and sums and shares of it stay exact. */
  if (!saldo_amount_is_valid (amount)) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                 "amount: %" G_GINT64_FORMAT
                 " minor units is more than Saldo handles (at most %" G_GINT64_FORMAT ")",
                 amount, SALDO_AMOUNT_MAX);
    return NULL;
  }
  if (provider_id == NULL && self->providers->len == 1)
    provider_id = saldo_provider_get_id (self->providers->pdata[0]);
  if (provider_id == NULL || find_provider (self, provider_id) == NULL) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT, "provider: %s",
                 provider_id == NULL ? "required when several (or no) providers are configured"
                                     : "unknown provider");
    return NULL;
  }
  currency = saldo_line_manager_get_currency (self->lines, line);
  if (currency == NULL) {
    g_set_error_literal (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                         "currency: the line's currency is not known yet; read its balance first");
    return NULL;
  }

  /* A manual top-up goes through the same limits as the rules: the engine
   * judges a rule that always wants exactly this amount. */
  memset (&manual, 0, sizeof manual);
  manual.id = G_MAXINT64;
  manual.iccid = saldo_line_get_iccid (line);
  manual.provider = provider_id;
  manual.kind = SALDO_RULE_KIND_THRESHOLD;
  manual.mode = SALDO_RULE_MODE_ENABLED;
  manual.amount = amount;
  manual.currency = currency;
  manual.threshold = 1; /* with the balance taken as 0 below: always wanted */
  if (!build_engine_input (self, line, &manual, &scratch, &in, error))
    return NULL;
  /* The owner types the amount: without any cap on it a slip of the
   * finger, or a script gone wrong, would reach the provider. */
  if (in.line_limits.max_per_topup == 0) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_LIMIT_REACHED,
                 "max-per-topup: no cap applies to top-ups of this line in %s: set "
                 "DefaultMaxPerTopup (with DefaultCapCurrency) in %s, MaxPerTopup in its carrier "
                 "file, or a rule's max-per-topup",
                 currency, saldo_config_get_path (self->config));
    return NULL;
  }
  /* Only the manual rule decides; the line's own rules only lend their caps. */
  in.rules = &g_array_index (scratch.rules, SaldoRule, scratch.rules->len - 1);
  in.n_rules = 1;
  /* The owner's explicit top-up re-arms: the circuit breaker (which guards
   * the automatic rules against misread balances) does not hold it back;
   * the money limits, the cooldown and a top-up in flight still can. */
  g_array_index (scratch.rules, SaldoRule, scratch.rules->len - 1).rearmed_at = in.now + 1;
  in.line.balance_known = TRUE;
  in.line.balance = 0;
  in.line.balance_currency = NULL;
  in.line.n_readings = 0;
  if (!saldo_rule_engine_decide (&in, &decision, error)) {
    (*error)->domain = SALDO_ERROR;
    (*error)->code = SALDO_ERROR_INVALID_ARGUMENT;
    return NULL;
  }
  explain_default_cap (&scratch, &decision);
  if (decision.kind != SALDO_DECISION_TOP_UP) {
    gboolean named = decision.limit != SALDO_LIMIT_NONE;

    /* The limit's name first, so scripts can tell "cooldown" from a cap. */
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_LIMIT_REACHED, "%s%s%s",
                 named ? saldo_limit_to_string (decision.limit) : "", named ? ": " : "", decision.reason);
    return NULL;
  }
  if (!plan_topup (self, line, 0, provider_id, amount, currency, &id, error) ||
      !execute_topup (self, line, id, provider_id, amount, currency, error))
    return NULL;
  return topup_id_string (id);
}

gboolean
saldo_topup_id_parse (const char *text, gint64 *id, GError **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &value, NULL)) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT, "id: '%s' is not a top-up id", text);
    return FALSE;
  }
  *id = (gint64) value;
  return TRUE;
}

/* Closes a planned row the owner can no longer confirm (as expired: it was
 * not their no), telling why. */
static void
withdraw_planned (SaldoTopupManager *self, SaldoLine *line, const SaldoTopupRecord *record, const char *reason)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = topup_id_string (record->id);

  if (!saldo_ledger_withdraw (self->ledger, record->id, reason, &error)) {
    g_warning ("top-up %s: %s", id, error->message);
    return;
  }
  journal_event (SALDO_MESSAGE_TOPUP_FINISHED, line,
                 "top-up %s of line %s: expired: %s; "
                 "nothing was sent",
                 id, line_path_or_root (line), reason);
  emit_finished (self, id, line_path_or_root (line), "expired", record->amount);
}

/* A confirmation is the owner's yes to this amount, not to any limit: the
 * engine decides again, now, with the rule's caps, cooldown, the top-up in
 * flight and the global cap, as if the rule had just fired.  Returns TRUE
 * when the row may be sent. */
static gboolean
confirm_decides (SaldoTopupManager *self, SaldoLine *line, const SaldoTopupRecord *record, GError **error)
{
  g_auto(EngineScratch) scratch = { 0 };
  g_auto(SaldoDecision) decision = SALDO_DECISION_INIT;
  g_autofree char *reason = NULL;
  SaldoRuleObject *rule = record->rule_id > 0 ? find_rule (self, record->rule_id) : NULL;
  SaldoEngineInput in;
  SaldoRule       *engine_rule = NULL;

  if (rule == NULL || !saldo_rule_object_get_record (rule)->confirm) {
    reason = g_strdup_printf ("withdrawn: %s", rule == NULL ? "its rule was removed"
                                                            : "its rule no longer asks for confirmation");
    withdraw_planned (self, line, record, reason);
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_CANCELLED, "top-up %" G_GINT64_FORMAT " %s", record->id,
                 reason);
    return FALSE;
  }
  if (!build_engine_input (self, line, NULL, &scratch, &in, error))
    return FALSE;
  for (guint i = 0; i < scratch.rules->len; i++)
    if (g_array_index (scratch.rules, SaldoRule, i).id == record->rule_id)
      engine_rule = &g_array_index (scratch.rules, SaldoRule, i);
  g_assert (engine_rule != NULL);
  /* Exactly what the owner was asked about, even if the rule changed since. */
  engine_rule->amount = record->amount;
  engine_rule->provider = record->provider;
  in.rules = engine_rule;
  in.n_rules = 1;
  in.confirmed_rule_id = record->rule_id;
  if (!saldo_rule_engine_decide (&in, &decision, error))
    return FALSE;
  explain_default_cap (&scratch, &decision);
  saldo_rule_object_set_last_decision (rule, decision.reason);
  switch (decision.kind) {
  case SALDO_DECISION_TOP_UP:
    return TRUE;
  case SALDO_DECISION_BLOCKED:
  case SALDO_DECISION_WAIT:
    if (decision.limit != SALDO_LIMIT_NONE) {
      /* Still planned: it can be confirmed once the limit allows it. */
      g_set_error (error, SALDO_ERROR, SALDO_ERROR_LIMIT_REACHED, "%s: %s",
                   saldo_limit_to_string (decision.limit), decision.reason);
      return FALSE;
    }
    break;
  case SALDO_DECISION_DISABLE_RULE:
    disable_rule (self, rule, line, decision.reason);
    break;
  case SALDO_DECISION_NOTHING:
  case SALDO_DECISION_NEEDS_CONFIRMATION:
  default:
    break;
  }
  reason = g_strdup_printf ("withdrawn: the rule no longer wants it: %s", decision.reason);
  withdraw_planned (self, line, record, reason);
  g_set_error (error, SALDO_ERROR, SALDO_ERROR_CANCELLED, "top-up %" G_GINT64_FORMAT " %s", record->id,
               reason);
  return FALSE;
}

/* The planned row id_text, once a row past its time has been expired (it
 * is answered as expired, whatever the timer says). */
static SaldoTopupRecord *
get_planned (SaldoTopupManager *self, const char *id_text, GError **error)
{
  g_autoptr(SaldoTopupRecord) record = NULL;
  gint64 id;

  if (!saldo_topup_id_parse (id_text, &id, error))
    return NULL;
  expire_planned (self);
  if (!saldo_ledger_get (self->ledger, id, &record, error))
    return NULL;
  if (record->state != SALDO_LEDGER_STATE_PLANNED) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                 "id: top-up %s is %s, not waiting for confirmation", id_text,
                 saldo_ledger_state_to_string (record->state));
    return NULL;
  }
  return g_steal_pointer (&record);
}

gboolean
saldo_topup_manager_confirm (SaldoTopupManager *self, const char *id_text, GError **error)
{
  g_autoptr(SaldoTopupRecord) record = get_planned (self, id_text, error);
  SaldoLine *line;

  if (record == NULL)
    return FALSE;
  line = saldo_line_manager_lookup_by_id (self->lines, record->line_id);
  if (line == NULL) {
    g_set_error_literal (error, SALDO_ERROR, SALDO_ERROR_NOT_FOUND, "the top-up's line is gone");
    return FALSE;
  }
  return confirm_decides (self, line, record, error) &&
         execute_topup (self, line, record->id, record->provider, record->amount, record->currency, error);
}

gboolean
saldo_topup_manager_reject (SaldoTopupManager *self, const char *id_text, GError **error)
{
  g_autoptr(SaldoTopupRecord) record = get_planned (self, id_text, error);
  SaldoLine *line;

  if (record == NULL)
    return FALSE;
  if (!saldo_ledger_cancel (self->ledger, record->id, "rejected by the owner", error))
    return FALSE;
  line = saldo_line_manager_lookup_by_id (self->lines, record->line_id);
  if (line != NULL)
    emit_finished (self, id_text, saldo_line_get_object_path (line), "failed", record->amount);
  return TRUE;
}

gboolean
saldo_topup_manager_resolve (SaldoTopupManager *self,
                             const char        *id_text,
                             SaldoLedgerState   state,
                             guint32            uid,
                             const char        *note,
                             GError           **error)
{
  g_autoptr(SaldoTopupRecord) record = NULL;
  SaldoLine *line;
  gint64     id;

  g_return_val_if_fail (state == SALDO_LEDGER_STATE_SUCCEEDED || state == SALDO_LEDGER_STATE_FAILED, FALSE);
  if (!saldo_topup_id_parse (id_text, &id, error) || !saldo_ledger_get (self->ledger, id, &record, error))
    return FALSE;
  if (saldo_topup_runner_is_busy (self->runner, id)) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_BUSY,
                 "top-up %s is being sent or looked up right now; try again when that has "
                 "finished",
                 id_text);
    return FALSE;
  }
  if (!saldo_ledger_state_is_in_flight (record->state)) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                 "id: top-up %s is %s; only a top-up whose outcome is open (unknown, sent, "
                 "intent) can be resolved",
                 id_text, saldo_ledger_state_to_string (record->state));
    return FALSE;
  }
  if (!saldo_ledger_resolve (self->ledger, id, state, uid, note, error))
    return FALSE;
  line = saldo_line_manager_lookup_by_id (self->lines, record->line_id);
  journal_event (SALDO_MESSAGE_TOPUP_FINISHED, line, "top-up %s of line %s: %s: resolved by uid %u%s%s",
                 id_text, line_path_or_root (line), saldo_ledger_state_to_string (state), uid,
                 note != NULL && *note != '\0' ? ": " : "", note != NULL ? note : "");
  emit_finished (self, id_text, line_path_or_root (line), saldo_ledger_state_to_string (state),
                 record->amount);
  if (line != NULL)
    evaluate_line (self, line, 0);
  return TRUE;
}

gboolean
saldo_topup_manager_list (SaldoTopupManager      *self,
                          const SaldoLedgerQuery *query,
                          GPtrArray             **records_out,
                          GError                **error)
{
  return saldo_ledger_list (self->ledger, query, records_out, error);
}

/* ---- SMS: a reading by USSD before the rules decide ------------------- */

static gboolean
line_has_rules (SaldoTopupManager *self, SaldoLine *line)
{
  for (guint i = 0; i < self->rules->len; i++)
    if (saldo_rule_object_get_record (self->rules->pdata[i])->line_id == saldo_line_get_id (line))
      return TRUE;
  return FALSE;
}

/* A reading from an SMS never starts a top-up: where the line can be read
 * by USSD and has rules, it asks for a USSD reading, and the rules decide on
 * that one.  Not more often than RegistrationRefreshMinInterval, so a flood
 * of messages cannot keep the modem dialling. */
static void
on_sms_balance (SaldoLineManager *lines, SaldoLine *line, SaldoTopupManager *self)
{
  g_autoptr(SaldoCarrier) carrier = saldo_line_manager_get_carrier (lines, line);
  gboolean has_code = *saldo_line_get_record (line)->balance_code != '\0' ||
                      (carrier != NULL && saldo_carrier_get_ussd_codes (carrier)[0] != NULL);
  gint64 attempt = saldo_line_manager_get_last_attempt (lines, line);

  if (!has_code || !line_has_rules (self, line) || !saldo_line_get_active (line))
    return;
  /* Attempts are on the real clock, as the line manager keeps them. */
  if (attempt > 0 && g_get_real_time () / G_USEC_PER_SEC - attempt <
                       (gint64) self->settings->registration_refresh_min_interval) {
    g_info ("line %s: a USSD reading was taken moments ago; the rules decided on it",
            saldo_line_get_object_path (line));
    return;
  }
  g_info ("line %s: reading the balance by USSD before the rules look at it",
          saldo_line_get_object_path (line));
  saldo_line_manager_refresh (lines, line);
}

/* ---- what providers may use ------------------------------------------ */

static gboolean
context_claim_voucher (SaldoProviderContext *context, const char *reference, const char *pin, GError **error)
{
  SaldoTopupManager *self = SALDO_TOPUP_MANAGER (context);
  g_autoptr(SaldoTopupRecord) record = NULL;

  return saldo_ledger_get_by_reference (self->ledger, reference, &record, error) &&
         saldo_ledger_claim_voucher (self->ledger, record->id, pin, error);
}

static gboolean
context_voucher_is_used (SaldoProviderContext *context, const char *pin, gboolean *used, GError **error)
{
  return saldo_ledger_voucher_is_used (SALDO_TOPUP_MANAGER (context)->ledger, pin, used, error);
}

static void
on_context_dialled (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  const char      *secret = g_task_get_task_data (task);
  GError          *error = NULL;
  g_autofree char *reply = saldo_line_manager_dial_secret_finish (SALDO_LINE_MANAGER (source), result,
                                                                  &error);

  /* The USSD client masks the secret already; the context promises it, so
   * it makes sure whatever path the text took. */
  if (reply == NULL) {
    g_autofree char *message = error->message;

    error->message = saldo_redact_secret (message, secret);
    g_task_return_error (task, error);
    return;
  }
  g_task_return_pointer (task, saldo_redact_secret (reply, secret), g_free);
}

static void
secret_free (gpointer secret)
{
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
  g_free (secret);
}

static void
context_dial_async (SaldoProviderContext *context,
                    const char           *iccid,
                    const char           *code,
                    const char           *secret,
                    GCancellable         *cancellable,
                    GAsyncReadyCallback   callback,
                    gpointer              user_data)
{
  SaldoTopupManager *self = SALDO_TOPUP_MANAGER (context);
  GTask             *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_task_data (task, g_strdup (secret), secret_free);
  saldo_line_manager_dial_secret_async (self->lines, iccid, code, secret, cancellable, on_context_dialled,
                                        task);
}

static char *
context_dial_finish (SaldoProviderContext *context, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
context_voucher_patterns (SaldoProviderContext *context, const char *iccid, GRegex **success, GRegex **failure)
{
  SaldoTopupManager *self = SALDO_TOPUP_MANAGER (context);
  SaldoLine         *line = saldo_line_manager_lookup_by_iccid (self->lines, iccid);
  g_autoptr(SaldoCarrier) carrier = line != NULL ? saldo_line_manager_get_carrier (self->lines, line) : NULL;
  GRegex *regex;

  if (carrier == NULL)
    return;
  regex = saldo_carrier_get_voucher_success (carrier);
  *success = regex != NULL ? g_regex_ref (regex) : NULL;
  regex = saldo_carrier_get_voucher_failure (carrier);
  *failure = regex != NULL ? g_regex_ref (regex) : NULL;
}

static void
saldo_topup_manager_context_init (SaldoProviderContextInterface *iface)
{
  iface->claim_voucher = context_claim_voucher;
  iface->voucher_is_used = context_voucher_is_used;
  iface->dial_async = context_dial_async;
  iface->dial_finish = context_dial_finish;
  iface->voucher_patterns = context_voucher_patterns;
}

/* ---- life cycle ------------------------------------------------------- */

GPtrArray *
saldo_topup_manager_get_providers (SaldoTopupManager *self)
{
  return self->providers;
}

SaldoLedger *
saldo_topup_manager_get_ledger (SaldoTopupManager *self)
{
  return self->ledger;
}

SaldoProviderWatch *
saldo_topup_manager_get_provider_watch (SaldoTopupManager *self)
{
  return self->watch;
}

SaldoForecaster *
saldo_topup_manager_get_forecaster (SaldoTopupManager *self)
{
  return self->forecaster;
}

SaldoReport *
saldo_topup_manager_report (SaldoTopupManager *self, int year, int month, SaldoLine *only, GError **error)
{
  return saldo_report_build (self->store, self->ledger, self->lines, self->rules, self->settings, year, month,
                             only, error);
}

/* A provider works again: the rules using it are looked at again. */
static void
on_provider_recovered (SaldoProviderWatch *watch, const char *id, SaldoTopupManager *self)
{
  GPtrArray *lines = saldo_line_manager_get_lines (self->lines);

  for (guint i = 0; i < lines->len; i++) {
    SaldoLine *line = lines->pdata[i];

    for (guint j = 0; j < self->rules->len; j++) {
      const SaldoRuleRecord *r = saldo_rule_object_get_record (self->rules->pdata[j]);

      if (r->line_id == saldo_line_get_id (line) && g_strcmp0 (r->provider, id) == 0) {
        evaluate_line (self, line, 0);
        break;
      }
    }
  }
}

/* The rules using it say so now, not at their next evaluation. */
static void
on_provider_needs_attention (SaldoProviderWatch *watch,
                             const char         *path,
                             const char         *reason,
                             SaldoTopupManager  *self)
{
  GPtrArray *lines = saldo_line_manager_get_lines (self->lines);

  for (guint i = 0; i < lines->len; i++)
    note_paused (self, lines->pdata[i]);
}

void
saldo_topup_manager_set_clock (SaldoTopupManager *self, SaldoLedgerClock clock, gpointer data)
{
  saldo_ledger_set_clock (self->ledger, clock, data);
}

/* providers.d/NAME.conf beside the configuration file; a broken file is
 * reported and skipped, the others load.  Secrets stay in their own
 * root-only files and never reach the bus or the logs. */
static void
saldo_topup_manager_load_providers (SaldoTopupManager *self, SaldoProviderLoader *loader)
{
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GError) error = NULL;

  self->providers = saldo_provider_loader_load_dir (loader, saldo_config_get_config_dir (self->config),
                                                    &errors, &error);
  if (self->providers == NULL) {
    g_warning ("top-up providers: %s", error->message);
    self->providers = g_ptr_array_new_with_free_func (g_object_unref);
  }
  for (guint i = 0; errors != NULL && i < errors->len; i++)
    g_warning ("top-up providers: %s", ((GError *) errors->pdata[i])->message);
  for (guint i = 0; i < self->providers->len; i++) {
    g_info ("top-up provider %s (%s)", saldo_provider_get_id (self->providers->pdata[i]),
            saldo_provider_get_type_name (self->providers->pdata[i]));
    saldo_provider_set_context (self->providers->pdata[i], SALDO_PROVIDER_CONTEXT (self));
  }
}

static gboolean
saldo_topup_manager_load_rules (SaldoTopupManager *self, GError **error)
{
  g_autoptr(GPtrArray) records = NULL;

  if (!saldo_store_load_rules (self->store, &records, error))
    return FALSE;
  for (guint i = 0; i < records->len; i++) {
    const SaldoRuleRecord *record = records->pdata[i];
    SaldoLine             *line = saldo_line_manager_lookup_by_id (self->lines, record->line_id);

    if (line == NULL)
      continue;
    g_ptr_array_add (self->rules, saldo_rule_object_new (record, saldo_line_get_object_path (line)));
  }
  return TRUE;
}

SaldoTopupManager *
saldo_topup_manager_new (SaldoStore          *store,
                         SaldoLineManager    *lines,
                         SaldoConfig         *config,
                         SaldoProviderLoader *loader,
                         GError             **error)
{
  g_autoptr(SaldoTopupManager) self = g_object_new (SALDO_TYPE_TOPUP_MANAGER, NULL);

  self->store = g_object_ref (store);
  self->lines = g_object_ref (lines);
  self->config = g_object_ref (config);
  self->settings = saldo_config_get_daemon_settings (config);
  self->ledger = saldo_ledger_new (store);
  self->runner = saldo_topup_runner_new ();
  saldo_topup_manager_load_providers (self, loader);
  if (!saldo_topup_manager_load_rules (self, error))
    return NULL;
  self->watch = saldo_provider_watch_new (store, self->ledger, config, self->providers, self->rules, error);
  if (self->watch == NULL)
    return NULL;
  g_signal_connect (self->watch, "recovered", G_CALLBACK (on_provider_recovered), self);
  g_signal_connect (self->watch, "needs-attention", G_CALLBACK (on_provider_needs_attention), self);
  self->forecaster = saldo_forecaster_new (store, self->ledger, lines);
  for (guint i = 0; i < saldo_line_manager_get_lines (lines)->len; i++)
    saldo_forecaster_update (self->forecaster, saldo_line_manager_get_lines (lines)->pdata[i], FALSE);
  g_signal_connect (lines, "balance-read", G_CALLBACK (on_balance_read), self);
  g_signal_connect (lines, "sms-balance", G_CALLBACK (on_sms_balance), self);
  return g_steal_pointer (&self);
}

/* A row planned for immediate sending (a manual top-up, a rule that does
 * not ask) and still planned at start-up was never sent: saldod stopped in
 * between.  It is closed, not sent late behind the owner's back. */
static void
close_stale_planned (SaldoTopupManager *self)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  SaldoLedgerQuery query = { .state_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_PLANNED) };

  if (!saldo_ledger_list (self->ledger, &query, &rows, &error)) {
    g_warning ("cannot list planned top-ups: %s", error->message);
    return;
  }
  for (guint i = 0; i < rows->len; i++) {
    const SaldoTopupRecord *row = rows->pdata[i];
    SaldoRuleObject        *rule = row->rule_id > 0 ? find_rule (self, row->rule_id) : NULL;

    if (rule != NULL && saldo_rule_object_get_record (rule)->confirm)
      continue;
    withdraw_planned (self, saldo_line_manager_lookup_by_id (self->lines, row->line_id), row,
                      "withdrawn: saldod stopped before sending it");
  }
}

void
saldo_topup_manager_start (SaldoTopupManager *self)
{
  gint64 next;

  close_stale_planned (self);
  expire_planned (self);
  next = settle_unknown (self, NULL, NULL);
  if (next > 0)
    schedule_settle (self, next);
  /* A crash or a restart may have left requests whose outcome we do not
   * know: settle them before anything else is spent. */
  reconcile_all (self, TRUE);
  saldo_provider_watch_start (self->watch);
}

static void
saldo_topup_manager_dispose (GObject *object)
{
  SaldoTopupManager *self = SALDO_TOPUP_MANAGER (object);

  g_clear_handle_id (&self->evaluate_id, g_source_remove);
  g_clear_handle_id (&self->reconcile_id, g_source_remove);
  g_clear_handle_id (&self->expiry_id, g_source_remove);
  g_clear_handle_id (&self->settle_id, g_source_remove);
  if (self->lines != NULL)
    g_signal_handlers_disconnect_by_data (self->lines, self);
  if (self->watch != NULL)
    g_signal_handlers_disconnect_by_data (self->watch, self);
  g_clear_object (&self->watch);
  g_clear_object (&self->forecaster);
  G_OBJECT_CLASS (saldo_topup_manager_parent_class)->dispose (object);
}

static void
saldo_topup_manager_finalize (GObject *object)
{
  SaldoTopupManager *self = SALDO_TOPUP_MANAGER (object);

  g_hash_table_unref (self->topups_running);
  g_ptr_array_unref (self->rules);
  g_clear_pointer (&self->providers, g_ptr_array_unref);
  g_clear_object (&self->runner);
  g_clear_object (&self->ledger);
  g_clear_object (&self->lines);
  g_clear_object (&self->config);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (saldo_topup_manager_parent_class)->finalize (object);
}

static void
saldo_topup_manager_class_init (SaldoTopupManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = saldo_topup_manager_dispose;
  object_class->finalize = saldo_topup_manager_finalize;
  signals[SIGNAL_RULE_ADDED] = g_signal_new ("rule-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                             NULL, NULL, NULL, G_TYPE_NONE, 1, SALDO_TYPE_RULE_OBJECT);
  signals[SIGNAL_RULE_REMOVED] = g_signal_new ("rule-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 1, SALDO_TYPE_RULE_OBJECT);
  signals[SIGNAL_TOP_UP_STARTED] = g_signal_new ("top-up-started", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                                                 G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_STRING);
  signals[SIGNAL_TOP_UP_FINISHED] = g_signal_new ("top-up-finished", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                                                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64);
  signals[SIGNAL_CONFIRMATION_REQUIRED] = g_signal_new ("confirmation-required", G_TYPE_FROM_CLASS (klass),
                                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                                        5, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64,
                                                        G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_RULE_DISABLED] = g_signal_new ("rule-disabled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                                G_TYPE_STRING);
  signals[SIGNAL_LOW_BALANCE] = g_signal_new ("low-balance", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                              NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_INT64,
                                              G_TYPE_STRING);
}

static void
saldo_topup_manager_init (SaldoTopupManager *self)
{
  self->rules = g_ptr_array_new_with_free_func (g_object_unref);
  self->topups_running = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
}
