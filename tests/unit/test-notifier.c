/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "saldo-notifier.h"

/* SaldoNotifier against a notification server written here, on a private
 * session bus (GTestDBus): what goes out for each show/withdraw, in which
 * order, and what it takes to replace instead of stack. */

static const char server_xml[] =
  "<node><interface name='org.freedesktop.Notifications'>"
  " <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  " <method name='Notify'><arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "  <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "  <arg type='as' direction='in'/><arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "  <arg type='u' direction='out'/></method>"
  " <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  " <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  " <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  "</interface></node>";

typedef struct {
  GDBusConnection *conn;
  guint            reg_id;
  guint            own_id;
  guint32          next_id;
  gboolean         markup;
  GPtrArray       *calls; /* "Notify <replaces> <summary>|<body>|<actions>" or "Close <id>" */
} Server;

typedef struct {
  GTestDBus       *bus;
  GDBusConnection *session;
  Server           server;
  char            *dir;
  char            *state;
  char            *last_action;
} Fixture;

static void
server_method (GDBusConnection       *conn,
               const char            *sender,
               const char            *path,
               const char            *iface,
               const char            *method,
               GVariant              *params,
               GDBusMethodInvocation *invocation,
               gpointer               user_data)
{
  Server *server = user_data;

  if (g_str_equal (method, "GetCapabilities")) {
    const char *with[] = { "body", "actions", "body-markup", NULL };
    const char *without[] = { "body", NULL };

    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(^as)", server->markup ? with : without));
  } else if (g_str_equal (method, "Notify")) {
    const char             *app, *icon, *summary, *body;
    g_autofree const char **actions = NULL;
    g_autofree char        *joined = NULL;
    g_autoptr(GVariant) hints = NULL;
    guint32 replaces, id;
    gint32  timeout;

    g_variant_get (params, "(&su&s&s&s^a&s@a{sv}i)", &app, &replaces, &icon, &summary, &body, &actions,
                   &hints, &timeout);
    joined = g_strjoinv (",", (char **) actions);
    g_ptr_array_add (server->calls, g_strdup_printf ("Notify %u %s|%s|%s", replaces, summary, body, joined));
    id = replaces != 0 ? replaces : server->next_id++;
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", id));
  } else {
    guint32 id;

    g_variant_get (params, "(u)", &id);
    g_ptr_array_add (server->calls, g_strdup_printf ("Close %u", id));
    g_dbus_method_invocation_return_value (invocation, NULL);
  }
}

static void
server_start (Fixture *f, gboolean markup)
{
  static const GDBusInterfaceVTable vtable = { server_method, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (server_xml, NULL);
  g_autofree char *address = g_strdup (g_test_dbus_get_bus_address (f->bus));
  Server          *s = &f->server;

  s->conn = g_dbus_connection_new_for_address_sync (address,
                                                    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                    NULL, NULL, NULL);
  g_assert_nonnull (s->conn);
  s->markup = markup;
  s->next_id = 1;
  if (s->calls == NULL)
    s->calls = g_ptr_array_new_with_free_func (g_free);
  s->reg_id = g_dbus_connection_register_object (s->conn, "/org/freedesktop/Notifications",
                                                 info->interfaces[0], &vtable, s, NULL, NULL);
  s->own_id = g_bus_own_name_on_connection (s->conn, "org.freedesktop.Notifications",
                                            G_BUS_NAME_OWNER_FLAGS_NONE, NULL, NULL, NULL, NULL);
}

static void
server_stop (Fixture *f)
{
  Server *s = &f->server;

  g_clear_handle_id (&s->own_id, g_bus_unown_name);
  g_dbus_connection_unregister_object (s->conn, s->reg_id);
  g_dbus_connection_close_sync (s->conn, NULL, NULL);
  g_clear_object (&s->conn);
}

static void
spin_until_calls (Fixture *f, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (f->server.calls->len < n && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->server.calls->len, >=, n);
}

static void
spin_a_while (void)
{
  gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 5;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

static const char *
call (Fixture *f, guint i)
{
  g_assert_cmpuint (i, <, f->server.calls->len);
  return f->server.calls->pdata[i];
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f->bus);
  f->session = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (f->bus),
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                         G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, NULL);
  f->dir = g_dir_make_tmp ("saldo-notifier-XXXXXX", NULL);
  f->state = g_build_filename (f->dir, "state", "notifications.ini", NULL);
  server_start (f, GPOINTER_TO_INT (data) == 0);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *sub = g_path_get_dirname (f->state);

  if (f->server.conn != NULL)
    server_stop (f);
  g_ptr_array_unref (f->server.calls);
  g_dbus_connection_close_sync (f->session, NULL, NULL);
  g_clear_object (&f->session);
  g_test_dbus_down (f->bus);
  g_clear_object (&f->bus);
  g_unlink (f->state);
  g_rmdir (sub);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->state);
  g_free (f->last_action);
}

static SaldoNotification *
note (const char *summary, const char *body)
{
  return saldo_notification_new (summary, body);
}

/* Shown again while the first Notify is on its way: the next one waits for
 * its id and replaces it; one superseded before it went out never goes. */
static void
test_replaces_not_stacks (Fixture *f, gconstpointer data)
{
  g_autoptr(SaldoNotifier) notifier = saldo_notifier_new (f->session, "Saldo", f->state);

  saldo_notifier_show (notifier, "low-balance:/L/1", "200", note ("Low", "2.00 left"));
  spin_until_calls (f, 1);
  spin_a_while ();
  saldo_notifier_show (notifier, "low-balance:/L/1", "150", note ("Low", "1.50 left"));
  saldo_notifier_show (notifier, "low-balance:/L/1", "120", note ("Low", "1.20 left"));
  saldo_notifier_show (notifier, "low-balance:/L/1", "100", note ("Low", "1.00 left"));
  saldo_notifier_show (notifier, "low-balance:/L/2", "100", note ("Low", "other line"));
  spin_until_calls (f, 4);
  spin_a_while ();
  g_assert_cmpuint (f->server.calls->len, ==, 4);
  g_assert_cmpstr (call (f, 0), ==, "Notify 0 Low|2.00 left|");
  g_assert_cmpstr (call (f, 1), ==, "Notify 1 Low|1.50 left|");
  /* The other slot does not wait for this one. */
  g_assert_cmpstr (call (f, 2), ==, "Notify 0 Low|other line|");
  g_assert_cmpstr (call (f, 3), ==, "Notify 1 Low|1.00 left|");
  g_assert_cmpstr (saldo_notifier_get_mark (notifier, "low-balance:/L/1"), ==, "100");

  saldo_notifier_withdraw (notifier, "low-balance:/L/1");
  spin_until_calls (f, 5);
  g_assert_cmpstr (call (f, 4), ==, "Close 1");
  g_assert_null (saldo_notifier_get_mark (notifier, "low-balance:/L/1"));
}

/* A withdrawal while the Notify is on its way closes what it showed. */
static void
test_withdraw_in_flight (Fixture *f, gconstpointer data)
{
  g_autoptr(SaldoNotifier) notifier = saldo_notifier_new (f->session, "Saldo", f->state);

  /* Withdrawn before anything went out: nothing goes out. */
  saldo_notifier_show (notifier, "confirmation:/L/1", "6", note ("Top up?", "never"));
  saldo_notifier_withdraw (notifier, "confirmation:/L/1");
  saldo_notifier_show (notifier, "low-balance:/L/1", "1", note ("Low", "b"));
  spin_until_calls (f, 1);
  spin_a_while ();
  saldo_notifier_show (notifier, "confirmation:/L/1", "7", note ("Top up?", "body"));
  saldo_notifier_withdraw (notifier, "confirmation:/L/1");
  spin_until_calls (f, 3);
  spin_a_while ();
  g_assert_cmpuint (f->server.calls->len, ==, 3);
  g_assert_cmpstr (call (f, 0), ==, "Notify 0 Low|b|");
  g_assert_cmpstr (call (f, 1), ==, "Notify 0 Top up?|body|");
  g_assert_cmpstr (call (f, 2), ==, "Close 2");
}

/* Text from the network is never markup; actions only where shown. */
static void
test_markup_and_actions (Fixture *f, gconstpointer data)
{
  g_autoptr(SaldoNotifier) notifier = saldo_notifier_new (f->session, "Saldo", f->state);
  SaldoNotification *n = note ("<b>Claro</b>", "Claro <a href='x'>&</a>");
  const char        *actions[] = { "confirm", "Top up S/ 20.00", "reject", "Not now", NULL };

  n->actions = g_strdupv ((char **) actions);
  n->body_without_actions = g_strdup ("use saldoctl");
  saldo_notifier_show (notifier, "confirmation:/L/1", "1", n);
  spin_until_calls (f, 1);
  if (f->server.markup)
    g_assert_cmpstr (call (f, 0), ==,
                     "Notify 0 <b>Claro</b>|Claro &lt;a href=&apos;x&apos;&gt;&amp;&lt;/a&gt;|"
                     "confirm,Top up S/ 20.00,reject,Not now");
  else
    g_assert_cmpstr (call (f, 0), ==, "Notify 0 <b>Claro</b>|use saldoctl|");
}

static void
on_action (SaldoNotifier *notifier, const char *slot, const char *key, Fixture *f)
{
  g_free (f->last_action);
  f->last_action = g_strdup_printf ("%s %s", slot, key);
}

/* Actions reach the slot; the same signal from anyone but the server does not. */
static void
test_action_from_the_server_only (Fixture *f, gconstpointer data)
{
  g_autoptr(SaldoNotifier) notifier = saldo_notifier_new (f->session, "Saldo", f->state);
  g_autoptr(GDBusConnection)
      other = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (f->bus),
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                        G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, NULL);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_signal_connect (notifier, "action-invoked", G_CALLBACK (on_action), f);
  saldo_notifier_show (notifier, "confirmation:/L/1", "1", note ("Top up?", "b"));
  spin_until_calls (f, 1);
  spin_a_while ();
  g_dbus_connection_emit_signal (other, NULL, "/org/freedesktop/Notifications",
                                 "org.freedesktop.Notifications", "ActionInvoked",
                                 g_variant_new ("(us)", 1, "confirm"), NULL);
  spin_a_while ();
  g_assert_null (f->last_action);
  g_dbus_connection_emit_signal (f->server.conn, NULL, "/org/freedesktop/Notifications",
                                 "org.freedesktop.Notifications", "ActionInvoked",
                                 g_variant_new ("(us)", 1, "confirm"), NULL);
  while (f->last_action == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (f->last_action, ==, "confirmation:/L/1 confirm");
}

/* A restarted agent replaces what it showed on the same server, and
 * nothing on another one (its ids belong to other notifications there). */
static void
test_ids_survive_restart_on_the_same_server_only (Fixture *f, gconstpointer data)
{
  g_autoptr(SaldoNotifier) first = saldo_notifier_new (f->session, "Saldo", f->state);
  g_autoptr(SaldoNotifier) second = NULL;
  g_autoptr(SaldoNotifier) third = NULL;

  saldo_notifier_show (first, "expiry:/L/1", "1767052800", note ("Expires", "soon"));
  spin_until_calls (f, 1);
  spin_a_while ();
  g_clear_object (&first);

  second = saldo_notifier_new (f->session, "Saldo", f->state);
  /* The mark survived: the caller can tell it was shown already. */
  g_assert_cmpstr (saldo_notifier_get_mark (second, "expiry:/L/1"), ==, "1767052800");
  saldo_notifier_show (second, "expiry:/L/1", "1767139200", note ("Expires", "later"));
  spin_until_calls (f, 2);
  g_assert_cmpstr (call (f, 1), ==, "Notify 1 Expires|later|");
  spin_a_while ();
  g_clear_object (&second);

  /* The server restarts (a new login): id 1 is someone else's now. */
  server_stop (f);
  server_start (f, TRUE);
  third = saldo_notifier_new (f->session, "Saldo", f->state);
  saldo_notifier_show (third, "expiry:/L/1", "1767225600", note ("Expires", "again"));
  spin_until_calls (f, 3);
  g_assert_cmpstr (call (f, 2), ==, "Notify 0 Expires|again|");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/notifier/replaces-not-stacks", Fixture, NULL, fixture_setup, test_replaces_not_stacks,
              fixture_teardown);
  g_test_add ("/notifier/withdraw-in-flight", Fixture, NULL, fixture_setup, test_withdraw_in_flight,
              fixture_teardown);
  g_test_add ("/notifier/markup-and-actions", Fixture, NULL, fixture_setup, test_markup_and_actions,
              fixture_teardown);
  g_test_add ("/notifier/plain-server", Fixture, GINT_TO_POINTER (1), fixture_setup, test_markup_and_actions,
              fixture_teardown);
  g_test_add ("/notifier/action-from-the-server-only", Fixture, NULL, fixture_setup,
              test_action_from_the_server_only, fixture_teardown);
  g_test_add ("/notifier/ids-survive-restart-on-the-same-server-only", Fixture, NULL, fixture_setup,
              test_ids_survive_restart_on_the_same_server_only, fixture_teardown);
  return g_test_run ();
}
