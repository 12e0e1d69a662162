/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoDaemon"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <unistd.h>

#include "saldo-config.h"
#include "saldo-daemon.h"
#include "saldo-error.h"
#include "saldo-log.h"
#include "saldo-state-lock.h"

/* How long --replace waits for the saldod it replaced to let go of the
 * state directory. */
#define SALDO_LOCK_RETRY_MS 100
#define SALDO_LOCK_WAIT_MS  15000

typedef struct {
  GMainLoop       *loop;
  GDBusConnection *connection;
  SaldoConfig     *config;
  SaldoDaemon     *daemon;
  int              lock_fd;
  guint            lock_retry_id;
  guint            lock_waited_ms;
  gboolean         name_acquired;
  int              exit_status;
} SaldoMain;

static void
saldo_main_fail (SaldoMain *main_state, const GError *error)
{
  g_printerr ("saldod: %s\n", error->message);
  main_state->exit_status = EXIT_FAILURE;
  if (main_state->loop != NULL)
    g_main_loop_quit (main_state->loop);
}

/* The state directory first, then the database and the objects. */
static gboolean
saldo_main_open (SaldoMain *main_state, GError **error)
{
  const char *state_dir = saldo_config_get_state_dir (main_state->config);

  main_state->lock_fd = saldo_state_lock_try (state_dir, error);
  if (main_state->lock_fd < 0)
    return FALSE;
  main_state->daemon = saldo_daemon_new (main_state->connection, main_state->config, error);
  if (main_state->daemon == NULL)
    return FALSE;
  if (!saldo_daemon_export (main_state->daemon, error)) {
    g_prefix_error (error, "cannot export objects: ");
    return FALSE;
  }
  return TRUE;
}

/* --replace: the name is ours, but the saldod we replaced holds the state
 * directory until it has exited. */
static gboolean
on_lock_retry (gpointer user_data)
{
  SaldoMain *main_state = user_data;
  g_autoptr(GError) error = NULL;

  if (saldo_main_open (main_state, &error)) {
    main_state->lock_retry_id = 0;
    saldo_daemon_start (main_state->daemon);
    return G_SOURCE_REMOVE;
  }
  main_state->lock_waited_ms += SALDO_LOCK_RETRY_MS;
  if (g_error_matches (error, SALDO_ERROR, SALDO_ERROR_BUSY) &&
      main_state->lock_waited_ms < SALDO_LOCK_WAIT_MS)
    return G_SOURCE_CONTINUE;
  main_state->lock_retry_id = 0;
  saldo_main_fail (main_state, error);
  return G_SOURCE_REMOVE;
}

static void
on_name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  SaldoMain *main_state = user_data;

  main_state->name_acquired = TRUE;
  g_info ("owning %s", name);
  if (main_state->daemon != NULL)
    saldo_daemon_start (main_state->daemon);
  else if (on_lock_retry (main_state) == G_SOURCE_CONTINUE)
    main_state->lock_retry_id = g_timeout_add (SALDO_LOCK_RETRY_MS, on_lock_retry, main_state);
}

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  SaldoMain *main_state = user_data;

  if (!main_state->name_acquired) {
    g_printerr ("saldod: cannot own %s on the system bus: another saldod runs "
                "(use --replace) or the bus policy does not allow it\n",
                name);
    main_state->exit_status = EXIT_FAILURE;
  } else {
    g_info ("%s was taken over; exiting", name);
  }
  g_main_loop_quit (main_state->loop);
}

static void
on_bus_closed (GDBusConnection *connection, gboolean remote_peer_vanished, GError *error, gpointer user_data)
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
  g_autofree char   *config_path = NULL;
  g_autofree char   *state_dir = NULL;
  gboolean           replace = FALSE;
  gboolean           verbose = FALSE;
  gboolean           version = FALSE;
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
  g_autoptr(GMainLoop) loop = NULL;
  SaldoMain main_state = { NULL, NULL, NULL, NULL, -1, 0, 0, FALSE, EXIT_SUCCESS };
  guint     owner_id;

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
  main_state.connection = connection;
  main_state.config = config;

  /* Objects go on the bus before the name is requested, so a client that
   * sees the name appear finds the whole tree.  With --replace the running
   * saldod keeps the state directory until it has lost the name, so the
   * tree follows the name there. */
  if (!replace && !saldo_main_open (&main_state, &error)) {
    if (g_error_matches (error, SALDO_ERROR, SALDO_ERROR_BUSY))
      g_prefix_error (&error, "not starting: ");
    g_printerr ("saldod: %s%s\n", error->message,
                g_error_matches (error, SALDO_ERROR, SALDO_ERROR_BUSY) ? " (use --replace to take over)"
                                                                       : "");
    g_clear_object (&main_state.daemon);
    return EXIT_FAILURE;
  }

  loop = g_main_loop_new (NULL, FALSE);
  main_state.loop = loop;
  g_signal_connect (connection, "closed", G_CALLBACK (on_bus_closed), &main_state);
  g_unix_signal_add (SIGTERM, on_terminate, &main_state);
  g_unix_signal_add (SIGINT, on_terminate, &main_state);
  owner_id = g_bus_own_name_on_connection (connection, SALDO_BUS_NAME,
                                           G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE |
                                             G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT |
                                             (replace ? G_BUS_NAME_OWNER_FLAGS_REPLACE : 0),
                                           on_name_acquired, on_name_lost, &main_state, NULL);
  g_main_loop_run (loop);
  g_bus_unown_name (owner_id);
  g_clear_handle_id (&main_state.lock_retry_id, g_source_remove);
  /* The database is closed before the lock that guards it is let go. */
  g_clear_object (&main_state.daemon);
  if (main_state.lock_fd >= 0)
    close (main_state.lock_fd);
  return main_state.exit_status;
}
