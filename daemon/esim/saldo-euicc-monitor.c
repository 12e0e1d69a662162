/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoEuicc"

#include "config.h"

#include "saldo-es10c.h"
#include "saldo-euicc-monitor.h"
#include "saldo-euicc-reader.h"
#include "saldo-qmi-uim.h"
#include "saldo-uicc-transport-mbim.h"
#include "saldo-uicc-transport-qmi.h"

/* Reads coalesce: a profile switch brings an indication, a SIM change and
 * a modem re-probe within moments of each other. */
#define SALDO_EUICC_DEBOUNCE_MS 300
/* Transient failures (transport, no card yet) back off from here to an
 * hour; refusals by the firmware are not retried until something changes. */
#define SALDO_EUICC_RETRY_MIN_S 30
#define SALDO_EUICC_RETRY_MAX_S 3600

struct _SaldoEuiccMonitor {
  GObject              parent_instance;
  char                *modem_path;
  char                *imei;
  char                *port;
  SaldoControlProtocol protocol;
  SaldoQmiUim         *uim; /* kept open for slot status indications */
  GCancellable        *cancellable;
  guint                read_id;
  guint                retry_delay;
  gboolean             reading;
  gboolean             read_again;
  gboolean             started;
  guint                slot;
};

enum {
  SIGNAL_REPORT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (SaldoEuiccMonitor, saldo_euicc_monitor, G_TYPE_OBJECT)

static void saldo_euicc_monitor_schedule (SaldoEuiccMonitor *self, guint delay_ms);

void
saldo_euicc_report_free (SaldoEuiccReport *report)
{
  if (report == NULL)
    return;
  g_free (report->modem_path);
  g_free (report->key);
  g_free (report->eid);
  g_clear_pointer (&report->profiles, g_ptr_array_unref);
  g_clear_error (&report->error);
  g_free (report);
}

static void
saldo_euicc_monitor_emit (SaldoEuiccMonitor *self, const char *eid, GPtrArray *profiles, GError *error)
{
  g_autoptr(SaldoEuiccReport) report = NULL;

  /* A read that finished after the modem went away reports nothing. */
  if (g_cancellable_is_cancelled (self->cancellable)) {
    g_clear_error (&error);
    return;
  }
  report = g_new0 (SaldoEuiccReport, 1);
  report->modem_path = g_strdup (self->modem_path);
  report->eid = g_strdup (eid);
  report->slot = self->slot;
  report->key = eid != NULL ? g_strdup (eid) : g_strdup_printf ("modem:%s:%u", self->imei, self->slot);
  report->profiles = profiles != NULL
                       ? g_ptr_array_ref (profiles)
                       : g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_euicc_profile_free);
  report->error = error;
  g_signal_emit (self, signals[SIGNAL_REPORT], 0, report);
}

/* Ends one read; error (taken) decides whether and when to read again. */
static void
saldo_euicc_monitor_done (SaldoEuiccMonitor *self, GError *error)
{
  self->reading = FALSE;
  if (error == NULL) {
    self->retry_delay = 0;
  } else if (!saldo_euicc_error_is_permanent (error) && !self->read_again) {
    self->retry_delay = CLAMP (self->retry_delay * 2, SALDO_EUICC_RETRY_MIN_S, SALDO_EUICC_RETRY_MAX_S);
    g_info ("eUICC on %s: %s; retrying in %u s", self->modem_path, error->message, self->retry_delay);
    saldo_euicc_monitor_schedule (self, self->retry_delay * 1000);
  } else {
    g_info ("eUICC on %s: %s", self->modem_path, error->message);
  }
  g_clear_error (&error);
  if (self->read_again) {
    self->read_again = FALSE;
    saldo_euicc_monitor_schedule (self, SALDO_EUICC_DEBOUNCE_MS);
  }
}

/* One read: the EID the slot status gave (NULL over MBIM), for a report
 * of a read that failed. */
typedef struct {
  SaldoEuiccMonitor *self;
  char              *eid;
} ReadContext;

static void
read_context_free (ReadContext *ctx)
{
  g_object_unref (ctx->self);
  g_free (ctx->eid);
  g_free (ctx);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReadContext, read_context_free)

static void
on_read_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(ReadContext) ctx = user_data;
  SaldoEuiccMonitor *self = ctx->self;
  g_autoptr(SaldoEuiccInfo) info = NULL;
  GError *error = NULL;

  info = saldo_euicc_reader_read_finish (SALDO_UICC_TRANSPORT (source), result, &error);
  if (self->protocol == SALDO_CONTROL_PROTOCOL_MBIM)
    saldo_uicc_transport_mbim_close_async (SALDO_UICC_TRANSPORT_MBIM (source), NULL, NULL, NULL);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_error_free (error);
    return;
  }
  if (info == NULL) {
    saldo_euicc_monitor_emit (self, ctx->eid, NULL, g_error_copy (error));
    saldo_euicc_monitor_done (self, error);
    return;
  }
  g_debug ("eUICC on %s: %u profile(s), %u APDUs", self->modem_path, info->profiles->len, info->apdu_count);
  saldo_euicc_monitor_emit (self, info->eid, info->profiles, NULL);
  saldo_euicc_monitor_done (self, NULL);
}

static void
saldo_euicc_monitor_read_with (SaldoEuiccMonitor *self, SaldoUiccTransport *transport, const char *eid)
{
  ReadContext *ctx = g_new0 (ReadContext, 1);

  ctx->self = g_object_ref (self);
  ctx->eid = g_strdup (eid);
  saldo_euicc_reader_read_async (transport, self->cancellable, on_read_done, ctx);
}

static void
on_slot_status (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaldoEuiccMonitor) self = user_data;
  g_autoptr(GPtrArray) slots = NULL;
  g_autoptr(SaldoUiccTransport) transport = NULL;
  GError                *error = NULL;
  const SaldoQmiUimSlot *euicc;

  slots = saldo_qmi_uim_get_slot_status_finish (SALDO_QMI_UIM (source), result, &error);
  if (slots == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_error_free (error);
      return;
    }
    /* The port may be gone; open it afresh next time. */
    g_clear_object (&self->uim);
    saldo_euicc_monitor_emit (self, NULL, NULL, g_error_copy (error));
    saldo_euicc_monitor_done (self, error);
    return;
  }
  euicc = saldo_uicc_transport_qmi_find_euicc (slots);
  if (euicc == NULL) {
    g_debug ("modem %s: the active slot holds no eUICC", self->modem_path);
    saldo_euicc_monitor_done (self, NULL);
    return;
  }
  self->slot = euicc->physical_slot;
  transport = saldo_uicc_transport_qmi_new (self->uim, (guint8) euicc->logical_slot);
  saldo_euicc_monitor_read_with (self, transport, euicc->eid);
}

static void
on_slot_status_changed (SaldoQmiUim *uim, GPtrArray *slots, gpointer user_data)
{
  SaldoEuiccMonitor *self = user_data;

  g_info ("modem %s: slot status changed; reading the eUICC again", self->modem_path);
  saldo_euicc_monitor_refresh (self);
}

static void
on_uim_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaldoEuiccMonitor) self = user_data;
  GError      *error = NULL;
  SaldoQmiUim *uim;

  uim = saldo_qmi_uim_new_finish (result, &error);
  if (uim == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_error_free (error);
      return;
    }
    saldo_euicc_monitor_emit (self, NULL, NULL, g_error_copy (error));
    saldo_euicc_monitor_done (self, error);
    return;
  }
  self->uim = uim;
  g_signal_connect_object (uim, "slot-status-changed", G_CALLBACK (on_slot_status_changed), self, 0);
  saldo_qmi_uim_get_slot_status_async (uim, self->cancellable, on_slot_status, g_object_ref (self));
}

static void
on_mbim_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaldoEuiccMonitor) self = user_data;
  g_autoptr(SaldoUiccTransport) transport = NULL;
  GError *error = NULL;

  transport = saldo_uicc_transport_mbim_open_finish (result, &error);
  if (transport == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_error_free (error);
      return;
    }
    saldo_euicc_monitor_emit (self, NULL, NULL, g_error_copy (error));
    saldo_euicc_monitor_done (self, error);
    return;
  }
  saldo_euicc_monitor_read_with (self, transport, NULL);
}

static gboolean
on_read_timer (gpointer user_data)
{
  SaldoEuiccMonitor *self = user_data;
  g_autoptr(GFile) port = g_file_new_for_path (self->port);

  self->read_id = 0;
  if (self->reading) {
    self->read_again = TRUE;
    return G_SOURCE_REMOVE;
  }
  self->reading = TRUE;
  if (self->protocol == SALDO_CONTROL_PROTOCOL_MBIM) {
    saldo_uicc_transport_mbim_open_async (port, (guint8) self->slot, self->cancellable, on_mbim_ready,
                                          g_object_ref (self));
  } else if (self->uim == NULL) {
    saldo_qmi_uim_new_async (port, self->cancellable, on_uim_ready, g_object_ref (self));
  } else {
    saldo_qmi_uim_get_slot_status_async (self->uim, self->cancellable, on_slot_status, g_object_ref (self));
  }
  return G_SOURCE_REMOVE;
}

static void
saldo_euicc_monitor_schedule (SaldoEuiccMonitor *self, guint delay_ms)
{
  g_clear_handle_id (&self->read_id, g_source_remove);
  self->read_id = g_timeout_add (delay_ms, on_read_timer, self);
}

void
saldo_euicc_monitor_refresh (SaldoEuiccMonitor *self)
{
  /* The first read comes at once; only later triggers are coalesced. */
  if (self->retry_delay == 0 && self->read_id == 0 && !self->reading && !self->started) {
    self->started = TRUE;
    saldo_euicc_monitor_schedule (self, 0);
    return;
  }
  if (self->reading) {
    self->read_again = TRUE;
    return;
  }
  self->retry_delay = 0;
  saldo_euicc_monitor_schedule (self, SALDO_EUICC_DEBOUNCE_MS);
}

SaldoEuiccMonitor *
saldo_euicc_monitor_new (const char          *modem_path,
                         const char          *imei,
                         const char          *port,
                         SaldoControlProtocol protocol)
{
  SaldoEuiccMonitor *self = g_object_new (SALDO_TYPE_EUICC_MONITOR, NULL);

  self->modem_path = g_strdup (modem_path);
  self->imei = g_strdup (imei != NULL ? imei : "unknown");
  self->port = g_strdup (port);
  self->protocol = protocol;
  self->slot = 1;
  g_info ("modem %s: watching its eUICC through %s (%s)", modem_path, port,
          protocol == SALDO_CONTROL_PROTOCOL_MBIM ? "mbim-proxy" : "qmi-proxy");
  return self;
}

SaldoControlProtocol
saldo_euicc_monitor_get_protocol (SaldoEuiccMonitor *self)
{
  return self->protocol;
}

static void
saldo_euicc_monitor_dispose (GObject *object)
{
  SaldoEuiccMonitor *self = SALDO_EUICC_MONITOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->read_id, g_source_remove);
  if (self->uim != NULL)
    saldo_qmi_uim_close_async (self->uim, NULL, NULL, NULL);
  g_clear_object (&self->uim);
  G_OBJECT_CLASS (saldo_euicc_monitor_parent_class)->dispose (object);
}

static void
saldo_euicc_monitor_finalize (GObject *object)
{
  SaldoEuiccMonitor *self = SALDO_EUICC_MONITOR (object);

  g_clear_object (&self->cancellable);
  g_free (self->modem_path);
  g_free (self->imei);
  g_free (self->port);
  G_OBJECT_CLASS (saldo_euicc_monitor_parent_class)->finalize (object);
}

static void
saldo_euicc_monitor_class_init (SaldoEuiccMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = saldo_euicc_monitor_dispose;
  object_class->finalize = saldo_euicc_monitor_finalize;
  signals[SIGNAL_REPORT] = g_signal_new ("report", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                         NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
saldo_euicc_monitor_init (SaldoEuiccMonitor *self)
{
  self->cancellable = g_cancellable_new ();
}
