/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoNotifier"

#include "config.h"

#include <glib/gstdio.h>

#include "saldo-notifier.h"

/* A client of org.freedesktop.Notifications that keeps one notification per
 * slot ("low-balance:/io/github/saldo/Saldo1/Line/1"): showing a slot again
 * replaces what it shows, never stacks a second one.  The server's ids and
 * each slot's mark (what was last shown, for de-duplication) are kept in a
 * small key file, so that an agent restarted with saldod still replaces the
 * notifications it showed before — but only on the very server instance that
 * gave the ids out (its bus and unique name), since ids are small integers
 * that another server would hand to someone else's notifications. */

#define NOTIFICATIONS_NAME  "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH  "/org/freedesktop/Notifications"
#define NOTIFICATIONS_IFACE "org.freedesktop.Notifications"
#define NOTIFY_TIMEOUT_MS   25000

typedef struct {
  char              *slot;
  char              *mark;
  guint32            id;     /* 0: nothing shown that we could replace */
  char              *server; /* who gave id out: "<bus guid> <unique name>" */
  gboolean           in_flight;
  SaldoNotification *queued; /* shown once the reply to in_flight comes */
  gboolean           queued_withdraw;
} Slot;

struct _SaldoNotifier {
  GObject          parent_instance;
  GDBusConnection *session;
  char            *app_name;
  char            *state_file;
  GHashTable      *slots;  /* slot name -> Slot */
  char            *server; /* the current server, NULL if none runs */
  gboolean         caps_known;
  gboolean         caps_pending;
  gboolean         has_actions;
  gboolean         has_markup;
  guint            watch_id;
  guint            action_sub;
  guint            closed_sub;
  gboolean         warned;
};

enum {
  SIGNAL_ACTION_INVOKED,
  SIGNAL_CLOSED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (SaldoNotifier, saldo_notifier, G_TYPE_OBJECT)

SaldoNotification *
saldo_notification_new (const char *summary, const char *body)
{
  SaldoNotification *n = g_new0 (SaldoNotification, 1);

  n->summary = g_strdup (summary);
  n->body = g_strdup (body);
  n->urgency = SALDO_URGENCY_NORMAL;
  n->timeout_ms = -1;
  return n;
}

void
saldo_notification_free (SaldoNotification *n)
{
  if (n == NULL)
    return;
  g_free (n->summary);
  g_free (n->body);
  g_free (n->body_without_actions);
  g_strfreev (n->actions);
  g_free (n);
}

static void
slot_free (Slot *slot)
{
  g_free (slot->slot);
  g_free (slot->mark);
  g_free (slot->server);
  saldo_notification_free (slot->queued);
  g_free (slot);
}

/* ---- the key file ------------------------------------------------------- */

static void
save_state (SaldoNotifier *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (self->state_file);
  g_autofree char *data = NULL;
  GHashTableIter   iter;
  Slot            *slot;
  gsize            len;

  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &slot)) {
    g_key_file_set_string (kf, slot->slot, "mark", slot->mark != NULL ? slot->mark : "");
    if (slot->id != 0 && slot->server != NULL) {
      g_key_file_set_uint64 (kf, slot->slot, "id", slot->id);
      g_key_file_set_string (kf, slot->slot, "server", slot->server);
    }
  }
  data = g_key_file_to_data (kf, &len, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      !g_file_set_contents_full (self->state_file, data, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                 &error)) {
    /* Only de-duplication across restarts is lost: say it once. */
    if (!self->warned)
      g_warning ("cannot save %s: %s", self->state_file, error != NULL ? error->message : g_strerror (errno));
    self->warned = TRUE;
  }
}

static void
load_state (SaldoNotifier *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;

  if (!g_key_file_load_from_file (kf, self->state_file, G_KEY_FILE_NONE, &error)) {
    if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      g_warning ("ignoring %s: %s", self->state_file, error->message);
    return;
  }
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++) {
    Slot   *slot = g_new0 (Slot, 1);
    guint64 id = g_key_file_get_uint64 (kf, groups[i], "id", NULL);

    slot->slot = g_strdup (groups[i]);
    slot->mark = g_key_file_get_string (kf, groups[i], "mark", NULL);
    slot->server = g_key_file_get_string (kf, groups[i], "server", NULL);
    slot->id = id <= G_MAXUINT32 ? (guint32) id : 0;
    g_hash_table_replace (self->slots, slot->slot, slot);
  }
}

/* ---- talking to the server ---------------------------------------------- */

static void send_notify (SaldoNotifier *self, Slot *slot, SaldoNotification *notification);

static guint32
valid_id (SaldoNotifier *self, Slot *slot)
{
  return slot->id != 0 && g_strcmp0 (slot->server, self->server) == 0 ? slot->id : 0;
}

static void
close_id (SaldoNotifier *self, guint32 id)
{
  g_dbus_connection_call (self->session, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_IFACE,
                          "CloseNotification", g_variant_new ("(u)", id), NULL,
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, NOTIFY_TIMEOUT_MS, NULL, NULL, NULL);
}

/* What happens after a reply (or before, when nothing is in flight): a
 * queued withdrawal or notification goes out now. */
static void
slot_flush (SaldoNotifier *self, Slot *slot)
{
  if (slot->queued_withdraw) {
    guint32 id = valid_id (self, slot);

    if (id != 0)
      close_id (self, id);
    g_hash_table_remove (self->slots, slot->slot);
    save_state (self);
  } else if (slot->queued != NULL) {
    send_notify (self, slot, g_steal_pointer (&slot->queued));
  }
}

typedef struct {
  SaldoNotifier *self;
  char          *slot;
} NotifyCall;

static void
on_notify_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  NotifyCall    *call = user_data;
  SaldoNotifier *self = call->self;
  g_autoptr(GDBusMessage) reply = NULL;
  g_autoptr(GError) error = NULL;
  Slot *slot = g_hash_table_lookup (self->slots, call->slot);

  reply = g_dbus_connection_send_message_with_reply_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply != NULL && g_dbus_message_to_gerror (reply, &error))
    g_clear_object (&reply);
  if (slot != NULL) {
    slot->in_flight = FALSE;
    if (reply != NULL && g_variant_is_of_type (g_dbus_message_get_body (reply), G_VARIANT_TYPE ("(u)"))) {
      const char *guid = g_dbus_connection_get_guid (self->session);

      g_variant_get (g_dbus_message_get_body (reply), "(u)", &slot->id);
      g_free (slot->server);
      slot->server = g_strdup_printf ("%s %s", guid != NULL ? guid : "", g_dbus_message_get_sender (reply));
      /* The server may have been started by this very call. */
      if (self->server == NULL)
        self->server = g_strdup (slot->server);
      save_state (self);
    } else if (error != NULL) {
      g_warning ("cannot show a notification: %s", error->message);
    }
    slot_flush (self, slot);
  }
  g_object_unref (call->self);
  g_free (call->slot);
  g_free (call);
}

/* Takes notification. */
static void
send_notify (SaldoNotifier *self, Slot *slot, SaldoNotification *notification)
{
  g_autoptr(SaldoNotification) n = notification;
  g_autoptr(GDBusMessage) message = NULL;
  g_autofree char *body = NULL;
  const char      *text = n->body;
  GVariantBuilder  actions;
  GVariantBuilder  hints;
  NotifyCall      *call;

  if (!self->has_actions && n->body_without_actions != NULL)
    text = n->body_without_actions;
  /* Names from the network end up in bodies: never let them be markup. */
  body = self->has_markup ? g_markup_escape_text (text != NULL ? text : "", -1)
                          : g_strdup (text != NULL ? text : "");
  g_variant_builder_init (&actions, G_VARIANT_TYPE ("as"));
  for (guint i = 0; self->has_actions && n->actions != NULL && n->actions[i] != NULL; i++)
    g_variant_builder_add (&actions, "s", n->actions[i]);
  g_variant_builder_init (&hints, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&hints, "{sv}", "urgency", g_variant_new_byte ((guint8) n->urgency));
  message = g_dbus_message_new_method_call (NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_IFACE,
                                            "Notify");
  g_dbus_message_set_body (message, g_variant_new ("(susssasa{sv}i)", self->app_name, valid_id (self, slot),
                                                   n->icon != NULL ? n->icon : "", n->summary, body, &actions,
                                                   &hints, n->timeout_ms));
  slot->in_flight = TRUE;
  call = g_new0 (NotifyCall, 1);
  call->self = g_object_ref (self);
  call->slot = g_strdup (slot->slot);
  g_dbus_connection_send_message_with_reply (self->session, message, G_DBUS_SEND_MESSAGE_FLAGS_NONE,
                                             NOTIFY_TIMEOUT_MS, NULL, NULL, on_notify_reply, call);
}

static void
on_capabilities (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaldoNotifier) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **caps = NULL;
  GHashTableIter          iter;
  Slot                   *slot;

  self->caps_pending = FALSE;
  self->caps_known = TRUE;
  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL) {
    /* Notify will fail too and say why; try again when a server appears. */
    g_debug ("no notification server: %s", error->message);
    self->caps_known = FALSE;
    return;
  }
  g_variant_get (reply, "(^a&s)", &caps);
  self->has_actions = g_strv_contains (caps, "actions");
  self->has_markup = g_strv_contains (caps, "body-markup");
  g_debug ("notification server: actions %d, markup %d", self->has_actions, self->has_markup);
  /* What waited for the capabilities goes out now (withdrawals never wait). */
  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &slot))
    if (!slot->in_flight && slot->queued != NULL)
      send_notify (self, slot, g_steal_pointer (&slot->queued));
}

static void
fetch_capabilities (SaldoNotifier *self)
{
  if (self->caps_pending)
    return;
  self->caps_pending = TRUE;
  /* This may start a D-Bus-activatable server, which is what we want. */
  g_dbus_connection_call (self->session, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_IFACE,
                          "GetCapabilities", NULL, G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE,
                          NOTIFY_TIMEOUT_MS, NULL, on_capabilities, g_object_ref (self));
}

static void
on_server_appeared (GDBusConnection *connection, const char *name, const char *owner, gpointer user_data)
{
  SaldoNotifier *self = user_data;
  const char    *guid = g_dbus_connection_get_guid (connection);

  g_free (self->server);
  self->server = g_strdup_printf ("%s %s", guid != NULL ? guid : "", owner);
  /* A new server may show actions where the old one did not. */
  self->caps_known = FALSE;
  fetch_capabilities (self);
}

static void
on_server_vanished (GDBusConnection *connection, const char *name, gpointer user_data)
{
  SaldoNotifier *self = user_data;

  /* Its notifications went with it; the ids stay invalid from now on. */
  g_clear_pointer (&self->server, g_free);
}

static Slot *
slot_for_id (SaldoNotifier *self, guint32 id)
{
  GHashTableIter iter;
  Slot          *slot;

  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &slot))
    if (id != 0 && valid_id (self, slot) == id)
      return slot;
  return NULL;
}

static gboolean
from_server (SaldoNotifier *self, const char *sender)
{
  const char *unique = self->server != NULL ? strchr (self->server, ' ') : NULL;

  return unique != NULL && g_strcmp0 (unique + 1, sender) == 0;
}

static void
on_action_invoked (GDBusConnection *connection,
                   const char      *sender,
                   const char      *path,
                   const char      *iface,
                   const char      *signal_name,
                   GVariant        *parameters,
                   gpointer         user_data)
{
  SaldoNotifier *self = user_data;
  const char    *key;
  guint32        id;
  Slot          *slot;

  if (!from_server (self, sender) || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(us)")))
    return;
  g_variant_get (parameters, "(u&s)", &id, &key);
  slot = slot_for_id (self, id);
  if (slot != NULL) {
    g_autofree char *name = g_strdup (slot->slot);

    g_signal_emit (self, signals[SIGNAL_ACTION_INVOKED], 0, name, key);
  }
}

static void
on_closed (GDBusConnection *connection,
           const char      *sender,
           const char      *path,
           const char      *iface,
           const char      *signal_name,
           GVariant        *parameters,
           gpointer         user_data)
{
  SaldoNotifier   *self = user_data;
  g_autofree char *name = NULL;
  guint32          id, reason;
  Slot            *slot;

  if (!from_server (self, sender) || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(uu)")))
    return;
  g_variant_get (parameters, "(uu)", &id, &reason);
  slot = slot_for_id (self, id);
  if (slot == NULL || slot->in_flight)
    return;
  /* The mark stays: a notification the user dismissed is not shown again
   * for the same thing. */
  slot->id = 0;
  name = g_strdup (slot->slot);
  save_state (self);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, name, reason);
}

/* ---- public API --------------------------------------------------------- */

/* Shows notification in slot (replacing what the slot shows); mark says what
 * it is about, see saldo_notifier_get_mark().  Takes notification. */
void
saldo_notifier_show (SaldoNotifier     *self,
                     const char        *slot_name,
                     const char        *mark,
                     SaldoNotification *notification)
{
  Slot *slot = g_hash_table_lookup (self->slots, slot_name);

  if (slot == NULL) {
    slot = g_new0 (Slot, 1);
    slot->slot = g_strdup (slot_name);
    g_hash_table_replace (self->slots, slot->slot, slot);
  }
  g_free (slot->mark);
  slot->mark = g_strdup (mark);
  slot->queued_withdraw = FALSE;
  save_state (self);
  if (slot->in_flight || !self->caps_known) {
    saldo_notification_free (slot->queued);
    slot->queued = notification;
    fetch_capabilities (self);
    return;
  }
  send_notify (self, slot, notification);
}

void
saldo_notifier_withdraw (SaldoNotifier *self, const char *slot_name)
{
  Slot *slot = g_hash_table_lookup (self->slots, slot_name);

  if (slot == NULL)
    return;
  g_clear_pointer (&slot->queued, saldo_notification_free);
  slot->queued_withdraw = TRUE;
  if (!slot->in_flight)
    slot_flush (self, slot);
}

/* What the slot last showed (it may have been dismissed since), or NULL. */
const char *
saldo_notifier_get_mark (SaldoNotifier *self, const char *slot_name)
{
  Slot *slot = g_hash_table_lookup (self->slots, slot_name);

  return slot != NULL && !slot->queued_withdraw ? slot->mark : NULL;
}

GStrv
saldo_notifier_dup_slots (SaldoNotifier *self, const char *prefix)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  Slot          *slot;

  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &slot))
    if (g_str_has_prefix (slot->slot, prefix) && !slot->queued_withdraw)
      g_strv_builder_add (builder, slot->slot);
  return g_strv_builder_end (builder);
}

static void
saldo_notifier_dispose (GObject *object)
{
  SaldoNotifier *self = SALDO_NOTIFIER (object);

  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  if (self->session != NULL) {
    if (self->action_sub != 0)
      g_dbus_connection_signal_unsubscribe (self->session, self->action_sub);
    if (self->closed_sub != 0)
      g_dbus_connection_signal_unsubscribe (self->session, self->closed_sub);
    self->action_sub = self->closed_sub = 0;
  }
  g_clear_object (&self->session);
  G_OBJECT_CLASS (saldo_notifier_parent_class)->dispose (object);
}

static void
saldo_notifier_finalize (GObject *object)
{
  SaldoNotifier *self = SALDO_NOTIFIER (object);

  g_hash_table_unref (self->slots);
  g_free (self->app_name);
  g_free (self->state_file);
  g_free (self->server);
  G_OBJECT_CLASS (saldo_notifier_parent_class)->finalize (object);
}

static void
saldo_notifier_class_init (SaldoNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = saldo_notifier_dispose;
  object_class->finalize = saldo_notifier_finalize;

  /* action-invoked (slot, key): the user chose an action. */
  signals[SIGNAL_ACTION_INVOKED] = g_signal_new ("action-invoked", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                                 G_TYPE_STRING, G_TYPE_STRING);
  /* closed (slot, reason): the notification went away (dismissed, expired). */
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                         NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
}

static void
saldo_notifier_init (SaldoNotifier *self)
{
  self->slots = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) slot_free);
}

SaldoNotifier *
saldo_notifier_new (GDBusConnection *session, const char *app_name, const char *state_file)
{
  SaldoNotifier *self = g_object_new (SALDO_TYPE_NOTIFIER, NULL);

  self->session = g_object_ref (session);
  self->app_name = g_strdup (app_name);
  self->state_file = g_strdup (state_file);
  load_state (self);
  self->action_sub = g_dbus_connection_signal_subscribe (session, NOTIFICATIONS_NAME, NOTIFICATIONS_IFACE,
                                                         "ActionInvoked", NOTIFICATIONS_PATH, NULL,
                                                         G_DBUS_SIGNAL_FLAGS_NONE, on_action_invoked, self,
                                                         NULL);
  self->closed_sub = g_dbus_connection_signal_subscribe (session, NOTIFICATIONS_NAME, NOTIFICATIONS_IFACE,
                                                         "NotificationClosed", NOTIFICATIONS_PATH, NULL,
                                                         G_DBUS_SIGNAL_FLAGS_NONE, on_closed, self, NULL);
  self->watch_id = g_bus_watch_name_on_connection (session, NOTIFICATIONS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_server_appeared, on_server_vanished, self, NULL);
  return self;
}
