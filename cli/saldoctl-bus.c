/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "saldoctl.h"

/* saldoctl's side of the bus: the connection to saldod and finding its
 * objects.  The command files call in here; nothing here calls them. */

void
saldoctl_clear (SaldoCtl *ctl)
{
  g_clear_object (&ctl->manager);
  g_clear_object (&ctl->object_manager);
  g_clear_object (&ctl->connection);
}

gboolean
saldoctl_connect (SaldoCtl *ctl, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  ctl->connection = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, error);
  if (ctl->connection == NULL)
    return FALSE;
  /* A Ping starts saldod through D-Bus activation where an admin enabled it,
   * and otherwise tells us plainly that it is not running. */
  reply = g_dbus_connection_call_sync (ctl->connection, SALDO_BUS_NAME, SALDO_OBJECT_ROOT,
                                       "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL) {
    g_prefix_error (error, _ ("saldod is not reachable: "));
    return FALSE;
  }
  ctl->manager = saldo_dbus_manager_proxy_new_sync (ctl->connection, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                                    SALDO_BUS_NAME, SALDO_OBJECT_ROOT, NULL, error);
  if (ctl->manager == NULL)
    return FALSE;
  ctl->object_manager =
    saldo_dbus_object_manager_client_new_sync (ctl->connection,
                                               G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                               SALDO_BUS_NAME, SALDO_OBJECT_ROOT, NULL, error);
  return ctl->object_manager != NULL;
}

gint64
saldoctl_object_number (gpointer proxy)
{
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (proxy));

  return g_ascii_strtoll (strrchr (path, '/') + 1, NULL, 10);
}

gint
saldoctl_compare_objects (gconstpointer a, gconstpointer b)
{
  gint64 ia = saldoctl_object_number (*(gpointer *) a);
  gint64 ib = saldoctl_object_number (*(gpointer *) b);

  return (ia > ib) - (ia < ib);
}

GPtrArray *
saldoctl_get_lines (SaldoCtl *ctl)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_object_unref);
  GList     *objects = g_dbus_object_manager_get_objects (ctl->object_manager);

  for (GList *l = objects; l != NULL; l = l->next) {
    SaldoDBusLine *line = saldo_dbus_object_get_line (SALDO_DBUS_OBJECT (l->data));

    if (line != NULL)
      g_ptr_array_add (lines, line);
  }
  g_list_free_full (objects, g_object_unref);
  g_ptr_array_sort (lines, saldoctl_compare_objects);
  return lines;
}

/* The line's modem is NetworkManager's device (or interface) named so. */
gboolean
saldoctl_line_on_device (SaldoDBusLine *line, const char *name)
{
  return *name != '\0' && (g_strcmp0 (saldo_dbus_line_get_network_device (line), name) == 0 ||
                           g_strcmp0 (saldo_dbus_line_get_network_interface (line), name) == 0);
}

gint64
saldoctl_line_number (SaldoDBusLine *line)
{
  return saldoctl_object_number (line);
}

/* A line is named by its number, its object path, its ICCID or the last
 * digits of it (at least 4, and unambiguous), or by NetworkManager's device
 * or network interface of its modem ("cdc-wdm0", "wwan0"). */
SaldoDBusLine *
saldoctl_find_line (SaldoCtl *ctl, const char *selector, GError **error)
{
  g_autoptr(GPtrArray) lines = saldoctl_get_lines (ctl);
  SaldoDBusLine *found = NULL;
  gsize          len = strlen (selector);

  for (guint i = 0; i < lines->len; i++) {
    SaldoDBusLine   *line = lines->pdata[i];
    const char      *iccid = saldo_dbus_line_get_iccid (line);
    g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, saldoctl_line_number (line));
    gboolean         match = g_str_equal (selector, number) ||
                     g_str_equal (selector, g_dbus_proxy_get_object_path (G_DBUS_PROXY (line))) ||
                     g_strcmp0 (selector, iccid) == 0 ||
                     (len >= 4 && iccid != NULL && g_str_has_suffix (iccid, selector)) ||
                     saldoctl_line_on_device (line, selector);

    if (!match)
      continue;
    if (found != NULL) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _ ("'%s' matches more than one line; give more digits"), selector);
      g_object_unref (found);
      return NULL;
    }
    found = g_object_ref (line);
  }
  if (found == NULL)
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("no line '%s' (see saldoctl lines)"),
                 selector);
  return found;
}
