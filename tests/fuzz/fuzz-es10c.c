/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * libFuzzer target for everything that reads card data: the BER-TLV walker,
 * the GetProfilesInfo and GetEID decoders, ICCID BCD, and the R-APDU
 * accumulator. For the accumulator the input is read as
 *   <separator byte> <channel byte> R-APDU <separator> R-APDU ...
 * and whatever it assembles goes through the decoders again, like a
 * transport would do it.
 */

#include <string.h>

#include "saldo-apdu.h"
#include "saldo-ber-tlv.h"
#include "saldo-es10c.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
walk (const SaldoBerTlv *parent)
{
  SaldoBerCursor cursor;

  saldo_ber_cursor_init_children (&cursor, parent);
  while (!saldo_ber_cursor_done (&cursor)) {
    SaldoBerTlv child;
    g_autoptr(GError) error = NULL;

    /* saldo_ber_validate() accepted the tree, so walking it cannot fail. */
    g_assert_true (saldo_ber_cursor_next (&cursor, &child, &error));
    g_assert_true (child.value >= parent->value);
    g_assert_true (child.value + child.len <= parent->value + parent->len);
    g_assert_cmpuint (child.depth, <, SALDO_BER_MAX_DEPTH);
    if (child.constructed)
      walk (&child);
  }
}

static void
check_ber (const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  SaldoBerTlv tlv;

  if (saldo_ber_validate (data, len, &tlv, &error)) {
    g_assert_true (tlv.value + tlv.len == data + len);
    if (tlv.constructed)
      walk (&tlv);
  } else {
    g_assert_nonnull (error);
  }
}

static void
check_decoders (const guint8 *data, gsize len)
{
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char     *eid = NULL;
  SaldoEs10cParseStats stats;

  if (saldo_es10c_parse_profiles_info_full (data, len, &profiles, &stats, &error)) {
    for (guint i = 0; i < profiles->len; i++) {
      SaldoEuiccProfile *p = g_ptr_array_index (profiles, i);

      g_assert_nonnull (p->iccid);
      g_assert_cmpuint (strspn (p->iccid, "0123456789"), ==, strlen (p->iccid));
      g_assert_true (p->nickname == NULL || g_utf8_validate (p->nickname, -1, NULL));
      g_assert_true (p->service_provider == NULL || g_utf8_validate (p->service_provider, -1, NULL));
      g_assert_true (p->profile_name == NULL || g_utf8_validate (p->profile_name, -1, NULL));
      g_assert_nonnull (saldo_profile_state_to_string (p->state));
      g_assert_nonnull (saldo_profile_class_to_string (p->profile_class));
    }
  } else {
    g_assert_null (profiles);
    g_assert_true (error != NULL && error->domain == SALDO_ES10C_ERROR);
  }
  g_clear_error (&error);

  if (saldo_es10c_parse_get_eid (data, len, &eid, &error))
    g_assert_cmpuint (strlen (eid), ==, 32);
  else
    g_assert_true (error != NULL && error->domain == SALDO_ES10C_ERROR);
}

static void
check_iccid (const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *iccid = saldo_iccid_from_bcd (data, MIN (len, (gsize) 10), &error);

  g_assert_true ((iccid == NULL) == (error != NULL));
}

static void
check_store_data (const guint8 *data, gsize len)
{
  g_autoptr(GPtrArray) blocks = NULL;
  gsize offset = 0;

  if (len == 0 || len > SALDO_APDU_STORE_DATA_MAX)
    return;
  blocks = saldo_apdu_store_data_blocks ((guint8) (data[0] % (SALDO_APDU_MAX_CHANNEL + 1)), data, len);
  for (guint i = 0; i < blocks->len; i++) {
    gsize         alen;
    const guint8 *apdu = g_bytes_get_data (g_ptr_array_index (blocks, i), &alen);

    g_assert_cmpuint (alen, ==, 5 + (gsize) apdu[4]);
    g_assert_cmpmem (apdu + 5, alen - 5, data + offset, alen - 5);
    offset += alen - 5;
  }
  g_assert_cmpuint (offset, ==, len);
}

static void
check_accumulator (const guint8 *data, gsize len)
{
  g_autoptr(SaldoApduResponse) resp = NULL;
  g_autoptr(GBytes) last_command = NULL;
  const guint8 *pos;
  const guint8 *end = data + len;
  guint8        separator;
  guint8        channel;

  if (len < 2)
    return;
  separator = data[0];
  channel = data[1] % (SALDO_APDU_MAX_CHANNEL + 1);
  resp = saldo_apdu_response_new (channel);
  last_command = saldo_es10c_build_get_profiles_info (TRUE);

  pos = data + 2;
  while (pos <= end) {
    const guint8 *next = memchr (pos, separator, (gsize) (end - pos));
    gsize         chunk = next != NULL ? (gsize) (next - pos) : (gsize) (end - pos);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) payload = NULL;
    guint8        le = 0;
    SaldoApduStep step;

    step = saldo_apdu_response_feed_rapdu (resp, pos, chunk, &le, &error);
    switch (step) {
    case SALDO_APDU_STEP_GET_RESPONSE:
      g_assert_no_error (error);
      g_clear_pointer (&last_command, g_bytes_unref);
      last_command = saldo_apdu_get_response (channel, le);
      break;
    case SALDO_APDU_STEP_RESEND: {
      GBytes *resend;

      g_assert_no_error (error);
      resend = saldo_apdu_with_le (last_command, le, &error);
      /* Our own commands are always well-formed short APDUs. */
      g_assert_no_error (error);
      g_bytes_unref (last_command);
      last_command = resend;
      break;
    }
    case SALDO_APDU_STEP_COMPLETE:
      g_assert_no_error (error);
      payload = saldo_apdu_response_steal_data (resp);
      g_assert_nonnull (payload);
      g_assert_cmpuint (g_bytes_get_size (payload), <=, SALDO_APDU_RESPONSE_MAX);
      check_decoders (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
      return;
    case SALDO_APDU_STEP_ERROR:
      g_assert_nonnull (error);
      g_assert_null (saldo_apdu_response_steal_data (resp));
      return;
    default:
      g_assert_not_reached ();
    }
    if (next == NULL)
      break;
    pos = next + 1;
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  check_ber (data, size);
  check_decoders (data, size);
  check_iccid (data, size);
  check_store_data (data, size);
  check_accumulator (data, size);
  return 0;
}
