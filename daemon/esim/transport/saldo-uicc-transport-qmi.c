/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoUicc"

#include "saldo-uicc-transport-qmi.h"

struct _SaldoUiccTransportQmi {
  SaldoUiccTransport parent_instance;

  SaldoQmiUim *uim;
};

G_DEFINE_TYPE (SaldoUiccTransportQmi, saldo_uicc_transport_qmi, SALDO_TYPE_UICC_TRANSPORT)

void
saldo_uicc_transport_qmi_error_convert (GError **error)
{
  GError                 *orig;
  SaldoUiccTransportError code;

  if (error == NULL || *error == NULL || (*error)->domain != SALDO_QMI_UIM_ERROR)
    return;

  orig = *error;
  switch ((SaldoQmiUimError) orig->code) {
  case SALDO_QMI_UIM_ERROR_ACCESS_DENIED:
    code = SALDO_UICC_TRANSPORT_ERROR_ACCESS_DENIED;
    break;
  case SALDO_QMI_UIM_ERROR_NOT_SUPPORTED:
    code = SALDO_UICC_TRANSPORT_ERROR_NOT_SUPPORTED;
    break;
  case SALDO_QMI_UIM_ERROR_INTERNAL:
    code = SALDO_UICC_TRANSPORT_ERROR_INTERNAL;
    break;
  case SALDO_QMI_UIM_ERROR_NO_CARD:
    code = SALDO_UICC_TRANSPORT_ERROR_NO_CARD;
    break;
  case SALDO_QMI_UIM_ERROR_TRANSPORT:
    code = SALDO_UICC_TRANSPORT_ERROR_TRANSPORT;
    break;
  case SALDO_QMI_UIM_ERROR_PROTOCOL:
  default:
    code = SALDO_UICC_TRANSPORT_ERROR_PROTOCOL;
    break;
  }
  *error = g_error_new_literal (SALDO_UICC_TRANSPORT_ERROR, code, orig->message);
  g_error_free (orig);
}

const SaldoQmiUimSlot *
saldo_uicc_transport_qmi_find_euicc (GPtrArray *slots)
{
  g_return_val_if_fail (slots != NULL, NULL);

  for (guint i = 0; i < slots->len; i++) {
    const SaldoQmiUimSlot *slot = g_ptr_array_index (slots, i);

    /* An inactive eUICC cannot be reached without switching slots, which
     * a read-only watcher never does. */
    if (slot->active && slot->card_present && slot->is_euicc && slot->logical_slot > 0)
      return slot;
  }
  return NULL;
}

static guint8
qmi_slot (SaldoUiccTransportQmi *self)
{
  return (guint8) saldo_uicc_transport_get_slot (SALDO_UICC_TRANSPORT (self));
}

static void
open_channel_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  guint8 channel = 0;

  if (!saldo_qmi_uim_open_channel_finish (SALDO_QMI_UIM (source), res, &channel, &error)) {
    saldo_uicc_transport_qmi_error_convert (&error);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  g_task_return_int (task, channel);
}

static void
saldo_uicc_transport_qmi_open_channel_async (SaldoUiccTransport *transport,
                                             GBytes             *aid,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data)
{
  SaldoUiccTransportQmi *self = SALDO_UICC_TRANSPORT_QMI (transport);
  GTask                 *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, saldo_uicc_transport_qmi_open_channel_async);
  saldo_qmi_uim_open_channel_async (self->uim, qmi_slot (self), aid, cancellable, open_channel_ready, task);
}

static void
transmit_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GBytes *rapdu;

  rapdu = saldo_qmi_uim_send_apdu_finish (SALDO_QMI_UIM (source), res, &error);
  if (rapdu == NULL) {
    saldo_uicc_transport_qmi_error_convert (&error);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  g_task_return_pointer (task, rapdu, (GDestroyNotify) g_bytes_unref);
}

static void
saldo_uicc_transport_qmi_transmit_async (SaldoUiccTransport *transport,
                                         guint8              channel,
                                         GBytes             *apdu,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data)
{
  SaldoUiccTransportQmi *self = SALDO_UICC_TRANSPORT_QMI (transport);
  GTask                 *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, saldo_uicc_transport_qmi_transmit_async);
  saldo_qmi_uim_send_apdu_async (self->uim, qmi_slot (self), channel, apdu, cancellable, transmit_ready,
                                 task);
}

static void
close_channel_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!saldo_qmi_uim_close_channel_finish (SALDO_QMI_UIM (source), res, &error)) {
    saldo_uicc_transport_qmi_error_convert (&error);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  g_task_return_boolean (task, TRUE);
}

static void
saldo_uicc_transport_qmi_close_channel_async (SaldoUiccTransport *transport,
                                              guint8              channel,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data)
{
  SaldoUiccTransportQmi *self = SALDO_UICC_TRANSPORT_QMI (transport);
  GTask                 *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, saldo_uicc_transport_qmi_close_channel_async);
  saldo_qmi_uim_close_channel_async (self->uim, qmi_slot (self), channel, cancellable, close_channel_ready,
                                     task);
}

SaldoUiccTransport *
saldo_uicc_transport_qmi_new (SaldoQmiUim *uim, guint8 slot)
{
  SaldoUiccTransportQmi *self;

  g_return_val_if_fail (SALDO_IS_QMI_UIM (uim), NULL);

  self = g_object_new (SALDO_TYPE_UICC_TRANSPORT_QMI, "slot", (guint) slot, NULL);
  self->uim = g_object_ref (uim);
  return SALDO_UICC_TRANSPORT (self);
}

SaldoQmiUim *
saldo_uicc_transport_qmi_get_uim (SaldoUiccTransportQmi *self)
{
  g_return_val_if_fail (SALDO_IS_UICC_TRANSPORT_QMI (self), NULL);

  return self->uim;
}

static void
saldo_uicc_transport_qmi_dispose (GObject *object)
{
  SaldoUiccTransportQmi *self = SALDO_UICC_TRANSPORT_QMI (object);

  g_clear_object (&self->uim);

  G_OBJECT_CLASS (saldo_uicc_transport_qmi_parent_class)->dispose (object);
}

static void
saldo_uicc_transport_qmi_class_init (SaldoUiccTransportQmiClass *klass)
{
  GObjectClass            *object_class = G_OBJECT_CLASS (klass);
  SaldoUiccTransportClass *transport_class = SALDO_UICC_TRANSPORT_CLASS (klass);

  object_class->dispose = saldo_uicc_transport_qmi_dispose;

  transport_class->open_channel_async = saldo_uicc_transport_qmi_open_channel_async;
  transport_class->transmit_async = saldo_uicc_transport_qmi_transmit_async;
  transport_class->close_channel_async = saldo_uicc_transport_qmi_close_channel_async;
}

static void
saldo_uicc_transport_qmi_init (SaldoUiccTransportQmi *self)
{
}
