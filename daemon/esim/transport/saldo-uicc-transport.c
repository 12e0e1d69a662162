/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoUicc"

#include "saldo-uicc-transport.h"

typedef struct {
  guint slot;
} SaldoUiccTransportPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (SaldoUiccTransport, saldo_uicc_transport, G_TYPE_OBJECT)

G_DEFINE_QUARK (saldo - uicc - transport - error - quark, saldo_uicc_transport_error)

enum {
  PROP_0,
  PROP_SLOT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

/* A subclass that lets a foreign error through would break the reader's
 * classification; fold it into TRANSPORT, keeping the text. */
static void
normalize_error (GError **error)
{
  GError *orig;

  if (error == NULL || *error == NULL)
    return;
  orig = *error;
  if (orig->domain == SALDO_UICC_TRANSPORT_ERROR || g_error_matches (orig, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  *error = g_error_new_literal (SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_TRANSPORT,
                                orig->message);
  g_error_free (orig);
}

guint
saldo_uicc_transport_get_slot (SaldoUiccTransport *self)
{
  SaldoUiccTransportPrivate *priv = saldo_uicc_transport_get_instance_private (self);

  g_return_val_if_fail (SALDO_IS_UICC_TRANSPORT (self), 0);

  return priv->slot;
}

void
saldo_uicc_transport_open_channel_async (SaldoUiccTransport *self,
                                         GBytes             *aid,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data)
{
  gsize aid_len;

  g_return_if_fail (SALDO_IS_UICC_TRANSPORT (self));
  g_return_if_fail (aid != NULL);

  aid_len = g_bytes_get_size (aid);
  if (aid_len == 0 || aid_len > 16) {
    g_task_report_new_error (self, callback, user_data, saldo_uicc_transport_open_channel_async,
                             SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL,
                             "Invalid AID length %" G_GSIZE_FORMAT, aid_len);
    return;
  }
  SALDO_UICC_TRANSPORT_GET_CLASS (self)->open_channel_async (self, aid, cancellable, callback, user_data);
}

gboolean
saldo_uicc_transport_open_channel_finish (SaldoUiccTransport *self,
                                          GAsyncResult       *res,
                                          guint8             *out_channel,
                                          GError            **error)
{
  guint8   channel = 0;
  gboolean ok;

  g_return_val_if_fail (SALDO_IS_UICC_TRANSPORT (self), FALSE);

  if (g_async_result_is_tagged (res, saldo_uicc_transport_open_channel_async)) {
    ok = g_task_propagate_boolean (G_TASK (res), error);
  } else {
    ok = SALDO_UICC_TRANSPORT_GET_CLASS (self)->open_channel_finish (self, res, &channel, error);
    normalize_error (error);
  }
  if (ok && out_channel != NULL)
    *out_channel = channel;
  return ok;
}

void
saldo_uicc_transport_transmit_async (SaldoUiccTransport *self,
                                     guint8              channel,
                                     GBytes             *apdu,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  g_return_if_fail (SALDO_IS_UICC_TRANSPORT (self));
  g_return_if_fail (apdu != NULL);

  if (g_bytes_get_size (apdu) < 4) {
    g_task_report_new_error (self, callback, user_data, saldo_uicc_transport_transmit_async,
                             SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL,
                             "C-APDU of %" G_GSIZE_FORMAT " bytes has no header", g_bytes_get_size (apdu));
    return;
  }
  SALDO_UICC_TRANSPORT_GET_CLASS (self)->transmit_async (self, channel, apdu, cancellable, callback,
                                                         user_data);
}

GBytes *
saldo_uicc_transport_transmit_finish (SaldoUiccTransport *self, GAsyncResult *res, GError **error)
{
  g_autoptr(GBytes) rapdu = NULL;

  g_return_val_if_fail (SALDO_IS_UICC_TRANSPORT (self), NULL);

  if (g_async_result_is_tagged (res, saldo_uicc_transport_transmit_async))
    return g_task_propagate_pointer (G_TASK (res), error);

  rapdu = SALDO_UICC_TRANSPORT_GET_CLASS (self)->transmit_finish (self, res, error);
  normalize_error (error);
  if (rapdu != NULL && g_bytes_get_size (rapdu) < 2) {
    g_set_error (error, SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL,
                 "R-APDU of %" G_GSIZE_FORMAT " bytes has no status word", g_bytes_get_size (rapdu));
    return NULL;
  }
  return g_steal_pointer (&rapdu);
}

void
saldo_uicc_transport_close_channel_async (SaldoUiccTransport *self,
                                          guint8              channel,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data)
{
  g_return_if_fail (SALDO_IS_UICC_TRANSPORT (self));

  SALDO_UICC_TRANSPORT_GET_CLASS (self)->close_channel_async (self, channel, cancellable, callback,
                                                              user_data);
}

gboolean
saldo_uicc_transport_close_channel_finish (SaldoUiccTransport *self, GAsyncResult *res, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (SALDO_IS_UICC_TRANSPORT (self), FALSE);

  ok = SALDO_UICC_TRANSPORT_GET_CLASS (self)->close_channel_finish (self, res, error);
  normalize_error (error);
  return ok;
}

static void
saldo_uicc_transport_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  SaldoUiccTransportPrivate *priv = saldo_uicc_transport_get_instance_private (SALDO_UICC_TRANSPORT (object));

  switch (prop_id) {
  case PROP_SLOT:
    g_value_set_uint (value, priv->slot);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
saldo_uicc_transport_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  SaldoUiccTransportPrivate *priv = saldo_uicc_transport_get_instance_private (SALDO_UICC_TRANSPORT (object));

  switch (prop_id) {
  case PROP_SLOT:
    priv->slot = g_value_get_uint (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

/* The *_finish defaults, for subclasses that return on a GTask: the
 * channel as an int, the R-APDU as a GBytes, the close as a boolean. */
static gboolean
saldo_uicc_transport_real_open_channel_finish (SaldoUiccTransport *self,
                                               GAsyncResult       *res,
                                               guint8             *out_channel,
                                               GError            **error)
{
  gssize channel = g_task_propagate_int (G_TASK (res), error);

  if (channel < 0)
    return FALSE;
  *out_channel = (guint8) channel;
  return TRUE;
}

static GBytes *
saldo_uicc_transport_real_transmit_finish (SaldoUiccTransport *self, GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

static gboolean
saldo_uicc_transport_real_close_channel_finish (SaldoUiccTransport *self, GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean (G_TASK (res), error);
}

static void
saldo_uicc_transport_class_init (SaldoUiccTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = saldo_uicc_transport_get_property;
  object_class->set_property = saldo_uicc_transport_set_property;
  klass->open_channel_finish = saldo_uicc_transport_real_open_channel_finish;
  klass->transmit_finish = saldo_uicc_transport_real_transmit_finish;
  klass->close_channel_finish = saldo_uicc_transport_real_close_channel_finish;

  props[PROP_SLOT] = g_param_spec_uint ("slot", NULL, NULL, 0, G_MAXUINT8, 0,
                                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
saldo_uicc_transport_init (SaldoUiccTransport *self)
{
}
