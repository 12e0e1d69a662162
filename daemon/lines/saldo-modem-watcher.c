/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoModem"

#include "config.h"

#include "saldo-log.h"
#include "saldo-modem-watcher.h"

/* Follows ModemManager purely by signals: the ObjectManager client re-emits
 * object-added/removed when ModemManager leaves and comes back, and every
 * modem and SIM property arrives as a PropertiesChanged notification.
 * Nothing here polls. */

typedef struct {
  SaldoModemWatcher *watcher; /* unowned */
  char              *path;
  MMObject          *object;
  MMModem           *modem;
  MMModem3gpp       *modem_3gpp;
  MMSim             *sim;
  GCancellable      *cancellable;
  SaldoSimInfo      *reported;      /* last info sent with "sim-present" */
  char              *absent_reason; /* last reason sent with "sim-absent" */
} ModemEntry;

struct _SaldoModemWatcher {
  GObject          parent_instance;
  GDBusConnection *connection;
  GCancellable    *cancellable;
  MMManager       *manager;
  GHashTable      *modems; /* path → ModemEntry */
  gboolean         manager_running;
  gboolean         synced; /* manager_running reflects a real look */
};

enum {
  PROP_0,
  PROP_MANAGER_RUNNING,
  N_PROPS
};

enum {
  SIGNAL_SIM_PRESENT,
  SIGNAL_SIM_ABSENT,
  SIGNAL_MODEM_ADDED,
  SIGNAL_MODEM_REMOVED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint       signals[N_SIGNALS];

G_DEFINE_TYPE (SaldoModemWatcher, saldo_modem_watcher, G_TYPE_OBJECT)

static void modem_entry_evaluate (ModemEntry *entry);
static void modem_entry_load_sim (ModemEntry *entry);

static void
modem_entry_report_absent (ModemEntry *entry, const char *reason)
{
  gboolean was_present = entry->reported != NULL;

  g_clear_pointer (&entry->reported, saldo_sim_info_free);
  if (!was_present && g_strcmp0 (entry->absent_reason, reason) == 0)
    return;
  g_free (entry->absent_reason);
  entry->absent_reason = g_strdup (reason);
  g_info ("modem %s: no line: %s", entry->path, reason);
  g_signal_emit (entry->watcher, signals[SIGNAL_SIM_ABSENT], 0, entry->path, reason);
}

static void
modem_entry_disconnect_sim (ModemEntry *entry)
{
  if (entry->sim == NULL)
    return;
  g_signal_handlers_disconnect_by_data (entry->sim, entry);
  g_clear_object (&entry->sim);
}

static void
modem_entry_free (ModemEntry *entry)
{
  g_cancellable_cancel (entry->cancellable);
  g_clear_object (&entry->cancellable);
  modem_entry_disconnect_sim (entry);
  if (entry->modem != NULL)
    g_signal_handlers_disconnect_by_data (entry->modem, entry);
  if (entry->modem_3gpp != NULL)
    g_signal_handlers_disconnect_by_data (entry->modem_3gpp, entry);
  if (entry->object != NULL)
    g_signal_handlers_disconnect_by_data (entry->object, entry);
  g_clear_object (&entry->modem_3gpp);
  g_clear_object (&entry->modem);
  g_clear_object (&entry->object);
  g_clear_pointer (&entry->reported, saldo_sim_info_free);
  g_free (entry->absent_reason);
  g_free (entry->path);
  g_free (entry);
}

static const char *
sim_type_to_string (MMSimType type)
{
  switch (type) {
  case MM_SIM_TYPE_PHYSICAL:
    return "physical";
  case MM_SIM_TYPE_ESIM:
    return "esim";
  case MM_SIM_TYPE_UNKNOWN:
  default:
    return "unknown";
  }
}

static const char *
registration_to_string (MMModem3gpp *modem_3gpp)
{
  if (modem_3gpp == NULL)
    return "unknown";
  switch (mm_modem_3gpp_get_registration_state (modem_3gpp)) {
  case MM_MODEM_3GPP_REGISTRATION_STATE_HOME:
  case MM_MODEM_3GPP_REGISTRATION_STATE_HOME_SMS_ONLY:
  case MM_MODEM_3GPP_REGISTRATION_STATE_HOME_CSFB_NOT_PREFERRED:
    return "home";
  case MM_MODEM_3GPP_REGISTRATION_STATE_ROAMING:
  case MM_MODEM_3GPP_REGISTRATION_STATE_ROAMING_SMS_ONLY:
  case MM_MODEM_3GPP_REGISTRATION_STATE_ROAMING_CSFB_NOT_PREFERRED:
    return "roaming";
  case MM_MODEM_3GPP_REGISTRATION_STATE_SEARCHING:
    return "searching";
  case MM_MODEM_3GPP_REGISTRATION_STATE_DENIED:
    return "denied";
  case MM_MODEM_3GPP_REGISTRATION_STATE_IDLE:
    return "idle";
  case MM_MODEM_3GPP_REGISTRATION_STATE_UNKNOWN:
  case MM_MODEM_3GPP_REGISTRATION_STATE_EMERGENCY_ONLY:
  case MM_MODEM_3GPP_REGISTRATION_STATE_ATTACHED_RLOS:
  default:
    return "unknown";
  }
}

static void
on_property_changed (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  modem_entry_evaluate (user_data);
}

static void
on_sim_path_changed (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  modem_entry_load_sim (user_data);
}

static void
modem_entry_evaluate (ModemEntry *entry)
{
  g_autoptr(SaldoSimInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *iccid = NULL;
  const char      *operator_code = NULL;
  const char      *operator_name = NULL;

  if (entry->modem == NULL)
    return;
  if (entry->sim == NULL) {
    if (mm_modem_get_state (entry->modem) == MM_MODEM_STATE_FAILED)
      modem_entry_report_absent (entry, "modem failed (no SIM or SIM error)");
    return;
  }

  iccid = saldo_iccid_normalize (mm_sim_get_identifier (entry->sim), &error);
  if (iccid == NULL) {
    g_autofree char *reason = NULL;

    if (mm_modem_get_state (entry->modem) == MM_MODEM_STATE_LOCKED)
      reason = g_strdup_printf ("SIM is locked (%s); its ICCID is not known yet",
                                mm_modem_lock_get_string (mm_modem_get_unlock_required (entry->modem)));
    else
      reason = g_strdup_printf ("no valid ICCID: %s", error->message);
    modem_entry_report_absent (entry, reason);
    return;
  }

  /* The home operator comes from the SIM; the network we are registered on
   * is the home operator only when not roaming. */
  if (saldo_operator_code_valid (mm_sim_get_operator_identifier (entry->sim)))
    operator_code = mm_sim_get_operator_identifier (entry->sim);
  operator_name = mm_sim_get_operator_name (entry->sim);
  if (entry->modem_3gpp != NULL &&
      mm_modem_3gpp_get_registration_state (entry->modem_3gpp) == MM_MODEM_3GPP_REGISTRATION_STATE_HOME) {
    if (operator_code == NULL &&
        saldo_operator_code_valid (mm_modem_3gpp_get_operator_code (entry->modem_3gpp)))
      operator_code = mm_modem_3gpp_get_operator_code (entry->modem_3gpp);
    if (operator_name == NULL || *operator_name == '\0')
      operator_name = mm_modem_3gpp_get_operator_name (entry->modem_3gpp);
  }

  info = saldo_sim_info_new ();
  info->modem_path = g_strdup (entry->path);
  info->equipment_id = g_strdup (mm_modem_get_equipment_identifier (entry->modem));
  info->iccid = g_steal_pointer (&iccid);
  info->imsi = g_strdup (mm_sim_get_imsi (entry->sim));
  info->operator_code = g_strdup (operator_code);
  info->operator_name = g_strdup (operator_name);
  info->sim_type = g_strdup (sim_type_to_string (mm_sim_get_sim_type (entry->sim)));
  info->eid = g_strdup (mm_sim_get_eid (entry->sim));
  info->registration = g_strdup (registration_to_string (entry->modem_3gpp));
  if (mm_modem_get_own_numbers (entry->modem) != NULL)
    info->own_number = g_strdup (mm_modem_get_own_numbers (entry->modem)[0]);

  if (saldo_sim_info_equal (info, entry->reported))
    return;
  g_clear_pointer (&entry->absent_reason, g_free);
  g_clear_pointer (&entry->reported, saldo_sim_info_free);
  entry->reported = g_steal_pointer (&info);
  g_signal_emit (entry->watcher, signals[SIGNAL_SIM_PRESENT], 0, entry->path, entry->reported);
}

/* The entry owns the cancellable and cancels it before it is freed or
 * reloads the SIM: a live cancellable proves the entry is still there. */
typedef struct {
  ModemEntry   *entry;
  GCancellable *cancellable;
} SimLoad;

static void
on_sim_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SimLoad *load = user_data;
  g_autoptr(GCancellable) cancellable = load->cancellable;
  ModemEntry *entry = load->entry;
  g_autoptr(GError) error = NULL;
  g_autoptr(MMSim) sim = NULL;

  g_free (load);
  sim = mm_modem_get_sim_finish (MM_MODEM (source), result, &error);
  if (g_cancellable_is_cancelled (cancellable))
    return;
  if (sim == NULL) {
    g_autofree char *reason = g_strdup_printf ("cannot read its SIM: %s",
                                               error != NULL ? error->message : "no SIM object");
    g_warning ("modem %s: %s", entry->path, reason);
    modem_entry_report_absent (entry, reason);
    return;
  }
  modem_entry_disconnect_sim (entry);
  entry->sim = g_steal_pointer (&sim);
  g_signal_connect (entry->sim, "notify", G_CALLBACK (on_property_changed), entry);
  modem_entry_evaluate (entry);
}

static void
modem_entry_load_sim (ModemEntry *entry)
{
  const char *sim_path = mm_modem_get_sim_path (entry->modem);
  SimLoad    *load;

  g_cancellable_cancel (entry->cancellable);
  g_clear_object (&entry->cancellable);
  entry->cancellable = g_cancellable_new ();
  modem_entry_disconnect_sim (entry);

  if (sim_path == NULL || g_strcmp0 (sim_path, "/") == 0) {
    if (mm_modem_get_state (entry->modem) == MM_MODEM_STATE_FAILED)
      modem_entry_report_absent (entry, "no SIM (modem failed)");
    else
      modem_entry_report_absent (entry, "no SIM");
    return;
  }
  load = g_new0 (SimLoad, 1);
  load->entry = entry;
  load->cancellable = g_object_ref (entry->cancellable);
  mm_modem_get_sim (entry->modem, entry->cancellable, on_sim_ready, load);
}

static void
modem_entry_bind_3gpp (ModemEntry *entry)
{
  MMModem3gpp *modem_3gpp = mm_object_get_modem_3gpp (entry->object);

  if (modem_3gpp == entry->modem_3gpp) {
    g_clear_object (&modem_3gpp);
    return;
  }
  if (entry->modem_3gpp != NULL)
    g_signal_handlers_disconnect_by_data (entry->modem_3gpp, entry);
  g_clear_object (&entry->modem_3gpp);
  entry->modem_3gpp = modem_3gpp;
  if (entry->modem_3gpp != NULL)
    g_signal_connect (entry->modem_3gpp, "notify", G_CALLBACK (on_property_changed), entry);
}

static void
on_interfaces_changed (GDBusObject *object, GDBusInterface *interface, gpointer user_data)
{
  ModemEntry *entry = user_data;

  modem_entry_bind_3gpp (entry);
  modem_entry_evaluate (entry);
}

static void
saldo_modem_watcher_add_object (SaldoModemWatcher *self, MMObject *object)
{
  const char *path = g_dbus_object_get_object_path (G_DBUS_OBJECT (object));
  ModemEntry *entry;
  MMModem    *modem;

  if (g_hash_table_contains (self->modems, path))
    return;
  modem = mm_object_get_modem (object);
  if (modem == NULL) {
    g_debug ("object %s has no Modem interface yet", path);
    return;
  }

  entry = g_new0 (ModemEntry, 1);
  entry->watcher = self;
  entry->path = g_strdup (path);
  entry->object = g_object_ref (object);
  entry->modem = modem;
  entry->cancellable = g_cancellable_new ();
  g_hash_table_insert (self->modems, entry->path, entry);
  g_info ("modem %s appeared (%s %s)", path,
          mm_modem_get_manufacturer (modem) != NULL ? mm_modem_get_manufacturer (modem) : "?",
          mm_modem_get_model (modem) != NULL ? mm_modem_get_model (modem) : "?");

  g_signal_connect (modem, "notify::sim", G_CALLBACK (on_sim_path_changed), entry);
  g_signal_connect (modem, "notify::state", G_CALLBACK (on_property_changed), entry);
  g_signal_connect (modem, "notify::unlock-required", G_CALLBACK (on_property_changed), entry);
  g_signal_connect (modem, "notify::own-numbers", G_CALLBACK (on_property_changed), entry);
  g_signal_connect (object, "interface-added", G_CALLBACK (on_interfaces_changed), entry);
  g_signal_connect (object, "interface-removed", G_CALLBACK (on_interfaces_changed), entry);
  modem_entry_bind_3gpp (entry);
  g_signal_emit (self, signals[SIGNAL_MODEM_ADDED], 0, entry->path, entry->object);
  modem_entry_load_sim (entry);
}

static void
saldo_modem_watcher_remove_path (SaldoModemWatcher *self, const char *path, const char *reason)
{
  ModemEntry *entry = g_hash_table_lookup (self->modems, path);

  if (entry == NULL)
    return;
  g_info ("modem %s went away (%s)", path, reason);
  if (entry->reported != NULL || entry->absent_reason == NULL)
    g_signal_emit (self, signals[SIGNAL_SIM_ABSENT], 0, entry->path, reason);
  g_signal_emit (self, signals[SIGNAL_MODEM_REMOVED], 0, entry->path);
  g_hash_table_remove (self->modems, path);
}

static void
on_object_added (GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  saldo_modem_watcher_add_object (user_data, MM_OBJECT (object));
}

static void
on_object_removed (GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  saldo_modem_watcher_remove_path (user_data, g_dbus_object_get_object_path (object), "modem removed");
}

static void
saldo_modem_watcher_sync (SaldoModemWatcher *self)
{
  g_autofree char *owner = NULL;
  gboolean         running;

  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (self->manager));
  running = owner != NULL;

  if (!running) {
    g_autoptr(GList) paths = g_hash_table_get_keys (self->modems);
    g_autoptr(GPtrArray) copies = g_ptr_array_new_with_free_func (g_free);

    /* Copy: removing frees the keys. */
    for (GList *l = paths; l != NULL; l = l->next)
      g_ptr_array_add (copies, g_strdup (l->data));
    for (guint i = 0; i < copies->len; i++)
      saldo_modem_watcher_remove_path (self, copies->pdata[i], "ModemManager stopped");
  } else {
    GList *objects = g_dbus_object_manager_get_objects (G_DBUS_OBJECT_MANAGER (self->manager));

    for (GList *l = objects; l != NULL; l = l->next)
      saldo_modem_watcher_add_object (self, MM_OBJECT (l->data));
    g_list_free_full (objects, g_object_unref);
  }

  if (running != self->manager_running || !self->synced) {
    self->synced = TRUE;
    self->manager_running = running;
    if (running)
      g_info ("ModemManager is running (%s)", owner);
    else
      g_info ("ModemManager is not running; waiting for it");
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MANAGER_RUNNING]);
  }
}

static void
on_name_owner_changed (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  saldo_modem_watcher_sync (user_data);
}

static void
on_manager_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaldoModemWatcher) self = SALDO_MODEM_WATCHER (user_data);
  g_autoptr(GError) error = NULL;
  MMManager *manager;

  manager = mm_manager_new_finish (result, &error);
  if (manager == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_warning ("cannot follow ModemManager: %s", error->message);
    return;
  }
  if (g_cancellable_is_cancelled (self->cancellable)) {
    g_object_unref (manager);
    return;
  }
  self->manager = manager;
  g_signal_connect (manager, "object-added", G_CALLBACK (on_object_added), self);
  g_signal_connect (manager, "object-removed", G_CALLBACK (on_object_removed), self);
  g_signal_connect (manager, "notify::name-owner", G_CALLBACK (on_name_owner_changed), self);
  saldo_modem_watcher_sync (self);
}

SaldoModemWatcher *
saldo_modem_watcher_new (GDBusConnection *connection)
{
  SaldoModemWatcher *self = g_object_new (SALDO_TYPE_MODEM_WATCHER, NULL);

  self->connection = g_object_ref (connection);
  return self;
}

void
saldo_modem_watcher_start (SaldoModemWatcher *self)
{
  g_return_if_fail (SALDO_IS_MODEM_WATCHER (self));
  g_return_if_fail (self->manager == NULL);

  /* DO_NOT_AUTO_START: ModemManager is started by the system, not by us;
   * the client tracks its name and fills in when it appears. */
  mm_manager_new (self->connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START, self->cancellable,
                  on_manager_ready, g_object_ref (self));
}

gboolean
saldo_modem_watcher_get_manager_running (SaldoModemWatcher *self)
{
  return self->manager_running;
}

MMObject *
saldo_modem_watcher_lookup_modem (SaldoModemWatcher *self, const char *modem_path)
{
  ModemEntry *entry = g_hash_table_lookup (self->modems, modem_path);

  return entry != NULL ? entry->object : NULL;
}

static void
saldo_modem_watcher_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SaldoModemWatcher *self = SALDO_MODEM_WATCHER (object);

  switch (prop_id) {
  case PROP_MANAGER_RUNNING:
    g_value_set_boolean (value, self->manager_running);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
saldo_modem_watcher_dispose (GObject *object)
{
  SaldoModemWatcher *self = SALDO_MODEM_WATCHER (object);

  g_cancellable_cancel (self->cancellable);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_hash_table_remove_all (self->modems);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (saldo_modem_watcher_parent_class)->dispose (object);
}

static void
saldo_modem_watcher_finalize (GObject *object)
{
  SaldoModemWatcher *self = SALDO_MODEM_WATCHER (object);

  g_hash_table_unref (self->modems);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (saldo_modem_watcher_parent_class)->finalize (object);
}

static void
saldo_modem_watcher_class_init (SaldoModemWatcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = saldo_modem_watcher_get_property;
  object_class->dispose = saldo_modem_watcher_dispose;
  object_class->finalize = saldo_modem_watcher_finalize;

  props[PROP_MANAGER_RUNNING] = g_param_spec_boolean ("manager-running", NULL, NULL, FALSE,
                                                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_SIM_PRESENT] = g_signal_new ("sim-present", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                              NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                              G_TYPE_POINTER);
  signals[SIGNAL_MODEM_ADDED] = g_signal_new ("modem-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                              NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                              MM_TYPE_OBJECT);
  signals[SIGNAL_MODEM_REMOVED] = g_signal_new ("modem-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_SIM_ABSENT] = g_signal_new ("sim-absent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                             NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
saldo_modem_watcher_init (SaldoModemWatcher *self)
{
  self->cancellable = g_cancellable_new ();
  self->modems = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) modem_entry_free);
}
