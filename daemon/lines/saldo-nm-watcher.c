/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoNetwork"

#include "config.h"

#include "saldo-nm-watcher.h"

/* NetworkManager on the bus, followed without libnm: libnm's client keeps
 * every object NetworkManager exports (access points included, whose
 * signal strength changes every few seconds), so saldod would wake up for
 * each.  Here only three things are subscribed to: the name's owner, the
 * manager's DeviceAdded/DeviceRemoved, and PropertiesChanged of the modem
 * devices.  A device that is not a modem is asked about once and then
 * left alone.  Nothing polls. */

#define NM_BUS_NAME          "org.freedesktop.NetworkManager"
#define NM_PATH              "/org/freedesktop/NetworkManager"
#define NM_IFACE             "org.freedesktop.NetworkManager"
#define NM_DEVICE_IFACE      "org.freedesktop.NetworkManager.Device"
#define NM_ACTIVE_IFACE      "org.freedesktop.NetworkManager.Connection.Active"
#define NM_DEVICE_TYPE_MODEM 8
#define MM_MODEM_PATH_PREFIX "/org/freedesktop/ModemManager1/Modem/"

typedef enum {
  DEVICE_ASKING, /* GetAll on its way: not known to be a modem yet */
  DEVICE_MODEM,
  DEVICE_OTHER, /* not a modem: nothing more is asked */
} DeviceKind;

typedef struct {
  char         *path;
  DeviceKind    kind;
  guint         properties_id;
  char         *udi; /* the modem's path, while kind is DEVICE_MODEM */
  char         *interface;
  char         *ip_interface;
  char         *active_path; /* Device.ActiveConnection, "/" when none */
  char         *connection;  /* its Id, once read */
  SaldoNmDevice view;
} Device;

struct _SaldoNmWatcher {
  GObject          parent_instance;
  GDBusConnection *connection;
  guint            name_watch_id;
  char            *owner;       /* NetworkManager's unique name, while it runs */
  GCancellable    *cancellable; /* every call to the current owner */
  guint            added_id;
  guint            removed_id;
  guint            objects_id; /* InterfacesAdded, until the manager is exported */
  GHashTable      *devices;    /* NM device path → Device */
  GHashTable      *by_modem;   /* modem path → Device (borrowed) */
};

enum {
  PROP_0,
  PROP_RUNNING,
  N_PROPS
};

enum {
  SIGNAL_DEVICE_CHANGED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint       signals[N_SIGNALS];

G_DEFINE_TYPE (SaldoNmWatcher, saldo_nm_watcher, G_TYPE_OBJECT)

/* An answer from NetworkManager finds its device again by path, and only
 * while the owner it was asked of still runs (the cancellable). */
typedef struct {
  SaldoNmWatcher *self; /* unowned: valid while cancellable is not cancelled */
  GCancellable   *cancellable;
  char           *device_path;
  char           *active_path; /* for an Id: the connection it was asked for */
} Call;

static Call *
call_new (SaldoNmWatcher *self, const char *device_path, const char *active_path)
{
  Call *call = g_new0 (Call, 1);

  call->self = self;
  call->cancellable = g_object_ref (self->cancellable);
  call->device_path = g_strdup (device_path);
  call->active_path = g_strdup (active_path);
  return call;
}

static void
call_free (Call *call)
{
  g_object_unref (call->cancellable);
  g_free (call->device_path);
  g_free (call->active_path);
  g_free (call);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

/* The device the call was about, when the answer still matters. */
static Device *
call_device (Call *call, const GError *error)
{
  if (g_cancellable_is_cancelled (call->cancellable))
    return NULL;
  if (error != NULL) {
    g_debug ("NetworkManager device %s: %s", call->device_path, error->message);
    return NULL;
  }
  return g_hash_table_lookup (call->self->devices, call->device_path);
}

static void
device_free (Device *device)
{
  g_free (device->path);
  g_free (device->udi);
  g_free (device->interface);
  g_free (device->ip_interface);
  g_free (device->active_path);
  g_free (device->connection);
  g_free (device);
}

static void unsubscribe (SaldoNmWatcher *self, guint *id);

static void
device_unsubscribe (SaldoNmWatcher *self, Device *device)
{
  unsubscribe (self, &device->properties_id);
}

static void
emit_changed (SaldoNmWatcher *self, const char *modem_path)
{
  g_autofree char *path = g_strdup (modem_path);

  g_signal_emit (self, signals[SIGNAL_DEVICE_CHANGED], 0, path);
}

static void
device_sync_view (Device *device)
{
  device->view.device_path = device->path;
  device->view.interface = device->interface != NULL ? device->interface : "";
  device->view.ip_interface = device->ip_interface != NULL ? device->ip_interface : "";
  device->view.connection = device->connection != NULL ? device->connection : "";
}

/* value into *field when it is a string that differs; TRUE if it did. */
static gboolean
take_string (char **field, GVariant *value, const char *type)
{
  const char *text;

  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE (type)))
    return FALSE;
  text = g_variant_get_string (value, NULL);
  if (g_strcmp0 (*field, text) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (text);
  return TRUE;
}

static void
on_connection_id (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_autoptr(GVariant) value = NULL;
  Device *device = call_device (call, error);

  if (device == NULL || device->kind != DEVICE_MODEM ||
      g_strcmp0 (device->active_path, call->active_path) != 0)
    return;
  g_variant_get (reply, "(v)", &value);
  if (take_string (&device->connection, value, "s")) {
    device_sync_view (device);
    g_info ("NetworkManager: modem %s is on connection '%s'", device->udi, device->connection);
    emit_changed (call->self, device->udi);
  }
}

/* A new ActiveConnection: its Id is asked for; "" meanwhile. */
static gboolean
device_set_active (SaldoNmWatcher *self, Device *device, const char *active_path)
{
  gboolean changed = FALSE;

  if (g_strcmp0 (device->active_path, active_path) == 0)
    return FALSE;
  g_free (device->active_path);
  device->active_path = g_strdup (active_path);
  if (device->connection != NULL && *device->connection != '\0')
    changed = TRUE;
  g_clear_pointer (&device->connection, g_free);
  if (!g_str_equal (active_path, "/"))
    g_dbus_connection_call (self->connection, self->owner, active_path, "org.freedesktop.DBus.Properties",
                            "Get", g_variant_new ("(ss)", NM_ACTIVE_IFACE, "Id"), G_VARIANT_TYPE ("(v)"),
                            G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, self->cancellable, on_connection_id,
                            call_new (self, device->path, active_path));
  return changed;
}

/* Device properties, from GetAll or PropertiesChanged; TRUE if what a
 * lookup gives changed. */
static gboolean
device_update (SaldoNmWatcher *self, Device *device, GVariant *properties)
{
  g_autoptr(GVariant) interface = g_variant_lookup_value (properties, "Interface", NULL);
  g_autoptr(GVariant) ip_interface = g_variant_lookup_value (properties, "IpInterface", NULL);
  g_autoptr(GVariant)
               active = g_variant_lookup_value (properties, "ActiveConnection", G_VARIANT_TYPE_OBJECT_PATH);
  gboolean changed = FALSE;

  changed |= take_string (&device->interface, interface, "s");
  changed |= take_string (&device->ip_interface, ip_interface, "s");
  if (active != NULL)
    changed |= device_set_active (self, device, g_variant_get_string (active, NULL));
  device_sync_view (device);
  return changed;
}

static void
on_device_properties_changed (GDBusConnection *connection,
                              const char      *sender,
                              const char      *object_path,
                              const char      *interface_name,
                              const char      *signal_name,
                              GVariant        *parameters,
                              gpointer         user_data)
{
  SaldoNmWatcher *self = user_data;
  Device         *device = g_hash_table_lookup (self->devices, object_path);
  g_autoptr(GVariant) changed = NULL;

  /* Before GetAll answers, its answer is newer than any of these. */
  if (device == NULL || device->kind != DEVICE_MODEM ||
      !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv}as)")))
    return;
  g_variant_get (parameters, "(&s@a{sv}@as)", NULL, &changed, NULL);
  if (device_update (self, device, changed)) {
    g_debug ("NetworkManager: device %s of modem %s changed", device->path, device->udi);
    emit_changed (self, device->udi);
  }
}

static void
on_device_properties (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_autoptr(GVariant) properties = NULL;
  SaldoNmWatcher *self = call->self;
  Device         *device = call_device (call, error);
  const char     *udi = NULL;
  guint32         type = 0;

  if (device == NULL || device->kind != DEVICE_ASKING)
    return;
  properties = g_variant_get_child_value (reply, 0);
  if (!g_variant_lookup (properties, "DeviceType", "u", &type) || type != NM_DEVICE_TYPE_MODEM ||
      !g_variant_lookup (properties, "Udi", "&s", &udi) || !g_str_has_prefix (udi, MM_MODEM_PATH_PREFIX) ||
      g_hash_table_contains (self->by_modem, udi)) {
    device->kind = DEVICE_OTHER;
    device_unsubscribe (self, device);
    return;
  }
  device->kind = DEVICE_MODEM;
  device->udi = g_strdup (udi);
  device_update (self, device, properties);
  g_hash_table_insert (self->by_modem, device->udi, device);
  g_info ("NetworkManager: device %s (%s) is modem %s", device->interface, device->path, device->udi);
  emit_changed (self, device->udi);
}

static void
device_add (SaldoNmWatcher *self, const char *path)
{
  Device *device;

  if (g_hash_table_contains (self->devices, path))
    return;
  device = g_new0 (Device, 1);
  device->path = g_strdup (path);
  device->kind = DEVICE_ASKING;
  device_sync_view (device);
  g_hash_table_insert (self->devices, device->path, device);
  /* Subscribed before asking: a change after NetworkManager answered comes
   * as a signal after the answer, none is missed. */
  device->properties_id = g_dbus_connection_signal_subscribe (self->connection, self->owner,
                                                              "org.freedesktop.DBus.Properties",
                                                              "PropertiesChanged", path, NM_DEVICE_IFACE,
                                                              G_DBUS_SIGNAL_FLAGS_NONE,
                                                              on_device_properties_changed, self, NULL);
  g_dbus_connection_call (self->connection, self->owner, path, "org.freedesktop.DBus.Properties", "GetAll",
                          g_variant_new ("(s)", NM_DEVICE_IFACE), G_VARIANT_TYPE ("(a{sv})"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, self->cancellable, on_device_properties,
                          call_new (self, path, NULL));
}

static void
device_remove (SaldoNmWatcher *self, const char *path)
{
  Device          *device = g_hash_table_lookup (self->devices, path);
  g_autofree char *modem_path = NULL;

  if (device == NULL)
    return;
  device_unsubscribe (self, device);
  if (device->kind == DEVICE_MODEM) {
    modem_path = g_strdup (device->udi);
    g_hash_table_remove (self->by_modem, device->udi);
    g_info ("NetworkManager: device %s of modem %s is gone", device->path, modem_path);
  }
  g_hash_table_remove (self->devices, path);
  if (modem_path != NULL)
    emit_changed (self, modem_path);
}

static void
on_device_signal (GDBusConnection *connection,
                  const char      *sender,
                  const char      *object_path,
                  const char      *interface_name,
                  const char      *signal_name,
                  GVariant        *parameters,
                  gpointer         user_data)
{
  SaldoNmWatcher *self = user_data;
  const char     *path;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(o)")))
    return;
  g_variant_get (parameters, "(&o)", &path);
  if (g_str_equal (signal_name, "DeviceAdded"))
    device_add (self, path);
  else
    device_remove (self, path);
}

static void
unsubscribe (SaldoNmWatcher *self, guint *id)
{
  if (*id != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, *id);
  *id = 0;
}

static void
on_devices (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Call) call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_autoptr(GVariantIter) iter = NULL;
  const char *path;

  if (g_cancellable_is_cancelled (call->cancellable))
    return;
  if (reply == NULL) {
    /* NetworkManager owns its name before it exports its objects: the
     * manager's InterfacesAdded says when to ask again. */
    if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
        g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
        g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE))
      g_debug ("NetworkManager has not exported its manager yet");
    else
      g_warning ("NetworkManager: cannot list its devices: %s", error->message);
    return;
  }
  unsubscribe (call->self, &call->self->objects_id);
  g_variant_get (reply, "(ao)", &iter);
  while (g_variant_iter_next (iter, "&o", &path))
    device_add (call->self, path);
}

static void
list_devices (SaldoNmWatcher *self)
{
  g_dbus_connection_call (self->connection, self->owner, NM_PATH, NM_IFACE, "GetDevices", NULL,
                          G_VARIANT_TYPE ("(ao)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, self->cancellable,
                          on_devices, call_new (self, NM_PATH, NULL));
}

static void
on_interfaces_added (GDBusConnection *connection,
                     const char      *sender,
                     const char      *object_path,
                     const char      *interface_name,
                     const char      *signal_name,
                     GVariant        *parameters,
                     gpointer         user_data)
{
  SaldoNmWatcher *self = user_data;
  const char     *path;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(oa{sa{sv}})")))
    return;
  g_variant_get (parameters, "(&o@a{sa{sv}})", &path, NULL);
  if (g_str_equal (path, NM_PATH))
    list_devices (self);
}

/* Every device goes, each modem's lookup with it. */
static void
forget_owner (SaldoNmWatcher *self)
{
  g_autoptr(GPtrArray) modems = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  Device        *device;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  unsubscribe (self, &self->added_id);
  unsubscribe (self, &self->removed_id);
  unsubscribe (self, &self->objects_id);
  g_hash_table_iter_init (&iter, self->devices);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &device)) {
    device_unsubscribe (self, device);
    if (device->kind == DEVICE_MODEM)
      g_ptr_array_add (modems, g_strdup (device->udi));
  }
  g_hash_table_remove_all (self->by_modem);
  g_hash_table_remove_all (self->devices);
  g_clear_pointer (&self->owner, g_free);
  for (guint i = 0; i < modems->len; i++)
    emit_changed (self, modems->pdata[i]);
}

static void
on_name_appeared (GDBusConnection *connection, const char *name, const char *owner, gpointer user_data)
{
  SaldoNmWatcher *self = user_data;

  /* A new owner without a vanish in between: a restart all the same. */
  forget_owner (self);
  self->owner = g_strdup (owner);
  self->cancellable = g_cancellable_new ();
  g_info ("NetworkManager is running (%s)", owner);
  self->added_id = g_dbus_connection_signal_subscribe (connection, owner, NM_IFACE, "DeviceAdded", NM_PATH,
                                                       NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_device_signal, self,
                                                       NULL);
  self->removed_id = g_dbus_connection_signal_subscribe (connection, owner, NM_IFACE, "DeviceRemoved",
                                                         NM_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                         on_device_signal, self, NULL);
  /* Only until the device list is read: every object NetworkManager
   * exports (access points as Wi-Fi scans find them) comes with one. */
  self->objects_id = g_dbus_connection_signal_subscribe (connection, owner,
                                                         "org.freedesktop.DBus.ObjectManager",
                                                         "InterfacesAdded", "/org/freedesktop", NULL,
                                                         G_DBUS_SIGNAL_FLAGS_NONE, on_interfaces_added, self,
                                                         NULL);
  list_devices (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
}

static void
on_name_vanished (GDBusConnection *connection, const char *name, gpointer user_data)
{
  SaldoNmWatcher *self = user_data;
  gboolean        was_running = self->owner != NULL;

  forget_owner (self);
  if (was_running) {
    g_info ("NetworkManager is not running");
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
  }
}

SaldoNmWatcher *
saldo_nm_watcher_new (GDBusConnection *connection)
{
  SaldoNmWatcher *self = g_object_new (SALDO_TYPE_NM_WATCHER, NULL);

  self->connection = g_object_ref (connection);
  return self;
}

void
saldo_nm_watcher_start (SaldoNmWatcher *self)
{
  g_return_if_fail (self->name_watch_id == 0);
  /* Never auto-started: saldod follows NetworkManager, it does not run it. */
  self->name_watch_id = g_bus_watch_name_on_connection (self->connection, NM_BUS_NAME,
                                                        G_BUS_NAME_WATCHER_FLAGS_NONE, on_name_appeared,
                                                        on_name_vanished, self, NULL);
}

gboolean
saldo_nm_watcher_get_running (SaldoNmWatcher *self)
{
  return self->owner != NULL;
}

const SaldoNmDevice *
saldo_nm_watcher_lookup (SaldoNmWatcher *self, const char *modem_path)
{
  Device *device;

  if (modem_path == NULL)
    return NULL;
  device = g_hash_table_lookup (self->by_modem, modem_path);
  return device != NULL ? &device->view : NULL;
}

static void
saldo_nm_watcher_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SaldoNmWatcher *self = SALDO_NM_WATCHER (object);

  switch (prop_id) {
  case PROP_RUNNING:
    g_value_set_boolean (value, saldo_nm_watcher_get_running (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
saldo_nm_watcher_dispose (GObject *object)
{
  SaldoNmWatcher *self = SALDO_NM_WATCHER (object);

  if (self->name_watch_id != 0)
    g_bus_unwatch_name (self->name_watch_id);
  self->name_watch_id = 0;
  if (self->connection != NULL) {
    /* Quietly: nobody listens any more. */
    g_signal_handlers_destroy (self);
    forget_owner (self);
  }
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (saldo_nm_watcher_parent_class)->dispose (object);
}

static void
saldo_nm_watcher_finalize (GObject *object)
{
  SaldoNmWatcher *self = SALDO_NM_WATCHER (object);

  g_hash_table_unref (self->by_modem);
  g_hash_table_unref (self->devices);
  G_OBJECT_CLASS (saldo_nm_watcher_parent_class)->finalize (object);
}

static void
saldo_nm_watcher_class_init (SaldoNmWatcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = saldo_nm_watcher_get_property;
  object_class->dispose = saldo_nm_watcher_dispose;
  object_class->finalize = saldo_nm_watcher_finalize;

  props[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_DEVICE_CHANGED] = g_signal_new ("device-changed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                 G_TYPE_STRING);
}

static void
saldo_nm_watcher_init (SaldoNmWatcher *self)
{
  self->devices = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) device_free);
  self->by_modem = g_hash_table_new (g_str_hash, g_str_equal);
}
