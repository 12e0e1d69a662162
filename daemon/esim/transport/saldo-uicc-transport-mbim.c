/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoUicc"

#include "saldo-uicc-transport-mbim.h"

#include "saldo-apdu.h"

/* Seconds; APDUs get more, like on QMI: big ES10 answers take time. */
#define SALDO_UICC_MBIM_OPEN_TIMEOUT    15
#define SALDO_UICC_MBIM_COMMAND_TIMEOUT 10
#define SALDO_UICC_MBIM_APDU_TIMEOUT    30
#define SALDO_UICC_MBIM_CLOSE_TIMEOUT   5

/* Microsoft UICC low-level access status codes libmbim 1.28 has no names for. */
#define SALDO_MBIM_STATUS_MS_NO_LOGICAL_CHANNELS     0x87430001
#define SALDO_MBIM_STATUS_MS_SELECT_FAILED           0x87430002
#define SALDO_MBIM_STATUS_MS_INVALID_LOGICAL_CHANNEL 0x87430003

/* Same bound as the QMI path; ES10 blocks are at most 5 + 255 bytes. */
#define SALDO_UICC_MBIM_MAX_APDU 4096

struct _SaldoUiccTransportMbim {
  SaldoUiccTransport parent_instance;

  MbimDevice *device;
  gboolean    owns_device;
};

G_DEFINE_TYPE (SaldoUiccTransportMbim, saldo_uicc_transport_mbim, SALDO_TYPE_UICC_TRANSPORT)

/* ------------------------------------------------------------------------ */
/* Errors */

static SaldoUiccTransportError
error_code_from_status (guint32 status)
{
  switch (status) {
  case MBIM_STATUS_ERROR_OPERATION_NOT_ALLOWED:
  case MBIM_STATUS_ERROR_PIN_REQUIRED:
    return SALDO_UICC_TRANSPORT_ERROR_ACCESS_DENIED;
  case MBIM_STATUS_ERROR_NO_DEVICE_SUPPORT:
  case MBIM_STATUS_ERROR_INVALID_DEVICE_SERVICE_OPERATION:
    return SALDO_UICC_TRANSPORT_ERROR_NOT_SUPPORTED;
  case MBIM_STATUS_ERROR_FAILURE:
  case SALDO_MBIM_STATUS_MS_SELECT_FAILED:
    return SALDO_UICC_TRANSPORT_ERROR_INTERNAL;
  case SALDO_MBIM_STATUS_MS_NO_LOGICAL_CHANNELS:
    return SALDO_UICC_TRANSPORT_ERROR_NO_CHANNELS;
  case MBIM_STATUS_ERROR_SIM_NOT_INSERTED:
  case MBIM_STATUS_ERROR_BAD_SIM:
  case MBIM_STATUS_ERROR_NOT_INITIALIZED:
    return SALDO_UICC_TRANSPORT_ERROR_NO_CARD;
  case MBIM_STATUS_ERROR_BUSY:
    return SALDO_UICC_TRANSPORT_ERROR_TRANSPORT;
  default:
    return SALDO_UICC_TRANSPORT_ERROR_PROTOCOL;
  }
}

static const char *
ms_status_name (guint32 status)
{
  switch (status) {
  case SALDO_MBIM_STATUS_MS_NO_LOGICAL_CHANNELS:
    return "MsNoLogicalChannels";
  case SALDO_MBIM_STATUS_MS_SELECT_FAILED:
    return "MsSelectFailed";
  case SALDO_MBIM_STATUS_MS_INVALID_LOGICAL_CHANNEL:
    return "MsInvalidLogicalChannel";
  default:
    return NULL;
  }
}

void
saldo_uicc_transport_mbim_error_convert (GError **error)
{
  GError                 *orig;
  SaldoUiccTransportError code;
  const char             *ms_name = NULL;

  if (error == NULL || *error == NULL)
    return;

  orig = *error;
  if (orig->domain == SALDO_UICC_TRANSPORT_ERROR || g_error_matches (orig, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (orig->domain == MBIM_STATUS_ERROR) {
    code = error_code_from_status ((guint32) orig->code);
    ms_name = ms_status_name ((guint32) orig->code);
  } else if (orig->domain == MBIM_CORE_ERROR) {
    switch (orig->code) {
    case MBIM_CORE_ERROR_UNSUPPORTED:
      code = SALDO_UICC_TRANSPORT_ERROR_NOT_SUPPORTED;
      break;
    case MBIM_CORE_ERROR_INVALID_MESSAGE:
    case MBIM_CORE_ERROR_INCOMPLETE_MESSAGE:
    case MBIM_CORE_ERROR_INVALID_ARGS:
      code = SALDO_UICC_TRANSPORT_ERROR_PROTOCOL;
      break;
    default:
      code = SALDO_UICC_TRANSPORT_ERROR_TRANSPORT;
      break;
    }
  } else {
    code = SALDO_UICC_TRANSPORT_ERROR_TRANSPORT;
  }

  /* libmbim only knows the code's number for the MS UICC statuses */
  if (ms_name != NULL)
    *error = g_error_new (SALDO_UICC_TRANSPORT_ERROR, code, "%s (0x%08X)", ms_name, (guint32) orig->code);
  else
    *error = g_error_new_literal (SALDO_UICC_TRANSPORT_ERROR, code, orig->message);
  g_error_free (orig);
}

/* ------------------------------------------------------------------------ */
/* Requests and replies, no I/O */

static gboolean
sw1_plausible (guint8 byte)
{
  return (byte >= 0x61 && byte <= 0x6F) || (byte & 0xF0) == 0x90;
}

guint16
saldo_uicc_transport_mbim_status_to_sw (guint32 status)
{
  guint8 low = status & 0xFF;
  guint8 high = (status >> 8) & 0xFF;

  if (!sw1_plausible (low) && sw1_plausible (high))
    return (guint16) (high << 8 | low);
  return (guint16) (low << 8 | high);
}

MbimMessage *
saldo_uicc_transport_mbim_build_open_channel (GBytes *aid, GError **error)
{
  gsize         len = 0;
  const guint8 *data;
  g_autoptr(GError) local_error = NULL;
  MbimMessage *message;

  g_return_val_if_fail (aid != NULL, NULL);

  data = g_bytes_get_data (aid, &len);
  if (len == 0 || len > 16) {
    g_set_error (error, SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL,
                 "Invalid AID length %" G_GSIZE_FORMAT, len);
    return NULL;
  }
  /* SelectP2Arg 0: SELECT by DF name, first occurrence, FCI returned */
  message =
    mbim_message_ms_uicc_low_level_access_open_channel_set_new ((guint32) len, data, 0,
                                                                SALDO_UICC_TRANSPORT_MBIM_CHANNEL_GROUP,
                                                                &local_error);
  if (message == NULL) {
    saldo_uicc_transport_mbim_error_convert (&local_error);
    g_propagate_error (error, g_steal_pointer (&local_error));
  }
  return message;
}

MbimMessage *
saldo_uicc_transport_mbim_build_apdu (guint8 channel, GBytes *apdu, GError **error)
{
  gsize         len = 0;
  const guint8 *data;
  g_autoptr(GError) local_error = NULL;
  MbimMessage *message;

  g_return_val_if_fail (apdu != NULL, NULL);

  data = g_bytes_get_data (apdu, &len);
  if (len < 4 || len > SALDO_UICC_MBIM_MAX_APDU) {
    g_set_error (error, SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL,
                 "Invalid APDU length %" G_GSIZE_FORMAT, len);
    return NULL;
  }
  /* Our CLA already names the channel in the ISO 7816-4 interindustry
   * codings (saldo_apdu_cla), which is what this class byte type says. */
  message = mbim_message_ms_uicc_low_level_access_apdu_set_new (channel, MBIM_UICC_SECURE_MESSAGING_NONE,
                                                                MBIM_UICC_CLASS_BYTE_TYPE_INTER_INDUSTRY,
                                                                (guint32) len, data, &local_error);
  if (message == NULL) {
    saldo_uicc_transport_mbim_error_convert (&local_error);
    g_propagate_error (error, g_steal_pointer (&local_error));
  }
  return message;
}

MbimMessage *
saldo_uicc_transport_mbim_build_close_channel (guint8 channel, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  MbimMessage *message;

  message =
    mbim_message_ms_uicc_low_level_access_close_channel_set_new (channel,
                                                                 SALDO_UICC_TRANSPORT_MBIM_CHANNEL_GROUP,
                                                                 &local_error);
  if (message == NULL) {
    saldo_uicc_transport_mbim_error_convert (&local_error);
    g_propagate_error (error, g_steal_pointer (&local_error));
  }
  return message;
}

/* A reply must be the COMMAND_DONE of the command we sent: libmbim matches
 * transaction ids only. */
static gboolean
check_reply (MbimMessage *response, guint32 cid, GError **error)
{
  if (mbim_message_get_message_type (response) != MBIM_MESSAGE_TYPE_COMMAND_DONE)
    return TRUE; /* function errors are reported by get_result */
  if (mbim_message_command_done_get_service (response) != MBIM_SERVICE_MS_UICC_LOW_LEVEL_ACCESS ||
      mbim_message_command_done_get_cid (response) != cid) {
    g_set_error (error, SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL,
                 "Reply is for service %s command %u, not UICC low-level access command %u",
                 mbim_service_get_string (mbim_message_command_done_get_service (response)),
                 mbim_message_command_done_get_cid (response), cid);
    return FALSE;
  }
  return TRUE;
}

static gboolean
reply_get_result (MbimMessage *response, guint32 cid, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!check_reply (response, cid, error))
    return FALSE;
  if (!mbim_message_response_get_result (response, MBIM_MESSAGE_TYPE_COMMAND_DONE, &local_error)) {
    saldo_uicc_transport_mbim_error_convert (&local_error);
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }
  return TRUE;
}

gboolean
saldo_uicc_transport_mbim_parse_open_channel (MbimMessage *response, guint8 *out_channel, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  guint32 status = 0;
  guint32 channel = 0;
  guint16 sw;

  g_return_val_if_fail (response != NULL, FALSE);

  if (!check_reply (response, MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_OPEN_CHANNEL, &local_error)) {
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "Couldn't open logical channel: ");
    return FALSE;
  }
  if (!reply_get_result (response, MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_OPEN_CHANNEL, &local_error)) {
    /* A failed SELECT may still carry the card's status word */
    if (mbim_message_get_message_type (response) == MBIM_MESSAGE_TYPE_COMMAND_DONE &&
        mbim_message_ms_uicc_low_level_access_open_channel_response_parse (response, &status, NULL, NULL,
                                                                           NULL, NULL) &&
        status != 0)
      g_prefix_error (&local_error, "card status %04X: ", saldo_uicc_transport_mbim_status_to_sw (status));
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "Couldn't open logical channel: ");
    return FALSE;
  }
  if (!mbim_message_ms_uicc_low_level_access_open_channel_response_parse (response, &status, &channel, NULL,
                                                                          NULL, &local_error)) {
    g_set_error (error, SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL,
                 "Couldn't open logical channel: malformed reply: %s", local_error->message);
    return FALSE;
  }
  sw = saldo_uicc_transport_mbim_status_to_sw (status);
  if (!saldo_apdu_sw_is_success (sw) && (sw >> 8) != 0x61) {
    g_set_error (error, SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_INTERNAL,
                 "Couldn't open logical channel: card status %04X: %s", sw, saldo_apdu_sw_describe (sw));
    return FALSE;
  }
  if (channel == 0 || !saldo_apdu_channel_is_valid ((guint8) MIN (channel, 255))) {
    g_set_error (error, SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL,
                 "Couldn't open logical channel: modem returned channel %u", channel);
    return FALSE;
  }
  if (out_channel != NULL)
    *out_channel = (guint8) channel;
  return TRUE;
}

GBytes *
saldo_uicc_transport_mbim_parse_apdu (MbimMessage *response, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GByteArray) rapdu = NULL;
  guint32       status = 0;
  guint32       size = 0;
  const guint8 *data = NULL;
  guint16       sw;
  guint8        sw_bytes[2];

  g_return_val_if_fail (response != NULL, NULL);

  if (!reply_get_result (response, MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_APDU, &local_error)) {
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "Couldn't send APDU: ");
    return NULL;
  }
  if (!mbim_message_ms_uicc_low_level_access_apdu_response_parse (response, &status, &size, &data,
                                                                  &local_error)) {
    g_set_error (error, SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL,
                 "Couldn't send APDU: malformed reply: %s", local_error->message);
    return NULL;
  }
  if (size > SALDO_APDU_RESPONSE_MAX) {
    g_set_error (error, SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL,
                 "Couldn't send APDU: response of %u bytes", size);
    return NULL;
  }
  /* MBIM carries the status word apart; callers get one R-APDU, like QMI */
  sw = saldo_uicc_transport_mbim_status_to_sw (status);
  sw_bytes[0] = sw >> 8;
  sw_bytes[1] = sw & 0xFF;
  rapdu = g_byte_array_sized_new (size + 2);
  if (size > 0)
    g_byte_array_append (rapdu, data, size);
  g_byte_array_append (rapdu, sw_bytes, 2);
  return g_byte_array_free_to_bytes (g_steal_pointer (&rapdu));
}

gboolean
saldo_uicc_transport_mbim_parse_close_channel (MbimMessage *response, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (response != NULL, FALSE);

  if (!reply_get_result (response, MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_CLOSE_CHANNEL, &local_error)) {
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "Couldn't close logical channel: ");
    return FALSE;
  }
  /* The Status word of a close is informational: the channel is gone. */
  if (!mbim_message_ms_uicc_low_level_access_close_channel_response_parse (response, NULL, &local_error)) {
    g_set_error (error, SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_PROTOCOL,
                 "Couldn't close logical channel: malformed reply: %s", local_error->message);
    return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Commands */

typedef enum {
  COMMAND_OPEN_CHANNEL,
  COMMAND_APDU,
  COMMAND_CLOSE_CHANNEL,
} CommandKind;

static void
command_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CommandKind kind = GPOINTER_TO_UINT (g_task_get_task_data (task));
  g_autoptr(MbimMessage) response = NULL;
  g_autoptr(GError) error = NULL;
  guint8  channel = 0;
  GBytes *rapdu;

  response = mbim_device_command_finish (MBIM_DEVICE (source), res, &error);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (response == NULL) {
    saldo_uicc_transport_mbim_error_convert (&error);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }

  switch (kind) {
  case COMMAND_OPEN_CHANNEL:
    if (!saldo_uicc_transport_mbim_parse_open_channel (response, &channel, &error))
      g_task_return_error (task, g_steal_pointer (&error));
    else
      g_task_return_int (task, channel);
    break;
  case COMMAND_APDU:
    rapdu = saldo_uicc_transport_mbim_parse_apdu (response, &error);
    if (rapdu == NULL)
      g_task_return_error (task, g_steal_pointer (&error));
    else
      g_task_return_pointer (task, rapdu, (GDestroyNotify) g_bytes_unref);
    break;
  case COMMAND_CLOSE_CHANNEL:
  default:
    if (!saldo_uicc_transport_mbim_parse_close_channel (response, &error))
      g_task_return_error (task, g_steal_pointer (&error));
    else
      g_task_return_boolean (task, TRUE);
    break;
  }
}

/* Takes @request (may be NULL with @error set). */
static void
command_send (SaldoUiccTransportMbim *self,
              CommandKind             kind,
              MbimMessage            *request,
              GError                 *error,
              guint                   timeout,
              GCancellable           *cancellable,
              GAsyncReadyCallback     callback,
              gpointer                user_data,
              gpointer                source_tag)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(MbimMessage) message = request;

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, GUINT_TO_POINTER (kind), NULL);
  if (message == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (self->device == NULL || !mbim_device_is_open (self->device)) {
    g_task_return_new_error (task, SALDO_UICC_TRANSPORT_ERROR, SALDO_UICC_TRANSPORT_ERROR_TRANSPORT,
                             "MBIM device is closed");
    return;
  }
  mbim_device_command (self->device, message, timeout, cancellable, command_ready, g_steal_pointer (&task));
}

static void
saldo_uicc_transport_mbim_open_channel_async (SaldoUiccTransport *transport,
                                              GBytes             *aid,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data)
{
  GError      *error = NULL;
  MbimMessage *request = saldo_uicc_transport_mbim_build_open_channel (aid, &error);

  command_send (SALDO_UICC_TRANSPORT_MBIM (transport), COMMAND_OPEN_CHANNEL, request, error,
                SALDO_UICC_MBIM_COMMAND_TIMEOUT, cancellable, callback, user_data,
                saldo_uicc_transport_mbim_open_channel_async);
}

static void
saldo_uicc_transport_mbim_transmit_async (SaldoUiccTransport *transport,
                                          guint8              channel,
                                          GBytes             *apdu,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data)
{
  GError      *error = NULL;
  MbimMessage *request = saldo_uicc_transport_mbim_build_apdu (channel, apdu, &error);

  command_send (SALDO_UICC_TRANSPORT_MBIM (transport), COMMAND_APDU, request, error,
                SALDO_UICC_MBIM_APDU_TIMEOUT, cancellable, callback, user_data,
                saldo_uicc_transport_mbim_transmit_async);
}

static void
saldo_uicc_transport_mbim_close_channel_async (SaldoUiccTransport *transport,
                                               guint8              channel,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data)
{
  GError      *error = NULL;
  MbimMessage *request = saldo_uicc_transport_mbim_build_close_channel (channel, &error);

  command_send (SALDO_UICC_TRANSPORT_MBIM (transport), COMMAND_CLOSE_CHANNEL, request, error,
                SALDO_UICC_MBIM_COMMAND_TIMEOUT, cancellable, callback, user_data,
                saldo_uicc_transport_mbim_close_channel_async);
}

/* ------------------------------------------------------------------------ */
/* Construction and device ownership */

SaldoUiccTransport *
saldo_uicc_transport_mbim_new (MbimDevice *device, guint8 slot)
{
  SaldoUiccTransportMbim *self;

  g_return_val_if_fail (MBIM_IS_DEVICE (device), NULL);

  self = g_object_new (SALDO_TYPE_UICC_TRANSPORT_MBIM, "slot", (guint) slot, NULL);
  self->device = g_object_ref (device);
  return SALDO_UICC_TRANSPORT (self);
}

MbimDevice *
saldo_uicc_transport_mbim_get_device (SaldoUiccTransportMbim *self)
{
  g_return_val_if_fail (SALDO_IS_UICC_TRANSPORT_MBIM (self), NULL);

  return self->device;
}

static void
device_open_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SaldoUiccTransportMbim *self = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!mbim_device_open_full_finish (MBIM_DEVICE (source), res, &error)) {
    if (g_task_return_error_if_cancelled (task))
      return;
    saldo_uicc_transport_mbim_error_convert (&error);
    g_prefix_error (&error, "Couldn't open MBIM port through mbim-proxy: ");
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  self->owns_device = TRUE;
  g_task_return_pointer (task, g_object_ref (self), g_object_unref);
}

static void
device_new_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SaldoUiccTransportMbim *self = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  self->device = mbim_device_new_finish (res, &error);
  if (self->device == NULL) {
    if (g_task_return_error_if_cancelled (task))
      return;
    saldo_uicc_transport_mbim_error_convert (&error);
    g_prefix_error (&error, "Couldn't create MBIM device: ");
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  /* Never exclusive: ModemManager shares the port through mbim-proxy */
  mbim_device_open_full (self->device, MBIM_DEVICE_OPEN_FLAGS_PROXY, SALDO_UICC_MBIM_OPEN_TIMEOUT,
                         g_task_get_cancellable (task), device_open_ready, g_object_ref (task));
}

void
saldo_uicc_transport_mbim_open_async (GFile              *port,
                                      guint8              slot,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  SaldoUiccTransportMbim *self;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (port));

  self = g_object_new (SALDO_TYPE_UICC_TRANSPORT_MBIM, "slot", (guint) slot, NULL);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, saldo_uicc_transport_mbim_open_async);
  g_task_set_task_data (task, self, g_object_unref);
  mbim_device_new (port, cancellable, device_new_ready, g_object_ref (task));
}

SaldoUiccTransport *
saldo_uicc_transport_mbim_open_finish (GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (res, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (res), error);
}

static void
device_close_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!mbim_device_close_finish (MBIM_DEVICE (source), res, &error)) {
    saldo_uicc_transport_mbim_error_convert (&error);
    g_prefix_error (&error, "Couldn't close MBIM port: ");
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  g_task_return_boolean (task, TRUE);
}

void
saldo_uicc_transport_mbim_close_async (SaldoUiccTransportMbim *self,
                                       GCancellable           *cancellable,
                                       GAsyncReadyCallback     callback,
                                       gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(MbimDevice) device = NULL;

  g_return_if_fail (SALDO_IS_UICC_TRANSPORT_MBIM (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, saldo_uicc_transport_mbim_close_async);
  device = g_steal_pointer (&self->device);
  if (device == NULL || !self->owns_device || !mbim_device_is_open (device)) {
    self->owns_device = FALSE;
    g_task_return_boolean (task, TRUE);
    return;
  }
  self->owns_device = FALSE;
  mbim_device_close (device, SALDO_UICC_MBIM_CLOSE_TIMEOUT, cancellable, device_close_ready,
                     g_steal_pointer (&task));
}

gboolean
saldo_uicc_transport_mbim_close_finish (SaldoUiccTransportMbim *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (res, self), FALSE);

  return g_task_propagate_boolean (G_TASK (res), error);
}

/* Best effort for owners that drop us without closing. */
static void
dispose_close_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  mbim_device_close_finish (MBIM_DEVICE (source), res, NULL);
}

static void
saldo_uicc_transport_mbim_dispose (GObject *object)
{
  SaldoUiccTransportMbim *self = SALDO_UICC_TRANSPORT_MBIM (object);

  if (self->device != NULL && self->owns_device && mbim_device_is_open (self->device))
    mbim_device_close (self->device, SALDO_UICC_MBIM_CLOSE_TIMEOUT, NULL, dispose_close_ready, NULL);
  self->owns_device = FALSE;
  g_clear_object (&self->device);

  G_OBJECT_CLASS (saldo_uicc_transport_mbim_parent_class)->dispose (object);
}

static void
saldo_uicc_transport_mbim_class_init (SaldoUiccTransportMbimClass *klass)
{
  GObjectClass            *object_class = G_OBJECT_CLASS (klass);
  SaldoUiccTransportClass *transport_class = SALDO_UICC_TRANSPORT_CLASS (klass);

  object_class->dispose = saldo_uicc_transport_mbim_dispose;

  transport_class->open_channel_async = saldo_uicc_transport_mbim_open_channel_async;
  transport_class->transmit_async = saldo_uicc_transport_mbim_transmit_async;
  transport_class->close_channel_async = saldo_uicc_transport_mbim_close_channel_async;
}

static void
saldo_uicc_transport_mbim_init (SaldoUiccTransportMbim *self)
{
}
