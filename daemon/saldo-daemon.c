/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoDaemon"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "saldo-authority.h"
#include "saldo-daemon.h"
#include "saldo-dbus-generated.h"
#include "saldo-error.h"
#include "saldo-exporter.h"
#include "saldo-line-manager.h"
#include "saldo-line-network.h"
#include "saldo-nm-watcher.h"
#include "saldo-options.h"
#include "saldo-provider-builtin.h"
#include "saldo-provider-loader.h"
#include "saldo-provider-ussd-voucher.h"
#include "saldo-month.h"
#include "saldo-report-builder.h"
#include "saldo-topup-manager.h"

/* The bus layer: exports what the managers hold and answers calls.  Each
 * method handler checks the caller's arguments, asks polkit, makes one
 * manager call and replies; what happens in between is the managers'. */

/* The most one call may ask for (README, "D-Bus API"): entries in a list
 * reply, and its size, far below the system bus's 32 MiB message limit. */
#define SALDO_MAX_REPLY_ENTRIES 1000
#define SALDO_MAX_REPLY_BYTES   (4 * 1024 * 1024)

#define SALDO_RESOLVE_NOTE_MAX 500

/* The daemon object: the only holder of mutable state.  It owns the store,
 * the managers and the bus objects. */
struct _SaldoDaemon {
  GObject                   parent_instance;
  GDBusConnection          *connection;
  SaldoConfig              *config;
  SaldoStore               *store;
  GDBusObjectManagerServer *object_manager;
  SaldoDBusManager         *manager_iface;
  SaldoAuthority           *authority;
  SaldoLineManager         *lines;
  SaldoTopupManager        *topups;
  SaldoExporter            *exporter;     /* Prometheus file, MQTT; NULL = none */
  SaldoNmWatcher           *nm_watcher;   /* NetworkManager, once serving */
  SaldoLineNetwork         *line_network; /* lines joined to its devices */
  gboolean                  serving;      /* owns the bus name: saldo_daemon_start () ran */
};

G_DEFINE_TYPE (SaldoDaemon, saldo_daemon, G_TYPE_OBJECT)

/* ---- answering calls -------------------------------------------------- */

/* A call waiting for polkit (and what it is about). */
typedef struct {
  SaldoDaemon           *self;
  GDBusMethodInvocation *invocation;
  GVariant              *args;
  SaldoLine             *line;
  SaldoRuleObject       *rule;
  SaldoProviderObject   *provider;
  gboolean               confirm; /* ConfirmTopUp, not RejectTopUp */
} MethodCall;

static MethodCall *
method_call_new (SaldoDaemon *self, GDBusMethodInvocation *invocation, GVariant *args)
{
  MethodCall *call = g_new0 (MethodCall, 1);

  call->self = g_object_ref (self);
  call->invocation = g_object_ref (invocation);
  call->args = g_variant_ref (args);
  return call;
}

static void
method_call_free (MethodCall *call)
{
  g_object_unref (call->self);
  g_object_unref (call->invocation);
  g_variant_unref (call->args);
  g_clear_object (&call->line);
  g_clear_object (&call->rule);
  g_clear_object (&call->provider);
  g_free (call);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MethodCall, method_call_free)

static void
return_error (GDBusMethodInvocation *invocation, GError *error)
{
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;

  saldo_error_for_dbus (error, &name, &message);
  g_dbus_method_invocation_return_dbus_error (invocation, name, message);
  g_error_free (error);
}

/* Bad input from a caller: InvalidArgument, the message naming the key. */
static void
return_invalid (GDBusMethodInvocation *invocation, const char *message)
{
  g_dbus_method_invocation_return_error_literal (invocation, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                                                 message);
}

static gboolean
check_option_keys (GVariant *options, const char *const *known, GDBusMethodInvocation *invocation)
{
  GError *error = NULL;

  if (saldo_options_check_keys (options, known, &error))
    return TRUE;
  return_error (invocation, error);
  return FALSE;
}

/* saldo_options_lookup (), answering the call when the value is refused. */
static gboolean
lookup_option (GVariant              *options,
               const char            *key,
               const GVariantType    *type,
               const char            *description,
               GVariant             **value,
               GDBusMethodInvocation *invocation)
{
  GError *error = NULL;

  if (saldo_options_lookup (options, key, type, description, value, &error))
    return TRUE;
  return_error (invocation, error);
  return FALSE;
}

/* Every call that changes state or spends passes here, each action in
 * turn.  Until this saldod owns the bus name (a second instance reachable
 * by its unique name, about to exit) nothing is asked of polkit and nothing
 * reaches a modem or a provider. */
static void
authorize (SaldoDaemon *self, MethodCall *call, const char *const *action_ids, GAsyncReadyCallback callback)
{
  if (!self->serving) {
    g_dbus_method_invocation_return_error (call->invocation, SALDO_ERROR, SALDO_ERROR_BUSY,
                                           "this saldod does not own %s", SALDO_BUS_NAME);
    method_call_free (call);
    return;
  }
  saldo_authority_check_all_async (self->authority, call->invocation, action_ids, callback, call);
}

static const char *const action_refresh[] = { SALDO_ACTION_REFRESH, NULL };
/* Overriding the owner's AllowRoaming=false is changing their setting for
 * this once: it needs what changing it needs. */
static const char *const action_refresh_roaming[] = { SALDO_ACTION_REFRESH, SALDO_ACTION_CONFIGURE, NULL };
static const char *const action_configure[] = { SALDO_ACTION_CONFIGURE, NULL };
static const char *const action_configure_money[] = { SALDO_ACTION_CONFIGURE, SALDO_ACTION_TOP_UP, NULL };
static const char *const action_top_up[] = { SALDO_ACTION_TOP_UP, NULL };
static const char *const action_manage_rules[] = { SALDO_ACTION_MANAGE_RULES, NULL };

/* polkit said no (or could not say): the call is answered. */
static gboolean
authorized (GObject *source, GAsyncResult *result, MethodCall *call)
{
  GError *error = NULL;

  if (saldo_authority_check_finish (SALDO_AUTHORITY (source), result, &error))
    return TRUE;
  return_error (call->invocation, error);
  return FALSE;
}

typedef GVariant *(*ReplyEntry) (SaldoDaemon *self, gconstpointer item);

/* An aa{sv} reply of the items that fit in SALDO_MAX_REPLY_BYTES, in
 * order: a reply the bus would refuse as too large must never be sent. */
static GVariant *
build_reply (SaldoDaemon *self, GPtrArray *items, ReplyEntry convert)
{
  GVariantBuilder builder;
  gsize           bytes = 0;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < items->len; i++) {
    g_autoptr(GVariant) entry = g_variant_ref_sink (convert (self, items->pdata[i]));

    bytes += g_variant_get_size (entry);
    if (bytes > SALDO_MAX_REPLY_BYTES)
      break;
    g_variant_builder_add_value (&builder, entry);
  }
  return g_variant_builder_end (&builder);
}

/* The object a call is on. */
static SaldoLine *
line_of_call (SaldoDaemon *self, GDBusMethodInvocation *invocation)
{
  SaldoLine *line = saldo_line_manager_lookup_by_path (self->lines,
                                                       g_dbus_method_invocation_get_object_path (invocation));

  if (line == NULL)
    g_dbus_method_invocation_return_error (invocation, SALDO_ERROR, SALDO_ERROR_NOT_FOUND, "no line at %s",
                                           g_dbus_method_invocation_get_object_path (invocation));
  return line;
}

static SaldoRuleObject *
rule_by_path (SaldoDaemon *self, const char *path)
{
  GPtrArray *rules = saldo_topup_manager_get_rules (self->topups);

  for (guint i = 0; i < rules->len; i++)
    if (g_strcmp0 (saldo_rule_object_get_path (rules->pdata[i]), path) == 0)
      return rules->pdata[i];
  return NULL;
}

static SaldoRuleObject *
rule_of_call (SaldoDaemon *self, GDBusMethodInvocation *invocation)
{
  SaldoRuleObject *rule = rule_by_path (self, g_dbus_method_invocation_get_object_path (invocation));

  if (rule == NULL)
    g_dbus_method_invocation_return_error (invocation, SALDO_ERROR, SALDO_ERROR_NOT_FOUND, "no rule at %s",
                                           g_dbus_method_invocation_get_object_path (invocation));
  return rule;
}

/* ---- io.github.saldo.Saldo1.Line -------------------------------------- */

static void
on_refreshed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(MethodCall) call = user_data;
  GError *error = NULL;

  /* Skeletons announce property changes from an idle; flush them so a
   * caller sees the new balance as soon as its call returns. */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (saldo_line_get_dbus_line (call->line)));
  if (!saldo_line_manager_refresh_finish (SALDO_LINE_MANAGER (source), result, &error)) {
    return_error (call->invocation, error);
    return;
  }
  saldo_dbus_line_complete_refresh (saldo_line_get_dbus_line (call->line), call->invocation);
}

static void
on_refresh_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MethodCall *call = user_data;
  g_autoptr(GVariant) roaming = NULL;

  if (!authorized (source, result, call) ||
      !lookup_option (call->args, "allow-roaming", G_VARIANT_TYPE_BOOLEAN, "a boolean (b)", &roaming,
                      call->invocation)) {
    method_call_free (call);
    return;
  }
  saldo_line_manager_refresh_async (call->self->lines, call->line,
                                    roaming != NULL && g_variant_get_boolean (roaming), NULL, on_refreshed,
                                    call);
}

static gboolean
on_handle_refresh (SaldoDBusLine         *iface,
                   GDBusMethodInvocation *invocation,
                   GVariant              *options,
                   gpointer               user_data)
{
  SaldoDaemon             *self = user_data;
  static const char *const known[] = { "allow-roaming", NULL };
  SaldoLine               *line = line_of_call (self, invocation);
  gboolean                 override = FALSE;
  MethodCall              *call;

  if (line == NULL || !check_option_keys (options, known, invocation))
    return TRUE;
  if (g_variant_lookup (options, "allow-roaming", "b", &override) && override &&
      saldo_line_get_record (line)->allow_roaming)
    override = FALSE;
  call = method_call_new (self, invocation, options);
  call->line = g_object_ref (line);
  authorize (self, call, override ? action_refresh_roaming : action_refresh, on_refresh_authorized);
  return TRUE;
}

static void
on_refresh_if_stale_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(MethodCall) call = user_data;
  GError     *error = NULL;
  const char *outcome;

  if (!authorized (source, result, call))
    return;
  outcome = saldo_line_manager_refresh_if_stale (call->self->lines, call->line, &error);
  if (outcome == NULL) {
    return_error (call->invocation, error);
    return;
  }
  g_info ("line %s: RefreshIfStale: %s", saldo_line_get_object_path (call->line), outcome);
  saldo_dbus_line_complete_refresh_if_stale (saldo_line_get_dbus_line (call->line), call->invocation,
                                             outcome);
}

static gboolean
on_handle_refresh_if_stale (SaldoDBusLine         *iface,
                            GDBusMethodInvocation *invocation,
                            GVariant              *options,
                            gpointer               user_data)
{
  SaldoDaemon             *self = user_data;
  static const char *const known[] = { NULL };
  SaldoLine               *line = line_of_call (self, invocation);
  MethodCall              *call;

  if (line == NULL || !check_option_keys (options, known, invocation))
    return TRUE;
  call = method_call_new (self, invocation, options);
  call->line = g_object_ref (line);
  authorize (self, call, action_refresh, on_refresh_if_stale_authorized);
  return TRUE;
}

static GVariant *
reading_to_variant (SaldoDaemon *self, gconstpointer item)
{
  const SaldoReading *reading = item;
  GVariantDict        dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "time", "t", (guint64) MAX (reading->time, 0));
  g_variant_dict_insert (&dict, "source", "s", reading->source);
  g_variant_dict_insert (&dict, "kind", "s", reading->kind);
  g_variant_dict_insert (&dict, "text", "s", reading->raw_text);
  g_variant_dict_insert (&dict, "error", "s", reading->error);
  g_variant_dict_insert (&dict, "carrier", "s", reading->carrier);
  if (reading->has_amount) {
    g_variant_dict_insert (&dict, "amount", "x", reading->amount_minor);
    g_variant_dict_insert (&dict, "currency", "s", reading->currency);
  }
  if (reading->has_expiry)
    g_variant_dict_insert (&dict, "expiry", "t", (guint64) MAX (reading->expiry, 0));
  if (reading->has_data)
    g_variant_dict_insert (&dict, "data", "t", (guint64) MAX (reading->data_bytes, 0));
  return g_variant_dict_end (&dict);
}

static gboolean
on_handle_get_balance_history (SaldoDBusLine         *iface,
                               GDBusMethodInvocation *invocation,
                               GVariant              *options,
                               gpointer               user_data)
{
  SaldoDaemon             *self = user_data;
  static const char *const known[] = { "limit", "since", NULL };
  SaldoLine               *line = line_of_call (self, invocation);
  g_autoptr(GPtrArray) readings = NULL;
  g_autoptr(GVariant) limit = NULL;
  g_autoptr(GVariant) since = NULL;
  GError *error = NULL;

  if (line == NULL || !check_option_keys (options, known, invocation) ||
      !lookup_option (options, "limit", G_VARIANT_TYPE_UINT32, "an unsigned integer (u)", &limit,
                      invocation) ||
      !lookup_option (options, "since", G_VARIANT_TYPE_UINT64, "unix seconds (t)", &since, invocation))
    return TRUE;
  if (!saldo_line_manager_list_readings (self->lines, line,
                                         since != NULL
                                           ? (gint64) MIN (g_variant_get_uint64 (since), (guint64) G_MAXINT64)
                                           : 0,
                                         MIN (limit != NULL ? g_variant_get_uint32 (limit) : 100,
                                              SALDO_MAX_REPLY_ENTRIES),
                                         &readings, &error)) {
    return_error (invocation, error);
    return TRUE;
  }
  saldo_dbus_line_complete_get_balance_history (iface, invocation,
                                                build_reply (self, readings, reading_to_variant));
  return TRUE;
}

static void
on_configure_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(MethodCall) call = user_data;
  GError *error = NULL;

  if (!authorized (source, result, call))
    return;
  if (!saldo_line_manager_configure (call->self->lines, call->line, call->args, &error)) {
    return_error (call->invocation, error);
    return;
  }
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (saldo_line_get_dbus_line (call->line)));
  saldo_dbus_line_complete_configure (saldo_line_get_dbus_line (call->line), call->invocation);
}

static gboolean
on_handle_configure (SaldoDBusLine         *iface,
                     GDBusMethodInvocation *invocation,
                     GVariant              *settings,
                     gpointer               user_data)
{
  SaldoDaemon *self = user_data;
  SaldoLine   *line = line_of_call (self, invocation);
  MethodCall  *call;

  if (line == NULL)
    return TRUE;
  call = method_call_new (self, invocation, settings);
  call->line = g_object_ref (line);
  authorize (self, call,
             saldo_line_manager_settings_touch_money (self->lines, line, settings) ? action_configure_money
                                                                                   : action_configure,
             on_configure_authorized);
  return TRUE;
}

static void
on_top_up_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(MethodCall) call = user_data;
  g_autoptr(GVariant) options = NULL;
  g_autoptr(GVariant) provider = NULL;
  g_autofree char *id = NULL;
  GError          *error = NULL;
  gint64           amount;

  if (!authorized (source, result, call))
    return;
  g_variant_get_child (call->args, 0, "x", &amount);
  options = g_variant_get_child_value (call->args, 1);
  if (!lookup_option (options, "provider", G_VARIANT_TYPE_STRING, "a string (s)", &provider,
                      call->invocation))
    return;
  id = saldo_topup_manager_top_up (call->self->topups, call->line, amount,
                                   provider != NULL ? g_variant_get_string (provider, NULL) : NULL, &error);
  if (id == NULL) {
    return_error (call->invocation, error);
    return;
  }
  saldo_dbus_line_complete_top_up (saldo_line_get_dbus_line (call->line), call->invocation, id);
}

static gboolean
on_handle_top_up (SaldoDBusLine         *iface,
                  GDBusMethodInvocation *invocation,
                  gint64                 amount,
                  GVariant              *options,
                  gpointer               user_data)
{
  SaldoDaemon             *self = user_data;
  static const char *const known[] = { "provider", NULL };
  SaldoLine               *line = line_of_call (self, invocation);
  MethodCall              *call;

  if (line == NULL || !check_option_keys (options, known, invocation))
    return TRUE;
  call = method_call_new (self, invocation, g_dbus_method_invocation_get_parameters (invocation));
  call->line = g_object_ref (line);
  authorize (self, call, action_top_up, on_top_up_authorized);
  return TRUE;
}

static void
sync_lines_property (SaldoDaemon *self)
{
  GPtrArray *lines = saldo_line_manager_get_lines (self->lines);
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();

  for (guint i = 0; i < lines->len; i++)
    g_ptr_array_add (paths, (gpointer) saldo_line_get_object_path (lines->pdata[i]));
  g_ptr_array_add (paths, NULL);
  saldo_dbus_manager_set_lines (self->manager_iface, (const char *const *) paths->pdata);
}

static void
export_line (SaldoDaemon *self, SaldoLine *line)
{
  SaldoDBusLine *iface = saldo_line_get_dbus_line (line);

  g_signal_connect_object (iface, "handle-refresh", G_CALLBACK (on_handle_refresh), self, 0);
  g_signal_connect_object (iface, "handle-refresh-if-stale", G_CALLBACK (on_handle_refresh_if_stale), self,
                           0);
  g_signal_connect_object (iface, "handle-get-balance-history", G_CALLBACK (on_handle_get_balance_history),
                           self, 0);
  g_signal_connect_object (iface, "handle-configure", G_CALLBACK (on_handle_configure), self, 0);
  g_signal_connect_object (iface, "handle-top-up", G_CALLBACK (on_handle_top_up), self, 0);
  g_dbus_object_manager_server_export (self->object_manager, saldo_line_get_dbus_object (line));
}

static void
on_line_added (SaldoLineManager *lines, SaldoLine *line, SaldoDaemon *self)
{
  saldo_exporter_add_line (self->exporter, line);
  if (self->object_manager == NULL)
    return;
  export_line (self, line);
  sync_lines_property (self);
}

/* What the exports need that is not on the bus. */
static void
on_check_failed (SaldoLineManager *lines, SaldoLine *line, SaldoDaemon *self)
{
  saldo_exporter_refresh_failed (self->exporter, line);
}

static void
on_registration (SaldoLineManager *lines, SaldoLine *line, const char *registration, SaldoDaemon *self)
{
  saldo_exporter_set_roaming (self->exporter, line, g_strcmp0 (registration, "roaming") == 0);
}

static void
on_euicc_added (SaldoLineManager *lines, SaldoEuicc *euicc, SaldoDaemon *self)
{
  if (self->object_manager != NULL)
    g_dbus_object_manager_server_export (self->object_manager, saldo_euicc_get_dbus_object (euicc));
}

static void
on_modem_manager_running (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  SaldoDaemon *self = user_data;

  saldo_dbus_manager_set_modem_manager_running (self->manager_iface,
                                                saldo_line_manager_get_modem_manager_running (self->lines));
}

/* ---- io.github.saldo.Saldo1.Rule -------------------------------------- */

static void
on_rule_update_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(MethodCall) call = user_data;
  GError *error = NULL;

  if (!authorized (source, result, call))
    return;
  if (!saldo_topup_manager_update_rule (call->self->topups, call->rule, call->args, &error)) {
    return_error (call->invocation, error);
    return;
  }
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (saldo_rule_object_get_dbus_rule (call->rule)));
  saldo_dbus_rule_complete_update (saldo_rule_object_get_dbus_rule (call->rule), call->invocation);
}

static gboolean
on_handle_rule_update (SaldoDBusRule         *iface,
                       GDBusMethodInvocation *invocation,
                       GVariant              *changes,
                       gpointer               user_data)
{
  SaldoDaemon     *self = user_data;
  SaldoRuleObject *rule = rule_of_call (self, invocation);
  MethodCall      *call;

  if (rule == NULL)
    return TRUE;
  call = method_call_new (self, invocation, changes);
  call->rule = g_object_ref (rule);
  authorize (self, call, action_manage_rules, on_rule_update_authorized);
  return TRUE;
}

static void
on_rule_remove_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(MethodCall) call = user_data;
  GError *error = NULL;

  if (!authorized (source, result, call))
    return;
  if (!saldo_topup_manager_remove_rule (call->self->topups, call->rule, &error)) {
    return_error (call->invocation, error);
    return;
  }
  saldo_dbus_rule_complete_remove (saldo_rule_object_get_dbus_rule (call->rule), call->invocation);
}

static gboolean
on_handle_rule_remove (SaldoDBusRule *iface, GDBusMethodInvocation *invocation, gpointer user_data)
{
  SaldoDaemon     *self = user_data;
  SaldoRuleObject *rule = rule_of_call (self, invocation);
  MethodCall      *call;

  if (rule == NULL)
    return TRUE;
  call = method_call_new (self, invocation, g_dbus_method_invocation_get_parameters (invocation));
  call->rule = g_object_ref (rule);
  authorize (self, call, action_manage_rules, on_rule_remove_authorized);
  return TRUE;
}

static void
sync_rules_property (SaldoDaemon *self)
{
  GPtrArray *rules = saldo_topup_manager_get_rules (self->topups);
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();

  for (guint i = 0; i < rules->len; i++)
    g_ptr_array_add (paths, (gpointer) saldo_rule_object_get_path (rules->pdata[i]));
  g_ptr_array_add (paths, NULL);
  saldo_dbus_manager_set_rules (self->manager_iface, (const char *const *) paths->pdata);
}

static void
export_rule (SaldoDaemon *self, SaldoRuleObject *rule)
{
  SaldoDBusRule *iface = saldo_rule_object_get_dbus_rule (rule);

  g_signal_connect_object (iface, "handle-update", G_CALLBACK (on_handle_rule_update), self, 0);
  g_signal_connect_object (iface, "handle-remove", G_CALLBACK (on_handle_rule_remove), self, 0);
  g_dbus_object_manager_server_export (self->object_manager, saldo_rule_object_get_dbus_object (rule));
}

static void
on_rule_added (SaldoTopupManager *topups, SaldoRuleObject *rule, SaldoDaemon *self)
{
  if (self->object_manager == NULL)
    return;
  export_rule (self, rule);
  sync_rules_property (self);
}

static void
on_rule_removed (SaldoTopupManager *topups, SaldoRuleObject *rule, SaldoDaemon *self)
{
  g_signal_handlers_disconnect_by_data (saldo_rule_object_get_dbus_rule (rule), self);
  if (self->object_manager != NULL)
    g_dbus_object_manager_server_unexport (self->object_manager, saldo_rule_object_get_path (rule));
  sync_rules_property (self);
}

/* ---- io.github.saldo.Saldo1: rules and top-ups ------------------------ */

static void
on_add_rule_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(MethodCall) call = user_data;
  g_autoptr(SaldoRuleObject) rule = NULL;
  GError *error = NULL;

  if (!authorized (source, result, call))
    return;
  rule = saldo_topup_manager_add_rule (call->self->topups, call->args, &error);
  if (rule == NULL) {
    return_error (call->invocation, error);
    return;
  }
  saldo_dbus_manager_complete_add_rule (call->self->manager_iface, call->invocation,
                                        saldo_rule_object_get_path (rule));
}

static gboolean
on_handle_add_rule (SaldoDBusManager      *iface,
                    GDBusMethodInvocation *invocation,
                    GVariant              *rule,
                    gpointer               user_data)
{
  SaldoDaemon *self = user_data;

  authorize (self, method_call_new (self, invocation, rule), action_manage_rules, on_add_rule_authorized);
  return TRUE;
}

static GVariant *
decision_to_variant (SaldoDaemon *self, const SaldoDecision *decision)
{
  GVariantDict     dict;
  SaldoRuleObject *rule = decision->rule_id > 0
                            ? saldo_topup_manager_lookup_rule (self->topups, decision->rule_id)
                            : NULL;

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
  SaldoDaemon             *self = user_data;
  static const char *const known[] = { "line", "balance", "data", "time", NULL };
  g_auto(SaldoDecision) decision = SALDO_DECISION_INIT;
  g_autoptr(GVariant) line_path = NULL;
  g_autoptr(GVariant) balance = NULL;
  g_autoptr(GVariant) data = NULL;
  g_autoptr(GVariant) time = NULL;
  SaldoWhatIf what_if = { 0 };
  SaldoLine  *line;
  GError     *error = NULL;

  if (!check_option_keys (options, known, invocation) ||
      !lookup_option (options, "line", G_VARIANT_TYPE_OBJECT_PATH, "a line object path (o)", &line_path,
                      invocation) ||
      !lookup_option (options, "balance", G_VARIANT_TYPE_INT64, "an amount in minor units (x)", &balance,
                      invocation) ||
      !lookup_option (options, "data", G_VARIANT_TYPE_UINT64, "bytes (t)", &data, invocation) ||
      !lookup_option (options, "time", G_VARIANT_TYPE_UINT64, "unix seconds (t)", &time, invocation))
    return TRUE;
  if (line_path == NULL ||
      (line = saldo_line_manager_lookup_by_path (self->lines, g_variant_get_string (line_path, NULL))) ==
        NULL) {
    return_invalid (invocation, "line: required, a known line (o)");
    return TRUE;
  }
  what_if.has_balance = balance != NULL;
  what_if.balance = balance != NULL ? g_variant_get_int64 (balance) : 0;
  what_if.has_data = data != NULL;
  what_if.data = data != NULL ? (gint64) MIN (g_variant_get_uint64 (data), (guint64) G_MAXINT64) : 0;
  what_if.time = time != NULL ? (gint64) MIN (g_variant_get_uint64 (time), (guint64) G_MAXINT64) : 0;
  if (!saldo_topup_manager_simulate (self->topups, line, &what_if, &decision, &error)) {
    return_error (invocation, error);
    return TRUE;
  }
  saldo_dbus_manager_complete_simulate (iface, invocation, decision_to_variant (self, &decision));
  return TRUE;
}

/* ConfirmTopUp and RejectTopUp: the owner's answer to a planned top-up. */
static void
on_answer_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(MethodCall) call = user_data;
  const char *id;
  GError     *error = NULL;
  gboolean    done;

  if (!authorized (source, result, call))
    return;
  g_variant_get_child (call->args, 0, "&s", &id);
  done = call->confirm ? saldo_topup_manager_confirm (call->self->topups, id, &error)
                       : saldo_topup_manager_reject (call->self->topups, id, &error);
  if (!done) {
    return_error (call->invocation, error);
    return;
  }
  if (call->confirm)
    saldo_dbus_manager_complete_confirm_top_up (call->self->manager_iface, call->invocation);
  else
    saldo_dbus_manager_complete_reject_top_up (call->self->manager_iface, call->invocation);
}

static gboolean
handle_answer (SaldoDaemon *self, GDBusMethodInvocation *invocation, gboolean confirm)
{
  MethodCall *call = method_call_new (self, invocation, g_dbus_method_invocation_get_parameters (invocation));

  call->confirm = confirm;
  authorize (self, call, action_top_up, on_answer_authorized);
  return TRUE;
}

static gboolean
on_handle_confirm (SaldoDBusManager      *iface,
                   GDBusMethodInvocation *invocation,
                   const char            *id,
                   gpointer               user_data)
{
  return handle_answer (user_data, invocation, TRUE);
}

static gboolean
on_handle_reject (SaldoDBusManager      *iface,
                  GDBusMethodInvocation *invocation,
                  const char            *id,
                  gpointer               user_data)
{
  return handle_answer (user_data, invocation, FALSE);
}

static void
on_resolve_uid (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(MethodCall) call = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) options = g_variant_get_child_value (call->args, 2);
  const char *id;
  const char *outcome;
  const char *note = NULL;
  GError     *error = NULL;
  guint32     uid;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL) {
    g_prefix_error (&error, "cannot tell who is asking: ");
    return_error (call->invocation, error);
    return;
  }
  g_variant_get (reply, "(u)", &uid);
  g_variant_get_child (call->args, 0, "&s", &id);
  g_variant_get_child (call->args, 1, "&s", &outcome);
  g_variant_lookup (options, "note", "&s", &note);
  if (!saldo_topup_manager_resolve (call->self->topups, id,
                                    g_str_equal (outcome, "succeeded") ? SALDO_LEDGER_STATE_SUCCEEDED
                                                                       : SALDO_LEDGER_STATE_FAILED,
                                    uid, note, &error)) {
    return_error (call->invocation, error);
    return;
  }
  saldo_dbus_manager_complete_resolve_top_up (call->self->manager_iface, call->invocation);
}

static void
on_resolve_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MethodCall *call = user_data;

  if (!authorized (source, result, call)) {
    method_call_free (call);
    return;
  }
  /* The decision is the owner's, so the ledger names them. */
  g_dbus_connection_call (g_dbus_method_invocation_get_connection (call->invocation), "org.freedesktop.DBus",
                          "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixUser",
                          g_variant_new ("(s)", g_dbus_method_invocation_get_sender (call->invocation)),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL, on_resolve_uid, call);
}

static gboolean
on_handle_resolve (SaldoDBusManager      *iface,
                   GDBusMethodInvocation *invocation,
                   const char            *id,
                   const char            *outcome,
                   GVariant              *options,
                   gpointer               user_data)
{
  SaldoDaemon             *self = user_data;
  static const char *const known[] = { "note", NULL };
  g_autoptr(GVariant) note = NULL;

  if (!check_option_keys (options, known, invocation))
    return TRUE;
  if (!g_str_equal (outcome, "succeeded") && !g_str_equal (outcome, "failed")) {
    return_invalid (invocation, "outcome: must be succeeded or failed");
    return TRUE;
  }
  note = g_variant_lookup_value (options, "note", NULL);
  if (note != NULL) {
    const char *text;

    if (!g_variant_is_of_type (note, G_VARIANT_TYPE_STRING)) {
      return_invalid (invocation, "note: must be a string (s)");
      return TRUE;
    }
    text = g_variant_get_string (note, NULL);
    if (g_utf8_strlen (text, -1) > SALDO_RESOLVE_NOTE_MAX) {
      g_dbus_method_invocation_return_error (invocation, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                                             "note: at most %d characters", SALDO_RESOLVE_NOTE_MAX);
      return TRUE;
    }
    for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p)) {
      if (g_unichar_iscntrl (g_utf8_get_char (p))) {
        return_invalid (invocation, "note: no control characters");
        return TRUE;
      }
    }
  }
  authorize (self, method_call_new (self, invocation, g_dbus_method_invocation_get_parameters (invocation)),
             action_top_up, on_resolve_authorized);
  return TRUE;
}

static GVariant *
topup_to_variant (SaldoDaemon *self, gconstpointer item)
{
  const SaldoTopupRecord *r = item;
  GVariantDict            dict;
  SaldoLine              *line = saldo_line_manager_lookup_by_id (self->lines, r->line_id);
  SaldoRuleObject *rule = r->rule_id > 0 ? saldo_topup_manager_lookup_rule (self->topups, r->rule_id) : NULL;
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, r->id);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "id", "s", id);
  g_variant_dict_insert (&dict, "line", "o", line != NULL ? saldo_line_get_object_path (line) : "/");
  g_variant_dict_insert (&dict, "rule", "o", rule != NULL ? saldo_rule_object_get_path (rule) : "/");
  g_variant_dict_insert (&dict, "provider", "s", r->provider);
  g_variant_dict_insert (&dict, "state", "s", saldo_ledger_state_to_string (r->state));
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
  g_variant_dict_insert (&dict, "failure", "s", r->failure != NULL ? r->failure : "");
  return g_variant_dict_end (&dict);
}

static gboolean
on_handle_get_top_ups (SaldoDBusManager      *iface,
                       GDBusMethodInvocation *invocation,
                       GVariant              *options,
                       gpointer               user_data)
{
  SaldoDaemon             *self = user_data;
  static const char *const known[] = { "line", "limit", "before", NULL };
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GVariant) line_path = NULL;
  g_autoptr(GVariant) limit = NULL;
  g_autoptr(GVariant) before = NULL;
  SaldoLedgerQuery query = { 0 };
  GError          *error = NULL;

  if (!check_option_keys (options, known, invocation) ||
      !lookup_option (options, "line", G_VARIANT_TYPE_OBJECT_PATH, "a line object path (o)", &line_path,
                      invocation) ||
      !lookup_option (options, "limit", G_VARIANT_TYPE_UINT32, "an unsigned integer (u)", &limit,
                      invocation) ||
      !lookup_option (options, "before", G_VARIANT_TYPE_STRING, "a top-up id (s)", &before, invocation))
    return TRUE;
  if (line_path != NULL) {
    SaldoLine *line = saldo_line_manager_lookup_by_path (self->lines, g_variant_get_string (line_path, NULL));

    if (line == NULL) {
      g_dbus_method_invocation_return_error (invocation, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                                             "line: unknown line %s", g_variant_get_string (line_path, NULL));
      return TRUE;
    }
    query.line_id = saldo_line_get_id (line);
  }
  /* Paging: only rows older than the top-up `before`. */
  if (before != NULL && !saldo_topup_id_parse (g_variant_get_string (before, NULL), &query.before_id, NULL)) {
    g_dbus_method_invocation_return_error (invocation, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                                           "before: '%s' is not a top-up id",
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
  if (!saldo_topup_manager_list (self->topups, &query, &rows, &error)) {
    return_error (invocation, error);
    return TRUE;
  }
  saldo_dbus_manager_complete_get_top_ups (iface, invocation, build_reply (self, rows, topup_to_variant));
  return TRUE;
}

/* ---- GetReport -------------------------------------------------------- */

static GVariant *
report_line_to_variant (SaldoDaemon *self, const SaldoReportLineResult *r)
{
  SaldoLine      *line = saldo_line_manager_lookup_by_iccid (self->lines, r->iccid);
  GVariantDict    dict;
  GVariantBuilder states;
  GVariantBuilder failures;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "line", "o", line != NULL ? saldo_line_get_object_path (line) : "/");
  g_variant_dict_insert (&dict, "currency", "s", r->currency);
  g_variant_dict_insert (&dict, "attempts", "u", r->attempts);
  g_variant_dict_insert (&dict, "spent", "x", r->spent);
  g_variant_builder_init (&states, G_VARIANT_TYPE ("a{s(ux)}"));
  for (guint s = 0; s < SALDO_REPORT_N_STATES; s++)
    if (r->state_count[s] > 0)
      g_variant_builder_add (&states, "{s(ux)}", saldo_ledger_state_to_string ((SaldoLedgerState) s),
                             r->state_count[s], r->state_sum[s]);
  g_variant_dict_insert_value (&dict, "states", g_variant_builder_end (&states));
  g_variant_dict_insert (&dict, "other-currency", "u", r->other_currency);
  g_variant_dict_insert (&dict, "consumption", "x", r->consumption);
  g_variant_dict_insert (&dict, "threshold", "x", r->threshold);
  g_variant_dict_insert (&dict, "days-below", "i", r->days_below_known ? (gint32) r->days_below : -1);
  g_variant_builder_init (&failures, G_VARIANT_TYPE ("a(su)"));
  for (guint f = 0; f < r->failures->len; f++) {
    const SaldoReportFailure *failure = r->failures->pdata[f];

    g_variant_builder_add (&failures, "(su)", failure->reason, failure->count);
  }
  g_variant_dict_insert_value (&dict, "failures", g_variant_builder_end (&failures));
  g_variant_dict_insert (&dict, "max-per-day", "x", r->max_per_day);
  g_variant_dict_insert (&dict, "max-day-spent", "x", r->max_day_spent);
  g_variant_dict_insert (&dict, "max-day", "t", (guint64) MAX (r->max_day, 0));
  g_variant_dict_insert (&dict, "max-per-month", "x", r->max_per_month);
  return g_variant_dict_end (&dict);
}

static GVariant *
report_to_variant (SaldoDaemon *self, const SaldoReport *report, int year, int month)
{
  SaldoProviderWatch *watch = saldo_topup_manager_get_provider_watch (self->topups);
  g_autofree char    *month_text = g_strdup_printf ("%04d-%02d", year, month);
  GVariantBuilder     lines, providers;
  GVariantDict        dict;

  g_variant_builder_init (&lines, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < report->lines->len; i++)
    g_variant_builder_add_value (&lines, report_line_to_variant (self, report->lines->pdata[i]));
  g_variant_builder_init (&providers, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < report->providers->len; i++) {
    const SaldoReportProvider *p = report->providers->pdata[i];
    GVariantDict               entry;

    g_variant_dict_init (&entry, NULL);
    g_variant_dict_insert (&entry, "provider", "o", saldo_provider_watch_path (watch, p->provider));
    g_variant_dict_insert (&entry, "id", "s", p->provider);
    g_variant_dict_insert (&entry, "currency", "s", p->currency);
    g_variant_dict_insert (&entry, "attempts", "u", p->attempts);
    g_variant_dict_insert (&entry, "spent", "x", p->spent);
    g_variant_builder_add_value (&providers, g_variant_dict_end (&entry));
  }
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "month", "s", month_text);
  g_variant_dict_insert (&dict, "from", "t", (guint64) report->from);
  g_variant_dict_insert (&dict, "to", "t", (guint64) report->to);
  g_variant_dict_insert_value (&dict, "lines", g_variant_builder_end (&lines));
  g_variant_dict_insert_value (&dict, "providers", g_variant_builder_end (&providers));
  g_variant_dict_insert (&dict, "monthly-cap", "x", report->monthly_cap);
  g_variant_dict_insert (&dict, "cap-currency", "s",
                         report->cap_currency != NULL ? report->cap_currency : "");
  g_variant_dict_insert (&dict, "cap-spent", "x", report->cap_spent);
  return g_variant_dict_end (&dict);
}

static gboolean
on_handle_get_report (SaldoDBusManager      *iface,
                      GDBusMethodInvocation *invocation,
                      GVariant              *options,
                      gpointer               user_data)
{
  SaldoDaemon             *self = user_data;
  static const char *const known[] = { "month", "line", NULL };
  g_autoptr(GVariant) month_text = NULL;
  g_autoptr(GVariant) line_path = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(SaldoReport) report = NULL;
  SaldoLine *line = NULL;
  GError    *error = NULL;
  int        year = g_date_time_get_year (now);
  int        month = g_date_time_get_month (now);

  if (!check_option_keys (options, known, invocation) ||
      !lookup_option (options, "month", G_VARIANT_TYPE_STRING, "a month, YYYY-MM (s)", &month_text,
                      invocation) ||
      !lookup_option (options, "line", G_VARIANT_TYPE_OBJECT_PATH, "a line object path (o)", &line_path,
                      invocation))
    return TRUE;
  if (month_text != NULL && !saldo_month_parse (g_variant_get_string (month_text, NULL), &year, &month)) {
    g_dbus_method_invocation_return_error (invocation, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                                           "month: '%s' is not a month, YYYY-MM",
                                           g_variant_get_string (month_text, NULL));
    return TRUE;
  }
  if (line_path != NULL) {
    line = saldo_line_manager_lookup_by_path (self->lines, g_variant_get_string (line_path, NULL));
    if (line == NULL) {
      g_dbus_method_invocation_return_error (invocation, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                                             "line: unknown line %s", g_variant_get_string (line_path, NULL));
      return TRUE;
    }
  }
  report = saldo_topup_manager_report (self->topups, year, month, line, &error);
  if (report == NULL) {
    return_error (invocation, error);
    return TRUE;
  }
  saldo_dbus_manager_complete_get_report (iface, invocation, report_to_variant (self, report, year, month));
  return TRUE;
}

/* ---- io.github.saldo.Saldo1.Provider ---------------------------------- */

static void
on_provider_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(MethodCall) call = user_data;
  SaldoDBusProvider *iface = saldo_provider_object_get_dbus_provider (call->provider);
  GError            *error = NULL;

  if (!saldo_provider_watch_check_finish (SALDO_PROVIDER_WATCH (source), result, &error)) {
    return_error (call->invocation, error);
    return;
  }
  /* What it said is in the properties as the call returns. */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (iface));
  saldo_dbus_provider_complete_check (iface, call->invocation);
}

static void
on_check_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MethodCall *call = user_data;

  if (!authorized (source, result, call)) {
    method_call_free (call);
    return;
  }
  saldo_provider_watch_check_async (saldo_topup_manager_get_provider_watch (call->self->topups),
                                    saldo_provider_object_get_id (call->provider), on_provider_checked, call);
}

static gboolean
on_handle_check (SaldoDBusProvider *iface, GDBusMethodInvocation *invocation, gpointer user_data)
{
  SaldoDaemon *self = user_data;
  GPtrArray   *objects = saldo_provider_watch_get_objects (
      saldo_topup_manager_get_provider_watch (self->topups));
  const char *path = g_dbus_method_invocation_get_object_path (invocation);
  MethodCall *call;

  for (guint i = 0; i < objects->len; i++) {
    if (g_strcmp0 (saldo_provider_object_get_path (objects->pdata[i]), path) != 0)
      continue;
    call = method_call_new (self, invocation, g_dbus_method_invocation_get_parameters (invocation));
    call->provider = g_object_ref (objects->pdata[i]);
    authorize (self, call, action_configure, on_check_authorized);
    return TRUE;
  }
  g_dbus_method_invocation_return_error (invocation, SALDO_ERROR, SALDO_ERROR_NOT_FOUND, "no provider at %s",
                                         path);
  return TRUE;
}

/* ---- signals ---------------------------------------------------------- */

static void
on_provider_needs_attention (SaldoProviderWatch *watch,
                             const char         *provider,
                             const char         *reason,
                             SaldoDaemon        *self)
{
  saldo_dbus_manager_emit_provider_needs_attention (self->manager_iface, provider, reason);
}

static void
on_provider_warning (SaldoProviderWatch *watch,
                     const char         *provider,
                     const char         *warning,
                     const char         *message,
                     SaldoDaemon        *self)
{
  saldo_dbus_manager_emit_provider_warning (self->manager_iface, provider, warning, message);
}

static void
on_unusual_spending (SaldoForecaster *forecaster,
                     const char      *line,
                     gint64           per_day,
                     gint64           usual,
                     SaldoDaemon     *self)
{
  saldo_dbus_manager_emit_unusual_spending (self->manager_iface, line, per_day, usual);
}

static void
on_top_up_started (SaldoTopupManager *topups,
                   const char        *id,
                   const char        *line,
                   gint64             amount,
                   const char        *currency,
                   SaldoDaemon       *self)
{
  saldo_dbus_manager_emit_top_up_started (self->manager_iface, id, line, amount, currency);
}

static void
on_top_up_finished (SaldoTopupManager *topups,
                    const char        *id,
                    const char        *line,
                    const char        *state,
                    gint64             amount,
                    SaldoDaemon       *self)
{
  saldo_dbus_manager_emit_top_up_finished (self->manager_iface, id, line, state, amount);
}

static void
on_confirmation_required (SaldoTopupManager *topups,
                          const char        *id,
                          const char        *line,
                          gint64             amount,
                          const char        *currency,
                          const char        *reason,
                          SaldoDaemon       *self)
{
  saldo_dbus_manager_emit_confirmation_required (self->manager_iface, id, line, amount, currency, reason);
}

static void
on_rule_disabled (SaldoTopupManager *topups, const char *rule, const char *reason, SaldoDaemon *self)
{
  saldo_dbus_manager_emit_rule_disabled (self->manager_iface, rule, reason);
}

static void
on_low_balance (SaldoTopupManager *topups,
                const char        *line,
                gint64             balance,
                const char        *currency,
                SaldoDaemon       *self)
{
  saldo_dbus_manager_emit_low_balance (self->manager_iface, line, balance, currency);
}

/* ---- life cycle ------------------------------------------------------- */

static SaldoStore *
open_store (SaldoConfig *config, GError **error)
{
  const char      *state_dir = saldo_config_get_state_dir (config);
  g_autofree char *db_path = g_build_filename (state_dir, "saldo.db", NULL);

  if (g_mkdir_with_parents (state_dir, 0700) != 0) {
    int errsv = errno;

    g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE, "cannot create state directory %s: %s", state_dir,
                 g_strerror (errsv));
    return NULL;
  }
  return saldo_store_open (db_path, error);
}

/* The provider types saldod knows without a module. */
static SaldoProviderLoader *
provider_loader_new (const SaldoDaemonSettings *settings)
{
  SaldoProviderLoader *loader = saldo_provider_loader_new (settings->provider_plugin_dir);

#if SALDO_BUILTIN_PROVIDERS
  saldo_provider_loader_add_builtins (loader);
#endif
  saldo_provider_loader_add_builtin (loader, SALDO_TYPE_PROVIDER_USSD_VOUCHER);
  return loader;
}

SaldoDaemon *
saldo_daemon_new (GDBusConnection *connection, SaldoConfig *config, GError **error)
{
  g_autoptr(SaldoDaemon) self = g_object_new (SALDO_TYPE_DAEMON, NULL);
  const SaldoDaemonSettings *settings = saldo_config_get_daemon_settings (config);
  g_autoptr(SaldoProviderLoader) loader = provider_loader_new (settings);
  g_autofree char *db_path = NULL;

  self->connection = g_object_ref (connection);
  self->config = g_object_ref (config);
  self->manager_iface = saldo_dbus_manager_skeleton_new ();
  self->authority = saldo_authority_new (settings->authorization_timeout_ms);
  saldo_dbus_manager_set_version (self->manager_iface, SALDO_VERSION);
  saldo_dbus_manager_set_modem_manager_running (self->manager_iface, FALSE);
  self->store = open_store (config, error);
  if (self->store == NULL)
    return NULL;
  self->lines = saldo_line_manager_new (self->store, config, error);
  if (self->lines == NULL)
    return NULL;
  db_path = g_build_filename (saldo_config_get_state_dir (config), "saldo.db", NULL);
  g_info ("state in %s: %u known line(s)", db_path, saldo_line_manager_get_lines (self->lines)->len);
  self->topups = saldo_topup_manager_new (self->store, self->lines, config, loader, error);
  if (self->topups == NULL)
    return NULL;

  g_signal_connect (self->lines, "line-added", G_CALLBACK (on_line_added), self);
  g_signal_connect (self->lines, "euicc-added", G_CALLBACK (on_euicc_added), self);
  g_signal_connect (self->lines, "check-failed", G_CALLBACK (on_check_failed), self);
  g_signal_connect (self->lines, "registration", G_CALLBACK (on_registration), self);
  g_signal_connect (self->lines, "notify::modem-manager-running", G_CALLBACK (on_modem_manager_running),
                    self);
  g_signal_connect (self->topups, "rule-added", G_CALLBACK (on_rule_added), self);
  g_signal_connect (self->topups, "rule-removed", G_CALLBACK (on_rule_removed), self);
  g_signal_connect (self->topups, "top-up-started", G_CALLBACK (on_top_up_started), self);
  g_signal_connect (self->topups, "top-up-finished", G_CALLBACK (on_top_up_finished), self);
  g_signal_connect (self->topups, "confirmation-required", G_CALLBACK (on_confirmation_required), self);
  g_signal_connect (self->topups, "rule-disabled", G_CALLBACK (on_rule_disabled), self);
  g_signal_connect (self->topups, "low-balance", G_CALLBACK (on_low_balance), self);
  g_signal_connect (saldo_topup_manager_get_provider_watch (self->topups), "needs-attention",
                    G_CALLBACK (on_provider_needs_attention), self);
  g_signal_connect (saldo_topup_manager_get_provider_watch (self->topups), "warning",
                    G_CALLBACK (on_provider_warning), self);
  g_signal_connect (saldo_topup_manager_get_forecaster (self->topups), "unusual-spending",
                    G_CALLBACK (on_unusual_spending), self);
  g_signal_connect (self->manager_iface, "handle-get-report", G_CALLBACK (on_handle_get_report), self);
  g_signal_connect (self->manager_iface, "handle-add-rule", G_CALLBACK (on_handle_add_rule), self);
  g_signal_connect (self->manager_iface, "handle-simulate", G_CALLBACK (on_handle_simulate), self);
  g_signal_connect (self->manager_iface, "handle-confirm-top-up", G_CALLBACK (on_handle_confirm), self);
  g_signal_connect (self->manager_iface, "handle-reject-top-up", G_CALLBACK (on_handle_reject), self);
  g_signal_connect (self->manager_iface, "handle-resolve-top-up", G_CALLBACK (on_handle_resolve), self);
  g_signal_connect (self->manager_iface, "handle-get-top-ups", G_CALLBACK (on_handle_get_top_ups), self);
  return g_steal_pointer (&self);
}

/* Objects go on the bus before the name is requested, so a client that sees
 * the name appear finds the whole tree. */
gboolean
saldo_daemon_export (SaldoDaemon *self, GError **error)
{
  GPtrArray *lines = saldo_line_manager_get_lines (self->lines);
  GPtrArray *rules = saldo_topup_manager_get_rules (self->topups);
  GPtrArray *providers = saldo_provider_watch_get_objects (
    saldo_topup_manager_get_provider_watch (self->topups));
  g_autoptr(GList) euiccs = saldo_line_manager_get_euiccs (self->lines);
  g_autoptr(GPtrArray) provider_paths = g_ptr_array_new ();

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->manager_iface), self->connection,
                                         SALDO_OBJECT_ROOT, error))
    return FALSE;
  self->object_manager = g_dbus_object_manager_server_new (SALDO_OBJECT_ROOT);
  for (guint i = 0; i < lines->len; i++)
    export_line (self, lines->pdata[i]);
  for (GList *l = euiccs; l != NULL; l = l->next)
    g_dbus_object_manager_server_export (self->object_manager, saldo_euicc_get_dbus_object (l->data));
  for (guint i = 0; i < rules->len; i++)
    export_rule (self, rules->pdata[i]);
  for (guint i = 0; i < providers->len; i++) {
    SaldoProviderObject *provider = providers->pdata[i];

    g_signal_connect_object (saldo_provider_object_get_dbus_provider (provider), "handle-check",
                             G_CALLBACK (on_handle_check), self, 0);
    g_dbus_object_manager_server_export (self->object_manager,
                                         saldo_provider_object_get_dbus_object (provider));
    g_ptr_array_add (provider_paths, (gpointer) saldo_provider_object_get_path (provider));
  }
  g_ptr_array_add (provider_paths, NULL);
  saldo_dbus_manager_set_providers (self->manager_iface, (const char *const *) provider_paths->pdata);
  sync_lines_property (self);
  sync_rules_property (self);
  g_dbus_object_manager_server_set_connection (self->object_manager, self->connection);
  return TRUE;
}

/* Once the bus name is ours: modems, providers and reconciliation start
 * only now, so a saldod that is about to exit has touched nothing. */
void
saldo_daemon_start (SaldoDaemon *self)
{
  g_return_if_fail (!self->serving);
  self->serving = TRUE;
  saldo_line_manager_start (self->lines, self->connection);
  self->nm_watcher = saldo_nm_watcher_new (self->connection);
  self->line_network = saldo_line_network_new (self->lines, self->nm_watcher);
  saldo_nm_watcher_start (self->nm_watcher);
  saldo_topup_manager_start (self->topups);
  self->exporter = saldo_exporter_new (self->config, saldo_topup_manager_get_ledger (self->topups),
                                       self->manager_iface, saldo_line_manager_get_lines (self->lines),
                                       saldo_provider_watch_get_objects (
                                         saldo_topup_manager_get_provider_watch (self->topups)));
}

static void
saldo_daemon_dispose (GObject *object)
{
  SaldoDaemon *self = SALDO_DAEMON (object);

  g_clear_object (&self->exporter);
  g_clear_object (&self->line_network);
  g_clear_object (&self->nm_watcher);
  if (self->topups != NULL) {
    g_signal_handlers_disconnect_by_data (self->topups, self);
    g_signal_handlers_disconnect_by_data (saldo_topup_manager_get_provider_watch (self->topups), self);
    g_signal_handlers_disconnect_by_data (saldo_topup_manager_get_forecaster (self->topups), self);
  }
  if (self->lines != NULL)
    g_signal_handlers_disconnect_by_data (self->lines, self);
  g_clear_object (&self->topups);
  g_clear_object (&self->lines);
  if (self->manager_iface != NULL &&
      g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->manager_iface)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->manager_iface));
  g_clear_object (&self->object_manager);
  G_OBJECT_CLASS (saldo_daemon_parent_class)->dispose (object);
}

static void
saldo_daemon_finalize (GObject *object)
{
  SaldoDaemon *self = SALDO_DAEMON (object);

  g_clear_object (&self->authority);
  g_clear_object (&self->manager_iface);
  g_clear_object (&self->store);
  g_clear_object (&self->config);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (saldo_daemon_parent_class)->finalize (object);
}

static void
saldo_daemon_class_init (SaldoDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = saldo_daemon_dispose;
  object_class->finalize = saldo_daemon_finalize;
}

static void
saldo_daemon_init (SaldoDaemon *self)
{
}
