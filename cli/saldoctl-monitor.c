/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>

#include "saldo-client-format.h"
#include "saldoctl.h"
#include "saldoctl-output.h"

/* saldoctl monitor [--json | --format waybar|text]: every signal saldod
 * sends — its events, PropertiesChanged, objects coming and going — as it
 * happens, one line each (one JSON object a line with --json, written in
 * D-Bus terms: names as on the bus, amounts in minor units).  Ends with
 * status 0 on Ctrl-C, when saldod leaves the bus, or when the reader of
 * stdout goes away.  With --format it prints a status bar's line at start
 * and again whenever it changes. */

/* A refresh changes several properties at once: one bar line for all. */
#define BAR_SETTLE_MS 100

typedef struct {
  SaldoCtl         *ctl;
  GMainLoop        *loop;
  gboolean          bar;
  SaldoCtlBarFormat bar_format;
  char             *last_bar;
  guint             bar_id;
  int               status;
} Monitor;

/* Every line goes out at once, whole: a bar or a pipe reads it live.
 * Names and replies in it come from the network: no control sequence
 * reaches the terminal. */
static void
emit (Monitor *m, const char *text)
{
  g_autofree char *line = saldoctl_escape_lines (text);

  if (fputs (line, stdout) < 0 || fputc ('\n', stdout) < 0 || fflush (stdout) != 0) {
    /* The reader left (a bar restarted, `| head`): nothing more to do. */
    g_main_loop_quit (m->loop);
  }
}

/* ---- JSON --------------------------------------------------------------- */

static GDBusInterfaceInfo *
interface_info (const char *name)
{
  GDBusInterfaceInfo *infos[] = {
    saldo_dbus_manager_interface_info (),
    saldo_dbus_line_interface_info (),
    saldo_dbus_rule_interface_info (),
    saldo_dbus_euicc_interface_info (),
  };

  for (guint i = 0; i < G_N_ELEMENTS (infos); i++)
    if (g_strcmp0 (infos[i]->name, name) == 0)
      return infos[i];
  return NULL;
}

static void
add_variant (JsonBuilder *b, const char *name, GVariant *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_value (b, json_gvariant_serialize (value));
}

static char *
signal_to_json (const char *path, const char *iface, const char *member, GVariant *params)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char    *time = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
  GDBusInterfaceInfo *info = interface_info (iface);
  GDBusSignalInfo    *signal_info = info != NULL ? g_dbus_interface_info_lookup_signal (info, member) : NULL;
  gsize               n = g_variant_n_children (params);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, time);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, member);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, path);
  if (g_str_equal (member, "PropertiesChanged") &&
      g_variant_is_of_type (params, G_VARIANT_TYPE ("(sa{sv}as)"))) {
    g_autoptr(GVariant) name = g_variant_get_child_value (params, 0);
    g_autoptr(GVariant) changed = g_variant_get_child_value (params, 1);
    g_autoptr(GVariant) invalidated = g_variant_get_child_value (params, 2);

    add_variant (b, "interface", name);
    add_variant (b, "changed", changed);
    add_variant (b, "invalidated", invalidated);
  } else if (g_str_equal (member, "InterfacesAdded") || g_str_equal (member, "InterfacesRemoved")) {
    g_autoptr(GVariant) object = n > 0 ? g_variant_get_child_value (params, 0) : NULL;
    g_autoptr(GVariant) interfaces = n > 1 ? g_variant_get_child_value (params, 1) : NULL;

    if (object != NULL)
      add_variant (b, "object", object);
    if (interfaces != NULL)
      add_variant (b, "interfaces", interfaces);
  } else {
    json_builder_set_member_name (b, "interface");
    json_builder_add_string_value (b, iface);
    json_builder_set_member_name (b, "args");
    json_builder_begin_object (b);
    for (gsize i = 0; i < n; i++) {
      g_autoptr(GVariant) arg = g_variant_get_child_value (params, i);
      g_autofree char *fallback = g_strdup_printf ("arg%" G_GSIZE_FORMAT, i);
      GDBusArgInfo    *arg_info = signal_info != NULL && signal_info->args != NULL &&
                                   i < g_strv_length ((char **) signal_info->args)
                                    ? signal_info->args[i]
                                    : NULL;

      add_variant (b, arg_info != NULL ? arg_info->name : fallback, arg);
    }
    json_builder_end_object (b);
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* ---- for people --------------------------------------------------------- */

/* "line 2", "rule 1", "eUICC 1", or the path itself. */
static char *
object_name (const char *path)
{
  const char *line = SALDO_OBJECT_ROOT "/Line/";
  const char *rule = SALDO_OBJECT_ROOT "/Rule/";
  const char *euicc = SALDO_OBJECT_ROOT "/Euicc/";

  /* TRANSLATORS: %s is a number */
  if (g_str_has_prefix (path, line))
    return g_strdup_printf (_ ("line %s"), path + strlen (line));
  /* TRANSLATORS: %s is a number */
  if (g_str_has_prefix (path, rule))
    return g_strdup_printf (_ ("rule %s"), path + strlen (rule));
  /* TRANSLATORS: %s is a number */
  if (g_str_has_prefix (path, euicc))
    return g_strdup_printf (_ ("eUICC %s"), path + strlen (euicc));
  if (g_str_equal (path, SALDO_OBJECT_ROOT))
    return g_strdup ("saldod");
  return g_strdup (path);
}

static const char *
status_word (const char *status)
{
  static const struct {
    const char *status;
    const char *words;
  } words[] = {
    { "succeeded", N_ ("sent") },
    { "verified", N_ ("arrived (verified)") },
    { "failed", N_ ("failed") },
    { "unknown", N_ ("outcome unknown") },
    { "disputed", N_ ("not seen on the line (disputed)") },
    { "expired", N_ ("withdrawn or expired") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (g_strcmp0 (status, words[i].status) == 0)
      return _ (words[i].words);
  return status;
}

static char *
currency_of (Monitor *m, const char *path, GVariant *changed)
{
  g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (m->ctl->object_manager, path);
  g_autoptr(SaldoDBusLine) line = object != NULL ? saldo_dbus_object_get_line (SALDO_DBUS_OBJECT (object))
                                                  : NULL;
  g_autoptr(SaldoDBusRule) rule = object != NULL ? saldo_dbus_object_get_rule (SALDO_DBUS_OBJECT (object))
                                                  : NULL;
  const char *currency = NULL;

  /* Changed in the same signal: the proxies may not have seen it yet. */
  if (changed != NULL && g_variant_lookup (changed, "Currency", "&s", &currency))
    return g_strdup (currency);
  if (line != NULL)
    return g_strdup (saldo_dbus_line_get_currency (line));
  if (rule != NULL)
    return g_strdup (saldo_dbus_rule_get_currency (rule));
  return g_strdup ("");
}

static char *
property_text (Monitor *m, const char *path, const char *name, GVariant *value, GVariant *changed)
{
  static const char *const money[] = { "Balance", "Amount", "MaxPerTopup", "MaxPerDay", "MaxPerMonth", NULL };
  static const char *const days[] = { "Expiry", NULL };
  static const char *const moments[] = { "LastUpdated", "LastRead", NULL };

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64) && g_strv_contains (money, name)) {
    g_autofree char *currency = currency_of (m, path, changed);

    return saldo_client_format_money (g_variant_get_int64 (value), currency);
  }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64) && g_strv_contains (days, name))
    return g_variant_get_uint64 (value) != 0 ? saldo_client_format_date (g_variant_get_uint64 (value))
                                             : g_strdup (_ ("none"));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64) && g_strv_contains (moments, name))
    return g_variant_get_uint64 (value) != 0 ? saldo_client_format_time (g_variant_get_uint64 (value))
                                             : g_strdup (_ ("never"));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64) && g_str_equal (name, "DataRemaining"))
    return saldo_client_format_bytes (g_variant_get_uint64 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return g_strdup (g_variant_get_boolean (value) ? _ ("yes") : _ ("no"));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)) {
    g_autofree char *safe = saldo_client_safe_text (g_variant_get_string (value, NULL), 80);

    return g_strdup_printf ("“%s”", safe);
  }
  return g_variant_print (value, FALSE);
}

static char *
signal_to_text (Monitor *m, const char *path, const char *member, GVariant *params)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *clock = g_date_time_format (now, "%H:%M:%S");
  g_autofree char *who = object_name (path);
  g_autoptr(GString) out = g_string_new (NULL);
  const char *id, *line, *currency, *status, *reason, *object, *iface;
  gint64      amount;

  g_string_append_printf (out, "%s ", clock);
  if (g_str_equal (member, "PropertiesChanged") &&
      g_variant_is_of_type (params, G_VARIANT_TYPE ("(sa{sv}as)"))) {
    g_autoptr(GVariant) changed = g_variant_get_child_value (params, 1);
    GVariantIter iter;
    const char  *name;
    GVariant    *value;
    gboolean     first = TRUE;

    g_string_append_printf (out, "%s:", who);
    g_variant_iter_init (&iter, changed);
    while (g_variant_iter_loop (&iter, "{&sv}", &name, &value)) {
      g_autofree char *shown = property_text (m, path, name, value, changed);

      g_string_append_printf (out, "%s %s %s", first ? "" : ",", name, shown);
      first = FALSE;
    }
  } else if (g_str_equal (member, "TopUpStarted") &&
             g_variant_is_of_type (params, G_VARIANT_TYPE ("(soxs)"))) {
    g_autofree char *money = NULL, *line_name = NULL;

    g_variant_get (params, "(&s&ox&s)", &id, &line, &amount, &currency);
    money = saldo_client_format_money (amount, currency);
    line_name = object_name (line);
    /* TRANSLATORS: "top-up 3 of line 1 started: S/ 20.00" */
    g_string_append_printf (out, _ ("top-up %s of %s started: %s"), id, line_name, money);
  } else if (g_str_equal (member, "TopUpFinished") &&
             g_variant_is_of_type (params, G_VARIANT_TYPE ("(sosx)"))) {
    g_autofree char *currency_text = NULL, *money = NULL, *line_name = NULL;

    g_variant_get (params, "(&s&o&sx)", &id, &line, &status, &amount);
    currency_text = currency_of (m, line, NULL);
    money = saldo_client_format_money (amount, currency_text);
    line_name = object_name (line);
    /* TRANSLATORS: "top-up 3 of line 1: sent (S/ 20.00)" */
    g_string_append_printf (out, _ ("top-up %s of %s: %s (%s)"), id, line_name, status_word (status), money);
  } else if (g_str_equal (member, "ConfirmationRequired") &&
             g_variant_is_of_type (params, G_VARIANT_TYPE ("(soxss)"))) {
    g_autofree char *money = NULL, *line_name = NULL, *why = NULL;

    g_variant_get (params, "(&s&ox&s&s)", &id, &line, &amount, &currency, &reason);
    money = saldo_client_format_money (amount, currency);
    line_name = object_name (line);
    why = saldo_client_safe_text (reason, 200);
    /* TRANSLATORS: "top-up 3 of line 1 waits for your answer: S/ 20.00 (<saldod's reason>)" */
    g_string_append_printf (out, _ ("top-up %s of %s waits for your answer: %s (%s)"), id, line_name, money,
                            why);
  } else if (g_str_equal (member, "RuleDisabled") && g_variant_is_of_type (params, G_VARIANT_TYPE ("(os)"))) {
    g_autofree char *rule_name = NULL, *why = NULL;

    g_variant_get (params, "(&o&s)", &object, &reason);
    rule_name = object_name (object);
    why = saldo_client_safe_text (reason, 200);
    /* TRANSLATORS: "rule 2 turned itself off: <saldod's reason>" */
    g_string_append_printf (out, _ ("%s turned itself off: %s"), rule_name, why);
  } else if (g_str_equal (member, "LowBalance") && g_variant_is_of_type (params, G_VARIANT_TYPE ("(oxs)"))) {
    g_autofree char *money = NULL, *line_name = NULL;

    g_variant_get (params, "(&ox&s)", &line, &amount, &currency);
    money = saldo_client_format_money (amount, currency);
    line_name = object_name (line);
    /* TRANSLATORS: "line 1: low balance, S/ 2.00" */
    g_string_append_printf (out, _ ("%s: low balance, %s"), line_name, money);
  } else if ((g_str_equal (member, "InterfacesAdded") || g_str_equal (member, "InterfacesRemoved")) &&
             g_variant_n_children (params) >= 1) {
    g_autofree char *object_text = NULL;

    g_variant_get_child (params, 0, "&o", &object);
    object_text = object_name (object);
    g_string_append_printf (out, g_str_equal (member, "InterfacesAdded") ? _ ("new: %s") : _ ("gone: %s"),
                            object_text);
  } else {
    g_autofree char *args = g_variant_print (params, FALSE);

    iface = member;
    g_string_append_printf (out, "%s: %s %s", who, iface, args);
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- the loop ----------------------------------------------------------- */

static gboolean
on_bar_settled (gpointer user_data)
{
  Monitor         *m = user_data;
  g_autofree char *line = saldoctl_bar_render (m->ctl, m->bar_format);

  m->bar_id = 0;
  if (g_strcmp0 (line, m->last_bar) != 0) {
    emit (m, line);
    g_free (m->last_bar);
    m->last_bar = g_steal_pointer (&line);
  }
  return G_SOURCE_REMOVE;
}

static void
on_signal (GDBusConnection *connection,
           const char      *sender,
           const char      *path,
           const char      *iface,
           const char      *member,
           GVariant        *params,
           gpointer         user_data)
{
  Monitor         *m = user_data;
  g_autofree char *line = NULL;

  if (m->bar) {
    if (m->bar_id == 0)
      m->bar_id = g_timeout_add (BAR_SETTLE_MS, on_bar_settled, m);
    return;
  }
  line = m->ctl->json ? signal_to_json (path, iface, member, params)
                      : signal_to_text (m, path, member, params);
  emit (m, line);
}

static void
on_saldod_vanished (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Monitor *m = user_data;

  if (m->bar) {
    g_clear_object (&m->ctl->manager);
    g_clear_handle_id (&m->bar_id, g_source_remove);
    on_bar_settled (m);
  } else if (m->ctl->json) {
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autofree char *time = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
    g_autofree char *line = g_strdup_printf ("{\"time\":\"%s\",\"event\":\"Vanished\",\"path\":\"%s\"}", time,
                                             SALDO_OBJECT_ROOT);

    emit (m, line);
  } else {
    emit (m, _ ("saldod left the bus"));
  }
  g_main_loop_quit (m->loop);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Monitor *m = user_data;

  g_main_loop_quit (m->loop);
  return G_SOURCE_CONTINUE;
}

int
saldoctl_cmd_monitor (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  Monitor m = { ctl, NULL, FALSE, SALDOCTL_BAR_WAYBAR, NULL, 0, EXIT_SUCCESS };
  guint   subscription, watch, sigint_id, sigterm_id;

  for (int i = 0; i < argc; i++) {
    const char *format = NULL;

    if (g_str_equal (argv[i], "--format") && i + 1 < argc)
      format = argv[++i];
    else if (g_str_has_prefix (argv[i], "--format="))
      format = argv[i] + strlen ("--format=");
    if (format == NULL) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("monitor: unexpected '%s'"), argv[i]);
      return EXIT_FAILURE;
    }
    if (!saldoctl_bar_format_parse (format, &m.bar_format, error))
      return EXIT_FAILURE;
    m.bar = TRUE;
  }
  if (m.bar && ctl->json) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _ ("monitor: --json and --format exclude each other"));
    return EXIT_FAILURE;
  }
  /* A closed pipe is the reader leaving, seen as a write error. */
  signal (SIGPIPE, SIG_IGN);
  m.loop = g_main_loop_new (NULL, FALSE);
  subscription = g_dbus_connection_signal_subscribe (ctl->connection, SALDO_BUS_NAME, NULL, NULL, NULL, NULL,
                                                     G_DBUS_SIGNAL_FLAGS_NONE, on_signal, &m, NULL);
  watch = g_bus_watch_name_on_connection (ctl->connection, SALDO_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          NULL, on_saldod_vanished, &m, NULL);
  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, &m);
  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, &m);
  if (m.bar)
    on_bar_settled (&m);
  g_main_loop_run (m.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_bus_unwatch_name (watch);
  g_dbus_connection_signal_unsubscribe (ctl->connection, subscription);
  g_clear_handle_id (&m.bar_id, g_source_remove);
  g_free (m.last_bar);
  g_main_loop_unref (m.loop);
  return m.status;
}
