/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoAgent"

#include "config.h"

#include <glib/gi18n.h>

#include "saldo-agent-text.h"
#include "saldo-agent-watch.h"
#include "saldo-client-format.h"
#include "saldo-dbus-generated.h"

/* Follows one running saldod and turns what it says into notifications:
 * its signals (LowBalance, TopUpStarted/Finished, ConfirmationRequired,
 * RuleDisabled), the lines' Expiry and DeactivationOn, and the providers'
 * State and Warnings.  Each (event, line) pair has one
 * notification slot; a slot's mark records what it last showed, so that a
 * reading that only repeats the same balance shows nothing new.  Lives from
 * the moment saldod appears on the bus until it leaves. */

/* ConfirmTopUp may wait for the owner to type a password. */
#define ANSWER_TIMEOUT_MS (180 * 1000)
#define LINE_IFACE        "io.github.saldo.Saldo1.Line"
#define DAY               86400

typedef struct {
  char    *id;
  gint64   number; /* id as a number, to show the oldest first */
  char    *line;
  gint64   amount;
  char    *currency;
  char    *rule;     /* "/" when unknown */
  char    *provider; /* NULL when unknown */
  char    *reason;   /* saldod's words, used when the rule says nothing better */
  char    *problem;  /* why the last answer did not go through */
  gboolean answering;
} Request;

struct _SaldoAgentWatch {
  GObject             parent_instance;
  GDBusConnection    *system;
  SaldoNotifier      *notifier;
  GSettings          *settings;
  GCancellable       *cancellable;
  GDBusObjectManager *objects;
  SaldoDBusManager   *manager;
  GHashTable         *requests; /* top-up id -> Request */
  guint               expiry_timer;
  guint               sleep_sub;
  gulong              action_handler;
  gulong              settings_handler;
  gboolean            stopped;
};

G_DEFINE_TYPE (SaldoAgentWatch, saldo_agent_watch, G_TYPE_OBJECT)

static void
request_free (Request *r)
{
  g_free (r->id);
  g_free (r->line);
  g_free (r->currency);
  g_free (r->rule);
  g_free (r->provider);
  g_free (r->reason);
  g_free (r->problem);
  g_free (r);
}

static char *
slot_name (const char *kind, const char *line_path)
{
  return g_strconcat (kind, ":", line_path, NULL);
}

static gboolean
event_enabled (SaldoAgentWatch *self, SaldoAgentEvent event)
{
  return (g_settings_get_flags (self->settings, "notify") & event) != 0;
}

static SaldoDBusLine *
find_line (SaldoAgentWatch *self, const char *path)
{
  GDBusInterface *iface = g_dbus_object_manager_get_interface (self->objects, path, LINE_IFACE);

  return iface != NULL ? SALDO_DBUS_LINE (iface) : NULL;
}

static SaldoDBusRule *
find_rule (SaldoAgentWatch *self, const char *path)
{
  g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (self->objects, path);

  return object != NULL ? saldo_dbus_object_get_rule (SALDO_DBUS_OBJECT (object)) : NULL;
}

static char *
line_label (SaldoAgentWatch *self, const char *path)
{
  g_autoptr(SaldoDBusLine) line = find_line (self, path);

  if (line != NULL)
    return saldo_client_line_label (line);
  /* TRANSLATORS: a line saldod no longer lists; %s is its number. */
  return g_strdup_printf (_ ("line %s"), strrchr (path, '/') + 1);
}

/* The threshold of a rule of the line that balance is below, for the words
 * "S/ 2.00 left, below S/ 5.00"; NULL if there is none. */
static char *
threshold_below (SaldoAgentWatch *self, const char *line_path, gint64 balance, const char *currency)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (self->objects);

  for (GList *l = objects; l != NULL; l = l->next) {
    g_autoptr(SaldoDBusRule) rule = saldo_dbus_object_get_rule (SALDO_DBUS_OBJECT (l->data));

    if (rule != NULL && g_strcmp0 (saldo_dbus_rule_get_line (rule), line_path) == 0 &&
        g_strcmp0 (saldo_dbus_rule_get_kind (rule), "threshold") == 0 &&
        balance < saldo_dbus_rule_get_below (rule))
      return saldo_client_format_money (saldo_dbus_rule_get_below (rule), currency);
  }
  return NULL;
}

/* ---- low balance -------------------------------------------------------- */

static void
on_low_balance (SaldoDBusManager *manager,
                const char       *line_path,
                gint64            balance,
                const char       *currency,
                SaldoAgentWatch  *self)
{
  g_autofree char *slot = slot_name ("low-balance", line_path);
  g_autofree char *mark = g_strdup_printf ("%" G_GINT64_FORMAT " %s", balance, currency);
  g_autofree char *label = NULL;
  g_autofree char *money = NULL;
  g_autofree char *below = NULL;

  if (!event_enabled (self, SALDO_AGENT_EVENT_LOW_BALANCE))
    return;
  /* saldod re-read the same balance: the owner knows already. */
  if (g_strcmp0 (saldo_notifier_get_mark (self->notifier, slot), mark) == 0)
    return;
  label = line_label (self, line_path);
  money = saldo_client_format_money (balance, currency);
  below = threshold_below (self, line_path, balance, currency);
  saldo_notifier_show (self->notifier, slot, mark, saldo_agent_text_low_balance (label, money, below));
}

/* A balance above the one we warned about: the warning is stale. */
static void
check_balance_recovered (SaldoAgentWatch *self, SaldoDBusLine *line)
{
  const char      *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (line));
  g_autofree char *slot = slot_name ("low-balance", path);
  const char      *mark = saldo_notifier_get_mark (self->notifier, slot);

  if (mark != NULL && saldo_dbus_line_get_last_updated (line) != 0 &&
      saldo_dbus_line_get_balance (line) > g_ascii_strtoll (mark, NULL, 10))
    saldo_notifier_withdraw (self->notifier, slot);
}

/* ---- expiry ------------------------------------------------------------- */

static void evaluate_expiry (SaldoAgentWatch *self);

static gboolean
on_expiry_timer (gpointer user_data)
{
  SaldoAgentWatch *self = user_data;

  self->expiry_timer = 0;
  evaluate_expiry (self);
  return G_SOURCE_REMOVE;
}

/* Shows or withdraws the line's expiry warning; returns when it next needs
 * a look (0: never), so that one timer serves every line. */
static gint64
evaluate_line_expiry (SaldoAgentWatch *self, SaldoDBusLine *line, gint64 now)
{
  const char      *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (line));
  g_autofree char *slot = slot_name ("expiry", path);
  gint64           expiry = (gint64) MIN (saldo_dbus_line_get_expiry (line), (guint64) G_MAXINT64 / 2);
  gint64           window = (gint64) g_settings_get_uint (self->settings, "expiry-days") * DAY;
  /* The expiry is a day (midnight UTC): the balance lasts through it. */
  gint64           end = expiry + DAY;
  g_autofree char *mark = NULL;
  g_autofree char *label = NULL;
  g_autofree char *date = NULL;
  g_autofree char *money = NULL;

  if (!event_enabled (self, SALDO_AGENT_EVENT_EXPIRY) || expiry <= 0 || now >= end) {
    saldo_notifier_withdraw (self->notifier, slot);
    return 0;
  }
  if (expiry - now > window) {
    /* Further away (a top-up may have moved it): nothing to say yet. */
    saldo_notifier_withdraw (self->notifier, slot);
    return expiry - window;
  }
  mark = g_strdup_printf ("%" G_GINT64_FORMAT, expiry);
  if (g_strcmp0 (saldo_notifier_get_mark (self->notifier, slot), mark) != 0) {
    label = saldo_client_line_label (line);
    date = saldo_client_format_date ((guint64) expiry);
    if (saldo_dbus_line_get_last_updated (line) != 0 && *saldo_dbus_line_get_currency (line) != '\0')
      money = saldo_client_format_money (saldo_dbus_line_get_balance (line),
                                         saldo_dbus_line_get_currency (line));
    saldo_notifier_show (self->notifier, slot, mark,
                         saldo_agent_text_expiry (label, money, date,
                                                  (guint) ((expiry - (now - now % DAY)) / DAY)));
  }
  return end;
}

/* The same for the day the carrier would cut the line off. */
static gint64
evaluate_line_deactivation (SaldoAgentWatch *self, SaldoDBusLine *line, gint64 now)
{
  const char      *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (line));
  g_autofree char *slot = slot_name ("deactivation", path);
  gint64           when = (gint64) MIN (saldo_dbus_line_get_deactivation_on (line), (guint64) G_MAXINT64 / 2);
  gint64           window = (gint64) g_settings_get_uint (self->settings, "deactivation-days") * DAY;
  g_autofree char *mark = NULL;

  if (!event_enabled (self, SALDO_AGENT_EVENT_EXPIRY) || when <= 0 || now >= when) {
    saldo_notifier_withdraw (self->notifier, slot);
    return 0;
  }
  if (when - now > window) {
    /* A recharge moved it away, or it is far still. */
    saldo_notifier_withdraw (self->notifier, slot);
    return when - window;
  }
  /* By the day: the moment moves a little with every reading. */
  mark = g_strdup_printf ("%" G_GINT64_FORMAT, when / DAY);
  if (g_strcmp0 (saldo_notifier_get_mark (self->notifier, slot), mark) != 0) {
    g_autofree char *label = saldo_client_line_label (line);
    g_autofree char *date = saldo_client_format_day ((guint64) when);

    saldo_notifier_show (self->notifier, slot, mark,
                         saldo_agent_text_deactivation (label, date, (guint) ((when - now + DAY - 1) / DAY)));
  }
  return when;
}

static void
evaluate_expiry (SaldoAgentWatch *self)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (self->objects);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 next = 0;

  for (GList *l = objects; l != NULL; l = l->next) {
    g_autoptr(SaldoDBusLine) line = saldo_dbus_object_get_line (SALDO_DBUS_OBJECT (l->data));
    gint64 dues[2] = { 0, 0 };

    if (line != NULL) {
      dues[0] = evaluate_line_expiry (self, line, now);
      dues[1] = evaluate_line_deactivation (self, line, now);
    }
    for (guint i = 0; i < G_N_ELEMENTS (dues); i++)
      if (dues[i] > now && (next == 0 || dues[i] < next))
        next = dues[i];
  }
  g_clear_handle_id (&self->expiry_timer, g_source_remove);
  /* One timer for the earliest change; a suspended laptop catches up on
   * resume (PrepareForSleep), since timers do not count sleeping time. */
  if (next > 0)
    self->expiry_timer = g_timeout_add_seconds ((guint) MIN (next - now, (gint64) 7 * DAY), on_expiry_timer,
                                                self);
}

static void
on_prepare_for_sleep (GDBusConnection *connection,
                      const char      *sender,
                      const char      *path,
                      const char      *iface,
                      const char      *signal_name,
                      GVariant        *parameters,
                      gpointer         user_data)
{
  SaldoAgentWatch *self = user_data;
  gboolean         going_to_sleep = TRUE;

  if (g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    g_variant_get (parameters, "(b)", &going_to_sleep);
  if (!going_to_sleep)
    evaluate_expiry (self);
}

/* ---- providers ---------------------------------------------------------- */

/* A provider that needs its owner, else its most pressing warning, else
 * nothing; replaced as it changes, withdrawn when it is fine. */
static void
evaluate_provider (SaldoAgentWatch *self, SaldoDBusProvider *provider)
{
  g_autofree char   *slot = slot_name ("provider", g_dbus_proxy_get_object_path (G_DBUS_PROXY (provider)));
  const char *const *warnings = saldo_dbus_provider_get_warnings (provider);
  g_autofree char   *id = saldo_client_safe_text (saldo_dbus_provider_get_id (provider), 64);
  g_autofree char   *mark = NULL;

  if (!event_enabled (self, SALDO_AGENT_EVENT_PROVIDER)) {
    saldo_notifier_withdraw (self->notifier, slot);
    return;
  }
  if (g_strcmp0 (saldo_dbus_provider_get_state (provider), "needs-attention") == 0) {
    g_autofree char *error = saldo_client_safe_text (saldo_dbus_provider_get_last_error (provider), 200);

    mark = g_strdup_printf ("attention %s", saldo_dbus_provider_get_attention (provider));
    if (g_strcmp0 (saldo_notifier_get_mark (self->notifier, slot), mark) != 0)
      saldo_notifier_show (self->notifier, slot, mark,
                           saldo_agent_text_provider_attention (id,
                                                                saldo_dbus_provider_get_attention (provider),
                                                                error));
  } else if (warnings != NULL && warnings[0] != NULL) {
    g_autofree char *expires = saldo_client_safe_text (saldo_dbus_provider_get_payment_expires (provider),
                                                       16);

    mark = g_strdup_printf ("warning %s", warnings[0]);
    if (g_strcmp0 (saldo_notifier_get_mark (self->notifier, slot), mark) != 0)
      saldo_notifier_show (self->notifier, slot, mark,
                           saldo_agent_text_provider_warning (id, warnings[0], expires));
  } else {
    saldo_notifier_withdraw (self->notifier, slot);
  }
}

static void
evaluate_providers (SaldoAgentWatch *self)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (self->objects);

  for (GList *l = objects; l != NULL; l = l->next) {
    g_autoptr(SaldoDBusProvider) provider = saldo_dbus_object_get_provider (SALDO_DBUS_OBJECT (l->data));

    if (provider != NULL)
      evaluate_provider (self, provider);
  }
}

/* ---- reading a ledger row ----------------------------------------------- */

typedef void (*RowCallback) (SaldoAgentWatch *self, GVariant *row, gpointer data);

typedef struct {
  SaldoAgentWatch *self;
  char            *id;
  RowCallback      callback;
  gpointer         data;
  GDestroyNotify   destroy;
} RowFetch;

static void
on_top_ups (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RowFetch *fetch = user_data;
  g_autoptr(GVariant) rows = NULL;
  g_autoptr(GVariant) found = NULL;
  g_autoptr(GError) error = NULL;

  if (!saldo_dbus_manager_call_get_top_ups_finish (SALDO_DBUS_MANAGER (source), &rows, result, &error)) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_debug ("GetTopUps: %s", error->message);
  }
  for (gsize i = 0; rows != NULL && found == NULL && i < g_variant_n_children (rows); i++) {
    g_autoptr(GVariant) row = g_variant_get_child_value (rows, i);
    const char *id = NULL;

    if (g_variant_lookup (row, "id", "&s", &id) && g_strcmp0 (id, fetch->id) == 0)
      found = g_steal_pointer (&row);
  }
  if (!fetch->self->stopped && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    fetch->callback (fetch->self, found, fetch->data);
  if (fetch->destroy != NULL)
    fetch->destroy (fetch->data);
  g_object_unref (fetch->self);
  g_free (fetch->id);
  g_free (fetch);
}

/* Looks the top-up id of line up in the ledger (its provider, error and
 * balances are in no signal); callback gets NULL if it cannot be read. */
static void
fetch_row (SaldoAgentWatch *self,
           const char      *line_path,
           const char      *id,
           RowCallback      callback,
           gpointer         data,
           GDestroyNotify   destroy)
{
  RowFetch    *fetch = g_new0 (RowFetch, 1);
  GVariantDict options;

  fetch->self = g_object_ref (self);
  fetch->id = g_strdup (id);
  fetch->callback = callback;
  fetch->data = data;
  fetch->destroy = destroy;
  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "line", "o", line_path);
  g_variant_dict_insert (&options, "limit", "u", 50);
  saldo_dbus_manager_call_get_top_ups (self->manager, g_variant_dict_end (&options), G_DBUS_CALL_FLAGS_NONE,
                                       -1, self->cancellable, on_top_ups, fetch);
}

static char *
row_string (GVariant *row, const char *key)
{
  const char *value = NULL;

  if (row == NULL || !g_variant_lookup (row, key, "&s", &value) || *value == '\0')
    return NULL;
  return saldo_client_safe_text (value, 200);
}

/* ---- confirmations ------------------------------------------------------ */

static Request *
first_request (SaldoAgentWatch *self, const char *line_path)
{
  GHashTableIter iter;
  Request       *r, *first = NULL;

  g_hash_table_iter_init (&iter, self->requests);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &r))
    if (g_str_equal (r->line, line_path) && (first == NULL || r->number < first->number))
      first = r;
  return first;
}

/* Why the rule asks, in the user's words and numbers. */
static char *
request_why (SaldoAgentWatch *self, Request *r)
{
  g_autoptr(SaldoDBusRule) rule = g_str_equal (r->rule, "/") ? NULL : find_rule (self, r->rule);
  g_autoptr(SaldoDBusLine) line = find_line (self, r->line);
  const char *kind = rule != NULL ? saldo_dbus_rule_get_kind (rule) : "";

  if (line != NULL && g_str_equal (kind, "threshold") && saldo_dbus_line_get_last_updated (line) != 0) {
    g_autofree char *balance = saldo_client_format_money (saldo_dbus_line_get_balance (line), r->currency);
    g_autofree char *below = saldo_client_format_money (saldo_dbus_rule_get_below (rule), r->currency);

    return saldo_agent_text_why_threshold (balance, below);
  }
  if (line != NULL && g_str_equal (kind, "data") && saldo_dbus_line_get_data_known (line)) {
    g_autofree char *left = saldo_client_format_bytes (saldo_dbus_line_get_data_remaining (line));
    g_autofree char *below = saldo_client_format_bytes ((guint64) MAX (saldo_dbus_rule_get_below (rule), 0));

    return saldo_agent_text_why_data (left, below);
  }
  if (g_str_equal (kind, "keep-alive")) {
    g_autofree char *date = line != NULL && saldo_dbus_line_get_expiry (line) != 0
                              ? saldo_client_format_date (saldo_dbus_line_get_expiry (line))
                              : NULL;

    return saldo_agent_text_why_keep_alive (date);
  }
  if (g_str_equal (kind, "schedule"))
    return saldo_agent_text_why_schedule ();
  return r->reason != NULL ? saldo_client_safe_text (r->reason, 200) : NULL;
}

/* Shows the line's oldest open request, or withdraws the slot if none is
 * open; force shows it again even if it is the one shown last. */
static void
show_confirmation (SaldoAgentWatch *self, const char *line_path, gboolean force)
{
  g_autofree char *slot = slot_name ("confirmation", line_path);
  Request         *r = first_request (self, line_path);
  g_autofree char *label = NULL;
  g_autofree char *amount = NULL;
  g_autofree char *why = NULL;

  if (r == NULL || !event_enabled (self, SALDO_AGENT_EVENT_CONFIRMATION)) {
    saldo_notifier_withdraw (self->notifier, slot);
    return;
  }
  if (r->answering || (!force && g_strcmp0 (saldo_notifier_get_mark (self->notifier, slot), r->id) == 0))
    return;
  label = line_label (self, line_path);
  amount = saldo_client_format_money (r->amount, r->currency);
  why = request_why (self, r);
  saldo_notifier_show (self->notifier, slot, r->id,
                       saldo_agent_text_confirmation (label, r->id, amount, r->provider, why, r->problem));
}

/* The request is settled (answered here or elsewhere, expired): its
 * notification goes, the line's next open request if any takes its place. */
static void
forget_request (SaldoAgentWatch *self, const char *id)
{
  Request         *r = g_hash_table_lookup (self->requests, id);
  g_autofree char *line = NULL;

  if (r == NULL)
    return;
  line = g_strdup (r->line);
  g_hash_table_remove (self->requests, id);
  show_confirmation (self, line, FALSE);
}

static void
on_request_row (SaldoAgentWatch *self, GVariant *row, gpointer data)
{
  const char *id = data;
  Request    *r = g_hash_table_lookup (self->requests, id);
  const char *rule = NULL;

  if (r == NULL)
    return;
  if (row != NULL) {
    g_autofree char *state = row_string (row, "state");

    /* Answered or expired between the signal and now. */
    if (g_strcmp0 (state, "planned") != 0) {
      forget_request (self, id);
      return;
    }
    if (g_variant_lookup (row, "rule", "&o", &rule)) {
      g_free (r->rule);
      r->rule = g_strdup (rule);
    }
    g_free (r->provider);
    r->provider = row_string (row, "provider");
  }
  show_confirmation (self, r->line, FALSE);
}

static void
add_request (SaldoAgentWatch *self,
             const char      *id,
             const char      *line_path,
             gint64           amount,
             const char      *currency,
             const char      *reason)
{
  Request *r;

  if (g_hash_table_contains (self->requests, id))
    return;
  r = g_new0 (Request, 1);
  r->id = g_strdup (id);
  r->number = g_ascii_strtoll (id, NULL, 10);
  r->line = g_strdup (line_path);
  r->amount = amount;
  r->currency = g_strdup (currency);
  r->rule = g_strdup ("/");
  r->reason = g_strdup (reason);
  g_hash_table_replace (self->requests, r->id, r);
}

static void
on_confirmation_required (SaldoDBusManager *manager,
                          const char       *id,
                          const char       *line_path,
                          gint64            amount,
                          const char       *currency,
                          const char       *reason,
                          SaldoAgentWatch  *self)
{
  add_request (self, id, line_path, amount, currency, reason);
  fetch_row (self, line_path, id, on_request_row, g_strdup (id), g_free);
}

typedef struct {
  SaldoAgentWatch *self;
  char            *id;
  gboolean         confirm;
} Answer;

static void
on_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Answer          *answer = user_data;
  SaldoAgentWatch *self = answer->self;
  g_autoptr(GError) error = NULL;
  gboolean ok;
  Request *r;

  if (answer->confirm)
    ok = saldo_dbus_manager_call_confirm_top_up_finish (SALDO_DBUS_MANAGER (source), result, &error);
  else
    ok = saldo_dbus_manager_call_reject_top_up_finish (SALDO_DBUS_MANAGER (source), result, &error);
  r = self->stopped ? NULL : g_hash_table_lookup (self->requests, answer->id);
  if (r != NULL) {
    g_autofree char *remote = error != NULL ? g_dbus_error_get_remote_error (error) : NULL;

    r->answering = FALSE;
    g_clear_pointer (&r->problem, g_free);
    if (ok || g_strcmp0 (remote, "io.github.saldo.Saldo1.Error.InvalidArgument") == 0 ||
        g_strcmp0 (remote, "io.github.saldo.Saldo1.Error.NotFound") == 0) {
      /* Done, or answered elsewhere already ("not waiting for confirmation"). */
      g_info ("top-up %s %s: %s", answer->id, answer->confirm ? "confirmed" : "rejected",
              ok ? "done" : error->message);
      forget_request (self, answer->id);
    } else {
      /* A cancelled password prompt, or saldod refused: ask again. */
      g_info ("top-up %s not answered: %s", answer->id, error->message);
      if (g_strcmp0 (remote, "org.freedesktop.DBus.Error.AccessDenied") == 0 ||
          g_strcmp0 (remote, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired") == 0) {
        r->problem = saldo_agent_text_not_authorized ();
      } else {
        g_dbus_error_strip_remote_error (error);
        r->problem = saldo_agent_text_answer_failed (error->message);
      }
      show_confirmation (self, r->line, TRUE);
    }
  }
  g_object_unref (answer->self);
  g_free (answer->id);
  g_free (answer);
}

static void
on_action_invoked (SaldoNotifier *notifier, const char *slot, const char *key, SaldoAgentWatch *self)
{
  const char *line_path;
  const char *mark = saldo_notifier_get_mark (notifier, slot);
  gboolean    confirm = g_str_equal (key, "confirm");
  Answer     *answer;
  Request    *r;

  if (!g_str_has_prefix (slot, "confirmation:") || (!confirm && !g_str_equal (key, "reject")))
    return;
  line_path = slot + strlen ("confirmation:");
  r = mark != NULL ? g_hash_table_lookup (self->requests, mark) : NULL;
  /* A second click while the first answer is on its way spends nothing. */
  if (r == NULL || r->answering || !g_str_equal (r->line, line_path))
    return;
  r->answering = TRUE;
  answer = g_new0 (Answer, 1);
  answer->self = g_object_ref (self);
  answer->id = g_strdup (r->id);
  answer->confirm = confirm;
  /* The polkit agent of the session may ask for a password. */
  if (confirm)
    saldo_dbus_manager_call_confirm_top_up (self->manager, r->id,
                                            G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                            ANSWER_TIMEOUT_MS, self->cancellable, on_answered, answer);
  else
    saldo_dbus_manager_call_reject_top_up (self->manager, r->id,
                                           G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                           ANSWER_TIMEOUT_MS, self->cancellable, on_answered, answer);
}

/* Open requests from the ledger: those made while no agent ran, and the
 * notifications of requests settled meanwhile, which go. */
static void
on_planned_rows (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaldoAgentWatch) self = user_data;
  g_autoptr(GVariant) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) slots = NULL;
  GHashTableIter iter;
  const char    *line;

  if (!saldo_dbus_manager_call_get_top_ups_finish (SALDO_DBUS_MANAGER (source), &rows, result, &error)) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_warning ("cannot read the open top-up requests: %s", error->message);
    return;
  }
  if (self->stopped)
    return;
  for (gsize i = 0; i < g_variant_n_children (rows); i++) {
    g_autoptr(GVariant) row = g_variant_get_child_value (rows, i);
    const char *id = NULL, *state = NULL, *line_path = NULL, *currency = NULL, *rule = NULL;
    gint64      amount = 0;
    Request    *r;

    if (!g_variant_lookup (row, "id", "&s", &id) || !g_variant_lookup (row, "state", "&s", &state) ||
        !g_variant_lookup (row, "line", "&o", &line_path) || !g_str_equal (state, "planned") ||
        g_str_equal (line_path, "/"))
      continue;
    g_variant_lookup (row, "amount", "x", &amount);
    g_variant_lookup (row, "currency", "&s", &currency);
    add_request (self, id, line_path, amount, currency != NULL ? currency : "", NULL);
    r = g_hash_table_lookup (self->requests, id);
    if (g_variant_lookup (row, "rule", "&o", &rule)) {
      g_free (r->rule);
      r->rule = g_strdup (rule);
    }
    g_free (r->provider);
    r->provider = row_string (row, "provider");
    g_hash_table_add (lines, g_strdup (line_path));
  }
  slots = saldo_notifier_dup_slots (self->notifier, "confirmation:");
  for (guint i = 0; slots[i] != NULL; i++)
    g_hash_table_add (lines, g_strdup (slots[i] + strlen ("confirmation:")));
  g_hash_table_iter_init (&iter, lines);
  /* Shown again even if shown before: this may be a new login, whose
   * notification server never saw it (on the same server it is replaced). */
  while (g_hash_table_iter_next (&iter, (gpointer *) &line, NULL))
    show_confirmation (self, line, TRUE);
}

/* ---- top-ups ------------------------------------------------------------ */

typedef struct {
  char  *id;
  char  *line;
  char  *status; /* NULL: started */
  gint64 amount;
  char  *currency; /* from TopUpStarted; NULL otherwise */
} TopUpEvent;

static void
top_up_event_free (TopUpEvent *ev)
{
  g_free (ev->id);
  g_free (ev->line);
  g_free (ev->status);
  g_free (ev->currency);
  g_free (ev);
}

static void
on_top_up_row (SaldoAgentWatch *self, GVariant *row, gpointer data)
{
  TopUpEvent      *ev = data;
  g_autofree char *slot = slot_name ("top-up", ev->line);
  g_autofree char *mark = g_strdup_printf ("%s %s", ev->id, ev->status != NULL ? ev->status : "started");
  g_autofree char *label = line_label (self, ev->line);
  g_autofree char *row_currency = row_string (row, "currency");
  g_autofree char *provider = row_string (row, "provider");
  g_autofree char *row_error = row_string (row, "error");
  g_autofree char *row_failure = row_string (row, "failure");
  g_autoptr(SaldoDBusLine) line = find_line (self, ev->line);
  const char        *currency = ev->currency != NULL ? ev->currency : row_currency;
  g_autofree char   *amount = NULL;
  g_autofree char   *after = NULL;
  SaldoNotification *n;
  const char        *rule = NULL;
  gint64             balance_after;
  SaldoTopUpOrigin   origin = SALDO_TOPUP_ORIGIN_UNKNOWN;

  if (g_strcmp0 (saldo_notifier_get_mark (self->notifier, slot), mark) == 0)
    return;
  if (currency == NULL && line != NULL)
    currency = saldo_dbus_line_get_currency (line);
  amount = saldo_client_format_money (ev->amount, currency);
  if (row != NULL && g_variant_lookup (row, "balance-after", "x", &balance_after))
    after = saldo_client_format_money (balance_after, currency);
  if (row != NULL && g_variant_lookup (row, "rule", "&o", &rule))
    origin = g_str_equal (rule, "/") ? SALDO_TOPUP_ORIGIN_MANUAL : SALDO_TOPUP_ORIGIN_A_RULE;
  if (origin == SALDO_TOPUP_ORIGIN_A_RULE && row_failure != NULL &&
      (g_str_equal (row_failure, "insufficient-funds") || g_str_equal (row_failure, "credentials-rejected") ||
       g_str_equal (row_failure, "payment-declined") || g_str_equal (row_failure, "payment-expired")))
    origin = SALDO_TOPUP_ORIGIN_A_RULE_WAITS;
  if (ev->status == NULL)
    n = saldo_agent_text_topup_started (label, amount, provider);
  else
    n = saldo_agent_text_topup_finished (label, ev->status, amount, after, row_error, origin);
  if (n != NULL)
    saldo_notifier_show (self->notifier, slot, mark, n);
}

static void
top_up_event (SaldoAgentWatch *self,
              const char      *id,
              const char      *line_path,
              const char      *status,
              gint64           amount,
              const char      *currency)
{
  TopUpEvent *ev;

  if (!event_enabled (self, SALDO_AGENT_EVENT_TOP_UP))
    return;
  ev = g_new0 (TopUpEvent, 1);
  ev->id = g_strdup (id);
  ev->line = g_strdup (line_path);
  ev->status = g_strdup (status);
  ev->amount = amount;
  ev->currency = g_strdup (currency);
  fetch_row (self, line_path, id, on_top_up_row, ev, (GDestroyNotify) top_up_event_free);
}

static void
on_top_up_started (SaldoDBusManager *manager,
                   const char       *id,
                   const char       *line_path,
                   gint64            amount,
                   const char       *currency,
                   SaldoAgentWatch  *self)
{
  /* Confirmed, here or elsewhere: the question is answered. */
  forget_request (self, id);
  top_up_event (self, id, line_path, NULL, amount, currency);
}

static void
on_top_up_finished (SaldoDBusManager *manager,
                    const char       *id,
                    const char       *line_path,
                    const char       *status,
                    gint64            amount,
                    SaldoAgentWatch  *self)
{
  /* A request that ends without starting was rejected or expired: its
   * notification goes, and nothing else is said. */
  if (g_hash_table_contains (self->requests, id)) {
    forget_request (self, id);
    return;
  }
  top_up_event (self, id, line_path, status, amount, NULL);
}

/* ---- rules -------------------------------------------------------------- */

static void
on_rule_disabled (SaldoDBusManager *manager, const char *rule_path, const char *reason, SaldoAgentWatch *self)
{
  g_autoptr(SaldoDBusRule) rule = find_rule (self, rule_path);
  g_autofree char *slot = NULL;
  g_autofree char *mark = NULL;
  g_autofree char *label = NULL;
  g_autofree char *why = NULL;

  if (rule == NULL || !event_enabled (self, SALDO_AGENT_EVENT_RULE_DISABLED))
    return;
  slot = slot_name ("rule-disabled", saldo_dbus_rule_get_line (rule));
  mark = g_strdup_printf ("%s %s", rule_path, reason);
  if (g_strcmp0 (saldo_notifier_get_mark (self->notifier, slot), mark) == 0)
    return;
  label = line_label (self, saldo_dbus_rule_get_line (rule));
  why = saldo_client_safe_text (reason, 200);
  saldo_notifier_show (self->notifier, slot, mark,
                       saldo_agent_text_rule_disabled (label, saldo_client_path_number (rule_path), why));
}

/* ---- properties --------------------------------------------------------- */

static void
on_properties_changed (GDBusObjectManagerClient *manager,
                       GDBusObjectProxy         *object,
                       GDBusProxy               *iface,
                       GVariant                 *changed,
                       const char *const        *invalidated,
                       SaldoAgentWatch          *self)
{
  if (SALDO_DBUS_IS_LINE (iface)) {
    g_autoptr(GVariant) balance = g_variant_lookup_value (changed, "Balance", NULL);

    if (balance != NULL)
      check_balance_recovered (self, SALDO_DBUS_LINE (iface));
    evaluate_expiry (self);
  } else if (SALDO_DBUS_IS_PROVIDER (iface)) {
    evaluate_provider (self, SALDO_DBUS_PROVIDER (iface));
  } else if (SALDO_DBUS_IS_RULE (iface) && saldo_dbus_rule_get_enabled (SALDO_DBUS_RULE (iface))) {
    /* Turned back on: the warning that it was off is stale. */
    g_autofree char *slot = slot_name ("rule-disabled", saldo_dbus_rule_get_line (SALDO_DBUS_RULE (iface)));
    const char      *mark = saldo_notifier_get_mark (self->notifier, slot);
    g_autofree char *prefix = g_strconcat (g_dbus_proxy_get_object_path (iface), " ", NULL);

    if (mark != NULL && g_str_has_prefix (mark, prefix))
      saldo_notifier_withdraw (self->notifier, slot);
  }
}

static void
on_object_added (GDBusObjectManager *manager, GDBusObject *object, SaldoAgentWatch *self)
{
  evaluate_expiry (self);
  evaluate_providers (self);
}

static void
on_settings_changed (GSettings *settings, const char *key, SaldoAgentWatch *self)
{
  static const struct {
    SaldoAgentEvent event;
    const char     *kind;
  } kinds[] = {
    { SALDO_AGENT_EVENT_LOW_BALANCE, "low-balance:" },
    { SALDO_AGENT_EVENT_TOP_UP, "top-up:" },
    { SALDO_AGENT_EVENT_RULE_DISABLED, "rule-disabled:" },
    { SALDO_AGENT_EVENT_PROVIDER, "provider:" },
  };
  GHashTableIter iter;
  Request       *r;

  /* Events turned off take their notifications with them. */
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++) {
    g_auto(GStrv) slots = NULL;

    if (event_enabled (self, kinds[i].event))
      continue;
    slots = saldo_notifier_dup_slots (self->notifier, kinds[i].kind);
    for (guint j = 0; slots[j] != NULL; j++)
      saldo_notifier_withdraw (self->notifier, slots[j]);
  }
  evaluate_expiry (self);
  evaluate_providers (self);
  g_hash_table_iter_init (&iter, self->requests);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &r))
    show_confirmation (self, r->line, FALSE);
  if (!event_enabled (self, SALDO_AGENT_EVENT_CONFIRMATION)) {
    g_auto(GStrv) slots = saldo_notifier_dup_slots (self->notifier, "confirmation:");

    for (guint j = 0; slots[j] != NULL; j++)
      saldo_notifier_withdraw (self->notifier, slots[j]);
  }
}

/* ---- start and stop ----------------------------------------------------- */

static void
start_following (SaldoAgentWatch *self)
{
  GVariantDict options;

  g_signal_connect (self->manager, "low-balance", G_CALLBACK (on_low_balance), self);
  g_signal_connect (self->manager, "confirmation-required", G_CALLBACK (on_confirmation_required), self);
  g_signal_connect (self->manager, "top-up-started", G_CALLBACK (on_top_up_started), self);
  g_signal_connect (self->manager, "top-up-finished", G_CALLBACK (on_top_up_finished), self);
  g_signal_connect (self->manager, "rule-disabled", G_CALLBACK (on_rule_disabled), self);
  g_signal_connect (self->objects, "interface-proxy-properties-changed", G_CALLBACK (on_properties_changed),
                    self);
  g_signal_connect (self->objects, "object-added", G_CALLBACK (on_object_added), self);
  self->action_handler = g_signal_connect (self->notifier, "action-invoked", G_CALLBACK (on_action_invoked),
                                           self);
  self->settings_handler = g_signal_connect (self->settings, "changed", G_CALLBACK (on_settings_changed),
                                             self);
  self->sleep_sub = g_dbus_connection_signal_subscribe (self->system, "org.freedesktop.login1",
                                                        "org.freedesktop.login1.Manager", "PrepareForSleep",
                                                        "/org/freedesktop/login1", NULL,
                                                        G_DBUS_SIGNAL_FLAGS_NONE, on_prepare_for_sleep, self,
                                                        NULL);
  evaluate_expiry (self);
  evaluate_providers (self);
  /* Tests wait for this line before making events. */
  g_debug ("following saldod");
  g_variant_dict_init (&options, NULL);
  saldo_dbus_manager_call_get_top_ups (self->manager, g_variant_dict_end (&options), G_DBUS_CALL_FLAGS_NONE,
                                       -1, self->cancellable, on_planned_rows, g_object_ref (self));
}

static void
on_manager_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaldoAgentWatch) self = user_data;
  g_autoptr(GError) error = NULL;

  self->manager = saldo_dbus_manager_proxy_new_finish (result, &error);
  if (self->manager == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_warning ("cannot follow saldod: %s", error->message);
    return;
  }
  start_following (self);
}

static void
on_objects_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaldoAgentWatch) self = user_data;
  g_autoptr(GError) error = NULL;

  self->objects = saldo_dbus_object_manager_client_new_finish (result, &error);
  if (self->objects == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_warning ("cannot follow saldod: %s", error->message);
    return;
  }
  saldo_dbus_manager_proxy_new (self->system, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, SALDO_BUS_NAME,
                                SALDO_OBJECT_ROOT, self->cancellable, on_manager_ready, g_object_ref (self));
}

/* saldod left: requests can no longer be answered, so their notifications
 * go; the others stay true and stay. */
void
saldo_agent_watch_stop (SaldoAgentWatch *self)
{
  g_auto(GStrv) slots = NULL;

  if (self->stopped)
    return;
  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->expiry_timer, g_source_remove);
  if (self->sleep_sub != 0)
    g_dbus_connection_signal_unsubscribe (self->system, self->sleep_sub);
  self->sleep_sub = 0;
  g_clear_signal_handler (&self->action_handler, self->notifier);
  g_clear_signal_handler (&self->settings_handler, self->settings);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  if (self->objects != NULL)
    g_signal_handlers_disconnect_by_data (self->objects, self);
  g_hash_table_remove_all (self->requests);
  slots = saldo_notifier_dup_slots (self->notifier, "confirmation:");
  for (guint i = 0; slots[i] != NULL; i++)
    saldo_notifier_withdraw (self->notifier, slots[i]);
}

static void
saldo_agent_watch_dispose (GObject *object)
{
  SaldoAgentWatch *self = SALDO_AGENT_WATCH (object);

  if (self->notifier != NULL)
    saldo_agent_watch_stop (self);
  g_clear_object (&self->manager);
  g_clear_object (&self->objects);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_object (&self->notifier);
  g_clear_object (&self->system);
  G_OBJECT_CLASS (saldo_agent_watch_parent_class)->dispose (object);
}

static void
saldo_agent_watch_finalize (GObject *object)
{
  SaldoAgentWatch *self = SALDO_AGENT_WATCH (object);

  g_hash_table_unref (self->requests);
  G_OBJECT_CLASS (saldo_agent_watch_parent_class)->finalize (object);
}

static void
saldo_agent_watch_class_init (SaldoAgentWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = saldo_agent_watch_dispose;
  object_class->finalize = saldo_agent_watch_finalize;
}

static void
saldo_agent_watch_init (SaldoAgentWatch *self)
{
  self->requests = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) request_free);
  self->cancellable = g_cancellable_new ();
}

SaldoAgentWatch *
saldo_agent_watch_new (GDBusConnection *system, SaldoNotifier *notifier, GSettings *settings)
{
  SaldoAgentWatch *self = g_object_new (SALDO_TYPE_AGENT_WATCH, NULL);

  self->system = g_object_ref (system);
  self->notifier = g_object_ref (notifier);
  self->settings = g_object_ref (settings);
  saldo_dbus_object_manager_client_new (system, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                        SALDO_BUS_NAME, SALDO_OBJECT_ROOT, self->cancellable,
                                        on_objects_ready, g_object_ref (self));
  return self;
}
