/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoProviders"

#include "config.h"

#include "saldo-error.h"
#include "saldo-money.h"
#include "saldo-provider-health.h"
#include "saldo-provider-watch.h"
#include "saldo-rule-object.h"

/* See the header.  A refill is told from the funds: a provider out of
 * funds is back only once what its account holds rose above what it held
 * when it ran dry; answering is not enough. */

#define SALDO_MESSAGE_PROVIDER_ATTENTION "5a1d0c3e7f2b4a9c8e6d1f0a2b3c4d06"
#define SALDO_MESSAGE_PROVIDER_WARNING   "5a1d0c3e7f2b4a9c8e6d1f0a2b3c4d07"
#define SALDO_MESSAGE_PROVIDER_RECOVERED "5a1d0c3e7f2b4a9c8e6d1f0a2b3c4d09"

/* How often a provider that is fine is asked what its account holds. */
#define FUNDS_REFRESH_INTERVAL (6 * 60 * 60)

typedef struct {
  SaldoProviderWatch  *watch; /* not a reference: the watch owns this */
  SaldoProviderObject *object;
  guint                timer_id; /* the next health check or funds refresh */
  guint                attempt;  /* health checks since it needed attention */
  gboolean             checking;
  gboolean             manual;   /* the check in flight was asked with Check () */
  GPtrArray           *waiting;  /* GTask of Check () for that check */
  GStrv                warnings; /* as last announced */
} Runtime;

struct _SaldoProviderWatch {
  GObject       parent_instance;
  SaldoStore   *store;
  SaldoLedger  *ledger;
  SaldoConfig  *config;
  GPtrArray    *rules;    /* SaldoRuleObject, the top-up manager's */
  GPtrArray    *runtimes; /* Runtime, one per provider */
  GPtrArray    *objects;  /* SaldoProviderObject, the same order */
  GCancellable *cancellable;
  guint         wake_id; /* month change, payment expiry */
  gint64        wake_at;
};

G_DEFINE_TYPE (SaldoProviderWatch, saldo_provider_watch, G_TYPE_OBJECT)

enum {
  SIGNAL_NEEDS_ATTENTION,
  SIGNAL_WARNING,
  SIGNAL_RECOVERED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gint64
watch_now (SaldoProviderWatch *self)
{
  return saldo_ledger_now (self->ledger);
}

static gint64
check_interval (SaldoProviderWatch *self)
{
  return saldo_config_get_daemon_settings (self->config)->provider_check_interval;
}

static void
journal (const char *message_id, SaldoProviderObject *object, const char *message)
{
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MESSAGE_ID", message_id, "SALDO_PROVIDER",
                    saldo_provider_object_get_path (object), "MESSAGE", "%s", message);
}

static void
runtime_free (Runtime *rt)
{
  g_clear_handle_id (&rt->timer_id, g_source_remove);
  g_clear_object (&rt->object);
  if (rt->waiting != NULL) {
    for (guint i = 0; i < rt->waiting->len; i++)
      g_task_return_new_error (rt->waiting->pdata[i], G_IO_ERROR, G_IO_ERROR_CANCELLED, "saldod is stopping");
    g_ptr_array_unref (rt->waiting);
  }
  g_strfreev (rt->warnings);
  g_free (rt);
}

static Runtime *
runtime_for (SaldoProviderWatch *self, const char *id)
{
  for (guint i = 0; self->runtimes != NULL && i < self->runtimes->len; i++) {
    Runtime *rt = self->runtimes->pdata[i];

    if (g_strcmp0 (saldo_provider_object_get_id (rt->object), id) == 0)
      return rt;
  }
  return NULL;
}

const char *
saldo_provider_watch_path (SaldoProviderWatch *self, const char *id)
{
  Runtime *rt = runtime_for (self, id);

  /* A provider no longer configured keeps its ledger rows, with no object. */
  return rt != NULL ? saldo_provider_object_get_path (rt->object) : "/";
}

gboolean
saldo_provider_watch_paused (SaldoProviderWatch *self, const char *id)
{
  Runtime *rt = runtime_for (self, id);

  return rt != NULL && saldo_provider_object_needs_attention (rt->object);
}

char *
saldo_provider_watch_pause_reason (SaldoProviderWatch *self, const char *id, gint64 rule_id, const char *kind)
{
  Runtime                   *rt = runtime_for (self, id);
  const SaldoProviderRecord *r;

  if (rt == NULL || !saldo_provider_object_needs_attention (rt->object))
    return NULL;
  r = saldo_provider_object_get_record (rt->object);
  return g_strdup_printf ("rule %" G_GINT64_FORMAT " (%s): paused: provider \"%s\" needs attention "
                          "(%s: %s); it resumes when the provider works again",
                          rule_id, kind, id, r->attention, r->last_error);
}

GPtrArray *
saldo_provider_watch_get_objects (SaldoProviderWatch *self)
{
  return self->objects;
}

/* ---- state ------------------------------------------------------------ */

static void
save (Runtime *rt, SaldoProviderRecord *record)
{
  g_autoptr(GError) error = NULL;

  record->updated = watch_now (rt->watch);
  if (!saldo_store_save_provider (rt->watch->store, record, &error))
    g_warning ("provider %s: %s", record->name, error->message);
  saldo_provider_object_set_record (rt->object, record);
}

static const char *
attention_words (const char *token)
{
  if (g_strcmp0 (token, "insufficient-funds") == 0)
    return "its account has not enough funds";
  if (g_strcmp0 (token, "credentials-rejected") == 0)
    return "it refuses saldod's credentials";
  if (g_strcmp0 (token, "payment-declined") == 0)
    return "its payment method was declined";
  if (g_strcmp0 (token, "payment-expired") == 0)
    return "its payment method has expired";
  return "it needs its owner";
}

static void schedule_check (Runtime *rt, gint64 delay);
static void update_warnings (Runtime *rt);

static void
enter_attention (Runtime *rt, const char *token, const char *message)
{
  const SaldoProviderRecord *old = saldo_provider_object_get_record (rt->object);
  g_autoptr(SaldoProviderRecord) r = saldo_provider_record_copy (old);
  gboolean news = !saldo_provider_object_needs_attention (rt->object) ||
                  g_strcmp0 (old->attention, token) != 0;
  g_autofree char *text = NULL;

  g_free (r->state);
  r->state = g_strdup ("needs-attention");
  g_free (r->attention);
  r->attention = g_strdup (token);
  g_free (r->last_error);
  r->last_error = g_strdup (message);
  if (news) {
    /* The funds it ran dry at, to tell a refill (see on_account); read anew. */
    r->has_attention_funds = FALSE;
    rt->attempt = 0;
  }
  save (rt, r);
  if (!news)
    return;
  text = g_strdup_printf ("provider %s needs attention: %s (%s); the rules using it wait "
                          "until it works again",
                          r->name, attention_words (token), message);
  journal (SALDO_MESSAGE_PROVIDER_ATTENTION, rt->object, text);
  g_signal_emit (rt->watch, signals[SIGNAL_NEEDS_ATTENTION], 0, saldo_provider_object_get_path (rt->object),
                 message);
  schedule_check (rt, saldo_provider_check_delay (0, check_interval (rt->watch)));
}

static void
recover (Runtime *rt, SaldoProviderRecord *r, const char *state, const char *why)
{
  gboolean was_paused = saldo_provider_object_needs_attention (rt->object);

  g_free (r->state);
  r->state = g_strdup (state);
  g_free (r->attention);
  r->attention = g_strdup ("");
  r->has_attention_funds = FALSE;
  rt->attempt = 0;
  save (rt, r);
  if (was_paused) {
    g_autofree char *text = g_strdup_printf ("provider %s works again (%s); the rules using it "
                                             "resume",
                                             r->name, why);

    journal (SALDO_MESSAGE_PROVIDER_RECOVERED, rt->object, text);
    g_signal_emit (rt->watch, signals[SIGNAL_RECOVERED], 0, saldo_provider_object_get_id (rt->object));
  }
}

/* ---- asking the provider ---------------------------------------------- */

static void
finish_waiting (Runtime *rt)
{
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&rt->waiting);

  for (guint i = 0; waiting != NULL && i < waiting->len; i++)
    g_task_return_boolean (waiting->pdata[i], TRUE);
}

/* What the account query said; see the header. */
static void
on_account (SaldoProvider *provider, GAsyncResult *result, Runtime *rt)
{
  g_autoptr(SaldoProviderAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoProviderRecord) r = NULL;
  gboolean manual = rt->manual;
  gboolean paused = saldo_provider_object_needs_attention (rt->object);

  account = saldo_provider_account_finish (provider, result, &error);
  rt->checking = FALSE;
  rt->manual = FALSE;
  r = saldo_provider_record_copy (saldo_provider_object_get_record (rt->object));
  if (account != NULL) {
    gboolean refilled;

    r->has_funds = TRUE;
    r->funds = account->funds;
    g_free (r->funds_currency);
    r->funds_currency = g_strdup (account->currency);
    r->last_success = watch_now (rt->watch);
    refilled = !r->has_attention_funds || account->funds > r->attention_funds;
    if (paused && g_strcmp0 (r->attention, "insufficient-funds") == 0 && !refilled) {
      g_autofree char *funds = saldo_money_format (account->funds, account->currency);

      g_free (r->last_error);
      r->last_error = g_strdup_printf ("its account still holds %s; waiting for a refill", funds);
      save (rt, r);
    } else if (paused && g_strcmp0 (r->attention, "insufficient-funds") == 0 && !r->has_attention_funds &&
               !manual) {
      /* The first answer after it ran dry: what "more" will be measured from. */
      r->has_attention_funds = TRUE;
      r->attention_funds = account->funds;
      save (rt, r);
    } else {
      g_free (r->last_error);
      r->last_error = g_strdup ("");
      recover (rt, r, "ok", "its account answers");
    }
  } else if (g_error_matches (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_SUPPORTED)) {
    /* No way to tell: a provider that needed attention is taken at its
     * owner's word when they ask for a check. */
    if (paused && manual) {
      g_free (r->last_error);
      r->last_error = g_strdup ("");
      recover (rt, r, "unknown", "its owner says so; it cannot tell by itself");
    } else if (paused) {
      g_free (r->last_error);
      r->last_error = g_strdup_printf ("%s; it cannot be checked by itself: after fixing it, "
                                       "ask for a check (saldoctl providers check %s)",
                                       saldo_provider_object_get_record (rt->object)->last_error, r->name);
      save (rt, r);
      rt->attempt = G_MAXUINT; /* nothing to ask again */
    }
  } else {
    SaldoProviderFailure failure = saldo_provider_failure_classify (error);

    if (failure == SALDO_PROVIDER_FAILURE_NEEDS_ATTENTION) {
      enter_attention (rt, saldo_provider_attention_reason (error), error->message);
    } else {
      g_free (r->last_error);
      r->last_error = g_strdup (error->message);
      if (!paused) {
        g_free (r->state);
        r->state = g_strdup (failure == SALDO_PROVIDER_FAILURE_UNREACHABLE ? "unreachable" : "unknown");
      }
      save (rt, r);
    }
  }

  if (saldo_provider_object_needs_attention (rt->object)) {
    if (rt->attempt != G_MAXUINT && rt->timer_id == 0) {
      rt->attempt++;
      schedule_check (rt, saldo_provider_check_delay (rt->attempt, check_interval (rt->watch)));
    }
  } else if (rt->timer_id == 0 &&
             !g_error_matches (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_NOT_SUPPORTED)) {
    schedule_check (rt, FUNDS_REFRESH_INTERVAL);
  }
  update_warnings (rt);
  finish_waiting (rt);
}

typedef struct {
  Runtime      *rt;
  GCancellable *cancellable;
} AccountCall;

/* The runtime is gone once the watch is disposed (the cancellable says
 * so): a late answer touches nothing. */
static void
on_account_call (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AccountCall *call = user_data;

  if (!g_cancellable_is_cancelled (call->cancellable))
    on_account (SALDO_PROVIDER (source), result, call->rt);
  g_object_unref (call->cancellable);
  g_free (call);
}

static void
ask (Runtime *rt, gboolean manual)
{
  AccountCall *call;

  rt->manual = rt->manual || manual;
  if (rt->checking)
    return;
  rt->checking = TRUE;
  g_clear_handle_id (&rt->timer_id, g_source_remove);
  call = g_new0 (AccountCall, 1);
  call->rt = rt;
  call->cancellable = g_object_ref (rt->watch->cancellable);
  saldo_provider_account_async (saldo_provider_object_get_provider (rt->object), call->cancellable,
                                on_account_call, call);
}

static gboolean
on_timer (gpointer user_data)
{
  Runtime *rt = user_data;

  rt->timer_id = 0;
  ask (rt, FALSE);
  return G_SOURCE_REMOVE;
}

static void
schedule_check (Runtime *rt, gint64 delay)
{
  g_clear_handle_id (&rt->timer_id, g_source_remove);
  rt->timer_id = g_timeout_add_seconds ((guint) CLAMP (delay, 1, G_MAXINT), on_timer, rt);
}

void
saldo_provider_watch_check_async (SaldoProviderWatch *self,
                                  const char         *id,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  GTask   *task = g_task_new (self, NULL, callback, user_data);
  Runtime *rt = runtime_for (self, id);

  g_task_set_source_tag (task, saldo_provider_watch_check_async);
  if (rt == NULL) {
    g_task_return_new_error (task, SALDO_ERROR, SALDO_ERROR_NOT_FOUND, "provider '%s' is not configured", id);
    g_object_unref (task);
    return;
  }
  if (rt->waiting == NULL)
    rt->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (rt->waiting, task);
  ask (rt, TRUE);
}

gboolean
saldo_provider_watch_check_finish (SaldoProviderWatch *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- what the ledger says --------------------------------------------- */

static gint64
month_start (GTimeZone *tz, gint64 now, int months_ahead)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (now);
  g_autoptr(GDateTime) first = g_date_time_new (tz, g_date_time_get_year (local),
                                                 g_date_time_get_month (local), 1, 0, 0, 0);
  g_autoptr(GDateTime) shifted = g_date_time_add_months (first, months_ahead);

  return g_date_time_to_unix (shifted);
}

/* SpentThisMonth: the provider's rows of this local month that may have
 * charged, by currency. */
static void
update_spent (Runtime *rt)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr(GHashTable) sums = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  SaldoLedgerQuery query = { 0 };
  GVariantBuilder  builder;
  GHashTableIter   iter;
  gpointer         key, value;

  query.provider = saldo_provider_object_get_id (rt->object);
  query.since = month_start (tz, watch_now (rt->watch), 0);
  if (!saldo_ledger_list (rt->watch->ledger, &query, &rows, &error)) {
    g_warning ("provider %s: %s", query.provider, error->message);
    return;
  }
  for (guint i = 0; i < rows->len; i++) {
    const SaldoTopupRecord *row = rows->pdata[i];
    gint64                 *sum;

    if (!saldo_ledger_state_is_charging (row->state))
      continue;
    sum = g_hash_table_lookup (sums, row->currency);
    if (sum == NULL) {
      sum = g_new0 (gint64, 1);
      g_hash_table_insert (sums, row->currency, sum);
    }
    *sum += MAX (row->amount, 0);
  }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sx}"));
  g_hash_table_iter_init (&iter, sums);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_variant_builder_add (&builder, "{sx}", (const char *) key, *(gint64 *) value);
  saldo_dbus_provider_set_spent_this_month (saldo_provider_object_get_dbus_provider (rt->object),
                                            g_variant_builder_end (&builder));
}

/* What the next top-up of every enabled rule using the provider needs,
 * when they are all in one currency. */
static gboolean
rules_need (Runtime *rt, gint64 *needed, const char **currency)
{
  const char *id = saldo_provider_object_get_id (rt->object);

  *needed = 0;
  *currency = NULL;
  for (guint i = 0; i < rt->watch->rules->len; i++) {
    const SaldoRuleRecord *r = saldo_rule_object_get_record (rt->watch->rules->pdata[i]);

    if (!r->enabled || g_strcmp0 (r->provider, id) != 0)
      continue;
    if (*currency != NULL && g_strcmp0 (*currency, r->currency) != 0)
      return FALSE;
    *currency = r->currency;
    *needed += r->amount;
  }
  return *currency != NULL;
}

static void wake_at (SaldoProviderWatch *self, gint64 when);

static void
update_warnings (Runtime *rt)
{
  const SaldoProviderRecord *r = saldo_provider_object_get_record (rt->object);
  SaldoProvider             *provider = saldo_provider_object_get_provider (rt->object);
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  SaldoProviderHealthInput in = { 0 };
  gint64                   next_change = 0;

  in.funds_known = r->has_funds;
  in.funds = r->funds;
  in.funds_currency = r->funds_currency;
  in.warn_below_known = r->has_funds &&
                        saldo_provider_get_funds_warn_below (provider, r->funds_currency, &in.warn_below);
  in.needed_known = rules_need (rt, &in.needed, &in.needed_currency);
  saldo_provider_get_payment_expires (provider, &in.expires_year, &in.expires_month);
  in.tz = tz;
  in.now = watch_now (rt->watch);
  warnings = saldo_provider_health_warnings (&in, &next_change);
  for (guint i = 0; i < warnings->len; i++) {
    const SaldoProviderWarning *w = warnings->pdata[i];

    g_strv_builder_add (names, w->warning);
    /* Each warning is announced when it appears, not on every look. */
    if (rt->warnings == NULL || !g_strv_contains ((const char *const *) rt->warnings, w->warning)) {
      g_autofree char *text = g_strdup_printf ("provider %s: %s", r->name, w->message);

      journal (SALDO_MESSAGE_PROVIDER_WARNING, rt->object, text);
      g_signal_emit (rt->watch, signals[SIGNAL_WARNING], 0, saldo_provider_object_get_path (rt->object),
                     w->warning, w->message);
    }
  }
  g_strfreev (rt->warnings);
  rt->warnings = g_strv_builder_end (names);
  saldo_dbus_provider_set_warnings (saldo_provider_object_get_dbus_provider (rt->object),
                                    (const char *const *) rt->warnings);
  if (next_change > 0)
    wake_at (rt->watch, next_change);
}

/* ---- hooks ------------------------------------------------------------ */

void
saldo_provider_watch_topup_finished (SaldoProviderWatch *self, const SaldoTopupRecord *record)
{
  Runtime *rt = record != NULL ? runtime_for (self, record->provider) : NULL;
  g_autoptr(SaldoProviderRecord) r = NULL;

  if (rt == NULL)
    return;
  update_spent (rt);
  r = saldo_provider_record_copy (saldo_provider_object_get_record (rt->object));
  if (record->state == SALDO_LEDGER_STATE_SUCCEEDED || record->state == SALDO_LEDGER_STATE_VERIFIED ||
      (record->state == SALDO_LEDGER_STATE_UNKNOWN && record->provider_pending)) {
    r->last_success = watch_now (self);
    g_free (r->last_error);
    r->last_error = g_strdup ("");
    recover (rt, r, "ok", "a top-up went through");
  } else if (saldo_topup_failure_needs_attention (record->failure)) {
    enter_attention (rt, record->failure, record->error);
  } else if (*record->error != '\0') {
    g_free (r->last_error);
    r->last_error = g_strdup (record->error);
    if (g_str_equal (record->failure, "unreachable") && !saldo_provider_object_needs_attention (rt->object)) {
      g_free (r->state);
      r->state = g_strdup ("unreachable");
    }
    save (rt, r);
  }
  /* What the top-up left on the account (and, run dry, what a refill must beat). */
  ask (rt, FALSE);
}

/* ---- life ------------------------------------------------------------- */

static gboolean
on_wake (gpointer user_data)
{
  SaldoProviderWatch *self = user_data;

  self->wake_id = 0;
  self->wake_at = 0;
  saldo_provider_watch_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
wake_at (SaldoProviderWatch *self, gint64 when)
{
  if (self->wake_id != 0 && self->wake_at <= when)
    return;
  g_clear_handle_id (&self->wake_id, g_source_remove);
  self->wake_at = when;
  self->wake_id = g_timeout_add_seconds ((guint) CLAMP (when - watch_now (self), 1, 31 * 86400), on_wake,
                                         self);
}

/* SpentThisMonth and the warnings, which the calendar and the rules change. */
void
saldo_provider_watch_refresh (SaldoProviderWatch *self)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();

  for (guint i = 0; i < self->runtimes->len; i++) {
    update_spent (self->runtimes->pdata[i]);
    update_warnings (self->runtimes->pdata[i]);
  }
  wake_at (self, month_start (tz, watch_now (self), 1));
}

/* Once serving: every provider is asked what its account holds; one that
 * needed attention before a restart is checked as its backoff says. */
void
saldo_provider_watch_start (SaldoProviderWatch *self)
{
  for (guint i = 0; i < self->runtimes->len; i++) {
    Runtime *rt = self->runtimes->pdata[i];

    if (saldo_provider_object_needs_attention (rt->object))
      schedule_check (rt, saldo_provider_check_delay (0, check_interval (self)));
    else
      ask (rt, FALSE);
  }
  saldo_provider_watch_refresh (self);
}

SaldoProviderWatch *
saldo_provider_watch_new (SaldoStore  *store,
                          SaldoLedger *ledger,
                          SaldoConfig *config,
                          GPtrArray   *providers,
                          GPtrArray   *rules,
                          GError     **error)
{
  g_autoptr(SaldoProviderWatch) self = g_object_new (SALDO_TYPE_PROVIDER_WATCH, NULL);

  self->store = g_object_ref (store);
  self->ledger = g_object_ref (ledger);
  self->config = g_object_ref (config);
  self->rules = g_ptr_array_ref (rules);
  for (guint i = 0; i < providers->len; i++) {
    SaldoProvider *provider = providers->pdata[i];
    g_autoptr(SaldoProviderRecord) record = NULL;
    Runtime *rt;

    if (!saldo_store_ensure_provider (store, saldo_provider_get_id (provider), &record, error))
      return NULL;
    rt = g_new0 (Runtime, 1);
    rt->watch = self;
    rt->object = saldo_provider_object_new (provider, record);
    g_ptr_array_add (self->runtimes, rt);
    g_ptr_array_add (self->objects, rt->object);
  }
  return g_steal_pointer (&self);
}

static void
saldo_provider_watch_dispose (GObject *object)
{
  SaldoProviderWatch *self = SALDO_PROVIDER_WATCH (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->wake_id, g_source_remove);
  g_ptr_array_set_size (self->objects, 0);
  g_ptr_array_set_size (self->runtimes, 0);
  G_OBJECT_CLASS (saldo_provider_watch_parent_class)->dispose (object);
}

static void
saldo_provider_watch_finalize (GObject *object)
{
  SaldoProviderWatch *self = SALDO_PROVIDER_WATCH (object);

  g_ptr_array_unref (self->objects);
  g_ptr_array_unref (self->runtimes);
  g_clear_pointer (&self->rules, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->config);
  g_clear_object (&self->ledger);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (saldo_provider_watch_parent_class)->finalize (object);
}

static void
saldo_provider_watch_class_init (SaldoProviderWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = saldo_provider_watch_dispose;
  object_class->finalize = saldo_provider_watch_finalize;
  signals[SIGNAL_NEEDS_ATTENTION] = g_signal_new ("needs-attention", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                                  G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_WARNING] = g_signal_new ("warning", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                          NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING,
                                          G_TYPE_STRING);
  signals[SIGNAL_RECOVERED] = g_signal_new ("recovered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                            NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
saldo_provider_watch_init (SaldoProviderWatch *self)
{
  self->runtimes = g_ptr_array_new_with_free_func ((GDestroyNotify) runtime_free);
  self->objects = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();
}
