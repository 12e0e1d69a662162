/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoModem"

#include "config.h"

#include "saldo-error.h"
#include "saldo-modem.h"
#include "saldo-sms-watcher.h"

struct _SaldoModem {
  GObject            parent_instance;
  char              *path;
  MMObject          *object;
  char              *iccid; /* the ICCID it presents, NULL = none */
  SaldoSimInfo      *info;  /* last reported, NULL = no SIM */
  SaldoUssdClient   *ussd_client;
  SaldoSmsWatcher   *sms_watcher;
  SaldoEuiccMonitor *euicc_monitor;
  gboolean           euicc_pending; /* first read waits for the SIM */
};

G_DEFINE_TYPE (SaldoModem, saldo_modem, G_TYPE_OBJECT)

enum {
  SIGNAL_SMS_RECEIVED,
  SIGNAL_EUICC_REPORT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

SaldoModem *
saldo_modem_new (const char *path, MMObject *object)
{
  SaldoModem *self = g_object_new (SALDO_TYPE_MODEM, NULL);

  self->path = g_strdup (path);
  self->object = object != NULL ? g_object_ref (object) : NULL;
  return self;
}

const char *
saldo_modem_get_path (SaldoModem *self)
{
  return self->path;
}

const char *
saldo_modem_get_iccid (SaldoModem *self)
{
  return self->iccid;
}

void
saldo_modem_set_iccid (SaldoModem *self, const char *iccid)
{
  g_free (self->iccid);
  self->iccid = g_strdup (iccid);
}

const SaldoSimInfo *
saldo_modem_get_sim_info (SaldoModem *self)
{
  return self->info;
}

void
saldo_modem_set_sim_info (SaldoModem *self, const SaldoSimInfo *info)
{
  g_clear_pointer (&self->info, saldo_sim_info_free);
  self->info = info != NULL ? saldo_sim_info_copy (info) : NULL;
}

gboolean
saldo_modem_is_registered (SaldoModem *self)
{
  return self->info != NULL && (g_strcmp0 (self->info->registration, "home") == 0 ||
                                g_strcmp0 (self->info->registration, "roaming") == 0);
}

void
saldo_modem_release_sim (SaldoModem *self)
{
  g_clear_pointer (&self->iccid, g_free);
  g_clear_pointer (&self->info, saldo_sim_info_free);
  g_clear_object (&self->ussd_client);
  if (self->sms_watcher != NULL)
    g_signal_handlers_disconnect_by_data (self->sms_watcher, self);
  g_clear_object (&self->sms_watcher);
}

SaldoUssdClient *
saldo_modem_get_ussd_client (SaldoModem *self, GError **error)
{
  g_autoptr(MMModem3gppUssd) ussd = NULL;

  if (self->object == NULL) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_MODEM_UNAVAILABLE, "modem %s is gone", self->path);
    return NULL;
  }
  ussd = mm_object_get_modem_3gpp_ussd (self->object);
  if (ussd == NULL) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_NOT_SUPPORTED,
                 "modem %s offers no USSD (not enabled yet, or not supported)", self->path);
    return NULL;
  }
  if (self->ussd_client == NULL || saldo_ussd_client_get_ussd (self->ussd_client) != ussd) {
    g_clear_object (&self->ussd_client);
    self->ussd_client = saldo_ussd_client_new (ussd);
  }
  return self->ussd_client;
}

static void
on_message_received (SaldoSmsWatcher *watcher,
                     const char      *sender,
                     const char      *text,
                     const char      *timestamp,
                     gpointer         user_data)
{
  SaldoModem *self = user_data;

  g_signal_emit (self, signals[SIGNAL_SMS_RECEIVED], 0, sender, text, timestamp);
}

void
saldo_modem_watch_sms (SaldoModem *self)
{
  if (self->sms_watcher != NULL || self->object == NULL)
    return;
  self->sms_watcher = saldo_sms_watcher_new (self->object);
  g_signal_connect (self->sms_watcher, "message-received", G_CALLBACK (on_message_received), self);
}

static void
on_euicc_report (SaldoEuiccMonitor *monitor, const SaldoEuiccReport *report, gpointer user_data)
{
  SaldoModem *self = user_data;

  g_signal_emit (self, signals[SIGNAL_EUICC_REPORT], 0, report);
}

void
saldo_modem_set_euicc_monitor (SaldoModem *self, SaldoEuiccMonitor *monitor, gboolean wait_for_sim)
{
  if (self->euicc_monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->euicc_monitor, self);
  g_clear_object (&self->euicc_monitor);
  self->euicc_pending = monitor != NULL && wait_for_sim;
  if (monitor == NULL)
    return;
  self->euicc_monitor = g_object_ref (monitor);
  g_signal_connect (monitor, "report", G_CALLBACK (on_euicc_report), self);
}

SaldoEuiccMonitor *
saldo_modem_get_euicc_monitor (SaldoModem *self)
{
  return self->euicc_monitor;
}

gboolean
saldo_modem_take_euicc_pending (SaldoModem *self)
{
  gboolean pending = self->euicc_pending;

  self->euicc_pending = FALSE;
  return pending;
}

static void
saldo_modem_dispose (GObject *object)
{
  SaldoModem *self = SALDO_MODEM (object);

  saldo_modem_release_sim (self);
  saldo_modem_set_euicc_monitor (self, NULL, FALSE);
  G_OBJECT_CLASS (saldo_modem_parent_class)->dispose (object);
}

static void
saldo_modem_finalize (GObject *object)
{
  SaldoModem *self = SALDO_MODEM (object);

  g_free (self->path);
  g_clear_object (&self->object);
  G_OBJECT_CLASS (saldo_modem_parent_class)->finalize (object);
}

static void
saldo_modem_class_init (SaldoModemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = saldo_modem_dispose;
  object_class->finalize = saldo_modem_finalize;
  signals[SIGNAL_SMS_RECEIVED] = g_signal_new ("sms-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING,
                                               G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_EUICC_REPORT] = g_signal_new ("euicc-report", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
saldo_modem_init (SaldoModem *self)
{
}
