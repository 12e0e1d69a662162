/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoTopUp"

#include "config.h"

#include "saldo-daemon-private.h"
#include "saldo-error.h"
#include "saldo-provider.h"
#include "saldo-rule-engine.h"
#include "saldo-rule-object.h"
#include "saldo-rule-store.h"
#include "saldo-settle.h"

/* Rules and top-ups: where saldod spends the owner's money.  The engine
 * (policy/) decides, the ledger records every step durably before the next
 * one, the runner talks to the provider; this file wires them to the bus
 * and to balance readings. */

/* journald MESSAGE_IDs, so applets and admins can select the events. */
#define SALDO_MESSAGE_TOPUP_STARTED     "5a1d0c3e7f2b4a9c8e6d1f0a2b3c4d01"
#define SALDO_MESSAGE_TOPUP_FINISHED    "5a1d0c3e7f2b4a9c8e6d1f0a2b3c4d02"
#define SALDO_MESSAGE_CONFIRMATION      "5a1d0c3e7f2b4a9c8e6d1f0a2b3c4d03"
#define SALDO_MESSAGE_RULE_DISABLED     "5a1d0c3e7f2b4a9c8e6d1f0a2b3c4d04"
#define SALDO_MESSAGE_LOW_BALANCE       "5a1d0c3e7f2b4a9c8e6d1f0a2b3c4d05"

/* A balance that rose by at least this share of the amount verifies a
 * top-up (carriers may take a fee or settle a debt out of it). */
#define SALDO_VERIFY_PERCENT 80

/* The ledger window the engine sees: a calendar month and some. */
#define SALDO_HISTORY_WINDOW (40 * 86400)

static void
journal_event (const char *message_id,
               SaldoLine  *line,
               const char *format,
               ...) G_GNUC_PRINTF (3, 4);

static void
journal_event (const char *message_id,
               SaldoLine  *line,
               const char *format,
               ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "MESSAGE_ID", message_id,
                    "SALDO_LINE", line != NULL ? saldo_line_get_object_path (line) : "",
                    "MESSAGE", "%s", message);
}

static SaldoProvider *
find_provider (SaldoDaemon *self,
               const char  *id)
{
  for (guint i = 0; i < self->providers->len; i++)
    if (g_strcmp0 (saldo_provider_get_id (self->providers->pdata[i]), id) == 0)
      return self->providers->pdata[i];
  return NULL;
}

static GStrv
provider_ids (SaldoDaemon *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < self->providers->len; i++)
    g_strv_builder_add (builder, saldo_provider_get_id (self->providers->pdata[i]));
  return g_strv_builder_end (builder);
}

static SaldoRuleObject *
find_rule (SaldoDaemon *self,
           gint64       id)
{
  for (guint i = 0; i < self->rules->len; i++)
    if (saldo_rule_object_get_record (self->rules->pdata[i])->id == id)
      return self->rules->pdata[i];
  return NULL;
}

static void
sync_rules_property (SaldoDaemon *self)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();

  for (guint i = 0; i < self->rules->len; i++)
    g_ptr_array_add (paths, (gpointer) saldo_rule_object_get_path (self->rules->pdata[i]));
  g_ptr_array_add (paths, NULL);
  saldo_dbus_manager_set_rules (self->manager_iface, (const char * const *) paths->pdata);
}

/* The line's currency: the last balance's, else its carrier's. */
static char *
line_currency (SaldoDaemon *self,
               SaldoLine   *line)
{
  const char *read_currency = saldo_dbus_line_get_currency (saldo_line_get_dbus_line (line));
  g_autoptr(SaldoCarrier) carrier = NULL;

  if (read_currency != NULL && *read_currency != '\0')
    return g_strdup (read_currency);
  carrier = saldo_daemon_carrier_for_line (self, line);
  if (carrier != NULL && !saldo_carrier_is_generic (carrier))
    return g_strdup (saldo_carrier_get_currency (carrier));
  return NULL;
}

/* What the network itself last said about the line's balance.  Anyone can
 * send an SMS with a carrier's name, so no SMS feeds a decision about money. */
static SaldoReading *
last_network_reading (SaldoDaemon *self,
                      SaldoLine   *line)
{
  g_autoptr(GError) error = NULL;
  SaldoReading *reading = NULL;

  if (!saldo_store_last_balance_from (self->store, saldo_line_get_id (line), "ussd", &reading,
                                      &error))
    g_warning ("line %s: %s", saldo_line_get_object_path (line), error->message);
  return reading;
}

static char *
topup_id_string (gint64 id)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, id);
}

/* ---- running a top-up ------------------------------------------------- */

static void evaluate_line (SaldoDaemon *self, SaldoLine *line, gint64 confirmed_rule_id);
static gint64 settle_unknown (SaldoDaemon *self, SaldoLine *line, GPtrArray **due_lines_out);
static void schedule_settle (SaldoDaemon *self, gint64 due);
static char *open_topup_note (SaldoDaemon *self, SaldoLine *line);
static void attach_rule (SaldoDaemon *self, SaldoRuleObject *rule);
static void schedule_reconcile (SaldoDaemon *self, gint64 due);

typedef struct {
  SaldoDaemon *self;
  SaldoLine   *line;
  gint64       topup_id;
} TopupContext;

static gboolean
on_verify_timeout (gpointer user_data)
{
  TopupContext *ctx = user_data;

  /* A fresh reading: saldo_daemon_topup_balance_read () verifies. */
  if (saldo_line_get_active (ctx->line))
    saldo_daemon_refresh_line (ctx->self, ctx->line, FALSE, NULL);
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
on_topup_executed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  TopupContext *ctx = user_data;
  SaldoDaemon *self = ctx->self;
  g_autoptr(SaldoTopupRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = topup_id_string (ctx->topup_id);
  const char *state;

  record = saldo_topup_runner_execute_finish (SALDO_TOPUP_RUNNER (source), result, &error);
  g_hash_table_remove (self->topups_running, &ctx->topup_id);
  if (record == NULL) {
    g_warning ("top-up %s: %s", id, error->message);
    state = "unknown";
  } else {
    state = saldo_ledger_state_name (record->state);
  }
  journal_event (SALDO_MESSAGE_TOPUP_FINISHED, ctx->line, "top-up %s of line %s: %s%s%s", id,
                 saldo_line_get_object_path (ctx->line), state,
                 record != NULL && *record->error != '\0' ? ": " : "",
                 record != NULL ? record->error : "");
  saldo_dbus_manager_emit_top_up_finished (self->manager_iface, id,
                                           saldo_line_get_object_path (ctx->line), state,
                                           record != NULL ? record->amount : 0);
  if (record != NULL && record->state == SALDO_LEDGER_STATE_SUCCEEDED) {
    TopupContext *verify = g_new0 (TopupContext, 1);

    verify->self = g_object_ref (self);
    verify->line = g_object_ref (ctx->line);
    verify->topup_id = ctx->topup_id;
    g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, self->settings->verify_delay,
                                on_verify_timeout, verify, (GDestroyNotify) topup_context_free);
  } else if (record == NULL || record->state == SALDO_LEDGER_STATE_UNKNOWN ||
             record->state == SALDO_LEDGER_STATE_SENT) {
    gint64 next = settle_unknown (self, ctx->line, NULL);

    schedule_reconcile (self, saldo_daemon_now () + 60);
    if (next > 0)
      schedule_settle (self, next);
  }
  evaluate_line (self, ctx->line, 0);
  topup_context_free (ctx);
}

/* Runs a planned ledger row.  Returns FALSE when the provider is gone. */
static gboolean
execute_topup (SaldoDaemon  *self,
               SaldoLine    *line,
               gint64        topup_id,
               const char   *provider_id,
               gint64        amount,
               const char   *currency,
               GError      **error)
{
  SaldoProvider *provider = find_provider (self, provider_id);
  g_autofree char *id = topup_id_string (topup_id);
  TopupContext *ctx;
  gint64 *key;

  if (provider == NULL) {
    g_autoptr(GError) cancel_error = NULL;

    g_set_error (error, SALDO_ERROR, SALDO_ERROR_PROVIDER,
                 "provider '%s' is not configured", provider_id);
    /* Nothing was sent: close the planned row rather than leave it open. */
    if (!saldo_ledger_cancel (self->ledger, topup_id, (*error)->message, &cancel_error))
      g_warning ("top-up %s: %s", id, cancel_error->message);
    return FALSE;
  }
  key = g_new (gint64, 1);
  *key = topup_id;
  g_hash_table_insert (self->topups_running, key, g_object_ref (line));
  journal_event (SALDO_MESSAGE_TOPUP_STARTED, line, "top-up %s of line %s: %" G_GINT64_FORMAT
                 " %s through %s", id, saldo_line_get_object_path (line), amount, currency,
                 provider_id);
  saldo_dbus_manager_emit_top_up_started (self->manager_iface, id,
                                          saldo_line_get_object_path (line), amount, currency);
  ctx = g_new0 (TopupContext, 1);
  ctx->self = g_object_ref (self);
  ctx->line = g_object_ref (line);
  ctx->topup_id = topup_id;
  saldo_topup_runner_execute_async (self->runner, self->ledger, provider, topup_id, NULL,
                                    on_topup_executed, ctx);
  return TRUE;
}

static gboolean
plan_topup (SaldoDaemon  *self,
            SaldoLine    *line,
            gint64        rule_id,
            const char   *provider_id,
            gint64        amount,
            const char   *currency,
            gint64       *id_out,
            GError      **error)
{
  const SaldoLineRecord *record = saldo_line_get_record (line);
  g_autoptr(SaldoCarrier) carrier = saldo_daemon_carrier_for_line (self, line);
  g_autoptr(SaldoReading) last = last_network_reading (self, line);
  const char *own_number = saldo_line_get_own_number (line);
  SaldoTopupPlan plan = { 0 };

  plan.line_id = record->id;
  plan.rule_id = rule_id;
  plan.origin = rule_id > 0 ? SALDO_TOPUP_ORIGIN_RULE : SALDO_TOPUP_ORIGIN_MANUAL;
  plan.provider = provider_id;
  plan.amount = amount;
  plan.currency = currency;
  plan.phone = *own_number != '\0' ? own_number : NULL;
  plan.country = carrier != NULL && !saldo_carrier_is_generic (carrier) ?
                 saldo_carrier_get_country (carrier) : NULL;
  plan.operator_id = *record->operator_code != '\0' ? record->operator_code : NULL;
  plan.ussd_template = carrier != NULL && saldo_carrier_get_voucher_template (carrier) != NULL &&
                       *saldo_carrier_get_voucher_template (carrier) != '\0' ?
                       saldo_carrier_get_voucher_template (carrier) : NULL;
  if (plan.ussd_template == NULL && carrier != NULL && saldo_carrier_is_generic (carrier)) {
    const SaldoProviderInfoCodes *info = saldo_daemon_provider_info_for_line (self, line, carrier, NULL);

    plan.ussd_template = info != NULL ? info->topup_template : NULL;
  }
  plan.has_balance_before = last != NULL && last->has_amount &&
                            g_strcmp0 (last->currency, currency) == 0;
  plan.balance_before = plan.has_balance_before ? last->amount_minor : 0;
  /* Only rows awaiting confirmation stay planned for long; any planned row
   * left behind (a crash before it was sent) expires all the same. */
  plan.expires = saldo_daemon_now () + self->settings->confirmation_timeout;
  return saldo_ledger_create_planned (self->ledger, &plan, id_out, error);
}

/* ---- planned rows that nobody confirmed ------------------------------- */

static void expire_planned (SaldoDaemon *self);

static gboolean
on_expiry_timer (gpointer user_data)
{
  SaldoDaemon *self = user_data;

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
expire_planned (SaldoDaemon *self)
{
  g_autoptr(GPtrArray) expired = NULL;
  g_autoptr(GError) error = NULL;
  gint64 next = 0;

  g_clear_handle_id (&self->expiry_id, g_source_remove);
  if (!saldo_ledger_expire_planned (self->ledger, &expired, &next, &error)) {
    g_warning ("cannot expire planned top-ups: %s", error->message);
    next = saldo_daemon_now () + 300;
  }
  for (guint i = 0; expired != NULL && i < expired->len; i++) {
    const SaldoTopupRecord *row = expired->pdata[i];
    SaldoLine *line = saldo_daemon_line_by_id (self, row->line_id);
    g_autofree char *id = topup_id_string (row->id);

    journal_event (SALDO_MESSAGE_TOPUP_FINISHED, line,
                   "top-up %s of line %s: expired: nobody confirmed it within %" G_GINT64_FORMAT
                   " s; nothing was sent", id, line_path_or_root (line),
                   self->settings->confirmation_timeout);
    saldo_dbus_manager_emit_top_up_finished (self->manager_iface, id, line_path_or_root (line),
                                             saldo_ledger_state_name (row->state), row->amount);
  }
  if (next > 0)
    self->expiry_id = g_timeout_add_seconds ((guint) CLAMP (next - saldo_daemon_now (), 1, 86400),
                                             on_expiry_timer, self);
}

/* ---- the engine ------------------------------------------------------- */

typedef struct {
  GArray            *rules;        /* SaldoRule */
  SaldoLedgerRows   *rows;
  SaldoBalancePoint *points;
  gsize              n_points;
  char              *iccid;
  char              *currency;
  GTimeZone         *tz;
  /* where the caps the rules left unset came from, for the owner: NULL
   * when a rule set it or nothing did */
  char              *topup_cap_from;
  char              *day_cap_from;
  SaldoReading      *last;         /* the line's last USSD balance reading */
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
build_engine_input (SaldoDaemon         *self,
                    SaldoLine           *line,
                    const SaldoRule     *extra_rule,
                    EngineScratch       *scratch,
                    SaldoEngineInput    *in,
                    GError             **error)
{
  g_autoptr(SaldoCarrier) carrier = saldo_daemon_carrier_for_line (self, line);
  g_autoptr(GPtrArray) readings = NULL;
  gint64 now = saldo_daemon_now ();

  memset (in, 0, sizeof *in);
  scratch->iccid = g_strdup (saldo_line_get_iccid (line));
  scratch->currency = line_currency (self, line);
  scratch->tz = g_time_zone_new_local ();
  scratch->rules = g_array_new (FALSE, TRUE, sizeof (SaldoRule));
  saldo_line_limits_init_defaults (&in->line_limits);
  in->line_limits.max_attempts_24h = 0;
  /* The rules' limits apply, enabled or not; without rules, the defaults. */
  in->line_limits.cooldown = 0;
  for (guint i = 0; i < self->rules->len; i++) {
    const SaldoRuleRecord *r = saldo_rule_object_get_record (self->rules->pdata[i]);
    SaldoRule rule;

    if (r->line_id != saldo_line_get_id (line))
      continue;
    saldo_rule_record_to_engine (r, scratch->iccid, &rule);
    g_array_append_val (scratch->rules, rule);
    saldo_rule_record_fold_limits (r, &in->line_limits);
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
    int topup_from;
    int day_from;
    g_autofree char *conf_topup = g_strdup_printf ("DefaultMaxPerTopup in %s",
                                                   saldo_config_get_path (self->config));
    g_autofree char *conf_day = g_strdup_printf ("DefaultMaxPerDay in %s",
                                                 saldo_config_get_path (self->config));

    saldo_line_limits_fill_defaults (&in->line_limits, scratch->currency, defaults,
                                     G_N_ELEMENTS (defaults), &topup_from, &day_from);
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
  if (!saldo_store_list_readings (self->store, saldo_line_get_id (line), now - SALDO_HISTORY_WINDOW,
                                  8, &readings, error))
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
  scratch->last = last_network_reading (self, line);
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
explain_default_cap (const EngineScratch *scratch,
                     SaldoDecision       *decision)
{
  const char *from = NULL;
  const char *rule_key = NULL;
  char *reason;

  if (decision->limit == SALDO_LIMIT_MAX_PER_TOPUP) {
    from = scratch->topup_cap_from;
    rule_key = "max-per-topup";
  } else if (decision->limit == SALDO_LIMIT_MAX_PER_DAY) {
    from = scratch->day_cap_from;
    rule_key = "max-per-day";
  }
  if (from == NULL || decision->reason == NULL)
    return;
  reason = g_strdup_printf ("%s (the default cap: %s; a rule's %s replaces it)",
                            decision->reason, from, rule_key);
  g_free (decision->reason);
  decision->reason = reason;
}

static gboolean
on_evaluate_timer (gpointer user_data)
{
  SaldoDaemon *self = user_data;

  self->evaluate_id = 0;
  for (guint i = 0; i < self->lines->len; i++)
    evaluate_line (self, self->lines->pdata[i], 0);
  return G_SOURCE_REMOVE;
}

static void
schedule_evaluation (SaldoDaemon *self,
                     gint64       until)
{
  gint64 delay = MAX (until - saldo_daemon_now (), 1);

  /* One timer for every line: the earliest WAIT wins, and re-evaluating
   * every line then is cheap (the engine is pure and fast). */
  if (self->evaluate_id != 0) {
    GSource *source = g_main_context_find_source_by_id (NULL, self->evaluate_id);

    if (source != NULL && g_source_get_ready_time (source) <= g_get_monotonic_time () + delay * G_USEC_PER_SEC)
      return;
    g_clear_handle_id (&self->evaluate_id, g_source_remove);
  }
  self->evaluate_id = g_timeout_add_seconds ((guint) MIN (delay, 7 * 86400), on_evaluate_timer, self);
}

static gboolean
planned_row_exists (SaldoDaemon *self,
                    SaldoLine   *line,
                    gint64       rule_id)
{
  g_autoptr(GPtrArray) rows = NULL;
  SaldoLedgerQuery query = { 0 };

  query.line_id = saldo_line_get_id (line);
  query.state_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_PLANNED);
  if (!saldo_ledger_list (self->ledger, &query, &rows, NULL))
    return TRUE;  /* when in doubt, do not ask twice */
  for (guint i = 0; i < rows->len; i++)
    if (((SaldoTopupRecord *) rows->pdata[i])->rule_id == rule_id)
      return TRUE;
  return FALSE;
}

static void
disable_rule (SaldoDaemon     *self,
              SaldoRuleObject *rule,
              SaldoLine       *line,
              const char      *reason)
{
  g_autoptr(SaldoRuleRecord) record = saldo_rule_record_copy (saldo_rule_object_get_record (rule));
  g_autoptr(GError) error = NULL;

  record->enabled = FALSE;
  g_free (record->disabled_reason);
  record->disabled_reason = g_strdup (reason);
  if (!saldo_store_save_rule (self->store, record, &error))
    g_warning ("cannot disable rule %s: %s", saldo_rule_object_get_path (rule), error->message);
  saldo_rule_object_set_record (rule, record);
  journal_event (SALDO_MESSAGE_RULE_DISABLED, line, "rule %s disabled: %s",
                 saldo_rule_object_get_path (rule), reason);
  g_warning ("rule %s disabled itself: %s", saldo_rule_object_get_path (rule), reason);
  saldo_dbus_manager_emit_rule_disabled (self->manager_iface, saldo_rule_object_get_path (rule), reason);
}

static void
evaluate_line (SaldoDaemon *self,
               SaldoLine   *line,
               gint64       confirmed_rule_id)
{
  g_auto(EngineScratch) scratch = { 0 };
  g_auto(SaldoDecision) decision = SALDO_DECISION_INIT;
  g_autoptr(GError) error = NULL;
  SaldoEngineInput in;
  SaldoRuleObject *rule;
  gboolean has_rules = FALSE;

  for (guint i = 0; i < self->rules->len && !has_rules; i++)
    has_rules = saldo_rule_object_get_record (self->rules->pdata[i])->line_id == saldo_line_get_id (line);
  if (!has_rules)
    return;
  if (!build_engine_input (self, line, NULL, &scratch, &in, &error) ||
      (in.confirmed_rule_id = confirmed_rule_id, !saldo_rule_engine_decide (&in, &decision, &error))) {
    g_warning ("line %s: cannot evaluate its rules: %s", saldo_line_get_object_path (line),
               error->message);
    return;
  }
  explain_default_cap (&scratch, &decision);
  rule = decision.rule_id > 0 ? find_rule (self, decision.rule_id) : NULL;
  if (rule != NULL)
    saldo_dbus_rule_set_last_decision (saldo_rule_object_get_dbus_rule (rule), decision.reason);
  {
    g_autofree char *open_note = open_topup_note (self, line);

    for (guint i = 0; open_note != NULL && i < self->rules->len; i++)
      if (saldo_rule_object_get_record (self->rules->pdata[i])->line_id == saldo_line_get_id (line))
        saldo_dbus_rule_set_last_decision (saldo_rule_object_get_dbus_rule (self->rules->pdata[i]),
                                           open_note);
  }
  g_debug ("line %s: %s: %s", saldo_line_get_object_path (line),
           saldo_decision_kind_to_string (decision.kind), decision.reason);

  switch (decision.kind) {
  case SALDO_DECISION_TOP_UP: {
    gint64 id;

    if (!plan_topup (self, line, decision.rule_id, decision.provider, decision.amount,
                     decision.currency, &id, &error) ||
        !execute_topup (self, line, id, decision.provider, decision.amount, decision.currency,
                        &error))
      g_warning ("line %s: cannot top up: %s", saldo_line_get_object_path (line), error->message);
    break;
  }
  case SALDO_DECISION_NEEDS_CONFIRMATION: {
    gint64 id;
    g_autofree char *id_text = NULL;

    if (planned_row_exists (self, line, decision.rule_id))
      break;
    if (!plan_topup (self, line, decision.rule_id, decision.provider, decision.amount,
                     decision.currency, &id, &error)) {
      g_warning ("line %s: cannot plan a top-up: %s", saldo_line_get_object_path (line), error->message);
      break;
    }
    id_text = topup_id_string (id);
    expire_planned (self);
    journal_event (SALDO_MESSAGE_CONFIRMATION, line, "top-up %s needs confirmation: %s", id_text,
                   decision.reason);
    saldo_dbus_manager_emit_confirmation_required (self->manager_iface, id_text,
                                                   saldo_line_get_object_path (line),
                                                   decision.amount, decision.currency,
                                                   decision.reason);
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
verify_topups (SaldoDaemon        *self,
               SaldoLine          *line,
               const SaldoReading *reading)
{
  g_autoptr(GPtrArray) rows = NULL;
  SaldoLedgerQuery query = { 0 };
  gint64 breaker_window = SALDO_DEFAULT_BREAKER_WINDOW;

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
        saldo_dbus_manager_emit_top_up_finished (self->manager_iface, id,
                                                 saldo_line_get_object_path (line), "verified",
                                                 row->amount);
      }
    } else if (reading->time > row->finished + breaker_window) {
      if (saldo_ledger_mark_disputed (self->ledger, row->id, TRUE, reading->amount_minor,
                                      "the balance did not rise after the top-up", &error)) {
        g_warning ("top-up %s disputed: the balance did not rise", id);
        saldo_dbus_manager_emit_top_up_finished (self->manager_iface, id,
                                                 saldo_line_get_object_path (line), "disputed",
                                                 row->amount);
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
settle_readings (SaldoDaemon *self,
                 gint64       line_id,
                 const char  *currency,
                 gint64       since,
                 gsize       *n_out)
{
  g_autoptr(GPtrArray) readings = NULL;
  g_autoptr(GError) error = NULL;
  SaldoBalancePoint *points;
  gsize n = 0;

  if (!saldo_store_list_readings (self->store, line_id, since, 200, &readings, &error)) {
    g_warning ("cannot read the balance history: %s", error->message);
    *n_out = 0;
    return NULL;
  }
  points = g_new0 (SaldoBalancePoint, readings->len + 1);
  for (guint i = 0; i < readings->len; i++) {
    const SaldoReading *r = readings->pdata[i];

    if (!r->has_amount || g_strcmp0 (r->kind, "balance") != 0 ||
        g_strcmp0 (r->source, "ussd") != 0 || g_strcmp0 (r->currency, currency) != 0)
      continue;
    points[n].time = r->time;
    points[n].balance = r->amount_minor;
    n++;
  }
  *n_out = n;
  return points;
}

static void
settle_decide (SaldoDaemon            *self,
               const SaldoTopupRecord *row,
               SaldoSettleDecision    *decision)
{
  g_autofree SaldoBalancePoint *points = NULL;
  SaldoSettleInput in = { 0 };
  gsize n = 0;

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
  in.now = saldo_daemon_now ();
  saldo_settle_decide (&in, row->currency, decision);
}

static void
settle_apply (SaldoDaemon            *self,
              SaldoLine              *line,
              const SaldoTopupRecord *row,
              const SaldoSettleDecision *decision)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = topup_id_string (row->id);
  g_autofree char *reason = g_strdup_printf ("settled by the balance: %s", decision->reason);
  gboolean ok = decision->kind == SALDO_SETTLE_SUCCEEDED;

  if (!saldo_ledger_settle (self->ledger, row->id,
                            ok ? SALDO_LEDGER_STATE_SUCCEEDED : SALDO_LEDGER_STATE_FAILED,
                            reason, &error) ||
      (ok && !saldo_ledger_mark_verified (self->ledger, row->id, decision->balance_after, &error))) {
    g_warning ("top-up %s: %s", id, error->message);
    return;
  }
  journal_event (SALDO_MESSAGE_TOPUP_FINISHED, line, "top-up %s of line %s: %s: %s", id,
                 line_path_or_root (line), ok ? "verified" : "failed", reason);
  if (!ok)
    g_warning ("top-up %s: %s", id, reason);
  saldo_dbus_manager_emit_top_up_finished (self->manager_iface, id, line_path_or_root (line),
                                           ok ? "verified" : "failed", row->amount);
}

/* Settles what the balance can settle among the line's unknown rows (all
 * lines when line is NULL).  Returns the earliest time a reading is worth
 * taking for a row still open, 0 = none; *due_lines_out (may be NULL) gets
 * the lines that need one now. */
static gint64
settle_unknown (SaldoDaemon  *self,
                SaldoLine    *line,
                GPtrArray   **due_lines_out)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) due_lines = g_ptr_array_new ();
  SaldoLedgerQuery query = { .state_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_UNKNOWN) };
  gint64 now = saldo_daemon_now ();
  gint64 next = 0;

  query.line_id = line != NULL ? saldo_line_get_id (line) : 0;
  if (!saldo_ledger_list (self->ledger, &query, &rows, &error)) {
    g_warning ("cannot list unknown top-ups: %s", error->message);
    return now + 300;
  }
  for (guint i = 0; i < rows->len; i++) {
    const SaldoTopupRecord *row = rows->pdata[i];
    g_auto(SaldoSettleDecision) decision = { 0 };
    SaldoLine *row_line = saldo_daemon_line_by_id (self, row->line_id);

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
  SaldoDaemon *self = user_data;
  g_autoptr(GPtrArray) due_lines = NULL;
  gint64 next;

  self->settle_id = 0;
  next = settle_unknown (self, NULL, &due_lines);
  /* The balance decides: read it now.  The reading settles (or not). */
  for (guint i = 0; i < due_lines->len; i++)
    if (saldo_line_get_active (due_lines->pdata[i]))
      saldo_daemon_refresh_line (self, due_lines->pdata[i], FALSE, NULL);
  if (next > 0)
    schedule_settle (self, next);
  return G_SOURCE_REMOVE;
}

static void
schedule_settle (SaldoDaemon *self,
                 gint64       due)
{
  gint64 delay = MAX (due - saldo_daemon_now (), 1);

  if (self->settle_id != 0) {
    GSource *source = g_main_context_find_source_by_id (NULL, self->settle_id);

    if (source != NULL && g_source_get_ready_time (source) <= g_get_monotonic_time () + delay * G_USEC_PER_SEC)
      return;
    g_clear_handle_id (&self->settle_id, g_source_remove);
  }
  self->settle_id = g_timeout_add_seconds ((guint) MIN (delay, 86400), on_settle_timer, self);
}

/* A top-up whose outcome is open blocks every other one on its line: the
 * line's rules say which, since when, and what will settle it. */
static char *
open_topup_note (SaldoDaemon *self,
                 SaldoLine   *line)
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
  g_autofree char *amount = NULL;
  const char *how;

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
                          row->id, amount, row->provider, saldo_ledger_state_name (row->state),
                          *row->error != '\0' ? ", " : "", row->error, how, row->id);
}

void
saldo_daemon_topup_balance_read (SaldoDaemon        *self,
                                 SaldoLine          *line,
                                 const SaldoReading *reading)
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
  for (guint i = 0; i < self->rules->len; i++) {
    const SaldoRuleRecord *r = saldo_rule_object_get_record (self->rules->pdata[i]);

    if (r->line_id == saldo_line_get_id (line) && g_str_equal (r->kind, "threshold") &&
        reading->has_amount && reading->amount_minor < r->below) {
      journal_event (SALDO_MESSAGE_LOW_BALANCE, line, "line %s: balance %" G_GINT64_FORMAT
                     " %s is below %" G_GINT64_FORMAT, saldo_line_get_object_path (line),
                     reading->amount_minor, reading->currency, r->below);
      saldo_dbus_manager_emit_low_balance (self->manager_iface, saldo_line_get_object_path (line),
                                           reading->amount_minor, reading->currency);
      break;
    }
  }
  evaluate_line (self, line, 0);
}

/* ---- reconciliation --------------------------------------------------- */

static void reconcile_all (SaldoDaemon *self, gboolean force);

static gboolean
on_reconcile_timer (gpointer user_data)
{
  SaldoDaemon *self = user_data;

  self->reconcile_id = 0;
  reconcile_all (self, FALSE);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconcile (SaldoDaemon *self,
                    gint64       due)
{
  gint64 delay = MAX (due - saldo_daemon_now (), 1);

  if (self->reconcile_id != 0)
    return;
  self->reconcile_id = g_timeout_add_seconds ((guint) MIN (delay, 86400), on_reconcile_timer, self);
}

static void
on_reconciled (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SaldoDaemon) self = user_data;
  g_autoptr(GError) error = NULL;
  SaldoReconcileSummary summary = { 0 };

  if (!saldo_topup_runner_reconcile_finish (SALDO_TOPUP_RUNNER (source), result, &summary, &error)) {
    g_warning ("reconciling top-ups: %s", error->message);
    schedule_reconcile (self, saldo_daemon_now () + 300);
    return;
  }
  if (summary.checked > 0)
    g_info ("reconciled %u top-up(s): %u succeeded, %u failed, %u re-sent, %u still open",
            summary.checked, summary.succeeded, summary.failed, summary.resent, summary.open);
  if (summary.next_due > 0)
    schedule_reconcile (self, summary.next_due);
}

/* Every sent/unknown row is looked up by its reference; a request is sent
 * again, with the same reference, only when the provider has no record. */
static void
reconcile_all (SaldoDaemon *self,
               gboolean     force)
{
  for (guint i = 0; i < self->providers->len; i++)
    saldo_topup_runner_reconcile_async (self->runner, self->ledger, self->providers->pdata[i],
                                        force, NULL, on_reconciled, g_object_ref (self));
}

/* ---- bus methods ------------------------------------------------------ */

static void
on_add_rule_authorized (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(MethodCall) call = user_data;
  SaldoDaemon *self = call->self;
  g_autoptr(SaldoRuleRecord) record = saldo_rule_record_new ();
  g_autoptr(SaldoRuleObject) rule = NULL;
  g_autofree char *currency = NULL;
  g_auto(GStrv) providers = provider_ids (self);
  g_autoptr(GVariantDict) dict = g_variant_dict_new (call->args);
  const char *line_path = NULL;
  SaldoLine *line;
  GError *error = NULL;

  if (!saldo_authority_check_finish (SALDO_AUTHORITY (source), result, &error)) {
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  if (!g_variant_lookup (call->args, "line", "&o", &line_path)) {
    saldo_daemon_return_invalid (call->invocation, "line: required (o, a line object path)");
    return;
  }
  line = saldo_daemon_line_by_path (self, line_path);
  if (line == NULL) {
    saldo_daemon_return_invalid (call->invocation, "line: unknown line %s", line_path);
    return;
  }
  if (!g_variant_dict_contains (dict, "amount")) {
    saldo_daemon_return_invalid (call->invocation, "amount: required (x, minor units)");
    return;
  }
  currency = line_currency (self, line);
  record->line_id = saldo_line_get_id (line);
  record->created = saldo_daemon_now ();
  if (!saldo_rule_record_apply (record, call->args, currency, (const char * const *) providers,
                                &error) ||
      !saldo_store_save_rule (self->store, record, &error)) {
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  rule = saldo_rule_object_new (record, saldo_line_get_object_path (line));
  g_ptr_array_add (self->rules, g_object_ref (rule));
  attach_rule (self, rule);
  g_dbus_object_manager_server_export (self->object_manager, saldo_rule_object_get_dbus_object (rule));
  sync_rules_property (self);
  g_info ("rule %s added for line %s", saldo_rule_object_get_path (rule), line_path);
  saldo_dbus_manager_complete_add_rule (self->manager_iface, call->invocation,
                                        saldo_rule_object_get_path (rule));
  evaluate_line (self, line, 0);
}

static gboolean
on_handle_add_rule (SaldoDBusManager      *iface,
                    GDBusMethodInvocation *invocation,
                    GVariant              *rule,
                    gpointer               user_data)
{
  SaldoDaemon *self = user_data;

  saldo_daemon_authorize (self, invocation, SALDO_ACTION_MANAGE_RULES,
                          on_add_rule_authorized,
                          saldo_method_call_new (self, NULL, invocation, rule));
  return TRUE;
}

static void
on_rule_update_authorized (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(MethodCall) call = user_data;
  SaldoDaemon *self = call->self;
  SaldoRuleObject *rule = call->object;
  g_autoptr(SaldoRuleRecord) record = saldo_rule_record_copy (saldo_rule_object_get_record (rule));
  g_autofree char *currency = NULL;
  g_auto(GStrv) providers = provider_ids (self);
  SaldoLine *line = saldo_daemon_line_by_id (self, record->line_id);
  g_autoptr(GVariantDict) dict = g_variant_dict_new (call->args);
  GError *error = NULL;

  if (!saldo_authority_check_finish (SALDO_AUTHORITY (source), result, &error)) {
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  if (g_variant_dict_contains (dict, "line")) {
    saldo_daemon_return_invalid (call->invocation, "line: a rule cannot move to another line");
    return;
  }
  currency = line != NULL ? line_currency (self, line) : NULL;
  if (!saldo_rule_record_apply (record, call->args, currency, (const char * const *) providers,
                                &error) ||
      !saldo_store_save_rule (self->store, record, &error)) {
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  saldo_rule_object_set_record (rule, record);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (saldo_rule_object_get_dbus_rule (rule)));
  saldo_dbus_rule_complete_update (saldo_rule_object_get_dbus_rule (rule), call->invocation);
  if (line != NULL)
    evaluate_line (self, line, 0);
}

static gboolean
on_handle_rule_update (SaldoDBusRule         *iface,
                       GDBusMethodInvocation *invocation,
                       GVariant              *changes,
                       gpointer               user_data)
{
  SaldoRuleObject *rule = user_data;
  SaldoDaemon *self = g_object_get_data (G_OBJECT (rule), "saldo-daemon");
  MethodCall *call = saldo_method_call_new (self, NULL, invocation, changes);

  call->object = g_object_ref (rule);
  saldo_daemon_authorize (self, invocation, SALDO_ACTION_MANAGE_RULES,
                          on_rule_update_authorized, call);
  return TRUE;
}

static void
on_rule_remove_authorized (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(MethodCall) call = user_data;
  SaldoDaemon *self = call->self;
  SaldoRuleObject *rule = call->object;
  GError *error = NULL;

  if (!saldo_authority_check_finish (SALDO_AUTHORITY (source), result, &error) ||
      !saldo_store_remove_rule (self->store, saldo_rule_object_get_record (rule)->id, &error)) {
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  saldo_dbus_rule_complete_remove (saldo_rule_object_get_dbus_rule (rule), call->invocation);
  g_dbus_object_manager_server_unexport (self->object_manager, saldo_rule_object_get_path (rule));
  g_info ("rule %s removed", saldo_rule_object_get_path (rule));
  g_ptr_array_remove (self->rules, rule);
  sync_rules_property (self);
}

static gboolean
on_handle_rule_remove (SaldoDBusRule         *iface,
                       GDBusMethodInvocation *invocation,
                       gpointer               user_data)
{
  SaldoRuleObject *rule = user_data;
  SaldoDaemon *self = g_object_get_data (G_OBJECT (rule), "saldo-daemon");
  g_autoptr(GVariant) none = g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
  MethodCall *call = saldo_method_call_new (self, NULL, invocation, none);

  call->object = g_object_ref (rule);
  saldo_daemon_authorize (self, invocation, SALDO_ACTION_MANAGE_RULES,
                          on_rule_remove_authorized, call);
  return TRUE;
}

static void
attach_rule (SaldoDaemon     *self,
             SaldoRuleObject *rule)
{
  SaldoDBusRule *iface = saldo_rule_object_get_dbus_rule (rule);

  g_object_set_data (G_OBJECT (rule), "saldo-daemon", self);
  g_signal_connect_object (iface, "handle-update", G_CALLBACK (on_handle_rule_update), rule, 0);
  g_signal_connect_object (iface, "handle-remove", G_CALLBACK (on_handle_rule_remove), rule, 0);
}

static GVariant *
decision_to_variant (SaldoDaemon         *self,
                     const SaldoDecision *decision)
{
  GVariantDict dict;
  SaldoRuleObject *rule = decision->rule_id > 0 ? find_rule (self, decision->rule_id) : NULL;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "decision", "s", saldo_decision_kind_to_string (decision->kind));
  g_variant_dict_insert (&dict, "reason", "s", decision->reason != NULL ? decision->reason : "");
  if (rule != NULL)
    g_variant_dict_insert (&dict, "rule", "o", saldo_rule_object_get_path (rule));
  if (decision->amount > 0)
    g_variant_dict_insert (&dict, "amount", "x", decision->amount);
  if (decision->currency != NULL)
    g_variant_dict_insert (&dict, "currency", "s", decision->currency);
  if (decision->provider != NULL)
    g_variant_dict_insert (&dict, "provider", "s", decision->provider);
  if (decision->limit != SALDO_LIMIT_NONE)
    g_variant_dict_insert (&dict, "limit", "s", saldo_limit_to_string (decision->limit));
  if (decision->until > 0)
    g_variant_dict_insert (&dict, "until", "t", (guint64) decision->until);
  return g_variant_dict_end (&dict);
}

static gboolean
on_handle_simulate (SaldoDBusManager      *iface,
                    GDBusMethodInvocation *invocation,
                    GVariant              *options,
                    gpointer               user_data)
{
  SaldoDaemon *self = user_data;
  static const char * const known[] = { "line", "balance", "data", "time", NULL };
  g_auto(EngineScratch) scratch = { 0 };
  g_auto(SaldoDecision) decision = SALDO_DECISION_INIT;
  SaldoEngineInput in;
  g_autoptr(GVariant) line_path = NULL;
  g_autoptr(GVariant) balance = NULL;
  g_autoptr(GVariant) data = NULL;
  g_autoptr(GVariant) time = NULL;
  SaldoLine *line;
  GError *error = NULL;

  if (!saldo_daemon_check_option_keys (options, known, invocation) ||
      !saldo_daemon_lookup_option (options, "line", G_VARIANT_TYPE_OBJECT_PATH,
                                   "a line object path (o)", &line_path, invocation) ||
      !saldo_daemon_lookup_option (options, "balance", G_VARIANT_TYPE_INT64,
                                   "an amount in minor units (x)", &balance, invocation) ||
      !saldo_daemon_lookup_option (options, "data", G_VARIANT_TYPE_UINT64, "bytes (t)", &data,
                                   invocation) ||
      !saldo_daemon_lookup_option (options, "time", G_VARIANT_TYPE_UINT64, "unix seconds (t)",
                                   &time, invocation))
    return TRUE;
  if (line_path == NULL ||
      (line = saldo_daemon_line_by_path (self, g_variant_get_string (line_path, NULL))) == NULL) {
    saldo_daemon_return_invalid (invocation, "line: required, a known line (o)");
    return TRUE;
  }
  if (!build_engine_input (self, line, NULL, &scratch, &in, &error)) {
    saldo_daemon_return_error (invocation, error);
    return TRUE;
  }
  /* What-ifs change the copy only: nothing is recorded or spent. */
  if (balance != NULL) {
    in.line.balance = g_variant_get_int64 (balance);
    in.line.balance_known = TRUE;
    in.line.balance_currency = NULL;
    in.line.n_readings = 0;
  }
  if (data != NULL) {
    in.line.data_left = (gint64) MIN (g_variant_get_uint64 (data), (guint64) G_MAXINT64);
    in.line.data_known = TRUE;
  }
  if (time != NULL && g_variant_get_uint64 (time) > 0)
    in.now = (gint64) MIN (g_variant_get_uint64 (time), (guint64) G_MAXINT64);
  if (!saldo_rule_engine_decide (&in, &decision, &error)) {
    g_prefix_error (&error, "simulate: ");
    error->domain = SALDO_ERROR;
    error->code = SALDO_ERROR_INVALID_ARGUMENT;
    saldo_daemon_return_error (invocation, error);
    return TRUE;
  }
  explain_default_cap (&scratch, &decision);
  saldo_dbus_manager_complete_simulate (iface, invocation, decision_to_variant (self, &decision));
  return TRUE;
}

static void
on_topup_authorized (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(MethodCall) call = user_data;
  SaldoDaemon *self = call->self;
  g_auto(EngineScratch) scratch = { 0 };
  g_auto(SaldoDecision) decision = SALDO_DECISION_INIT;
  g_autofree char *currency = NULL;
  g_autofree char *id_text = NULL;
  g_autoptr(GVariant) options = NULL;
  g_autoptr(GVariant) provider = NULL;
  const char *provider_id = NULL;
  SaldoEngineInput in;
  SaldoRule manual;
  GError *error = NULL;
  gint64 amount;
  gint64 id;

  if (!saldo_authority_check_finish (SALDO_AUTHORITY (source), result, &error)) {
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  g_variant_get_child (call->args, 0, "x", &amount);
  options = g_variant_get_child_value (call->args, 1);
  if (!saldo_daemon_lookup_option (options, "provider", G_VARIANT_TYPE_STRING, "a string (s)",
                                   &provider, call->invocation))
    return;
  if (provider != NULL)
    provider_id = g_variant_get_string (provider, NULL);
  if (amount <= 0) {
    saldo_daemon_return_invalid (call->invocation, "amount: must be greater than zero");
    return;
  }
  /* Far above any cap, and sums and shares of it stay exact. */
  if (!saldo_amount_is_valid (amount)) {
    saldo_daemon_return_invalid (call->invocation, "amount: %" G_GINT64_FORMAT " minor units is "
                                 "more than Saldo handles (at most %" G_GINT64_FORMAT ")",
                                 amount, SALDO_AMOUNT_MAX);
    return;
  }
  if (provider_id == NULL && self->providers->len == 1)
    provider_id = saldo_provider_get_id (self->providers->pdata[0]);
  if (provider_id == NULL || find_provider (self, provider_id) == NULL) {
    saldo_daemon_return_invalid (call->invocation, "provider: %s",
                                 provider_id == NULL ?
                                 "required when several (or no) providers are configured" :
                                 "unknown provider");
    return;
  }
  currency = line_currency (self, call->line);
  if (currency == NULL) {
    saldo_daemon_return_invalid (call->invocation,
                                 "currency: the line's currency is not known yet; read its balance first");
    return;
  }

  /* A manual top-up goes through the same limits as the rules: the engine
   * judges a rule that always wants exactly this amount. */
  memset (&manual, 0, sizeof manual);
  manual.id = G_MAXINT64;
  manual.iccid = saldo_line_get_iccid (call->line);
  manual.provider = provider_id;
  manual.kind = SALDO_RULE_KIND_THRESHOLD;
  manual.mode = SALDO_RULE_MODE_ENABLED;
  manual.amount = amount;
  manual.currency = currency;
  manual.threshold = 1;   /* with the balance taken as 0 below: always wanted */
  if (!build_engine_input (self, call->line, &manual, &scratch, &in, &error)) {
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  /* The owner types the amount: without any cap on it a slip of the
   * finger, or a script gone wrong, would reach the provider. */
  if (in.line_limits.max_per_topup == 0) {
    saldo_daemon_return_error (call->invocation,
                               g_error_new (SALDO_ERROR, SALDO_ERROR_LIMIT_REACHED,
                                            "max-per-topup: no cap applies to top-ups of this "
                                            "line in %s: set DefaultMaxPerTopup (with "
                                            "DefaultCapCurrency) in %s, MaxPerTopup in its "
                                            "carrier file, or a rule's max-per-topup",
                                            currency, saldo_config_get_path (self->config)));
    return;
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
  if (!saldo_rule_engine_decide (&in, &decision, &error)) {
    error->domain = SALDO_ERROR;
    error->code = SALDO_ERROR_INVALID_ARGUMENT;
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  explain_default_cap (&scratch, &decision);
  if (decision.kind != SALDO_DECISION_TOP_UP) {
    gboolean named = decision.limit != SALDO_LIMIT_NONE;

    /* The limit's name first, so scripts can tell "cooldown" from a cap. */
    saldo_daemon_return_error (call->invocation,
                               g_error_new (SALDO_ERROR, SALDO_ERROR_LIMIT_REACHED, "%s%s%s",
                                            named ? saldo_limit_to_string (decision.limit) : "",
                                            named ? ": " : "", decision.reason));
    return;
  }
  if (!plan_topup (self, call->line, 0, provider_id, amount, currency, &id, &error) ||
      !execute_topup (self, call->line, id, provider_id, amount, currency, &error)) {
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  id_text = topup_id_string (id);
  saldo_dbus_line_complete_top_up (saldo_line_get_dbus_line (call->line), call->invocation, id_text);
}

static gboolean
on_handle_top_up (SaldoDBusLine         *iface,
                  GDBusMethodInvocation *invocation,
                  gint64                 amount,
                  GVariant              *options,
                  gpointer               user_data)
{
  SaldoLine *line = user_data;
  SaldoDaemon *self = g_object_get_data (G_OBJECT (line), "saldo-daemon");
  static const char * const known[] = { "provider", NULL };

  if (!saldo_daemon_check_option_keys (options, known, invocation))
    return TRUE;
  saldo_daemon_authorize (self, invocation, SALDO_ACTION_TOP_UP, on_topup_authorized,
                          saldo_method_call_new (self, line, invocation,
                                                 g_dbus_method_invocation_get_parameters (invocation)));
  return TRUE;
}

static gboolean
parse_topup_id (const char  *text,
                gint64      *id,
                GError     **error)
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
withdraw_planned (SaldoDaemon            *self,
                  SaldoLine              *line,
                  const SaldoTopupRecord *record,
                  const char             *reason)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = topup_id_string (record->id);

  if (!saldo_ledger_withdraw (self->ledger, record->id, reason, &error)) {
    g_warning ("top-up %s: %s", id, error->message);
    return;
  }
  journal_event (SALDO_MESSAGE_TOPUP_FINISHED, line, "top-up %s of line %s: expired: %s; "
                 "nothing was sent", id, line_path_or_root (line), reason);
  saldo_dbus_manager_emit_top_up_finished (self->manager_iface, id, line_path_or_root (line),
                                           "expired", record->amount);
}

/* A confirmation is the owner's yes to this amount, not to any limit: the
 * engine decides again, now, with the rule's caps, cooldown, the top-up in
 * flight and the global cap, as if the rule had just fired.  Returns TRUE
 * when the row may be sent. */
static gboolean
confirm_decides (SaldoDaemon             *self,
                 SaldoLine               *line,
                 const SaldoTopupRecord  *record,
                 GError                 **error)
{
  g_auto(EngineScratch) scratch = { 0 };
  g_auto(SaldoDecision) decision = SALDO_DECISION_INIT;
  g_autofree char *reason = NULL;
  SaldoRuleObject *rule = record->rule_id > 0 ? find_rule (self, record->rule_id) : NULL;
  SaldoEngineInput in;
  SaldoRule *engine_rule = NULL;

  if (rule == NULL || !saldo_rule_object_get_record (rule)->confirm) {
    reason = g_strdup_printf ("withdrawn: %s", rule == NULL ? "its rule was removed"
                                                            : "its rule no longer asks for confirmation");
    withdraw_planned (self, line, record, reason);
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_CANCELLED, "top-up %" G_GINT64_FORMAT " %s",
                 record->id, reason);
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
  saldo_dbus_rule_set_last_decision (saldo_rule_object_get_dbus_rule (rule), decision.reason);
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
  g_set_error (error, SALDO_ERROR, SALDO_ERROR_CANCELLED, "top-up %" G_GINT64_FORMAT " %s",
               record->id, reason);
  return FALSE;
}

static void
on_answer_authorized (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(MethodCall) call = user_data;
  SaldoDaemon *self = call->self;
  g_autoptr(SaldoTopupRecord) record = NULL;
  gboolean confirm = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (call->invocation), "saldo-confirm"));
  const char *id_text;
  SaldoLine *line;
  GError *error = NULL;
  gint64 id;

  g_variant_get_child (call->args, 0, "&s", &id_text);
  if (!saldo_authority_check_finish (SALDO_AUTHORITY (source), result, &error) ||
      !parse_topup_id (id_text, &id, &error)) {
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  /* A row past its time is answered as expired, whatever the timer says. */
  expire_planned (self);
  if (!saldo_ledger_get (self->ledger, id, &record, &error)) {
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  if (record->state != SALDO_LEDGER_STATE_PLANNED) {
    saldo_daemon_return_invalid (call->invocation, "id: top-up %s is %s, not waiting for confirmation",
                                 id_text, saldo_ledger_state_name (record->state));
    return;
  }
  line = saldo_daemon_line_by_id (self, record->line_id);
  if (!confirm) {
    if (!saldo_ledger_cancel (self->ledger, id, "rejected by the owner", &error)) {
      saldo_daemon_return_error (call->invocation, error);
      return;
    }
    if (line != NULL)
      saldo_dbus_manager_emit_top_up_finished (self->manager_iface, id_text,
                                               saldo_line_get_object_path (line), "failed",
                                               record->amount);
    saldo_dbus_manager_complete_reject_top_up (self->manager_iface, call->invocation);
    return;
  }
  if (line == NULL) {
    saldo_daemon_return_error (call->invocation,
                               g_error_new_literal (SALDO_ERROR, SALDO_ERROR_NOT_FOUND,
                                                    "the top-up's line is gone"));
    return;
  }
  if (!confirm_decides (self, line, record, &error) ||
      !execute_topup (self, line, id, record->provider, record->amount, record->currency, &error)) {
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  saldo_dbus_manager_complete_confirm_top_up (self->manager_iface, call->invocation);
}

static gboolean
handle_answer (SaldoDaemon           *self,
               GDBusMethodInvocation *invocation,
               gboolean               confirm)
{
  g_object_set_data (G_OBJECT (invocation), "saldo-confirm", GINT_TO_POINTER (confirm));
  saldo_daemon_authorize (self, invocation, SALDO_ACTION_TOP_UP, on_answer_authorized,
                          saldo_method_call_new (self, NULL, invocation,
                                                 g_dbus_method_invocation_get_parameters (invocation)));
  return TRUE;
}

static gboolean
on_handle_confirm (SaldoDBusManager *iface, GDBusMethodInvocation *invocation,
                   const char *id, gpointer user_data)
{
  return handle_answer (user_data, invocation, TRUE);
}

static gboolean
on_handle_reject (SaldoDBusManager *iface, GDBusMethodInvocation *invocation,
                  const char *id, gpointer user_data)
{
  return handle_answer (user_data, invocation, FALSE);
}

/* ---- the owner settles what nobody else can ---------------------------- */

#define SALDO_RESOLVE_NOTE_MAX 500

static void
resolve_with_uid (SaldoDaemon           *self,
                  GDBusMethodInvocation *invocation,
                  GVariant              *args,
                  guint32                uid)
{
  g_autoptr(SaldoTopupRecord) record = NULL;
  g_autoptr(GVariant) options = g_variant_get_child_value (args, 2);
  const char *id_text;
  const char *outcome;
  const char *note = NULL;
  SaldoLedgerState state;
  SaldoLine *line;
  GError *error = NULL;
  gint64 id;

  g_variant_get_child (args, 0, "&s", &id_text);
  g_variant_get_child (args, 1, "&s", &outcome);
  g_variant_lookup (options, "note", "&s", &note);
  state = g_str_equal (outcome, "succeeded") ? SALDO_LEDGER_STATE_SUCCEEDED
                                             : SALDO_LEDGER_STATE_FAILED;
  if (!parse_topup_id (id_text, &id, &error) ||
      !saldo_ledger_get (self->ledger, id, &record, &error)) {
    saldo_daemon_return_error (invocation, error);
    return;
  }
  if (saldo_topup_runner_is_busy (self->runner, id)) {
    saldo_daemon_return_error (invocation,
                               g_error_new (SALDO_ERROR, SALDO_ERROR_BUSY,
                                            "top-up %s is being sent or looked up right now; "
                                            "try again when that has finished", id_text));
    return;
  }
  if (!saldo_ledger_state_is_in_flight (record->state)) {
    saldo_daemon_return_invalid (invocation, "id: top-up %s is %s; only a top-up whose outcome "
                                 "is open (unknown, sent, intent) can be resolved", id_text,
                                 saldo_ledger_state_name (record->state));
    return;
  }
  if (!saldo_ledger_resolve (self->ledger, id, state, uid, note, &error)) {
    saldo_daemon_return_error (invocation, error);
    return;
  }
  line = saldo_daemon_line_by_id (self, record->line_id);
  journal_event (SALDO_MESSAGE_TOPUP_FINISHED, line, "top-up %s of line %s: %s: resolved by uid %u%s%s",
                 id_text, line_path_or_root (line), saldo_ledger_state_name (state), uid,
                 note != NULL && *note != '\0' ? ": " : "", note != NULL ? note : "");
  saldo_dbus_manager_emit_top_up_finished (self->manager_iface, id_text, line_path_or_root (line),
                                           saldo_ledger_state_name (state), record->amount);
  saldo_dbus_manager_complete_resolve_top_up (self->manager_iface, invocation);
  if (line != NULL)
    evaluate_line (self, line, 0);
}

static void
on_resolve_uid (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(MethodCall) call = user_data;
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;
  guint32 uid;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL) {
    g_prefix_error (&error, "cannot tell who is asking: ");
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  g_variant_get (reply, "(u)", &uid);
  resolve_with_uid (call->self, call->invocation, call->args, uid);
}

static void
on_resolve_authorized (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  MethodCall *call = user_data;
  GError *error = NULL;

  if (!saldo_authority_check_finish (SALDO_AUTHORITY (source), result, &error)) {
    saldo_daemon_return_error (call->invocation, error);
    saldo_method_call_free (call);
    return;
  }
  /* The decision is the owner's, so the ledger names them. */
  g_dbus_connection_call (g_dbus_method_invocation_get_connection (call->invocation),
                          "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "GetConnectionUnixUser",
                          g_variant_new ("(s)", g_dbus_method_invocation_get_sender (call->invocation)),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
                          on_resolve_uid, call);
}

static gboolean
on_handle_resolve (SaldoDBusManager      *iface,
                   GDBusMethodInvocation *invocation,
                   const char            *id,
                   const char            *outcome,
                   GVariant              *options,
                   gpointer               user_data)
{
  SaldoDaemon *self = user_data;
  static const char * const known[] = { "note", NULL };
  g_autoptr(GVariant) note = NULL;

  if (!saldo_daemon_check_option_keys (options, known, invocation))
    return TRUE;
  if (!g_str_equal (outcome, "succeeded") && !g_str_equal (outcome, "failed")) {
    saldo_daemon_return_invalid (invocation, "outcome: must be succeeded or failed");
    return TRUE;
  }
  note = g_variant_lookup_value (options, "note", NULL);
  if (note != NULL) {
    const char *text;

    if (!g_variant_is_of_type (note, G_VARIANT_TYPE_STRING)) {
      saldo_daemon_return_invalid (invocation, "note: must be a string (s)");
      return TRUE;
    }
    text = g_variant_get_string (note, NULL);
    if (g_utf8_strlen (text, -1) > SALDO_RESOLVE_NOTE_MAX) {
      saldo_daemon_return_invalid (invocation, "note: at most %d characters",
                                   SALDO_RESOLVE_NOTE_MAX);
      return TRUE;
    }
    for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p)) {
      if (g_unichar_iscntrl (g_utf8_get_char (p))) {
        saldo_daemon_return_invalid (invocation, "note: no control characters");
        return TRUE;
      }
    }
  }
  saldo_daemon_authorize (self, invocation, SALDO_ACTION_TOP_UP, on_resolve_authorized,
                          saldo_method_call_new (self, NULL, invocation,
                                                 g_dbus_method_invocation_get_parameters (invocation)));
  return TRUE;
}

static GVariant *
topup_to_variant (SaldoDaemon   *self,
                  gconstpointer  item)
{
  const SaldoTopupRecord *r = item;
  GVariantDict dict;
  SaldoLine *line = saldo_daemon_line_by_id (self, r->line_id);
  SaldoRuleObject *rule = r->rule_id > 0 ? find_rule (self, r->rule_id) : NULL;
  g_autofree char *id = topup_id_string (r->id);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "id", "s", id);
  g_variant_dict_insert (&dict, "line", "o", line != NULL ? saldo_line_get_object_path (line) : "/");
  g_variant_dict_insert (&dict, "rule", "o", rule != NULL ? saldo_rule_object_get_path (rule) : "/");
  g_variant_dict_insert (&dict, "provider", "s", r->provider);
  g_variant_dict_insert (&dict, "state", "s", saldo_ledger_state_name (r->state));
  g_variant_dict_insert (&dict, "amount", "x", r->amount);
  g_variant_dict_insert (&dict, "currency", "s", r->currency);
  g_variant_dict_insert (&dict, "reference", "s", r->reference != NULL ? r->reference : "");
  g_variant_dict_insert (&dict, "created", "t", (guint64) MAX (r->created, 0));
  g_variant_dict_insert (&dict, "finished", "t", (guint64) MAX (r->finished, 0));
  g_variant_dict_insert (&dict, "transaction-id", "s",
                         r->provider_transaction_id != NULL ? r->provider_transaction_id : "");
  if (r->delivered_amount >= 0) {
    g_variant_dict_insert (&dict, "delivered-amount", "x", r->delivered_amount);
    g_variant_dict_insert (&dict, "delivered-currency", "s",
                           r->delivered_currency != NULL ? r->delivered_currency : "");
  }
  if (r->has_balance_before)
    g_variant_dict_insert (&dict, "balance-before", "x", r->balance_before);
  if (r->has_balance_after)
    g_variant_dict_insert (&dict, "balance-after", "x", r->balance_after);
  g_variant_dict_insert (&dict, "message", "s", r->message != NULL ? r->message : "");
  g_variant_dict_insert (&dict, "error", "s", r->error != NULL ? r->error : "");
  return g_variant_dict_end (&dict);
}

static gboolean
on_handle_get_top_ups (SaldoDBusManager      *iface,
                       GDBusMethodInvocation *invocation,
                       GVariant              *options,
                       gpointer               user_data)
{
  SaldoDaemon *self = user_data;
  static const char * const known[] = { "line", "limit", "before", NULL };
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GVariant) line_path = NULL;
  g_autoptr(GVariant) limit = NULL;
  g_autoptr(GVariant) before = NULL;
  SaldoLedgerQuery query = { 0 };
  GError *error = NULL;

  if (!saldo_daemon_check_option_keys (options, known, invocation) ||
      !saldo_daemon_lookup_option (options, "line", G_VARIANT_TYPE_OBJECT_PATH,
                                   "a line object path (o)", &line_path, invocation) ||
      !saldo_daemon_lookup_option (options, "limit", G_VARIANT_TYPE_UINT32,
                                   "an unsigned integer (u)", &limit, invocation) ||
      !saldo_daemon_lookup_option (options, "before", G_VARIANT_TYPE_STRING,
                                   "a top-up id (s)", &before, invocation))
    return TRUE;
  if (line_path != NULL) {
    SaldoLine *line = saldo_daemon_line_by_path (self, g_variant_get_string (line_path, NULL));

    if (line == NULL) {
      saldo_daemon_return_invalid (invocation, "line: unknown line %s",
                                   g_variant_get_string (line_path, NULL));
      return TRUE;
    }
    query.line_id = saldo_line_get_id (line);
  }
  /* Paging: only rows older than the top-up `before`. */
  if (before != NULL && !parse_topup_id (g_variant_get_string (before, NULL), &query.before_id, NULL)) {
    saldo_daemon_return_invalid (invocation, "before: '%s' is not a top-up id",
                                 g_variant_get_string (before, NULL));
    return TRUE;
  }
  query.limit = MIN (limit != NULL ? g_variant_get_uint32 (limit) : SALDO_MAX_REPLY_ENTRIES,
                     SALDO_MAX_REPLY_ENTRIES);
  if (query.limit == 0) {
    saldo_dbus_manager_complete_get_top_ups (iface, invocation,
                                             g_variant_new_array (G_VARIANT_TYPE ("a{sv}"), NULL, 0));
    return TRUE;
  }
  if (!saldo_ledger_list (self->ledger, &query, &rows, &error)) {
    saldo_daemon_return_error (invocation, error);
    return TRUE;
  }
  saldo_dbus_manager_complete_get_top_ups (iface, invocation,
                                           saldo_daemon_build_reply (self, rows, topup_to_variant));
  return TRUE;
}

/* ---- lifecycle -------------------------------------------------------- */

void
saldo_daemon_topup_init (SaldoDaemon *self)
{
  self->ledger = saldo_ledger_new (self->store);
  self->runner = saldo_topup_runner_new ();
  self->rules = g_ptr_array_new_with_free_func (g_object_unref);
  self->topups_running = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
}

gboolean
saldo_daemon_topup_load_rules (SaldoDaemon  *self,
                               GError      **error)
{
  g_autoptr(GPtrArray) records = NULL;

  if (!saldo_store_load_rules (self->store, &records, error))
    return FALSE;
  for (guint i = 0; i < records->len; i++) {
    const SaldoRuleRecord *record = records->pdata[i];
    SaldoLine *line = saldo_daemon_line_by_id (self, record->line_id);
    SaldoRuleObject *rule;

    if (line == NULL)
      continue;
    rule = saldo_rule_object_new (record, saldo_line_get_object_path (line));
    g_ptr_array_add (self->rules, rule);
  }
  return TRUE;
}

void
saldo_daemon_topup_export (SaldoDaemon *self)
{
  for (guint i = 0; i < self->rules->len; i++) {
    attach_rule (self, self->rules->pdata[i]);
    g_dbus_object_manager_server_export (self->object_manager,
                                         saldo_rule_object_get_dbus_object (self->rules->pdata[i]));
  }
  sync_rules_property (self);
  g_signal_connect (self->manager_iface, "handle-add-rule", G_CALLBACK (on_handle_add_rule), self);
  g_signal_connect (self->manager_iface, "handle-simulate", G_CALLBACK (on_handle_simulate), self);
  g_signal_connect (self->manager_iface, "handle-confirm-top-up", G_CALLBACK (on_handle_confirm), self);
  g_signal_connect (self->manager_iface, "handle-reject-top-up", G_CALLBACK (on_handle_reject), self);
  g_signal_connect (self->manager_iface, "handle-resolve-top-up", G_CALLBACK (on_handle_resolve), self);
  g_signal_connect (self->manager_iface, "handle-get-top-ups", G_CALLBACK (on_handle_get_top_ups), self);
}

void
saldo_daemon_topup_add_line (SaldoDaemon *self,
                             SaldoLine   *line)
{
  g_signal_connect_object (saldo_line_get_dbus_line (line), "handle-top-up",
                           G_CALLBACK (on_handle_top_up), line, 0);
}

/* A row planned for immediate sending (a manual top-up, a rule that does
 * not ask) and still planned at start-up was never sent: saldod stopped in
 * between.  It is closed, not sent late behind the owner's back. */
static void
close_stale_planned (SaldoDaemon *self)
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
    SaldoRuleObject *rule = row->rule_id > 0 ? find_rule (self, row->rule_id) : NULL;

    if (rule != NULL && saldo_rule_object_get_record (rule)->confirm)
      continue;
    withdraw_planned (self, saldo_daemon_line_by_id (self, row->line_id), row,
                      "withdrawn: saldod stopped before sending it");
  }
}

void
saldo_daemon_topup_start (SaldoDaemon *self)
{
  close_stale_planned (self);
  expire_planned (self);
  {
    gint64 next = settle_unknown (self, NULL, NULL);

    if (next > 0)
      schedule_settle (self, next);
  }
  /* A crash or a restart may have left requests whose outcome we do not
   * know: settle them before anything else is spent. */
  reconcile_all (self, TRUE);
}

void
saldo_daemon_topup_dispose (SaldoDaemon *self)
{
  g_clear_handle_id (&self->evaluate_id, g_source_remove);
  g_clear_handle_id (&self->reconcile_id, g_source_remove);
  g_clear_handle_id (&self->expiry_id, g_source_remove);
  g_clear_handle_id (&self->settle_id, g_source_remove);
  g_clear_pointer (&self->topups_running, g_hash_table_unref);
  g_clear_object (&self->runner);
  g_clear_object (&self->ledger);
}
