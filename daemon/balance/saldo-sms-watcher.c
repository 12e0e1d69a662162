/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoSms"

#include "config.h"

#include "saldo-sms-watcher.h"

struct _SaldoSmsWatcher {
  GObject           parent_instance;
  MMObject         *object;
  MMModemMessaging *messaging;
  GCancellable     *cancellable;
  GHashTable       *pending;  /* path → MMSms still being received */
  GHashTable       *reported; /* paths already reported */
};

enum {
  SIGNAL_MESSAGE_RECEIVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (SaldoSmsWatcher, saldo_sms_watcher, G_TYPE_OBJECT)

static void
saldo_sms_watcher_report (SaldoSmsWatcher *self, MMSms *sms)
{
  const char *path = mm_sms_get_path (sms);

  if (g_hash_table_contains (self->reported, path))
    return;
  g_hash_table_add (self->reported, g_strdup (path));
  g_hash_table_remove (self->pending, path);
  g_debug ("SMS %s from %s", path, mm_sms_get_number (sms));
  g_signal_emit (self, signals[SIGNAL_MESSAGE_RECEIVED], 0, mm_sms_get_number (sms), mm_sms_get_text (sms),
                 mm_sms_get_timestamp (sms));
}

static void
on_sms_state (MMSms *sms, GParamSpec *pspec, gpointer user_data)
{
  if (mm_sms_get_state (sms) == MM_SMS_STATE_RECEIVED)
    saldo_sms_watcher_report (user_data, sms);
}

static void
saldo_sms_watcher_take (SaldoSmsWatcher *self, MMSms *sms)
{
  const char *path = mm_sms_get_path (sms);

  if (mm_sms_get_pdu_type (sms) != MM_SMS_PDU_TYPE_DELIVER &&
      mm_sms_get_pdu_type (sms) != MM_SMS_PDU_TYPE_CDMA_DELIVER)
    return;
  if (g_hash_table_contains (self->reported, path) || g_hash_table_contains (self->pending, path))
    return;
  if (mm_sms_get_state (sms) == MM_SMS_STATE_RECEIVED) {
    saldo_sms_watcher_report (self, sms);
  } else if (mm_sms_get_state (sms) == MM_SMS_STATE_RECEIVING) {
    /* Multipart: wait for the last part. */
    g_hash_table_insert (self->pending, g_strdup (path), g_object_ref (sms));
    g_signal_connect_object (sms, "notify::state", G_CALLBACK (on_sms_state), self, 0);
  }
}

static void
on_sms_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaldoSmsWatcher) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) sms = NULL;

  sms = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, &error);
  if (sms == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_warning ("cannot read a new SMS: %s", error->message);
    return;
  }
  saldo_sms_watcher_take (self, MM_SMS (sms));
}

/* Only the new message is fetched: listing every stored message again for
 * each arrival would cost one round trip per message on the SIM. */
static void
on_added (MMModemMessaging *messaging, const char *path, gboolean received, gpointer user_data)
{
  SaldoSmsWatcher *self = user_data;

  if (!received || g_hash_table_contains (self->reported, path))
    return;
  g_async_initable_new_async (MM_TYPE_SMS, G_PRIORITY_DEFAULT, self->cancellable, on_sms_ready,
                              g_object_ref (self), "g-connection",
                              g_dbus_proxy_get_connection (G_DBUS_PROXY (messaging)), "g-name",
                              g_dbus_proxy_get_name (G_DBUS_PROXY (messaging)), "g-flags",
                              G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, "g-object-path", path, "g-interface-name",
                              "org.freedesktop.ModemManager1.Sms", NULL);
}

static void
on_history_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaldoSmsWatcher) self = user_data;
  g_autoptr(GError) error = NULL;
  GList *messages;

  messages = mm_modem_messaging_list_finish (MM_MODEM_MESSAGING (source), result, &error);
  if (error != NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_warning ("cannot list stored SMS: %s", error->message);
    return;
  }
  /* Messages stored before we looked are history, not news. */
  for (GList *l = messages; l != NULL; l = l->next)
    g_hash_table_add (self->reported, g_strdup (mm_sms_get_path (l->data)));
  g_list_free_full (messages, g_object_unref);
  g_signal_connect (source, "added", G_CALLBACK (on_added), self);
  g_info ("watching SMS on %s", g_dbus_object_get_object_path (G_DBUS_OBJECT (self->object)));
}

static void
saldo_sms_watcher_bind (SaldoSmsWatcher *self)
{
  g_autoptr(MMModemMessaging) messaging = mm_object_get_modem_messaging (self->object);

  if (messaging == self->messaging)
    return;
  if (self->messaging != NULL)
    g_signal_handlers_disconnect_by_data (self->messaging, self);
  g_set_object (&self->messaging, messaging);
  if (self->messaging == NULL)
    return;
  mm_modem_messaging_list (self->messaging, self->cancellable, on_history_ready, g_object_ref (self));
}

static void
on_interfaces_changed (GDBusObject *object, GDBusInterface *interface, gpointer user_data)
{
  saldo_sms_watcher_bind (user_data);
}

SaldoSmsWatcher *
saldo_sms_watcher_new (MMObject *object)
{
  SaldoSmsWatcher *self = g_object_new (SALDO_TYPE_SMS_WATCHER, NULL);

  self->object = g_object_ref (object);
  g_signal_connect (object, "interface-added", G_CALLBACK (on_interfaces_changed), self);
  g_signal_connect (object, "interface-removed", G_CALLBACK (on_interfaces_changed), self);
  saldo_sms_watcher_bind (self);
  return self;
}

static void
saldo_sms_watcher_dispose (GObject *object)
{
  SaldoSmsWatcher *self = SALDO_SMS_WATCHER (object);

  g_cancellable_cancel (self->cancellable);
  if (self->messaging != NULL)
    g_signal_handlers_disconnect_by_data (self->messaging, self);
  if (self->object != NULL)
    g_signal_handlers_disconnect_by_data (self->object, self);
  g_clear_object (&self->messaging);
  g_clear_object (&self->object);
  g_hash_table_remove_all (self->pending);
  G_OBJECT_CLASS (saldo_sms_watcher_parent_class)->dispose (object);
}

static void
saldo_sms_watcher_finalize (GObject *object)
{
  SaldoSmsWatcher *self = SALDO_SMS_WATCHER (object);

  g_hash_table_unref (self->pending);
  g_hash_table_unref (self->reported);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (saldo_sms_watcher_parent_class)->finalize (object);
}

static void
saldo_sms_watcher_class_init (SaldoSmsWatcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = saldo_sms_watcher_dispose;
  object_class->finalize = saldo_sms_watcher_finalize;
  signals[SIGNAL_MESSAGE_RECEIVED] = g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                                   G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

static void
saldo_sms_watcher_init (SaldoSmsWatcher *self)
{
  self->cancellable = g_cancellable_new ();
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
