/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qmi-uim-probe: manual check of SaldoQmiUim on a real or simulated port.
 *
 *   qmi-uim-probe /dev/cdc-wdm0 [SLOT] [C-APDU-HEX...]
 *
 * Prints the slot status; with APDUs, opens a channel to the ISD-R on SLOT,
 * sends each APDU with the channel number patched into CLA, follows 61xx
 * with GET RESPONSE, prints every R-APDU and closes the channel.  Read-only
 * unless you send writing APDUs yourself.
 */
#include <stdlib.h>

#include "saldo-qmi-uim.h"

#define ISDR_AID "A0000005591010FFFFFFFF8900000100"

/* Guards against a card answering 61xx forever */
#define MAX_GET_RESPONSE 64

static void
store_result (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
}

static GAsyncResult *
wait_result (GAsyncResult **res)
{
  while (*res == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *res;
}

static GBytes *
parse_hex (const gchar *hex, GError **error)
{
  gsize len = strlen (hex);
  g_autoptr(GByteArray) out = g_byte_array_new ();

  if (len % 2 != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Odd hex length: %s", hex);
    return NULL;
  }
  for (gsize i = 0; i < len; i += 2) {
    gint   hi = g_ascii_xdigit_value (hex[i]);
    gint   lo = g_ascii_xdigit_value (hex[i + 1]);
    guint8 byte;

    if (hi < 0 || lo < 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Not hex: %s", hex);
      return NULL;
    }
    byte = (guint8) (hi << 4 | lo);
    g_byte_array_append (out, &byte, 1);
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static gchar *
to_hex (GBytes *bytes)
{
  gsize         len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  GString      *hex = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%02X", data[i]);
  return g_string_free (hex, FALSE);
}

static GBytes *
transmit (SaldoQmiUim *uim, guint8 slot, guint8 channel, GBytes *apdu, GError **error)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autofree gchar *c_hex = to_hex (apdu);
  g_autofree gchar *r_hex = NULL;

  saldo_qmi_uim_send_apdu_async (uim, slot, channel, apdu, NULL, store_result, &res);
  response = saldo_qmi_uim_send_apdu_finish (uim, wait_result (&res), error);
  if (response == NULL)
    return NULL;
  r_hex = to_hex (response);
  g_print ("  > %s\n  < %s\n", c_hex, r_hex);
  return g_steal_pointer (&response);
}

/* CLA per ISO 7816-4: channels 1-3 in bits 1-2, 4-19 in the further
 * interindustry class. */
static guint8
cla_for_channel (guint8 cla, guint8 channel)
{
  if (channel <= 3)
    return (guint8) ((cla & 0x9C) | channel);
  return (guint8) ((cla & 0x80) | 0x40 | (channel - 4));
}

static gboolean
run_apdu (SaldoQmiUim *uim, guint8 slot, guint8 channel, const gchar *hex, GError **error)
{
  g_autoptr(GBytes) parsed = parse_hex (hex, error);
  g_autoptr(GByteArray) apdu = NULL;
  g_autoptr(GBytes) command = NULL;
  g_autoptr(GBytes) response = NULL;
  gsize         len;
  const guint8 *sw;

  if (parsed == NULL)
    return FALSE;
  if (g_bytes_get_size (parsed) < 4) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "APDU too short: %s", hex);
    return FALSE;
  }
  apdu = g_bytes_unref_to_array (g_steal_pointer (&parsed));
  apdu->data[0] = cla_for_channel (apdu->data[0], channel);

  command = g_bytes_new (apdu->data, apdu->len);
  response = transmit (uim, slot, channel, command, error);
  for (guint i = 0; response != NULL && i < MAX_GET_RESPONSE; i++) {
    guint8 get_response[5] = { cla_for_channel (0x00, channel), 0xC0, 0x00, 0x00, 0x00 };
    g_autoptr(GBytes) request = NULL;

    sw = (const guint8 *) g_bytes_get_data (response, &len) + len - 2;
    if (sw[0] != 0x61)
      return TRUE;
    get_response[4] = sw[1];
    request = g_bytes_new (get_response, sizeof get_response);
    g_clear_pointer (&response, g_bytes_unref);
    response = transmit (uim, slot, channel, request, error);
  }
  if (response != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Card keeps answering 61xx");
  return FALSE;
}

static gboolean
probe (const gchar *path, guint8 slot, gchar **apdus, GError **error)
{
  g_autoptr(GFile) port = g_file_new_for_path (path);
  g_autoptr(SaldoQmiUim) uim = NULL;
  g_autoptr(GAsyncResult) res_new = NULL;
  g_autoptr(GAsyncResult) res_slots = NULL;
  g_autoptr(GAsyncResult) res_open = NULL;
  g_autoptr(GAsyncResult) res_close_channel = NULL;
  g_autoptr(GAsyncResult) res_close = NULL;
  g_autoptr(GPtrArray) slots = NULL;
  g_autoptr(GBytes) aid = NULL;
  g_autoptr(GError) apdu_error = NULL;
  guint8 channel = 0;

  saldo_qmi_uim_new_async (port, NULL, store_result, &res_new);
  uim = saldo_qmi_uim_new_finish (wait_result (&res_new), error);
  if (uim == NULL)
    return FALSE;

  saldo_qmi_uim_get_slot_status_async (uim, NULL, store_result, &res_slots);
  slots = saldo_qmi_uim_get_slot_status_finish (uim, wait_result (&res_slots), error);
  if (slots == NULL)
    return FALSE;
  for (guint i = 0; i < slots->len; i++) {
    SaldoQmiUimSlot *s = g_ptr_array_index (slots, i);

    g_print ("slot %u: card %s, %s, %s (logical %u), EID %s, ICCID %s\n", s->physical_slot,
             s->card_present ? "present" : "absent", s->is_euicc ? "eUICC" : "not eUICC",
             s->active ? "active" : "inactive", s->logical_slot, s->eid ? s->eid : "-",
             s->iccid ? s->iccid : "-");
  }

  if (apdus != NULL && apdus[0] != NULL) {
    aid = parse_hex (ISDR_AID, error);
    saldo_qmi_uim_open_channel_async (uim, slot, aid, NULL, store_result, &res_open);
    if (!saldo_qmi_uim_open_channel_finish (uim, wait_result (&res_open), &channel, error))
      return FALSE;
    g_print ("ISD-R on slot %u, channel %u\n", slot, channel);

    for (guint i = 0; apdus[i] != NULL && apdu_error == NULL; i++)
      run_apdu (uim, slot, channel, apdus[i], &apdu_error);

    /* Always give the channel back, even after a failed APDU */
    saldo_qmi_uim_close_channel_async (uim, slot, channel, NULL, store_result, &res_close_channel);
    if (!saldo_qmi_uim_close_channel_finish (uim, wait_result (&res_close_channel), error))
      return FALSE;
  }

  saldo_qmi_uim_close_async (uim, NULL, store_result, &res_close);
  if (!saldo_qmi_uim_close_finish (uim, wait_result (&res_close), error))
    return FALSE;
  if (apdu_error != NULL) {
    g_propagate_error (error, g_steal_pointer (&apdu_error));
    return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  guint64 slot = 1;

  if (argc < 2) {
    g_printerr ("Usage: %s PORT [SLOT] [C-APDU-HEX...]\n", argv[0]);
    return EXIT_FAILURE;
  }
  if (argc >= 3 && !g_ascii_string_to_unsigned (argv[2], 10, 1, 5, &slot, &error)) {
    g_printerr ("Bad slot: %s\n", error->message);
    return EXIT_FAILURE;
  }
  if (!probe (argv[1], (guint8) slot, argc >= 4 ? &argv[3] : NULL, &error)) {
    g_printerr ("%s\n", error->message);
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
