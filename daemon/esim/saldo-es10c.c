/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * ES10c (GSMA SGP.22) requests and responses for the ISD-R: GetEID and
 * GetProfilesInfo. Pure data in, data out; the transports (QMI, MBIM) send
 * the bytes.
 *
 * Decoding policy, chosen so that a watcher keeps working on real cards but
 * never reports made-up data:
 *  - the whole response must be well-formed BER (saldo_ber_validate) and have
 *    the SGP.22 shape, otherwise SALDO_ES10C_ERROR_MALFORMED;
 *  - ProfileInfo is an extensible SEQUENCE: members we do not read are
 *    skipped and counted, never an error;
 *  - a known member with a wrong shape (ICCID not 10 bytes or not BCD,
 *    INTEGER of length 0 or > 8, isdpAid not 5-16 bytes, the same member
 *    twice) fails the whole response: that is corruption, and silently
 *    dropping one profile would make it look disabled or deleted;
 *  - tags are matched on all identifier octets, which include the
 *    constructed bit, so a constructed (BER-segmented) string such as 7A
 *    instead of 5A is simply an unknown member; DER never produces those;
 *  - a ProfileInfo without ICCID is skipped and counted: ICCID is OPTIONAL
 *    only so that a tagList can leave it out, we always ask for it, and the
 *    daemon keys lines by ICCID, so such an entry cannot be used;
 *  - text (UTF8String) that is not valid UTF-8 is repaired with U+FFFD and
 *    counted rather than rejected: a broken nickname must not hide the list;
 *    empty text is reported as NULL;
 *  - profileState / profileClass values SGP.22 does not define leave
 *    has_state / has_class FALSE.
 */

#include "saldo-daemon-enums.h"
#include "saldo-enum.h"
#include "saldo-es10c.h"

#include "saldo-ber-tlv.h"

G_DEFINE_QUARK (saldo - es10c - error - quark, saldo_es10c_error)

#define SALDO_ICCID_BCD_LEN 10
#define SALDO_EID_LEN       16

SaldoEuiccProfile *
saldo_euicc_profile_new (void)
{
  return g_new0 (SaldoEuiccProfile, 1);
}

void
saldo_euicc_profile_free (SaldoEuiccProfile *profile)
{
  if (profile == NULL)
    return;
  g_free (profile->iccid);
  g_free (profile->nickname);
  g_free (profile->service_provider);
  g_free (profile->profile_name);
  g_free (profile->isdp_aid);
  g_free (profile);
}

const char *
saldo_profile_state_to_string (SaldoProfileState state)
{
  const char *name = saldo_enum_to_string (SALDO_TYPE_PROFILE_STATE, state);

  return name != NULL ? name : "unknown";
}

const char *
saldo_profile_class_to_string (SaldoProfileClass profile_class)
{
  const char *name = saldo_enum_to_string (SALDO_TYPE_PROFILE_CLASS, profile_class);

  return name != NULL ? name : "unknown";
}

/* EF.ICCID coding (ETSI TS 102 221 13.2): each byte holds two digits, the
 * low nibble first; unused trailing nibbles are F. */
char *
saldo_iccid_from_bcd (const guint8 *bcd, gsize len, GError **error)
{
  g_autoptr(GString) digits = NULL;
  gboolean padding = FALSE;

  g_return_val_if_fail (bcd != NULL || len == 0, NULL);

  if (len == 0 || len > SALDO_ICCID_BCD_LEN) {
    g_set_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_INVALID_ICCID,
                 "ICCID must be 1 to %d BCD bytes, got %" G_GSIZE_FORMAT, SALDO_ICCID_BCD_LEN, len);
    return NULL;
  }

  digits = g_string_sized_new (len * 2);
  for (gsize i = 0; i < len; i++) {
    guint8 nibbles[2] = { bcd[i] & 0x0F, bcd[i] >> 4 };

    for (guint k = 0; k < 2; k++) {
      if (nibbles[k] == 0x0F) {
        padding = TRUE;
        continue;
      }
      if (padding) {
        g_set_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_INVALID_ICCID,
                     "ICCID has a digit after F padding (byte %" G_GSIZE_FORMAT ")", i);
        return NULL;
      }
      if (nibbles[k] > 9) {
        g_set_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_INVALID_ICCID,
                     "ICCID has non-decimal nibble %X (byte %" G_GSIZE_FORMAT ")", nibbles[k], i);
        return NULL;
      }
      g_string_append_c (digits, '0' + nibbles[k]);
    }
  }

  if (digits->len == 0) {
    g_set_error_literal (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_INVALID_ICCID, "ICCID is all padding");
    return NULL;
  }
  return g_string_free (g_steal_pointer (&digits), FALSE);
}

static char *
saldo_es10c_hex_upper (const guint8 *data, gsize len)
{
  static const char hexdigits[] = "0123456789ABCDEF";
  char             *out = g_new (char, len * 2 + 1);

  for (gsize i = 0; i < len; i++) {
    out[2 * i] = hexdigits[data[i] >> 4];
    out[2 * i + 1] = hexdigits[data[i] & 0x0F];
  }
  out[len * 2] = '\0';
  return out;
}

GBytes *
saldo_es10c_build_get_eid (void)
{
  g_autoptr(GByteArray) tag_list = g_byte_array_new ();
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();

  saldo_ber_append_tag (tag_list, SALDO_ES10C_TAG_EID);
  saldo_ber_append (body, SALDO_ES10C_TAG_TAG_LIST, tag_list->data, tag_list->len);
  saldo_ber_append (out, SALDO_ES10C_TAG_GET_EUICC_DATA, body->data, body->len);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* With a tagList the card leaves out what we do not read, most usefully the
 * icons (up to 1 KiB each), which keeps the response to one or two R-APDUs. */
GBytes *
saldo_es10c_build_get_profiles_info (gboolean with_tag_list)
{
  static const guint32 wanted[] = {
    SALDO_ES10C_TAG_ICCID,         SALDO_ES10C_TAG_PROFILE_STATE,
    SALDO_ES10C_TAG_NICKNAME,      SALDO_ES10C_TAG_SERVICE_PROVIDER,
    SALDO_ES10C_TAG_PROFILE_NAME,  SALDO_ES10C_TAG_ICON_TYPE,
    SALDO_ES10C_TAG_PROFILE_CLASS,
  };
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();

  if (with_tag_list) {
    g_autoptr(GByteArray) tag_list = g_byte_array_new ();

    for (gsize i = 0; i < G_N_ELEMENTS (wanted); i++)
      saldo_ber_append_tag (tag_list, wanted[i]);
    saldo_ber_append (body, SALDO_ES10C_TAG_TAG_LIST, tag_list->data, tag_list->len);
  }
  saldo_ber_append (out, SALDO_ES10C_TAG_PROFILE_INFO_LIST, body->data, body->len);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static gboolean
saldo_es10c_malformed (GError **error, const char *what, GError *ber_error)
{
  if (ber_error != NULL) {
    g_set_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_MALFORMED, "Malformed %s: %s", what,
                 ber_error->message);
    g_error_free (ber_error);
  }
  return FALSE;
}

static gboolean
saldo_es10c_read_integer (const SaldoBerTlv *tlv, const char *field, gint64 *out, GError **error)
{
  guint64 v;

  if (tlv->len == 0 || tlv->len > 8) {
    g_set_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_MALFORMED,
                 "%s is an INTEGER of %" G_GSIZE_FORMAT " bytes", field, tlv->len);
    return FALSE;
  }
  /* Two's complement, sign-extended from the first byte. */
  v = (tlv->value[0] & 0x80) ? G_MAXUINT64 : 0;
  for (gsize i = 0; i < tlv->len; i++)
    v = (v << 8) | tlv->value[i];
  *out = (gint64) v;
  return TRUE;
}

static void
saldo_es10c_read_text (const SaldoBerTlv *tlv, const char *field, char **out, SaldoEs10cParseStats *stats)
{
  const char *text = (const char *) tlv->value;

  if (tlv->len == 0)
    return;
  /* With an explicit length g_utf8_validate() also refuses NUL bytes, which
   * D-Bus strings cannot carry either; make_valid turns them into U+FFFD. */
  if (!g_utf8_validate (text, tlv->len, NULL)) {
    g_debug ("ES10c: %s is not valid UTF-8, replacing bad bytes", field);
    stats->sanitized_strings++;
    *out = g_utf8_make_valid (text, tlv->len);
    return;
  }
  *out = g_strndup (text, tlv->len);
}

/* Members of ProfileInfo we decode, for duplicate detection. */
enum {
  SEEN_ICCID = 1 << 0,
  SEEN_ISDP_AID = 1 << 1,
  SEEN_STATE = 1 << 2,
  SEEN_NICKNAME = 1 << 3,
  SEEN_PROVIDER = 1 << 4,
  SEEN_NAME = 1 << 5,
  SEEN_CLASS = 1 << 6,
};

static guint
saldo_es10c_profile_member_bit (guint32 tag)
{
  switch (tag) {
  case SALDO_ES10C_TAG_ICCID:
    return SEEN_ICCID;
  case SALDO_ES10C_TAG_ISDP_AID:
    return SEEN_ISDP_AID;
  case SALDO_ES10C_TAG_PROFILE_STATE:
    return SEEN_STATE;
  case SALDO_ES10C_TAG_NICKNAME:
    return SEEN_NICKNAME;
  case SALDO_ES10C_TAG_SERVICE_PROVIDER:
    return SEEN_PROVIDER;
  case SALDO_ES10C_TAG_PROFILE_NAME:
    return SEEN_NAME;
  case SALDO_ES10C_TAG_PROFILE_CLASS:
    return SEEN_CLASS;
  default:
    return 0;
  }
}

/* Returns TRUE with *profile_out NULL when the entry is skipped. */
static gboolean
saldo_es10c_parse_profile_info (const SaldoBerTlv    *info,
                                SaldoEuiccProfile   **profile_out,
                                SaldoEs10cParseStats *stats,
                                GError              **error)
{
  g_autoptr(SaldoEuiccProfile) profile = saldo_euicc_profile_new ();
  SaldoBerCursor cursor;
  guint          seen = 0;

  *profile_out = NULL;
  saldo_ber_cursor_init_children (&cursor, info);
  while (!saldo_ber_cursor_done (&cursor)) {
    SaldoBerTlv m;
    GError     *ber_error = NULL;
    guint       bit;
    gint64      v;

    if (!saldo_ber_cursor_next (&cursor, &m, &ber_error))
      return saldo_es10c_malformed (error, "ProfileInfo", ber_error);

    bit = saldo_es10c_profile_member_bit (m.tag);
    if (bit != 0) {
      if (seen & bit) {
        g_set_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_MALFORMED, "ProfileInfo repeats member %X",
                     m.tag);
        return FALSE;
      }
      seen |= bit;
    }

    switch (m.tag) {
    case SALDO_ES10C_TAG_ICCID:
      if (m.len != SALDO_ICCID_BCD_LEN) {
        g_set_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_INVALID_ICCID,
                     "ICCID must be %d bytes, got %" G_GSIZE_FORMAT, SALDO_ICCID_BCD_LEN, m.len);
        return FALSE;
      }
      profile->iccid = saldo_iccid_from_bcd (m.value, m.len, error);
      if (profile->iccid == NULL)
        return FALSE;
      break;
    case SALDO_ES10C_TAG_ISDP_AID:
      /* ISO 7816-4 AIDs are 5 to 16 bytes. */
      if (m.len < 5 || m.len > 16) {
        g_set_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_MALFORMED,
                     "isdpAid of %" G_GSIZE_FORMAT " bytes", m.len);
        return FALSE;
      }
      profile->isdp_aid = saldo_es10c_hex_upper (m.value, m.len);
      break;
    case SALDO_ES10C_TAG_PROFILE_STATE:
      if (!saldo_es10c_read_integer (&m, "profileState", &v, error))
        return FALSE;
      if (v == SALDO_PROFILE_STATE_DISABLED || v == SALDO_PROFILE_STATE_ENABLED) {
        profile->has_state = TRUE;
        profile->state = (SaldoProfileState) v;
      } else {
        g_debug ("ES10c: unknown profileState %" G_GINT64_FORMAT, v);
      }
      break;
    case SALDO_ES10C_TAG_PROFILE_CLASS:
      if (!saldo_es10c_read_integer (&m, "profileClass", &v, error))
        return FALSE;
      if (v >= SALDO_PROFILE_CLASS_TEST && v <= SALDO_PROFILE_CLASS_OPERATIONAL) {
        profile->has_class = TRUE;
        profile->profile_class = (SaldoProfileClass) v;
      } else {
        g_debug ("ES10c: unknown profileClass %" G_GINT64_FORMAT, v);
      }
      break;
    case SALDO_ES10C_TAG_NICKNAME:
      saldo_es10c_read_text (&m, "profileNickname", &profile->nickname, stats);
      break;
    case SALDO_ES10C_TAG_SERVICE_PROVIDER:
      saldo_es10c_read_text (&m, "serviceProviderName", &profile->service_provider, stats);
      break;
    case SALDO_ES10C_TAG_PROFILE_NAME:
      saldo_es10c_read_text (&m, "profileName", &profile->profile_name, stats);
      break;
    case SALDO_ES10C_TAG_ICON_TYPE:
    case SALDO_ES10C_TAG_ICON:
      /* Known, not needed by a watcher. */
      break;
    default:
      stats->unknown_tags++;
      break;
    }
  }

  if (profile->iccid == NULL) {
    g_debug ("ES10c: skipping ProfileInfo without ICCID");
    stats->skipped_without_iccid++;
    return TRUE;
  }
  *profile_out = g_steal_pointer (&profile);
  return TRUE;
}

static gboolean
saldo_es10c_list_error (const SaldoBerTlv *tlv, GError **error)
{
  gint64 code;

  if (!saldo_es10c_read_integer (tlv, "profileInfoListError", &code, error))
    return FALSE;
  switch (code) {
  case 1:
    g_set_error_literal (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_INCORRECT_INPUT_VALUES,
                         "eUICC refused GetProfilesInfo: incorrectInputValues (1)");
    break;
  case 127:
    g_set_error_literal (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_UNDEFINED,
                         "eUICC refused GetProfilesInfo: undefinedError (127)");
    break;
  default:
    g_set_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_CARD_ERROR,
                 "eUICC refused GetProfilesInfo: unknown profileInfoListError (%" G_GINT64_FORMAT ")", code);
    break;
  }
  return FALSE;
}

gboolean
saldo_es10c_parse_profiles_info_full (const guint8         *data,
                                      gsize                 len,
                                      GPtrArray           **profiles_out,
                                      SaldoEs10cParseStats *stats,
                                      GError              **error)
{
  g_autoptr(GPtrArray) profiles = NULL;
  SaldoEs10cParseStats local_stats = { 0 };
  SaldoBerCursor       cursor;
  SaldoBerTlv          top;
  SaldoBerTlv          choice;
  GError              *ber_error = NULL;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (profiles_out != NULL, FALSE);

  if (!saldo_ber_validate (data, len, &top, &ber_error))
    return saldo_es10c_malformed (error, "ProfileInfoListResponse", ber_error);
  if (top.tag != SALDO_ES10C_TAG_PROFILE_INFO_LIST) {
    g_set_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_MALFORMED,
                 "Expected ProfileInfoListResponse (BF2D), got tag %X", top.tag);
    return FALSE;
  }

  /* A CHOICE: exactly one alternative. */
  saldo_ber_cursor_init_children (&cursor, &top);
  if (saldo_ber_cursor_done (&cursor)) {
    g_set_error_literal (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_MALFORMED,
                         "Empty ProfileInfoListResponse");
    return FALSE;
  }
  if (!saldo_ber_cursor_next (&cursor, &choice, &ber_error))
    return saldo_es10c_malformed (error, "ProfileInfoListResponse", ber_error);
  if (!saldo_ber_cursor_done (&cursor)) {
    g_set_error_literal (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_MALFORMED,
                         "ProfileInfoListResponse holds more than one alternative");
    return FALSE;
  }

  if (choice.tag == SALDO_ES10C_TAG_PROFILE_INFO_LIST_ERR)
    return saldo_es10c_list_error (&choice, error);
  if (choice.tag != SALDO_ES10C_TAG_PROFILE_INFO_LIST_OK) {
    g_set_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_MALFORMED,
                 "Unexpected ProfileInfoListResponse alternative %X", choice.tag);
    return FALSE;
  }

  profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_euicc_profile_free);
  saldo_ber_cursor_init_children (&cursor, &choice);
  while (!saldo_ber_cursor_done (&cursor)) {
    SaldoEuiccProfile *profile = NULL;
    SaldoBerTlv        info;

    if (!saldo_ber_cursor_next (&cursor, &info, &ber_error))
      return saldo_es10c_malformed (error, "profileInfoListOk", ber_error);
    if (info.tag != SALDO_ES10C_TAG_PROFILE_INFO) {
      g_set_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_MALFORMED,
                   "Expected ProfileInfo (E3) in the list, got tag %X", info.tag);
      return FALSE;
    }
    if (!saldo_es10c_parse_profile_info (&info, &profile, &local_stats, error))
      return FALSE;
    if (profile != NULL)
      g_ptr_array_add (profiles, profile);
  }

  if (stats != NULL)
    *stats = local_stats;
  *profiles_out = g_steal_pointer (&profiles);
  return TRUE;
}

gboolean
saldo_es10c_parse_profiles_info (const guint8 *data, gsize len, GPtrArray **profiles_out, GError **error)
{
  return saldo_es10c_parse_profiles_info_full (data, len, profiles_out, NULL, error);
}

gboolean
saldo_es10c_parse_get_eid (const guint8 *data, gsize len, char **eid_out, GError **error)
{
  g_autofree char *eid = NULL;
  SaldoBerCursor   cursor;
  SaldoBerTlv      top;
  GError          *ber_error = NULL;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (eid_out != NULL, FALSE);

  if (!saldo_ber_validate (data, len, &top, &ber_error))
    return saldo_es10c_malformed (error, "GetEuiccDataResponse", ber_error);
  if (top.tag != SALDO_ES10C_TAG_GET_EUICC_DATA) {
    g_set_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_MALFORMED,
                 "Expected GetEuiccDataResponse (BF3E), got tag %X", top.tag);
    return FALSE;
  }

  saldo_ber_cursor_init_children (&cursor, &top);
  while (!saldo_ber_cursor_done (&cursor)) {
    SaldoBerTlv m;

    if (!saldo_ber_cursor_next (&cursor, &m, &ber_error))
      return saldo_es10c_malformed (error, "GetEuiccDataResponse", ber_error);
    if (m.tag != SALDO_ES10C_TAG_EID)
      continue;
    if (eid != NULL) {
      g_set_error_literal (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_MALFORMED,
                           "GetEuiccDataResponse repeats eidValue");
      return FALSE;
    }
    if (m.len != SALDO_EID_LEN) {
      g_set_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_MALFORMED,
                   "eidValue must be %d bytes, got %" G_GSIZE_FORMAT, SALDO_EID_LEN, m.len);
      return FALSE;
    }
    eid = saldo_es10c_hex_upper (m.value, m.len);
  }

  if (eid == NULL) {
    g_set_error_literal (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_MALFORMED,
                         "GetEuiccDataResponse has no eidValue");
    return FALSE;
  }
  *eid_out = g_steal_pointer (&eid);
  return TRUE;
}
