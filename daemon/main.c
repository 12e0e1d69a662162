/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoDaemon"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>

#include "saldo-config.h"
#include "saldo-daemon.h"
#include "saldo-log.h"

typedef struct {
  GMainLoop *loop;
  gboolean   name_acquired;
  int        exit_status;
} SaldoMain;

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  SaldoMain *main_state = user_data;

  main_state->name_acquired = TRUE;
  g_info ("owning %s", name);
}

static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  SaldoMain *main_state = user_data;

  if (!main_state->name_acquired) {
    g_printerr ("saldod: cannot own %s on the system bus: another saldod runs "
                "(use --replace) or the bus policy does not allow it\n", name);
    main_state->exit_status = EXIT_FAILURE;
  } else {
    g_info ("%s was taken over; exiting", name);
  }
  g_main_loop_quit (main_state->loop);
}

static void
on_bus_closed (GDBusConnection *connection,
               gboolean         remote_peer_vanished,
               GError          *error,
               gpointer         user_data)
{
  SaldoMain *main_state = user_data;

  /* Without the bus saldod is useless; exit with failure so systemd's
   * Restart=on-failure brings it back once the bus is there. */
  g_warning ("lost the system bus connection%s%s", error != NULL ? ": " : "",
             error != NULL ? error->message : "");
  main_state->exit_status = EXIT_FAILURE;
  g_main_loop_quit (main_state->loop);
}

static gboolean
on_terminate (gpointer user_data)
{
  SaldoMain *main_state = user_data;

  g_info ("terminating");
  g_main_loop_quit (main_state->loop);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  g_autofree char *state_dir = NULL;
  gboolean replace = FALSE;
  gboolean verbose = FALSE;
  gboolean version = FALSE;
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      "Configuration file (default " SALDO_DEFAULT_CONFIG_FILE ")", "PATH" },
    { "state-dir", 's', 0, G_OPTION_ARG_FILENAME, &state_dir,
      "State directory holding saldo.db (default " SALDO_DEFAULT_STATE_DIR ")", "DIR" },
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace, "Replace a running saldod", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log what saldod does", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(SaldoConfig) config = NULL;
  g_autoptr(SaldoDaemon) daemon = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  SaldoMain main_state = { NULL, FALSE, EXIT_SUCCESS };
  guint owner_id;

  setlocale (LC_ALL, "");
  context = g_option_context_new ("— keep prepaid mobile lines topped up");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("saldod: %s\n", error->message);
    return EXIT_FAILURE;
  }
  if (version) {
    g_print ("saldod %s\n", SALDO_VERSION);
    return EXIT_SUCCESS;
  }
  saldo_log_setup (verbose);

  config = saldo_config_load (config_path != NULL ? config_path : SALDO_DEFAULT_CONFIG_FILE,
                              config_path != NULL, &error);
  if (config == NULL) {
    g_printerr ("saldod: %s\n", error->message);
    return EXIT_FAILURE;
  }
  if (state_dir != NULL)
    saldo_config_set_state_dir (config, state_dir);

  /* DBUS_SYSTEM_BUS_ADDRESS is honoured here, which is how tests and the
   * demo point saldod at a private bus. */
  connection = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (connection == NULL) {
    g_printerr ("saldod: cannot connect to the system bus: %s\n", error->message);
    return EXIT_FAILURE;
  }
  g_dbus_connection_set_exit_on_close (connection, FALSE);

  daemon = saldo_daemon_new (connection, config, &error);
  if (daemon == NULL) {
    g_printerr ("saldod: %s\n", error->message);
    return EXIT_FAILURE;
  }
  if (!saldo_daemon_export (daemon, &error)) {
    g_printerr ("saldod: cannot export objects: %s\n", error->message);
    return EXIT_FAILURE;
  }

  loop = g_main_loop_new (NULL, FALSE);
  main_state.loop = loop;
  g_signal_connect (connection, "closed", G_CALLBACK (on_bus_closed), &main_state);
  g_unix_signal_add (SIGTERM, on_terminate, &main_state);
  g_unix_signal_add (SIGINT, on_terminate, &main_state);
  owner_id = g_bus_own_name_on_connection (connection, SALDO_BUS_NAME,
                                           G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT |
                                           (replace ? G_BUS_NAME_OWNER_FLAGS_REPLACE : 0),
                                           on_name_acquired, on_name_lost,
                                           &main_state, NULL);
  saldo_daemon_start (daemon);
  g_main_loop_run (loop);
  g_bus_unown_name (owner_id);
  return main_state.exit_status;
}
