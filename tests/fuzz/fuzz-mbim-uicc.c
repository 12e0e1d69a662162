/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * libFuzzer target for what a modem answers on the MBIM UICC low-level
 * access service: the replies to Open Channel, APDU and Close Channel, as
 * saldod's transport decodes them.
 *
 * Input: one mode byte, then an MBIM message as on the wire.  With bit 0 of
 * the mode set, the header's length (and, for a COMMAND_DONE, the fragment
 * fields and the information buffer length) are made to fit the input, so
 * the fuzzer spends its time in the payload.  A message libmbim's own
 * validation refuses, or a reply in several fragments (MbimDevice collects
 * those first), is dropped.
 */

#include <string.h>

#include "fuzz-common.h"
#include "saldo-apdu.h"
#include "saldo-uicc-transport-mbim.h"

FUZZ_QUIET_INITIALIZER

static void
put_u32 (guint8 *p, guint32 value)
{
  p[0] = value & 0xFF;
  p[1] = (value >> 8) & 0xFF;
  p[2] = (value >> 16) & 0xFF;
  p[3] = value >> 24;
}

static void
check_error (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == SALDO_UICC_TRANSPORT_ERROR);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree guint8 *raw = NULL;
  g_autoptr(MbimMessage) message = NULL;
  g_autoptr(GBytes) rapdu = NULL;
  g_autoptr(GError) error = NULL;
  gsize  len;
  guint8 channel = 0;

  if (size < 1 || size > 70 * 1024)
    return 0;
  len = size - 1;
  raw = g_memdup2 (data + 1, len);
  if ((data[0] & 1) != 0 && len >= 12) {
    put_u32 (raw + 4, (guint32) len);
    if (len >= 48 && raw[0] == 0x03 && raw[1] == 0x00 && raw[2] == 0x00 && raw[3] == 0x80) {
      put_u32 (raw + 12, 1);
      put_u32 (raw + 16, 0);
      put_u32 (raw + 44, (guint32) (len - 48));
    }
  }
  if (len < 12)
    return 0;
  message = mbim_message_new (raw, (guint32) len);
  if (!mbim_message_validate (message, NULL))
    return 0;
  /* MbimDevice hands a command only a whole reply: one fragment, or the
   * fragments it collected, re-headed as 1 of 1. */
  if (mbim_message_get_message_type (message) == MBIM_MESSAGE_TYPE_COMMAND_DONE && len >= 16 &&
      (raw[12] | raw[13] << 8 | raw[14] << 16 | (guint32) raw[15] << 24) != 1)
    return 0;

  if (saldo_uicc_transport_mbim_parse_open_channel (message, &channel, &error))
    g_assert_true (channel > 0 && saldo_apdu_channel_is_valid (channel));
  else
    check_error (error);
  g_clear_error (&error);

  rapdu = saldo_uicc_transport_mbim_parse_apdu (message, &error);
  if (rapdu != NULL) {
    g_assert_cmpuint (g_bytes_get_size (rapdu), >=, 2);
    g_assert_cmpuint (g_bytes_get_size (rapdu), <=, SALDO_APDU_RESPONSE_MAX + 2);
  } else {
    check_error (error);
  }
  g_clear_error (&error);

  if (!saldo_uicc_transport_mbim_parse_close_channel (message, &error))
    check_error (error);
  return 0;
}
