/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "saldo-qmi-uim.h"

#include <libqmi-glib.h>

/* Seconds.  APDUs get more: some eUICCs take long to build big answers. */
#define SALDO_QMI_UIM_OPEN_TIMEOUT    15
#define SALDO_QMI_UIM_COMMAND_TIMEOUT 10
#define SALDO_QMI_UIM_APDU_TIMEOUT    30
#define SALDO_QMI_UIM_CLOSE_TIMEOUT   5

/* Far above any ES10 block (STORE DATA carries at most 255 bytes), and well
 * inside the 16-bit QMUX frame length. */
#define SALDO_QMI_UIM_MAX_APDU 4096

/* libqmi < 1.36 has no typed calls for these; they are sent as raw messages. */
#define SALDO_QMI_UIM_MSG_SEND_APDU            0x003B
#define SALDO_QMI_UIM_MSG_LOGICAL_CHANNEL      0x003F
#define SALDO_QMI_UIM_MSG_OPEN_LOGICAL_CHANNEL 0x0042

#define SALDO_QMI_TLV_RESULT 0x02

struct _SaldoQmiUim {
  GObject parent_instance;

  GFile        *port;
  QmiDevice    *device;
  QmiClientUim *client;
  gboolean      device_open;
};

G_DEFINE_TYPE (SaldoQmiUim, saldo_qmi_uim, G_TYPE_OBJECT)

enum {
  SIGNAL_SLOT_STATUS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_QUARK (saldo - qmi - uim - error - quark, saldo_qmi_uim_error)

/* ------------------------------------------------------------------------ */
/* Errors */

static SaldoQmiUimError
error_code_from_protocol (gint code)
{
  switch (code) {
  case QMI_PROTOCOL_ERROR_ACCESS_DENIED:
    return SALDO_QMI_UIM_ERROR_ACCESS_DENIED;
  case QMI_PROTOCOL_ERROR_NOT_SUPPORTED:
  case QMI_PROTOCOL_ERROR_INVALID_QMI_COMMAND:
  case QMI_PROTOCOL_ERROR_DEVICE_UNSUPPORTED:
  case QMI_PROTOCOL_ERROR_INVALID_SERVICE_TYPE:
    return SALDO_QMI_UIM_ERROR_NOT_SUPPORTED;
  case QMI_PROTOCOL_ERROR_INTERNAL:
  case QMI_PROTOCOL_ERROR_EXTENDED_INTERNAL:
  case QMI_PROTOCOL_ERROR_NO_MEMORY:
  case QMI_PROTOCOL_ERROR_INSUFFICIENT_RESOURCES:
  case QMI_PROTOCOL_ERROR_GENERAL_ERROR:
  case QMI_PROTOCOL_ERROR_UNKNOWN_ERROR:
    return SALDO_QMI_UIM_ERROR_INTERNAL;
  case QMI_PROTOCOL_ERROR_UIM_UNINITIALIZED:
  case QMI_PROTOCOL_ERROR_DEVICE_NOT_READY:
    return SALDO_QMI_UIM_ERROR_NO_CARD;
  case QMI_PROTOCOL_ERROR_ABORTED:
    /* libqmi's answer to a cancelled or dropped request */
    return SALDO_QMI_UIM_ERROR_TRANSPORT;
  default:
    return SALDO_QMI_UIM_ERROR_PROTOCOL;
  }
}

static SaldoQmiUimError
error_code_from_core (gint code)
{
  switch (code) {
  case QMI_CORE_ERROR_UNSUPPORTED:
    return SALDO_QMI_UIM_ERROR_NOT_SUPPORTED;
  case QMI_CORE_ERROR_INVALID_MESSAGE:
  case QMI_CORE_ERROR_TLV_NOT_FOUND:
  case QMI_CORE_ERROR_TLV_TOO_LONG:
  case QMI_CORE_ERROR_TLV_EMPTY:
  case QMI_CORE_ERROR_UNEXPECTED_MESSAGE:
  case QMI_CORE_ERROR_INVALID_DATA:
  case QMI_CORE_ERROR_INVALID_ARGS:
    return SALDO_QMI_UIM_ERROR_PROTOCOL;
  default:
    return SALDO_QMI_UIM_ERROR_TRANSPORT;
  }
}

void
saldo_qmi_uim_error_convert (GError **error)
{
  GError          *orig;
  SaldoQmiUimError code;

  if (error == NULL || *error == NULL)
    return;

  orig = *error;
  if (orig->domain == SALDO_QMI_UIM_ERROR || g_error_matches (orig, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (orig->domain == QMI_PROTOCOL_ERROR)
    code = error_code_from_protocol (orig->code);
  else if (orig->domain == QMI_CORE_ERROR)
    code = error_code_from_core (orig->code);
  else
    code = SALDO_QMI_UIM_ERROR_TRANSPORT;

  *error = g_error_new_literal (SALDO_QMI_UIM_ERROR, code, orig->message);
  g_error_free (orig);
}

/* Converts, adds context and returns @error on @task, unless the caller
 * cancelled: then it is G_IO_ERROR_CANCELLED whatever libqmi said. */
static void
task_return_qmi_error (GTask *task, GError *error, const gchar *context)
{
  if (g_task_return_error_if_cancelled (task)) {
    g_error_free (error);
    return;
  }
  saldo_qmi_uim_error_convert (&error);
  g_prefix_error (&error, "%s: ", context);
  g_task_return_error (task, error);
}

static gboolean
check_open (SaldoQmiUim *self, GTask *task)
{
  if (self->client != NULL)
    return TRUE;
  g_task_return_new_error (task, SALDO_QMI_UIM_ERROR, SALDO_QMI_UIM_ERROR_TRANSPORT,
                           "QMI UIM client is closed");
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Slots */

void
saldo_qmi_uim_slot_free (SaldoQmiUimSlot *slot)
{
  if (slot == NULL)
    return;
  g_free (slot->eid);
  g_free (slot->iccid);
  g_free (slot);
}

/* ICCIDs come as in EF.ICCID: BCD, low nibble first, F-padded. */
static gchar *
decode_iccid (const GArray *bcd)
{
  g_autoptr(GString) digits = g_string_new (NULL);

  for (guint i = 0; i < bcd->len; i++) {
    guint8 byte = g_array_index (bcd, guint8, i);
    guint8 nibbles[2] = { byte & 0x0F, byte >> 4 };

    for (guint n = 0; n < 2; n++) {
      if (nibbles[n] == 0x0F)
        return digits->len > 0 ? g_string_free (g_steal_pointer (&digits), FALSE) : NULL;
      if (nibbles[n] > 9)
        return NULL;
      g_string_append_c (digits, (gchar) ('0' + nibbles[n]));
    }
  }
  return digits->len > 0 ? g_string_free (g_steal_pointer (&digits), FALSE) : NULL;
}

/* EIDs are packed BCD, high nibble first: the hex dump is the EID. */
static gchar *
encode_hex (const GArray *bytes)
{
  GString *hex;

  if (bytes == NULL || bytes->len == 0)
    return NULL;
  hex = g_string_sized_new (bytes->len * 2);
  for (guint i = 0; i < bytes->len; i++)
    g_string_append_printf (hex, "%02X", g_array_index (bytes, guint8, i));
  return g_string_free (hex, FALSE);
}

/* The Get Slot Status reply and the Slot Status indication share these
 * TLVs: per-slot arrays, in physical slot order. */
static GPtrArray *
slots_from_arrays (GArray *status, GArray *info, GArray *eids)
{
  GPtrArray *slots = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_qmi_uim_slot_free);

  for (guint i = 0; status != NULL && i < status->len; i++) {
    QmiPhysicalSlotStatusSlot *st = &g_array_index (status, QmiPhysicalSlotStatusSlot, i);
    SaldoQmiUimSlot           *slot = g_new0 (SaldoQmiUimSlot, 1);

    slot->physical_slot = i + 1;
    slot->card_present = st->physical_card_status == QMI_UIM_PHYSICAL_CARD_STATE_PRESENT;
    slot->active = st->physical_slot_status == QMI_UIM_SLOT_STATE_ACTIVE;
    slot->logical_slot = st->logical_slot;
    if (st->iccid != NULL)
      slot->iccid = decode_iccid (st->iccid);
    if (info != NULL && i < info->len)
      slot->is_euicc = g_array_index (info, QmiPhysicalSlotInformationSlot, i).is_euicc;
    if (eids != NULL && i < eids->len)
      slot->eid = encode_hex (g_array_index (eids, QmiSlotEidElement, i).eid);
    g_ptr_array_add (slots, slot);
  }
  return slots;
}

GPtrArray *
saldo_qmi_uim_slots_from_indication (QmiIndicationUimSlotStatusOutput *output, GError **error)
{
  GArray *status = NULL;
  GArray *info = NULL;
  GArray *eids = NULL;

  if (!qmi_indication_uim_slot_status_output_get_physical_slot_status (output, &status, error))
    return NULL;
  qmi_indication_uim_slot_status_output_get_physical_slot_information (output, &info, NULL);
  qmi_indication_uim_slot_status_output_get_slot_eid (output, &eids, NULL);
  return slots_from_arrays (status, info, eids);
}

static void
slot_status_indication_cb (QmiClientUim *client, QmiIndicationUimSlotStatusOutput *output, gpointer user_data)
{
  SaldoQmiUim *self = SALDO_QMI_UIM (user_data);
  g_autoptr(GPtrArray) slots = NULL;
  g_autoptr(GError) error = NULL;

  slots = saldo_qmi_uim_slots_from_indication (output, &error);
  if (slots == NULL) {
    g_debug ("Ignoring slot status indication: %s", error->message);
    return;
  }
  g_signal_emit (self, signals[SIGNAL_SLOT_STATUS_CHANGED], 0, slots);
}

/* ------------------------------------------------------------------------ */
/* Raw messages for libqmi < 1.36 */

#if !QMI_CHECK_VERSION(1, 36, 0)

/* TLV 0x02: u16 status (0 success), u16 QMI protocol error code. */
static gboolean
reply_check_result (QmiMessage *reply, GError **error)
{
  const guint8 *raw;
  guint16       len = 0;
  guint16       status;
  guint16       code;
  const gchar  *name;

  raw = qmi_message_get_raw_tlv (reply, SALDO_QMI_TLV_RESULT, &len);
  if (raw == NULL || len < 4) {
    g_set_error_literal (error, QMI_CORE_ERROR, QMI_CORE_ERROR_TLV_NOT_FOUND,
                         "Reply has no valid result TLV");
    return FALSE;
  }
  status = (guint16) (raw[0] | (raw[1] << 8));
  code = (guint16) (raw[2] | (raw[3] << 8));
  if (status == 0)
    return TRUE;

  /* Same wording as libqmi's own typed calls */
  name = qmi_protocol_error_get_string ((QmiProtocolError) code);
  g_set_error (error, QMI_PROTOCOL_ERROR, code, "QMI protocol error (%u): '%s'", code,
               name ? name : "unknown");
  return FALSE;
}

gboolean
saldo_qmi_uim_reply_check (QmiMessage *reply, guint8 card_result_tlv, GError **error)
{
  const guint8 *raw;
  guint16       len = 0;

  if (reply_check_result (reply, error))
    return TRUE;
  if (card_result_tlv != 0) {
    raw = qmi_message_get_raw_tlv (reply, card_result_tlv, &len);
    if (raw != NULL && len == 2)
      g_prefix_error (error, "card status %02X%02X: ", raw[0], raw[1]);
  }
  return FALSE;
}

gboolean
saldo_qmi_uim_reply_get_channel (QmiMessage *reply, guint8 *out_channel, GError **error)
{
  const guint8 *raw;
  guint16       len = 0;

  raw = qmi_message_get_raw_tlv (reply, 0x10, &len);
  if (raw == NULL || len != 1) {
    g_set_error_literal (error, SALDO_QMI_UIM_ERROR, SALDO_QMI_UIM_ERROR_PROTOCOL,
                         "Couldn't open logical channel: reply has no channel id");
    return FALSE;
  }
  *out_channel = raw[0];
  return TRUE;
}

/* TLV 0x10: u16 LE length, then the response data ending in SW1 SW2 */
GBytes *
saldo_qmi_uim_reply_get_apdu_response (QmiMessage *reply, GError **error)
{
  const guint8 *raw;
  guint16       len = 0;
  guint16       data_len;

  raw = qmi_message_get_raw_tlv (reply, 0x10, &len);
  if (raw == NULL || len < 2) {
    g_set_error_literal (error, SALDO_QMI_UIM_ERROR, SALDO_QMI_UIM_ERROR_PROTOCOL,
                         "Couldn't send APDU: reply has no response");
    return NULL;
  }
  data_len = (guint16) (raw[0] | (raw[1] << 8));
  if (data_len != len - 2 || data_len < 2) {
    g_set_error (error, SALDO_QMI_UIM_ERROR, SALDO_QMI_UIM_ERROR_PROTOCOL,
                 "Couldn't send APDU: response length %u in a %u byte TLV", data_len, len);
    return NULL;
  }
  return g_bytes_new (raw + 2, data_len);
}

/* One raw TLV of a request */
typedef struct {
  guint8        type;
  const guint8 *data;
  gsize         len;
} SaldoQmiUimTlv;

/* Builds the @message_id request from @tlvs and sends it for @task; a
 * request that couldn't be built fails @task with @context. */
static void
command_send (SaldoQmiUim          *self,
              guint16               message_id,
              const SaldoQmiUimTlv *tlvs,
              guint                 n_tlvs,
              guint                 timeout,
              const gchar          *context,
              GTask                *task,
              GAsyncReadyCallback   ready)
{
  QmiClient *client = QMI_CLIENT (self->client);
  g_autoptr(QmiMessage) request = NULL;
  g_autoptr(GError) error = NULL;

  request = qmi_message_new (QMI_SERVICE_UIM, qmi_client_get_cid (client),
                             qmi_client_get_next_transaction_id (client), message_id);
  for (guint i = 0; i < n_tlvs; i++) {
    if (!qmi_message_add_raw_tlv (request, tlvs[i].type, tlvs[i].data, tlvs[i].len, &error)) {
      task_return_qmi_error (task, g_steal_pointer (&error), context);
      return;
    }
  }
  qmi_device_command_full (self->device, request, NULL, timeout, g_task_get_cancellable (task), ready,
                           g_object_ref (task));
}

/* The checked reply of a command_send(), or NULL once @task has failed
 * with @context.  @card_result_tlv (0: none) names the TLV that carries
 * the card's SW1 SW2 on a failure, for the error message. */
static QmiMessage *
command_finish (GTask *task, GAsyncResult *res, guint8 card_result_tlv, const gchar *context)
{
  SaldoQmiUim *self = g_task_get_source_object (task);
  g_autoptr(QmiMessage) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = qmi_device_command_full_finish (self->device, res, &error);
  if (reply != NULL)
    saldo_qmi_uim_reply_check (reply, card_result_tlv, &error);
  if (error != NULL) {
    task_return_qmi_error (task, g_steal_pointer (&error), context);
    return NULL;
  }
  return g_steal_pointer (&reply);
}

#endif

/* ------------------------------------------------------------------------ */
/* Open logical channel */

#if QMI_CHECK_VERSION(1, 36, 0)

static void
open_channel_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(QmiMessageUimOpenLogicalChannelOutput) output = NULL;
  g_autoptr(GError) error = NULL;
  guint8 channel = 0;

  output = qmi_client_uim_open_logical_channel_finish (QMI_CLIENT_UIM (source), res, &error);
  if (output != NULL && !qmi_message_uim_open_logical_channel_output_get_result (output, &error)) {
    guint8 sw1, sw2;

    if (qmi_message_uim_open_logical_channel_output_get_card_result (output, &sw1, &sw2, NULL))
      g_prefix_error (&error, "card status %02X%02X: ", sw1, sw2);
  }
  if (output != NULL && error == NULL)
    qmi_message_uim_open_logical_channel_output_get_channel_id (output, &channel, &error);
  if (error != NULL) {
    task_return_qmi_error (task, g_steal_pointer (&error), "Couldn't open logical channel");
    return;
  }
  g_task_return_int (task, channel);
}

static void
open_channel_send (SaldoQmiUim *self, guint8 slot, GBytes *aid, GTask *task)
{
  g_autoptr(QmiMessageUimOpenLogicalChannelInput) input = NULL;
  g_autoptr(GArray) aid_array = NULL;
  gsize         aid_len = 0;
  const guint8 *aid_data = g_bytes_get_data (aid, &aid_len);

  aid_array = g_array_sized_new (FALSE, FALSE, 1, (guint) aid_len);
  g_array_append_vals (aid_array, aid_data, (guint) aid_len);
  input = qmi_message_uim_open_logical_channel_input_new ();
  qmi_message_uim_open_logical_channel_input_set_slot (input, slot, NULL);
  qmi_message_uim_open_logical_channel_input_set_aid (input, aid_array, NULL);
  qmi_client_uim_open_logical_channel (self->client, input, SALDO_QMI_UIM_COMMAND_TIMEOUT,
                                       g_task_get_cancellable (task), open_channel_ready,
                                       g_object_ref (task));
}

#else

static void
open_channel_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(QmiMessage) reply = NULL;
  GError *error = NULL;
  guint8  channel = 0;

  /* TLV 0x11 carries SW1 SW2 of the card's SELECT, when it got that far */
  reply = command_finish (task, res, 0x11, "Couldn't open logical channel");
  if (reply == NULL)
    return;
  if (!saldo_qmi_uim_reply_get_channel (reply, &channel, &error)) {
    g_task_return_error (task, error);
    return;
  }
  g_task_return_int (task, channel);
}

static void
open_channel_send (SaldoQmiUim *self, guint8 slot, GBytes *aid, GTask *task)
{
  g_autoptr(GByteArray) aid_tlv = g_byte_array_new ();
  gsize         aid_len = 0;
  const guint8 *aid_data = g_bytes_get_data (aid, &aid_len);
  guint8        prefix = (guint8) aid_len;

  /* TLV 0x01 slot; TLV 0x10 AID with a one-byte length */
  g_byte_array_append (aid_tlv, &prefix, 1);
  g_byte_array_append (aid_tlv, aid_data, (guint) aid_len);
  command_send (self, SALDO_QMI_UIM_MSG_OPEN_LOGICAL_CHANNEL,
                (const SaldoQmiUimTlv[]){
                  { 0x01, &slot, 1 },
                  { 0x10, aid_tlv->data, aid_tlv->len },
                },
                2, SALDO_QMI_UIM_COMMAND_TIMEOUT, "Couldn't build open channel request", task,
                open_channel_ready);
}

#endif

void
saldo_qmi_uim_open_channel_async (SaldoQmiUim        *self,
                                  guint8              slot,
                                  GBytes             *aid,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  gsize aid_len;

  g_return_if_fail (SALDO_IS_QMI_UIM (self));
  g_return_if_fail (aid != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, saldo_qmi_uim_open_channel_async);
  if (!check_open (self, task))
    return;

  aid_len = g_bytes_get_size (aid);
  if (aid_len == 0 || aid_len > 16) {
    g_task_return_new_error (task, SALDO_QMI_UIM_ERROR, SALDO_QMI_UIM_ERROR_PROTOCOL,
                             "Invalid AID length %" G_GSIZE_FORMAT, aid_len);
    return;
  }
  open_channel_send (self, slot, aid, task);
}

gboolean
saldo_qmi_uim_open_channel_finish (SaldoQmiUim *self, GAsyncResult *res, guint8 *out_channel, GError **error)
{
  gssize channel;

  g_return_val_if_fail (g_task_is_valid (res, self), FALSE);

  channel = g_task_propagate_int (G_TASK (res), error);
  if (channel < 0)
    return FALSE;
  if (out_channel != NULL)
    *out_channel = (guint8) channel;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Send APDU */

#if QMI_CHECK_VERSION(1, 36, 0)

static void
send_apdu_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(QmiMessageUimSendApduOutput) output = NULL;
  g_autoptr(GError) error = NULL;
  GArray *response = NULL;

  output = qmi_client_uim_send_apdu_finish (QMI_CLIENT_UIM (source), res, &error);
  if (output != NULL && qmi_message_uim_send_apdu_output_get_result (output, &error))
    qmi_message_uim_send_apdu_output_get_apdu_response (output, &response, &error);
  if (error != NULL) {
    task_return_qmi_error (task, g_steal_pointer (&error), "Couldn't send APDU");
    return;
  }
  if (response->len < 2) {
    g_task_return_new_error (task, SALDO_QMI_UIM_ERROR, SALDO_QMI_UIM_ERROR_PROTOCOL,
                             "Couldn't send APDU: response without status word");
    return;
  }
  g_task_return_pointer (task, g_bytes_new (response->data, response->len), (GDestroyNotify) g_bytes_unref);
}

static void
send_apdu_send (SaldoQmiUim *self, guint8 slot, guint8 channel, GBytes *apdu, GTask *task)
{
  g_autoptr(QmiMessageUimSendApduInput) input = NULL;
  g_autoptr(GArray) apdu_array = NULL;
  gsize         apdu_len = 0;
  const guint8 *apdu_data = g_bytes_get_data (apdu, &apdu_len);

  apdu_array = g_array_sized_new (FALSE, FALSE, 1, (guint) apdu_len);
  g_array_append_vals (apdu_array, apdu_data, (guint) apdu_len);
  input = qmi_message_uim_send_apdu_input_new ();
  qmi_message_uim_send_apdu_input_set_slot (input, slot, NULL);
  qmi_message_uim_send_apdu_input_set_channel_id (input, channel, NULL);
  qmi_message_uim_send_apdu_input_set_apdu (input, apdu_array, NULL);
  qmi_client_uim_send_apdu (self->client, input, SALDO_QMI_UIM_APDU_TIMEOUT, g_task_get_cancellable (task),
                            send_apdu_ready, g_object_ref (task));
}

#else

static void
send_apdu_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(QmiMessage) reply = NULL;
  GError *error = NULL;
  GBytes *response;

  reply = command_finish (task, res, 0, "Couldn't send APDU");
  if (reply == NULL)
    return;
  response = saldo_qmi_uim_reply_get_apdu_response (reply, &error);
  if (response == NULL) {
    g_task_return_error (task, error);
    return;
  }
  g_task_return_pointer (task, response, (GDestroyNotify) g_bytes_unref);
}

static void
send_apdu_send (SaldoQmiUim *self, guint8 slot, guint8 channel, GBytes *apdu, GTask *task)
{
  g_autoptr(GByteArray) apdu_tlv = g_byte_array_new ();
  gsize         apdu_len = 0;
  const guint8 *apdu_data = g_bytes_get_data (apdu, &apdu_len);
  guint8        prefix[2] = { apdu_len & 0xFF, (apdu_len >> 8) & 0xFF };

  /* TLV 0x01 slot; TLV 0x02 APDU with a u16 LE length; TLV 0x10 channel */
  g_byte_array_append (apdu_tlv, prefix, 2);
  g_byte_array_append (apdu_tlv, apdu_data, (guint) apdu_len);
  command_send (self, SALDO_QMI_UIM_MSG_SEND_APDU,
                (const SaldoQmiUimTlv[]){
                  { 0x01, &slot, 1 },
                  { 0x02, apdu_tlv->data, apdu_tlv->len },
                  { 0x10, &channel, 1 },
                },
                3, SALDO_QMI_UIM_APDU_TIMEOUT, "Couldn't build APDU request", task, send_apdu_ready);
}

#endif

void
saldo_qmi_uim_send_apdu_async (SaldoQmiUim        *self,
                               guint8              slot,
                               guint8              channel,
                               GBytes             *apdu,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  gsize apdu_len;

  g_return_if_fail (SALDO_IS_QMI_UIM (self));
  g_return_if_fail (apdu != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, saldo_qmi_uim_send_apdu_async);
  if (!check_open (self, task))
    return;

  apdu_len = g_bytes_get_size (apdu);
  if (apdu_len < 4 || apdu_len > SALDO_QMI_UIM_MAX_APDU) {
    g_task_return_new_error (task, SALDO_QMI_UIM_ERROR, SALDO_QMI_UIM_ERROR_PROTOCOL,
                             "Invalid APDU length %" G_GSIZE_FORMAT, apdu_len);
    return;
  }
  send_apdu_send (self, slot, channel, apdu, task);
}

GBytes *
saldo_qmi_uim_send_apdu_finish (SaldoQmiUim *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (res, self), NULL);

  return g_task_propagate_pointer (G_TASK (res), error);
}

/* ------------------------------------------------------------------------ */
/* Close logical channel */

#if QMI_CHECK_VERSION(1, 36, 0)

static void
close_channel_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(QmiMessageUimLogicalChannelOutput) output = NULL;
  g_autoptr(GError) error = NULL;

  output = qmi_client_uim_logical_channel_finish (QMI_CLIENT_UIM (source), res, &error);
  if (output != NULL)
    qmi_message_uim_logical_channel_output_get_result (output, &error);
  if (error != NULL) {
    task_return_qmi_error (task, g_steal_pointer (&error), "Couldn't close logical channel");
    return;
  }
  g_task_return_boolean (task, TRUE);
}

static void
close_channel_send (SaldoQmiUim *self, guint8 slot, guint8 channel, GTask *task)
{
  g_autoptr(QmiMessageUimLogicalChannelInput) input = NULL;

  input = qmi_message_uim_logical_channel_input_new ();
  qmi_message_uim_logical_channel_input_set_slot (input, slot, NULL);
  qmi_message_uim_logical_channel_input_set_channel_id (input, channel, NULL);
  qmi_client_uim_logical_channel (self->client, input, SALDO_QMI_UIM_COMMAND_TIMEOUT,
                                  g_task_get_cancellable (task), close_channel_ready, g_object_ref (task));
}

#else

static void
close_channel_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(QmiMessage) reply = NULL;

  reply = command_finish (task, res, 0, "Couldn't close logical channel");
  if (reply == NULL)
    return;
  g_task_return_boolean (task, TRUE);
}

static void
close_channel_send (SaldoQmiUim *self, guint8 slot, guint8 channel, GTask *task)
{
  /* TLV 0x01 slot; TLV 0x11 channel id (its presence makes this a close) */
  command_send (self, SALDO_QMI_UIM_MSG_LOGICAL_CHANNEL,
                (const SaldoQmiUimTlv[]){
                  { 0x01, &slot, 1 },
                  { 0x11, &channel, 1 },
                },
                2, SALDO_QMI_UIM_COMMAND_TIMEOUT, "Couldn't build close channel request", task,
                close_channel_ready);
}

#endif

void
saldo_qmi_uim_close_channel_async (SaldoQmiUim        *self,
                                   guint8              slot,
                                   guint8              channel,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SALDO_IS_QMI_UIM (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, saldo_qmi_uim_close_channel_async);
  if (!check_open (self, task))
    return;
  close_channel_send (self, slot, channel, task);
}

gboolean
saldo_qmi_uim_close_channel_finish (SaldoQmiUim *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (res, self), FALSE);

  return g_task_propagate_boolean (G_TASK (res), error);
}

/* ------------------------------------------------------------------------ */
/* Slot status */

static void
get_slot_status_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(QmiMessageUimGetSlotStatusOutput) output = NULL;
  g_autoptr(GError) error = NULL;
  GArray *status = NULL;
  GArray *info = NULL;
  GArray *eids = NULL;

  output = qmi_client_uim_get_slot_status_finish (QMI_CLIENT_UIM (source), res, &error);
  if (output != NULL && qmi_message_uim_get_slot_status_output_get_result (output, &error))
    qmi_message_uim_get_slot_status_output_get_physical_slot_status (output, &status, &error);
  if (error != NULL) {
    task_return_qmi_error (task, g_steal_pointer (&error), "Couldn't get slot status");
    return;
  }
  /* Older firmware leaves these out; slots then read as not eUICC, no EID */
  qmi_message_uim_get_slot_status_output_get_physical_slot_information (output, &info, NULL);
  qmi_message_uim_get_slot_status_output_get_slot_eid (output, &eids, NULL);

  g_task_return_pointer (task, slots_from_arrays (status, info, eids), (GDestroyNotify) g_ptr_array_unref);
}

void
saldo_qmi_uim_get_slot_status_async (SaldoQmiUim        *self,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SALDO_IS_QMI_UIM (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, saldo_qmi_uim_get_slot_status_async);
  if (!check_open (self, task))
    return;
  qmi_client_uim_get_slot_status (self->client, NULL, SALDO_QMI_UIM_COMMAND_TIMEOUT, cancellable,
                                  get_slot_status_ready, g_object_ref (task));
}

GPtrArray *
saldo_qmi_uim_get_slot_status_finish (SaldoQmiUim *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (res, self), NULL);

  return g_task_propagate_pointer (G_TASK (res), error);
}

/* ------------------------------------------------------------------------ */
/* Construction: new device -> open through the proxy -> UIM client ->
 * register for slot status indications */

static void
register_events_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SaldoQmiUim *self = g_task_get_source_object (task);
  g_autoptr(QmiMessageUimRegisterEventsOutput) output = NULL;
  g_autoptr(GError) error = NULL;

  output = qmi_client_uim_register_events_finish (QMI_CLIENT_UIM (source), res, &error);
  if (output != NULL)
    qmi_message_uim_register_events_output_get_result (output, &error);
  if (g_task_return_error_if_cancelled (task))
    return;
  /* Not fatal: without indications the caller still gets slot status by
   * asking; it just learns about profile switches later. */
  if (error != NULL)
    g_debug ("%s: no slot status indications: %s", qmi_device_get_path_display (self->device),
             error->message);
  g_task_return_pointer (task, g_object_ref (self), g_object_unref);
}

static void
allocate_client_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SaldoQmiUim *self = g_task_get_source_object (task);
  g_autoptr(QmiMessageUimRegisterEventsInput) input = NULL;
  g_autoptr(GError) error = NULL;
  QmiClient *client;

  client = qmi_device_allocate_client_finish (QMI_DEVICE (source), res, &error);
  if (client == NULL) {
    task_return_qmi_error (task, g_steal_pointer (&error), "Couldn't allocate QMI UIM client");
    return;
  }
  self->client = QMI_CLIENT_UIM (client);
  g_signal_connect_object (self->client, "slot-status", G_CALLBACK (slot_status_indication_cb), self, 0);

  input = qmi_message_uim_register_events_input_new ();
  qmi_message_uim_register_events_input_set_event_registration_mask (input,
                                                                     QMI_UIM_EVENT_REGISTRATION_FLAG_PHYSICAL_SLOT_STATUS,
                                                                     NULL);
  qmi_client_uim_register_events (self->client, input, SALDO_QMI_UIM_COMMAND_TIMEOUT,
                                  g_task_get_cancellable (task), register_events_ready, g_object_ref (task));
}

static void
device_open_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SaldoQmiUim *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!qmi_device_open_finish (QMI_DEVICE (source), res, &error)) {
    task_return_qmi_error (task, g_steal_pointer (&error), "Couldn't open QMI port through qmi-proxy");
    return;
  }
  self->device_open = TRUE;
  qmi_device_allocate_client (self->device, QMI_SERVICE_UIM, QMI_CID_NONE, SALDO_QMI_UIM_COMMAND_TIMEOUT,
                              g_task_get_cancellable (task), allocate_client_ready, g_object_ref (task));
}

static void
device_new_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SaldoQmiUim *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  self->device = qmi_device_new_finish (res, &error);
  if (self->device == NULL) {
    task_return_qmi_error (task, g_steal_pointer (&error), "Couldn't create QMI device");
    return;
  }
  /* Never exclusive: ModemManager shares the port through qmi-proxy.
   * No AUTO either, it needs a qmi_wwan/cdc-wdm sysfs entry. */
  qmi_device_open (self->device, QMI_DEVICE_OPEN_FLAGS_PROXY | QMI_DEVICE_OPEN_FLAGS_VERSION_INFO,
                   SALDO_QMI_UIM_OPEN_TIMEOUT, g_task_get_cancellable (task), device_open_ready,
                   g_object_ref (task));
}

void
saldo_qmi_uim_new_async (GFile              *port,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  g_autoptr(SaldoQmiUim) self = NULL;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (port));

  self = g_object_new (SALDO_TYPE_QMI_UIM, NULL);
  self->port = g_object_ref (port);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, saldo_qmi_uim_new_async);
  qmi_device_new (port, cancellable, device_new_ready, g_object_ref (task));
}

SaldoQmiUim *
saldo_qmi_uim_new_finish (GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (G_IS_TASK (res), NULL);

  return g_task_propagate_pointer (G_TASK (res), error);
}

GFile *
saldo_qmi_uim_get_port (SaldoQmiUim *self)
{
  g_return_val_if_fail (SALDO_IS_QMI_UIM (self), NULL);

  return self->port;
}

/* ------------------------------------------------------------------------ */
/* Close: release the client id (so the modem frees its channels too), then
 * close our end of the proxy connection. */

static void
close_device_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SaldoQmiUim *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  self->device_open = FALSE;
  g_clear_object (&self->device);
  if (!qmi_device_close_finish (QMI_DEVICE (source), res, &error)) {
    task_return_qmi_error (task, g_steal_pointer (&error), "Couldn't close QMI port");
    return;
  }
  g_task_return_boolean (task, TRUE);
}

static void
close_release_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* libqmi: even on error the client counts as released */
  if (!qmi_device_release_client_finish (QMI_DEVICE (source), res, &error))
    g_debug ("Releasing QMI UIM client: %s", error->message);
  qmi_device_close_async (QMI_DEVICE (source), SALDO_QMI_UIM_CLOSE_TIMEOUT, g_task_get_cancellable (task),
                          close_device_ready, g_object_ref (task));
}

void
saldo_qmi_uim_close_async (SaldoQmiUim        *self,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(QmiClientUim) client = NULL;

  g_return_if_fail (SALDO_IS_QMI_UIM (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, saldo_qmi_uim_close_async);

  if (self->device == NULL) {
    g_task_return_boolean (task, TRUE);
    return;
  }
  client = g_steal_pointer (&self->client);
  if (client != NULL) {
    g_signal_handlers_disconnect_by_data (client, self);
    qmi_device_release_client (self->device, QMI_CLIENT (client), QMI_DEVICE_RELEASE_CLIENT_FLAGS_RELEASE_CID,
                               SALDO_QMI_UIM_CLOSE_TIMEOUT, cancellable, close_release_ready,
                               g_object_ref (task));
    return;
  }
  qmi_device_close_async (self->device, SALDO_QMI_UIM_CLOSE_TIMEOUT, cancellable, close_device_ready,
                          g_object_ref (task));
}

gboolean
saldo_qmi_uim_close_finish (SaldoQmiUim *self, GAsyncResult *res, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (res, self), FALSE);

  return g_task_propagate_boolean (G_TASK (res), error);
}

/* ------------------------------------------------------------------------ */

/* Best effort for owners that drop us without closing: the chain keeps
 * only the device alive, not the object. */
static void
dispose_close_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  qmi_device_close_finish (QMI_DEVICE (source), res, NULL);
}

static void
dispose_release_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  qmi_device_release_client_finish (QMI_DEVICE (source), res, NULL);
  qmi_device_close_async (QMI_DEVICE (source), SALDO_QMI_UIM_CLOSE_TIMEOUT, NULL, dispose_close_ready, NULL);
}

static void
saldo_qmi_uim_dispose (GObject *object)
{
  SaldoQmiUim *self = SALDO_QMI_UIM (object);

  if (self->client != NULL) {
    g_signal_handlers_disconnect_by_data (self->client, self);
    if (self->device != NULL)
      qmi_device_release_client (self->device, QMI_CLIENT (self->client),
                                 QMI_DEVICE_RELEASE_CLIENT_FLAGS_RELEASE_CID, SALDO_QMI_UIM_CLOSE_TIMEOUT,
                                 NULL, dispose_release_ready, NULL);
  } else if (self->device != NULL && self->device_open) {
    qmi_device_close_async (self->device, SALDO_QMI_UIM_CLOSE_TIMEOUT, NULL, dispose_close_ready, NULL);
  }
  self->device_open = FALSE;
  g_clear_object (&self->client);
  g_clear_object (&self->device);
  g_clear_object (&self->port);

  G_OBJECT_CLASS (saldo_qmi_uim_parent_class)->dispose (object);
}

static void
saldo_qmi_uim_class_init (SaldoQmiUimClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = saldo_qmi_uim_dispose;

  signals[SIGNAL_SLOT_STATUS_CHANGED] = g_signal_new ("slot-status-changed", G_TYPE_FROM_CLASS (klass),
                                                      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                      G_TYPE_PTR_ARRAY | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
saldo_qmi_uim_init (SaldoQmiUim *self)
{
}
