/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * ISO 7816-4 / GlobalPlatform APDU framing for ES10 commands, shared by the
 * QMI and MBIM transports: STORE DATA segmentation, GET RESPONSE, status
 * words, and a small state machine that assembles a response chained over
 * 61xx / 6Cxx. No I/O here; the transports send what this tells them to.
 */

#include "saldo-apdu.h"

#include <string.h>

G_DEFINE_QUARK (saldo - apdu - error - quark, saldo_apdu_error)

#define SALDO_APDU_CLA_INTERINDUSTRY 0x00
#define SALDO_APDU_CLA_PROPRIETARY   0x80
#define SALDO_APDU_INS_STORE_DATA    0xE2
#define SALDO_APDU_INS_GET_RESPONSE  0xC0
/* SGP.22 STORE DATA P1: BER-TLV data, more blocks follow / last block. */
#define SALDO_APDU_P1_MORE_BLOCKS 0x11
#define SALDO_APDU_P1_LAST_BLOCK  0x91

/* A card answering 61xx with no data, or 6Cxx over and over, would keep a
 * transport looping forever; normal chains need 256 rounds at most for
 * SALDO_APDU_RESPONSE_MAX, and one resend. */
#define SALDO_APDU_MAX_GET_RESPONSES 512
#define SALDO_APDU_MAX_RESENDS       3

gboolean
saldo_apdu_channel_is_valid (guint8 channel)
{
  return channel <= SALDO_APDU_MAX_CHANNEL;
}

/* @class_bits is 0x00 for interindustry commands (GET RESPONSE) or 0x80 for
 * GlobalPlatform proprietary ones (STORE DATA). Channels 0-3 go in b2-b1
 * (first interindustry coding), 4-19 in b4-b1 as channel - 4 with b7 set
 * (further interindustry coding, ISO 7816-4 5.4.1). */
guint8
saldo_apdu_cla (guint8 class_bits, guint8 channel)
{
  g_return_val_if_fail (saldo_apdu_channel_is_valid (channel), class_bits);

  if (channel <= 3)
    return class_bits | channel;
  return class_bits | 0x40 | (channel - 4);
}

GPtrArray *
saldo_apdu_store_data_blocks (guint8 channel, const guint8 *data, gsize len)
{
  g_autoptr(GPtrArray) blocks = NULL;
  gsize offset = 0;
  guint block = 0;

  g_return_val_if_fail (saldo_apdu_channel_is_valid (channel), NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (len > 0 && len <= SALDO_APDU_STORE_DATA_MAX, NULL);

  blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  while (offset < len) {
    gsize    chunk = MIN (len - offset, (gsize) SALDO_APDU_STORE_DATA_BLOCK);
    gboolean last = offset + chunk == len;
    guint8  *apdu = g_malloc (5 + chunk);

    apdu[0] = saldo_apdu_cla (SALDO_APDU_CLA_PROPRIETARY, channel);
    apdu[1] = SALDO_APDU_INS_STORE_DATA;
    apdu[2] = last ? SALDO_APDU_P1_LAST_BLOCK : SALDO_APDU_P1_MORE_BLOCKS;
    apdu[3] = (guint8) block;
    apdu[4] = (guint8) chunk;
    memcpy (apdu + 5, data + offset, chunk);
    g_ptr_array_add (blocks, g_bytes_new_take (apdu, 5 + chunk));
    offset += chunk;
    block++;
  }
  return g_steal_pointer (&blocks);
}

/* @le is sent as is: 00 asks for 256 bytes. */
GBytes *
saldo_apdu_get_response (guint8 channel, guint8 le)
{
  guint8 apdu[5];

  g_return_val_if_fail (saldo_apdu_channel_is_valid (channel), NULL);

  apdu[0] = saldo_apdu_cla (SALDO_APDU_CLA_INTERINDUSTRY, channel);
  apdu[1] = SALDO_APDU_INS_GET_RESPONSE;
  apdu[2] = 0x00;
  apdu[3] = 0x00;
  apdu[4] = le;
  return g_bytes_new (apdu, sizeof (apdu));
}

/* For 6Cxx: the same short command with its Le set (case 1 -> 2, case 3 ->
 * 4) or replaced (cases 2 and 4). */
GBytes *
saldo_apdu_with_le (GBytes *command, guint8 le, GError **error)
{
  g_autoptr(GByteArray) out = NULL;
  const guint8 *apdu;
  gsize         len;
  gsize         body;

  g_return_val_if_fail (command != NULL, NULL);

  apdu = g_bytes_get_data (command, &len);
  if (len < 4) {
    g_set_error (error, SALDO_APDU_ERROR, SALDO_APDU_ERROR_PROTOCOL,
                 "C-APDU of %" G_GSIZE_FORMAT " bytes has no header", len);
    return NULL;
  }
  if (len == 4 || len == 5) {
    body = 4; /* case 1, or case 2 with its old Le */
  } else if (apdu[4] != 0 && len == 5 + (gsize) apdu[4]) {
    body = len; /* case 3 */
  } else if (apdu[4] != 0 && len == 6 + (gsize) apdu[4]) {
    body = len - 1; /* case 4 */
  } else {
    g_set_error (error, SALDO_APDU_ERROR, SALDO_APDU_ERROR_PROTOCOL,
                 "C-APDU of %" G_GSIZE_FORMAT " bytes is not a short APDU", len);
    return NULL;
  }

  out = g_byte_array_sized_new (body + 1);
  g_byte_array_append (out, apdu, body);
  g_byte_array_append (out, &le, 1);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

typedef struct {
  guint16        sw;
  guint16        mask;
  SaldoApduError code;
  const char    *text;
} SaldoApduSwEntry;

/* Exact codes first, then the ISO 7816-4 SW1 groups. */
static const SaldoApduSwEntry sw_table[] = {
  { 0x6581, 0xFFFF, SALDO_APDU_ERROR_MEMORY, "Memory failure" },
  { 0x6700, 0xFFFF, SALDO_APDU_ERROR_WRONG_LENGTH, "Wrong length" },
  { 0x6881, 0xFFFF, SALDO_APDU_ERROR_CHANNEL_NOT_SUPPORTED, "Logical channel not supported" },
  { 0x6882, 0xFFFF, SALDO_APDU_ERROR_SECURE_MESSAGING, "Secure messaging not supported" },
  { 0x6982, 0xFFFF, SALDO_APDU_ERROR_SECURITY_STATUS, "Security status not satisfied" },
  { 0x6985, 0xFFFF, SALDO_APDU_ERROR_CONDITIONS_NOT_SATISFIED, "Conditions of use not satisfied" },
  { 0x6986, 0xFFFF, SALDO_APDU_ERROR_COMMAND_NOT_ALLOWED, "Command not allowed (no current EF)" },
  { 0x6A80, 0xFFFF, SALDO_APDU_ERROR_INCORRECT_DATA, "Incorrect parameters in the data field" },
  { 0x6A81, 0xFFFF, SALDO_APDU_ERROR_FUNCTION_NOT_SUPPORTED, "Function not supported" },
  { 0x6A82, 0xFFFF, SALDO_APDU_ERROR_FILE_NOT_FOUND, "File or application not found" },
  { 0x6A84, 0xFFFF, SALDO_APDU_ERROR_NOT_ENOUGH_MEMORY, "Not enough memory space" },
  { 0x6A86, 0xFFFF, SALDO_APDU_ERROR_WRONG_P1P2, "Incorrect parameters P1-P2" },
  { 0x6A88, 0xFFFF, SALDO_APDU_ERROR_REFERENCED_DATA_NOT_FOUND, "Referenced data not found" },
  { 0x6B00, 0xFFFF, SALDO_APDU_ERROR_WRONG_P1P2, "Wrong parameters P1-P2" },
  { 0x6D00, 0xFFFF, SALDO_APDU_ERROR_INS_NOT_SUPPORTED, "Instruction not supported" },
  { 0x6E00, 0xFFFF, SALDO_APDU_ERROR_CLA_NOT_SUPPORTED, "Class not supported" },
  { 0x6F00, 0xFFFF, SALDO_APDU_ERROR_TECHNICAL_PROBLEM, "Technical problem, no precise diagnosis" },
  { 0x6100, 0xFF00, SALDO_APDU_ERROR_PROTOCOL, "Response bytes still available" },
  { 0x6200, 0xFF00, SALDO_APDU_ERROR_WARNING, "Warning, non-volatile memory unchanged" },
  { 0x6300, 0xFF00, SALDO_APDU_ERROR_WARNING, "Warning, non-volatile memory changed" },
  { 0x6400, 0xFF00, SALDO_APDU_ERROR_FAILED, "Execution error, non-volatile memory unchanged" },
  { 0x6500, 0xFF00, SALDO_APDU_ERROR_FAILED, "Execution error, non-volatile memory changed" },
  { 0x6800, 0xFF00, SALDO_APDU_ERROR_CLA_NOT_SUPPORTED, "Function in CLA not supported" },
  { 0x6900, 0xFF00, SALDO_APDU_ERROR_COMMAND_NOT_ALLOWED, "Command not allowed" },
  { 0x6A00, 0xFF00, SALDO_APDU_ERROR_WRONG_P1P2, "Wrong parameters P1-P2" },
  { 0x6C00, 0xFF00, SALDO_APDU_ERROR_WRONG_LENGTH, "Wrong Le field" },
  { 0x6F00, 0xFF00, SALDO_APDU_ERROR_TECHNICAL_PROBLEM, "Technical problem" },
};

static const SaldoApduSwEntry *
saldo_apdu_sw_lookup (guint16 sw)
{
  for (gsize i = 0; i < G_N_ELEMENTS (sw_table); i++) {
    if ((sw & sw_table[i].mask) == sw_table[i].sw)
      return &sw_table[i];
  }
  return NULL;
}

/* 9000, and 91xx which ETSI TS 102 221 10.2.1.1 defines as normal ending
 * with a proactive command pending (the modem fetches it, not us). */
gboolean
saldo_apdu_sw_is_success (guint16 sw)
{
  return sw == 0x9000 || (sw & 0xFF00) == 0x9100;
}

const char *
saldo_apdu_sw_describe (guint16 sw)
{
  const SaldoApduSwEntry *entry;

  if (saldo_apdu_sw_is_success (sw))
    return "Success";
  entry = saldo_apdu_sw_lookup (sw);
  return entry != NULL ? entry->text : "Unknown status";
}

/* NULL for success status words, otherwise a new error naming the SW. */
GError *
saldo_apdu_sw_to_error (guint16 sw)
{
  const SaldoApduSwEntry *entry;

  if (saldo_apdu_sw_is_success (sw))
    return NULL;
  entry = saldo_apdu_sw_lookup (sw);
  return g_error_new (SALDO_APDU_ERROR, entry != NULL ? entry->code : SALDO_APDU_ERROR_FAILED, "%s (SW %04X)",
                      entry != NULL ? entry->text : "Card returned an unknown status", sw);
}

struct _SaldoApduResponse {
  guint8      channel;
  GByteArray *data;
  guint       get_responses;
  guint       resends;
  gboolean    finished;
  gboolean    complete;
};

SaldoApduResponse *
saldo_apdu_response_new (guint8 channel)
{
  SaldoApduResponse *self;

  g_return_val_if_fail (saldo_apdu_channel_is_valid (channel), NULL);

  self = g_new0 (SaldoApduResponse, 1);
  self->channel = channel;
  self->data = g_byte_array_new ();
  return self;
}

void
saldo_apdu_response_free (SaldoApduResponse *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->data);
  g_free (self);
}

static SaldoApduStep
saldo_apdu_response_fail (SaldoApduResponse *self, GError **error, GError *err)
{
  self->finished = TRUE;
  g_propagate_error (error, err);
  return SALDO_APDU_STEP_ERROR;
}

SaldoApduStep
saldo_apdu_response_feed (SaldoApduResponse *self,
                          const guint8      *data,
                          gsize              len,
                          guint8             sw1,
                          guint8             sw2,
                          guint8            *le_out,
                          GError           **error)
{
  guint16 sw = (guint16) ((sw1 << 8) | sw2);

  g_return_val_if_fail (self != NULL, SALDO_APDU_STEP_ERROR);
  g_return_val_if_fail (data != NULL || len == 0, SALDO_APDU_STEP_ERROR);

  if (le_out != NULL)
    *le_out = 0;

  if (self->finished) {
    return saldo_apdu_response_fail (self, error,
                                     g_error_new_literal (SALDO_APDU_ERROR, SALDO_APDU_ERROR_PROTOCOL,
                                                          "R-APDU fed after the exchange ended"));
  }

  /* 6Cxx: the card discarded the command because of Le; any bytes with it
   * are not part of the answer. */
  if (sw1 == 0x6C) {
    if (++self->resends > SALDO_APDU_MAX_RESENDS) {
      return saldo_apdu_response_fail (self, error,
                                       g_error_new (SALDO_APDU_ERROR, SALDO_APDU_ERROR_PROTOCOL,
                                                    "Card keeps asking for a different Le (SW %04X)", sw));
    }
    if (le_out != NULL)
      *le_out = sw2;
    return SALDO_APDU_STEP_RESEND;
  }

  if (sw1 != 0x61 && !saldo_apdu_sw_is_success (sw))
    return saldo_apdu_response_fail (self, error, saldo_apdu_sw_to_error (sw));

  if (len > SALDO_APDU_RESPONSE_MAX - self->data->len) {
    return saldo_apdu_response_fail (self, error,
                                     g_error_new (SALDO_APDU_ERROR, SALDO_APDU_ERROR_PROTOCOL,
                                                  "Response longer than %d bytes", SALDO_APDU_RESPONSE_MAX));
  }
  if (len > 0)
    g_byte_array_append (self->data, data, len);
  self->resends = 0;

  if (sw1 == 0x61) {
    if (++self->get_responses > SALDO_APDU_MAX_GET_RESPONSES) {
      return saldo_apdu_response_fail (self, error,
                                       g_error_new (SALDO_APDU_ERROR, SALDO_APDU_ERROR_PROTOCOL,
                                                    "Response chained over more than %d GET RESPONSE",
                                                    SALDO_APDU_MAX_GET_RESPONSES));
    }
    if (le_out != NULL)
      *le_out = sw2;
    return SALDO_APDU_STEP_GET_RESPONSE;
  }

  self->finished = TRUE;
  self->complete = TRUE;
  return SALDO_APDU_STEP_COMPLETE;
}

/* QMI hands back the R-APDU as one buffer ending in SW1 SW2. */
SaldoApduStep
saldo_apdu_response_feed_rapdu (SaldoApduResponse *self,
                                const guint8      *rapdu,
                                gsize              len,
                                guint8            *le_out,
                                GError           **error)
{
  g_return_val_if_fail (self != NULL, SALDO_APDU_STEP_ERROR);
  g_return_val_if_fail (rapdu != NULL || len == 0, SALDO_APDU_STEP_ERROR);

  if (le_out != NULL)
    *le_out = 0;
  if (len < 2) {
    return saldo_apdu_response_fail (self, error,
                                     g_error_new (SALDO_APDU_ERROR, SALDO_APDU_ERROR_PROTOCOL,
                                                  "R-APDU of %" G_GSIZE_FORMAT " bytes has no status word",
                                                  len));
  }
  return saldo_apdu_response_feed (self, rapdu, len - 2, rapdu[len - 2], rapdu[len - 1], le_out, error);
}

/* The assembled data once feed returned SALDO_APDU_STEP_COMPLETE, only
 * once; NULL otherwise, so a failed exchange never yields partial data. */
GBytes *
saldo_apdu_response_steal_data (SaldoApduResponse *self)
{
  GByteArray *data;

  g_return_val_if_fail (self != NULL, NULL);

  if (!self->complete)
    return NULL;
  self->complete = FALSE;
  data = g_steal_pointer (&self->data);
  self->data = g_byte_array_new ();
  return g_byte_array_free_to_bytes (data);
}
