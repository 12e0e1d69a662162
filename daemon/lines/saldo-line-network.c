/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoNetwork"

#include "config.h"

#include "saldo-line-network.h"

struct _SaldoLineNetwork {
  GObject         parent_instance;
  SaldoNmWatcher *watcher;
  GPtrArray      *lines; /* SaldoLine */
};

G_DEFINE_TYPE (SaldoLineNetwork, saldo_line_network, G_TYPE_OBJECT)

static void
sync_line (SaldoLineNetwork *self, SaldoLine *line)
{
  SaldoDBusLine *iface = saldo_line_get_dbus_line (line);
  /* An inactive line's Modem is "/", which no device has. */
  const SaldoNmDevice *device = saldo_nm_watcher_lookup (self->watcher, saldo_line_get_modem (line));

  saldo_dbus_line_set_network_device (iface, device != NULL ? device->interface : "");
  saldo_dbus_line_set_network_interface (iface, device != NULL ? device->ip_interface : "");
  saldo_dbus_line_set_network_connection (iface, device != NULL ? device->connection : "");
}

static void
on_device_changed (SaldoNmWatcher *watcher, const char *modem_path, SaldoLineNetwork *self)
{
  for (guint i = 0; i < self->lines->len; i++)
    if (g_strcmp0 (saldo_line_get_modem (self->lines->pdata[i]), modem_path) == 0)
      sync_line (self, self->lines->pdata[i]);
}

static void
on_line_modem (SaldoDBusLine *iface, GParamSpec *pspec, SaldoLineNetwork *self)
{
  for (guint i = 0; i < self->lines->len; i++)
    if (saldo_line_get_dbus_line (self->lines->pdata[i]) == iface)
      sync_line (self, self->lines->pdata[i]);
}

static void
add_line (SaldoLineNetwork *self, SaldoLine *line)
{
  g_ptr_array_add (self->lines, g_object_ref (line));
  g_signal_connect_object (saldo_line_get_dbus_line (line), "notify::modem", G_CALLBACK (on_line_modem), self,
                           0);
  sync_line (self, line);
}

static void
on_line_added (SaldoLineManager *lines, SaldoLine *line, SaldoLineNetwork *self)
{
  add_line (self, line);
}

SaldoLineNetwork *
saldo_line_network_new (SaldoLineManager *lines, SaldoNmWatcher *watcher)
{
  SaldoLineNetwork *self = g_object_new (SALDO_TYPE_LINE_NETWORK, NULL);
  GPtrArray        *known = saldo_line_manager_get_lines (lines);

  self->watcher = g_object_ref (watcher);
  g_signal_connect_object (watcher, "device-changed", G_CALLBACK (on_device_changed), self, 0);
  g_signal_connect_object (lines, "line-added", G_CALLBACK (on_line_added), self, 0);
  for (guint i = 0; i < known->len; i++)
    add_line (self, known->pdata[i]);
  return self;
}

static void
saldo_line_network_dispose (GObject *object)
{
  SaldoLineNetwork *self = SALDO_LINE_NETWORK (object);

  g_clear_object (&self->watcher);
  if (self->lines != NULL)
    g_ptr_array_set_size (self->lines, 0);
  G_OBJECT_CLASS (saldo_line_network_parent_class)->dispose (object);
}

static void
saldo_line_network_finalize (GObject *object)
{
  SaldoLineNetwork *self = SALDO_LINE_NETWORK (object);

  g_ptr_array_unref (self->lines);
  G_OBJECT_CLASS (saldo_line_network_parent_class)->finalize (object);
}

static void
saldo_line_network_class_init (SaldoLineNetworkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = saldo_line_network_dispose;
  object_class->finalize = saldo_line_network_finalize;
}

static void
saldo_line_network_init (SaldoLineNetwork *self)
{
  self->lines = g_ptr_array_new_with_free_func (g_object_unref);
}
