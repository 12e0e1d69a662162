/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoAgent"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <stdio.h>

#include "saldo-agent.h"
#include "saldo-agent-watch.h"
#include "saldo-notifier.h"

/* saldo-agent: one per session (GApplication makes a second start a no-op),
 * following saldod's name on the system bus by NameOwnerChanged, never by
 * polling.  By default it lives as long as saldod: it exits when saldod
 * leaves the bus, or when saldod does not turn up within --wait seconds of
 * the start; systemd starts it again when saldod's runtime directory comes
 * back (saldo-agent.path).  With --follow (the XDG autostart entry, for
 * sessions without a systemd user manager) it stays and waits for saldod
 * instead, which costs nothing while nothing happens. */

#define DEFAULT_WAIT_SECONDS 30

struct _SaldoAgent {
  GApplication     parent_instance;
  GDBusConnection *system;
  SaldoNotifier   *notifier;
  GSettings       *settings;
  SaldoAgentWatch *watch;
  guint            name_watch;
  guint            wait_id;
  guint            sigterm_id;
  guint            sigint_id;
  gboolean         follow;
  gint             wait_seconds;
  gboolean         seen;
  gboolean         held;
};

G_DEFINE_TYPE (SaldoAgent, saldo_agent, G_TYPE_APPLICATION)

static void
stop_watch (SaldoAgent *self)
{
  if (self->watch == NULL)
    return;
  saldo_agent_watch_stop (self->watch);
  g_clear_object (&self->watch);
}

static void
quit (SaldoAgent *self)
{
  GDBusConnection *session = g_application_get_dbus_connection (G_APPLICATION (self));

  stop_watch (self);
  /* The withdrawals of open requests must reach the server before we go. */
  if (session != NULL)
    g_dbus_connection_flush_sync (session, NULL, NULL);
  if (self->held)
    g_application_release (G_APPLICATION (self));
  self->held = FALSE;
  g_application_quit (G_APPLICATION (self));
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  SaldoAgent *self = user_data;

  self->wait_id = 0;
  g_message ("saldod did not appear within %d s; exiting", self->wait_seconds);
  quit (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_quit_signal (gpointer user_data)
{
  quit (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_saldod_appeared (GDBusConnection *connection, const char *name, const char *owner, gpointer user_data)
{
  SaldoAgent *self = user_data;

  g_debug ("saldod appeared as %s", owner);
  g_clear_handle_id (&self->wait_id, g_source_remove);
  self->seen = TRUE;
  stop_watch (self);
  self->watch = saldo_agent_watch_new (self->system, self->notifier, self->settings);
}

static void
on_saldod_vanished (GDBusConnection *connection, const char *name, gpointer user_data)
{
  SaldoAgent *self = user_data;

  stop_watch (self);
  if (connection == NULL) {
    g_warning ("lost the system bus; exiting");
    quit (self);
  } else if (self->follow) {
    g_debug ("saldod is not running; waiting for it");
  } else if (self->seen) {
    g_debug ("saldod left; exiting");
    quit (self);
  } else if (self->wait_id == 0) {
    self->wait_id = g_timeout_add_seconds ((guint) self->wait_seconds, on_wait_timeout, self);
  }
}

static GSettings *
agent_settings (GError **error)
{
  g_autoptr(GSettingsSchema)
               schema = g_settings_schema_source_lookup (g_settings_schema_source_get_default (),
                                                         SALDO_AGENT_APP_ID, TRUE);

  /* g_settings_new () would abort instead. */
  if (schema == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the GSettings schema %s is not installed",
                 SALDO_AGENT_APP_ID);
    return NULL;
  }
  return g_settings_new_full (schema, NULL, NULL);
}

static void
saldo_agent_startup (GApplication *app)
{
  SaldoAgent      *self = SALDO_AGENT (app);
  g_autofree char *state_file = g_build_filename (g_get_user_state_dir (), "saldo", "agent-notifications.ini",
                                                  NULL);

  G_APPLICATION_CLASS (saldo_agent_parent_class)->startup (app);
  self->notifier = saldo_notifier_new (g_application_get_dbus_connection (app), "Saldo", state_file);
  self->sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, self);
  self->sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, self);
  g_application_hold (app);
  self->held = TRUE;
  self->name_watch = g_bus_watch_name_on_connection (self->system, SALDO_BUS_NAME,
                                                     G_BUS_NAME_WATCHER_FLAGS_NONE, on_saldod_appeared,
                                                     on_saldod_vanished, self, NULL);
}

static void
saldo_agent_activate (GApplication *app)
{
  /* Nothing to show: the agent speaks through notifications only. */
}

static gint
saldo_agent_handle_local_options (GApplication *app, GVariantDict *options)
{
  SaldoAgent *self = SALDO_AGENT (app);
  g_autoptr(GError) error = NULL;

  if (g_variant_dict_contains (options, "version")) {
    g_print ("saldo-agent %s\n", SALDO_VERSION);
    return EXIT_SUCCESS;
  }
  g_variant_dict_lookup (options, "follow", "b", &self->follow);
  g_variant_dict_lookup (options, "wait", "i", &self->wait_seconds);
  if (self->wait_seconds <= 0) {
    g_printerr ("saldo-agent: %s\n", _ ("--wait needs a number of seconds above 0"));
    return EXIT_FAILURE;
  }
  /* Checked here, before registering, so that a failure is an exit status. */
  self->system = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (self->system != NULL)
    self->settings = agent_settings (&error);
  if (self->settings == NULL) {
    g_printerr ("saldo-agent: %s\n", error->message);
    return EXIT_FAILURE;
  }
  return -1;
}

static void
saldo_agent_dispose (GObject *object)
{
  SaldoAgent *self = SALDO_AGENT (object);

  stop_watch (self);
  g_clear_handle_id (&self->name_watch, g_bus_unwatch_name);
  g_clear_handle_id (&self->wait_id, g_source_remove);
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->sigint_id, g_source_remove);
  g_clear_object (&self->notifier);
  g_clear_object (&self->settings);
  g_clear_object (&self->system);
  G_OBJECT_CLASS (saldo_agent_parent_class)->dispose (object);
}

static void
saldo_agent_class_init (SaldoAgentClass *klass)
{
  GObjectClass      *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = saldo_agent_dispose;
  app_class->startup = saldo_agent_startup;
  app_class->activate = saldo_agent_activate;
  app_class->handle_local_options = saldo_agent_handle_local_options;
}

static void
saldo_agent_init (SaldoAgent *self)
{
  const GOptionEntry entries[] = {
    { "follow", 'f', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
      N_ ("Keep running while saldod is absent and follow it when it comes back"), NULL },
    { "wait", 'w', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, NULL,
      N_ ("Without --follow: how long to wait for saldod at start before exiting (default 30)"),
      N_ ("SECONDS") },
    { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL, N_ ("Show the version"), NULL },
    { NULL }
  };

  self->wait_seconds = DEFAULT_WAIT_SECONDS;
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _ ("Desktop notifications for Saldo: low balance, expiry, "
                                               "top-ups, and top-ups that wait for your answer."));
}

SaldoAgent *
saldo_agent_new (void)
{
  return g_object_new (SALDO_TYPE_AGENT, "application-id", SALDO_AGENT_APP_ID, "flags",
                       G_APPLICATION_DEFAULT_FLAGS, NULL);
}
