/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * libFuzzer target for what a modem answers on the QMI UIM service: the
 * Slot Status indication (same TLVs as the Get Slot Status reply), read by
 * libqmi's own client code and handed to saldod's decoder, and, where
 * saldod sends raw messages (libqmi < 1.36), the replies to Open Logical
 * Channel, Send APDU and Logical Channel (close).
 *
 * Input: one mode byte, then the message's TLVs as on the wire (type, u16
 * LE length, value); bits 0-1 of the mode pick the message, bit 2 takes the
 * rest verbatim as the whole QMUX frame (headers included), so libqmi's own
 * framing checks are fuzzed too.  A frame libqmi refuses is dropped, as
 * QmiDevice drops it.
 */

#include <string.h>

#include <sanitizer/lsan_interface.h>

#include "fuzz-common.h"
#include "saldo-qmi-uim.h"

enum {
  MODE_OPEN_CHANNEL,
  MODE_SEND_APDU,
  MODE_CLOSE_CHANNEL,
  MODE_SLOT_STATUS,
};

static const guint16 message_ids[] = { 0x0042, 0x003B, 0x003F, 0x0048 };

static QmiClientUim *client;
static guint         n_indications;

static void
on_slot_status (QmiClientUim *uim, QmiIndicationUimSlotStatusOutput *output, gpointer user_data)
{
  g_autoptr(GPtrArray) slots = NULL;
  g_autoptr(GError) error = NULL;

  /* Our decoder is leak-checked, unlike libqmi around it (see below). */
  __lsan_enable ();
  n_indications++;
  slots = saldo_qmi_uim_slots_from_indication (output, &error);
  g_assert_true ((slots == NULL) == (error != NULL));
  for (guint i = 0; slots != NULL && i < slots->len; i++) {
    SaldoQmiUimSlot *slot = g_ptr_array_index (slots, i);

    g_assert_cmpuint (slot->physical_slot, ==, i + 1);
    g_assert_true (slot->iccid == NULL ||
                   (*slot->iccid != '\0' && strspn (slot->iccid, "0123456789") == strlen (slot->iccid)));
    g_assert_true (slot->eid == NULL ||
                   (*slot->eid != '\0' && strspn (slot->eid, "0123456789ABCDEF") == strlen (slot->eid)));
  }
  g_clear_pointer (&slots, g_ptr_array_unref);
  g_clear_error (&error);
  __lsan_disable ();
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_quiet_logs ();
  /* A client with no device: indications are fed to it directly. */
  client = g_object_new (QMI_TYPE_CLIENT_UIM, QMI_CLIENT_SERVICE, QMI_SERVICE_UIM, QMI_CLIENT_CID, 1, NULL);
  g_signal_connect (client, "slot-status", G_CALLBACK (on_slot_status), NULL);
  return 0;
}

static void
check_error (GError **error)
{
  g_assert_nonnull (*error);
  saldo_qmi_uim_error_convert (error);
  g_assert_true ((*error)->domain == SALDO_QMI_UIM_ERROR);
}

#if !QMI_CHECK_VERSION(1, 36, 0)
static void
check_reply (QmiMessage *message, guint mode)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) rapdu = NULL;
  guint8 channel = 0;

  if (!saldo_qmi_uim_reply_check (message, mode == MODE_OPEN_CHANNEL ? 0x11 : 0, &error)) {
    check_error (&error);
    return;
  }
  g_assert_no_error (error);
  switch (mode) {
  case MODE_OPEN_CHANNEL:
    if (!saldo_qmi_uim_reply_get_channel (message, &channel, &error))
      check_error (&error);
    break;
  case MODE_SEND_APDU:
    rapdu = saldo_qmi_uim_reply_get_apdu_response (message, &error);
    if (rapdu == NULL) {
      check_error (&error);
    } else {
      /* The R-APDU ends in SW1 SW2 and fits a QMI TLV. */
      g_assert_cmpuint (g_bytes_get_size (rapdu), >=, 2);
      g_assert_cmpuint (g_bytes_get_size (rapdu), <=, G_MAXUINT16);
    }
    break;
  default:
    break;
  }
}
#endif

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GByteArray) qmi = NULL;
  g_autoptr(QmiMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  guint mode;
  guint before;

  if (size < 1 || size > 8192)
    return 0;
  mode = data[0] & 3;
  qmi = g_byte_array_sized_new ((guint) size + 13);
  if ((data[0] & 4) == 0) {
    gsize frame = 13 + (size - 1);
    /* QMUX: marker, length, sender (service), service, client; then the
     * service header: flags (response or indication), transaction,
     * message id, TLV length. */
    guint8 header[13] = {
      0x01,
      (frame - 1) & 0xFF,
      ((frame - 1) >> 8) & 0xFF,
      0x80,
      QMI_SERVICE_UIM,
      0x01,
      mode == MODE_SLOT_STATUS ? 0x04 : 0x02,
      0x01,
      0x00,
      message_ids[mode] & 0xFF,
      message_ids[mode] >> 8,
      (size - 1) & 0xFF,
      ((size - 1) >> 8) & 0xFF,
    };

    g_byte_array_append (qmi, header, sizeof header);
  }
  g_byte_array_append (qmi, data + 1, (guint) (size - 1));

  /* What QmiDevice does with the bytes it reads from the port. */
  message = qmi_message_new_from_raw (qmi, &error);
  if (message == NULL || qmi_message_get_service (message) != QMI_SERVICE_UIM)
    return 0;

  if (mode == MODE_SLOT_STATUS) {
    before = n_indications;
    /* libqmi 1.32 leaks the array it was filling when a Slot Status TLV
     * ends inside an element: not Saldo's to fix, so not reported. */
    __lsan_disable ();
    QMI_CLIENT_GET_CLASS (client)->process_indication (QMI_CLIENT (client), message);
    __lsan_enable ();
    g_assert_cmpuint (n_indications, <=, before + 1);
  } else {
#if !QMI_CHECK_VERSION(1, 36, 0)
    check_reply (message, mode);
#endif
  }
  return 0;
}
