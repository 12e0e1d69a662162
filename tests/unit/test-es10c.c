/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * BER-TLV reader, ES10c codecs and APDU framing. Vectors come from the
 * SGP.22 ASN.1 (es10c-vectors reference) and additional ones built for
 * these tests and cross-checked with `openssl asn1parse -inform DER`.
 */

#include <string.h>

#include "saldo-apdu.h"
#include "saldo-ber-tlv.h"
#include "saldo-es10c.h"

/* Two profiles without isdpAid (124 bytes). */
#define VEC_PROFILES_TWO                                                     \
  "BF2D79A077E33A5A0A984401000000000010F79F7001019004576F726B910A4F70657261" \
  "746F72204192134F70657261746F72204120427573696E657373950102E3395A0A981062" \
  "802822020000909F700100900654726176656C910B526F616D204D6F62696C65920F526F" \
  "616D20476C6F62616C20354742950102"

/* The same list as real eUICCs send it: isdpAid, long-form lengths (162 bytes). */
#define VEC_PROFILES_ISDP                                                    \
  "BF2D819EA0819BE34C5A0A984401000000000010F74F10A0000005591010FFFFFFFF8900" \
  "0010009F7001019004576F726B910A4F70657261746F72204192134F70657261746F7220" \
  "4120427573696E657373950102E34B5A0A981062802822020000904F10A0000005591010" \
  "FFFFFFFF89000011009F700100900654726176656C910B526F616D204D6F62696C65920F" \
  "526F616D20476C6F62616C20354742950102"

#define VEC_RAPDU_1                                                          \
  "BF2D819EA0819BE34C5A0A984401000000000010F74F10A0000005591010FFFFFFFF8900" \
  "0010009F7001019004576F726B910A4F70657261746F72204192134F6162"
#define VEC_RAPDU_2                                                          \
  "70657261746F72204120427573696E657373950102E34B5A0A981062802822020000904F" \
  "10A0000005591010FFFFFFFF89000011009F700100900654726176656122"

#define VEC_RAPDU_3 "6C910B526F616D204D6F62696C65920F526F616D20476C6F62616C203547429501029000"

/* Three profiles: operational with isdpAid; test class with unknown extension
 * members B6 (nested), B7, 99, B8, 9F7F; provisioning class with a 300-byte
 * icon (82 01 2C) so the outer lengths need 82 xx xx. */
#define VEC_PROFILES_THREE                                                   \
  "BF2D820239A0820235E34C5A0A984401000000000010F74F10A0000005591010FFFFFFFF" \
  "89000010009F7001019004576F726B910A4F70657261746F72204192134F70657261746F" \
  "72204120427573696E657373950102E36A5A0A981062802822020000904F10A000000559" \
  "1010FFFFFFFF89000011009F700100910854657374204C6162920C546573742050726F66" \
  "696C65950100B616800205A08110736D64702E6578616D706C652E636F6DB705800300F1" \
  "1099020640B804800212349F7F0101E38201775A0A988812010000103254F64F10A00000" \
  "05591010FFFFFFFF89000012009F70010090055370617265910B50726F766973696F6E65" \
  "729209426F6F7473747261709301019482012C000102030405060708090A0B0C0D0E0F10" \
  "1112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F3031323334" \
  "35363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F505152535455565758" \
  "595A5B5C5D5E5F606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C" \
  "7D7E7F808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9FA0" \
  "A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C3C4" \
  "C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDFE0E1E2E3E4E5E6E7E8" \
  "E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF00000000000000000000000000" \
  "00000000000000000000000000000000000000000000000000000000000000950101"

/* First ProfileInfo has no ICCID, the second does. */
#define VEC_PROFILES_NO_ICCID                                                \
  "BF2D49A047E32A4F10A0000005591010FFFFFFFF89000010009F700101900547686F7374" \
  "92084E6F204943434944950102E3195A0A984401000000000010F79F70010192044B6570" \
  "74950102"

#define VEC_EID_RESPONSE "BF3E125A1089049032123451234512345678901235"

static GBytes *
hex_to_bytes (const char *hex)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize n = strlen (hex);

  g_assert_cmpuint (n % 2, ==, 0);
  for (gsize i = 0; i < n; i += 2) {
    gint   hi = g_ascii_xdigit_value (hex[i]);
    gint   lo = g_ascii_xdigit_value (hex[i + 1]);
    guint8 b;

    g_assert_cmpint (hi, >=, 0);
    g_assert_cmpint (lo, >=, 0);
    b = (guint8) ((hi << 4) | lo);
    g_byte_array_append (out, &b, 1);
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static char *
bytes_to_hex (GBytes *bytes)
{
  gsize         len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  GString      *s = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02X", data[i]);
  return g_string_free (s, FALSE);
}

static void
assert_bytes_hex (GBytes *bytes, const char *hex)
{
  g_autofree char *got = bytes_to_hex (bytes);

  g_assert_cmpstr (got, ==, hex);
}

/* ---- BER-TLV ---- */

static void
test_ber_valid (void)
{
  static const struct {
    const char *hex;
    guint32     tag;
    gboolean    constructed;
    gsize       len;
  } cases[] = {
    { "5A00", 0x5A, FALSE, 0 },
    { "9F700101", 0x9F70, FALSE, 1 },
    { "BF2D00", 0xBF2D, TRUE, 0 },
    { "E3025A00", 0xE3, TRUE, 2 },
    { "9F7F0101", 0x9F7F, FALSE, 1 },
    { "9F1F00", 0x9F1F, FALSE, 0 },           /* smallest number needing two bytes */
    { "BF81000100", 0xBF8100, TRUE, 1 },      /* three-byte tag */
    { "DF8181010100", 0xDF818101, FALSE, 1 }, /* four-byte tag, the maximum */
    { "0481017F", 0x04, FALSE, 1 },           /* non-minimal length: accepted (BER) */
    { "048200017F", 0x04, FALSE, 1 },
    { "04840000000100", 0x04, FALSE, 1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GBytes) b = hex_to_bytes (cases[i].hex);
    g_autoptr(GError) error = NULL;
    gsize         len;
    const guint8 *data = g_bytes_get_data (b, &len);
    SaldoBerTlv   tlv;

    g_test_message ("case %s", cases[i].hex);
    g_assert_true (saldo_ber_read_single (data, len, &tlv, &error));
    g_assert_no_error (error);
    g_assert_cmphex (tlv.tag, ==, cases[i].tag);
    g_assert_cmpint (tlv.constructed, ==, cases[i].constructed);
    g_assert_cmpuint (tlv.len, ==, cases[i].len);
    g_assert_true (tlv.value + tlv.len == data + len);
  }
}

static void
test_ber_reject (void)
{
  static const struct {
    const char   *hex;
    SaldoBerError code;
  } cases[] = {
    { "", SALDO_BER_ERROR_TRUNCATED },
    { "5A", SALDO_BER_ERROR_TRUNCATED }, /* no length */
    { "9F", SALDO_BER_ERROR_TRUNCATED }, /* multi-byte tag cut */
    { "BF81", SALDO_BER_ERROR_TRUNCATED },
    { "9F70", SALDO_BER_ERROR_TRUNCATED },
    { "5A0501", SALDO_BER_ERROR_TRUNCATED }, /* value past the buffer */
    { "5A81", SALDO_BER_ERROR_TRUNCATED },   /* long length cut */
    { "5A8200", SALDO_BER_ERROR_TRUNCATED },
    { "5A84FFFFFFFF00", SALDO_BER_ERROR_TRUNCATED }, /* absurd length */
    { "5A8180", SALDO_BER_ERROR_TRUNCATED },
    { "A0805A000000", SALDO_BER_ERROR_INDEFINITE_LENGTH },
    { "5A850000000001AA", SALDO_BER_ERROR_BAD_LENGTH }, /* five length bytes */
    { "5AFF", SALDO_BER_ERROR_BAD_LENGTH },
    { "0000", SALDO_BER_ERROR_BAD_TAG }, /* end-of-contents */
    { "FF00", SALDO_BER_ERROR_BAD_TAG },
    { "9F807000", SALDO_BER_ERROR_BAD_TAG },   /* leading zero bits */
    { "9F1E00", SALDO_BER_ERROR_BAD_TAG },     /* number < 31 in long form */
    { "9F81818101", SALDO_BER_ERROR_BAD_TAG }, /* five-byte tag */
    { "5A0000", SALDO_BER_ERROR_TRAILING_DATA },
    { "BF2D00BF2D00", SALDO_BER_ERROR_TRAILING_DATA },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GBytes) b = hex_to_bytes (cases[i].hex);
    g_autoptr(GError) error = NULL;
    gsize         len;
    const guint8 *data = g_bytes_get_data (b, &len);
    SaldoBerTlv   tlv;

    g_test_message ("case '%s'", cases[i].hex);
    g_assert_false (saldo_ber_read_single (data, len, &tlv, &error));
    g_assert_error (error, SALDO_BER_ERROR, (gint) cases[i].code);
  }
}

/* Children must themselves be valid TLVs, and nesting is bounded. */
static void
test_ber_validate (void)
{
  static const struct {
    const char *hex;
    gint        code; /* -1: valid */
  } cases[] = {
    { "A0035A0100", -1 },
    { "A0035A0200", SALDO_BER_ERROR_TRUNCATED }, /* child overruns parent */
    { "A0045A00FF00", SALDO_BER_ERROR_BAD_TAG },
    { "A0055A00A18000", SALDO_BER_ERROR_INDEFINITE_LENGTH },
    { "A0015A", SALDO_BER_ERROR_TRUNCATED },
    { "5A035A0100", -1 }, /* primitive: content not parsed */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GBytes) b = hex_to_bytes (cases[i].hex);
    g_autoptr(GError) error = NULL;
    gsize         len;
    const guint8 *data = g_bytes_get_data (b, &len);
    gboolean      ok;

    g_test_message ("case %s", cases[i].hex);
    ok = saldo_ber_validate (data, len, NULL, &error);
    if (cases[i].code < 0) {
      g_assert_no_error (error);
      g_assert_true (ok);
    } else {
      g_assert_false (ok);
      g_assert_error (error, SALDO_BER_ERROR, cases[i].code);
    }
  }
}

static GBytes *
build_nested (guint levels)
{
  g_autoptr(GByteArray) inner = g_byte_array_new ();

  /* innermost: a primitive at level @levels - 1 */
  saldo_ber_append (inner, 0x80, NULL, 0);
  for (guint i = 1; i < levels; i++) {
    g_autoptr(GByteArray) outer = g_byte_array_new ();

    saldo_ber_append (outer, 0xA0, inner->data, inner->len);
    g_byte_array_unref (inner);
    inner = g_steal_pointer (&outer);
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&inner));
}

static void
test_ber_depth (void)
{
  g_autoptr(GBytes) ok = build_nested (SALDO_BER_MAX_DEPTH);
  g_autoptr(GBytes) deep = build_nested (SALDO_BER_MAX_DEPTH + 1);
  g_autoptr(GBytes) very_deep = build_nested (100);
  g_autoptr(GError) error = NULL;
  gsize         len;
  const guint8 *data;

  data = g_bytes_get_data (ok, &len);
  g_assert_true (saldo_ber_validate (data, len, NULL, &error));
  g_assert_no_error (error);

  data = g_bytes_get_data (deep, &len);
  g_assert_false (saldo_ber_validate (data, len, NULL, &error));
  g_assert_error (error, SALDO_BER_ERROR, SALDO_BER_ERROR_TOO_DEEP);
  g_clear_error (&error);

  data = g_bytes_get_data (very_deep, &len);
  g_assert_false (saldo_ber_validate (data, len, NULL, &error));
  g_assert_error (error, SALDO_BER_ERROR, SALDO_BER_ERROR_TOO_DEEP);
}

static void
test_ber_cursor (void)
{
  static const guint32 expected_tags[] = { 0x5A, 0x9F70, 0x90, 0x91, 0x92, 0x95 };
  static const gsize   expected_lens[] = { 10, 1, 4, 10, 19, 1 };
  g_autoptr(GBytes) b = hex_to_bytes (VEC_PROFILES_TWO);
  g_autoptr(GError) error = NULL;
  gsize          len;
  const guint8  *data = g_bytes_get_data (b, &len);
  SaldoBerCursor cursor;
  SaldoBerTlv    top, list, info, m;
  guint          n = 0;

  g_assert_true (saldo_ber_validate (data, len, &top, &error));
  g_assert_no_error (error);
  g_assert_cmphex (top.tag, ==, 0xBF2D);
  g_assert_cmpuint (top.len, ==, 0x79);

  saldo_ber_cursor_init_children (&cursor, &top);
  g_assert_true (saldo_ber_cursor_next (&cursor, &list, &error));
  g_assert_cmphex (list.tag, ==, 0xA0);
  g_assert_cmpuint (list.depth, ==, 1);
  g_assert_true (saldo_ber_cursor_done (&cursor));

  saldo_ber_cursor_init_children (&cursor, &list);
  g_assert_true (saldo_ber_cursor_next (&cursor, &info, &error));
  g_assert_cmphex (info.tag, ==, 0xE3);
  g_assert_true (info.constructed);
  g_assert_cmpuint (info.len, ==, 0x3A);

  saldo_ber_cursor_init_children (&cursor, &info);
  while (!saldo_ber_cursor_done (&cursor)) {
    g_assert_true (saldo_ber_cursor_next (&cursor, &m, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (n, <, G_N_ELEMENTS (expected_tags));
    g_assert_cmphex (m.tag, ==, expected_tags[n]);
    g_assert_cmpuint (m.len, ==, expected_lens[n]);
    g_assert_false (m.constructed);
    g_assert_cmpuint (m.depth, ==, 3);
    /* values point into the caller's buffer */
    g_assert_true (m.value > data && m.value + m.len <= data + len);
    n++;
  }
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (expected_tags));

  /* a broken child stops the cursor for good */
  {
    g_autoptr(GBytes) bad = hex_to_bytes ("5A01005A05");
    const guint8 *bd = g_bytes_get_data (bad, &len);

    saldo_ber_cursor_init (&cursor, bd, len, 0);
    g_assert_true (saldo_ber_cursor_next (&cursor, &m, &error));
    g_assert_false (saldo_ber_cursor_next (&cursor, &m, &error));
    g_assert_error (error, SALDO_BER_ERROR, SALDO_BER_ERROR_TRUNCATED);
    g_assert_true (saldo_ber_cursor_done (&cursor));
  }
}

static void
test_ber_append (void)
{
  static const struct {
    gsize       len;
    const char *header;
  } cases[] = {
    { 0, "0400" },       { 127, "047F" },       { 128, "048180" },       { 255, "0481FF" },
    { 256, "04820100" }, { 65535, "0482FFFF" }, { 65536, "0483010000" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GByteArray) out = g_byte_array_new ();
    g_autofree guint8 *value = g_malloc0 (cases[i].len + 1);
    g_autoptr(GBytes) header = hex_to_bytes (cases[i].header);
    g_autoptr(GError) error = NULL;
    SaldoBerTlv tlv;

    saldo_ber_append (out, 0x04, value, cases[i].len);
    g_assert_cmpuint (out->len, ==, g_bytes_get_size (header) + cases[i].len);
    g_assert_cmpmem (out->data, g_bytes_get_size (header), g_bytes_get_data (header, NULL),
                     g_bytes_get_size (header));
    g_assert_true (saldo_ber_read_single (out->data, out->len, &tlv, &error));
    g_assert_cmpuint (tlv.len, ==, cases[i].len);
  }

  {
    g_autoptr(GByteArray) out = g_byte_array_new ();
    g_autoptr(GBytes) got = NULL;

    saldo_ber_append_tag (out, 0x5A);
    saldo_ber_append_tag (out, 0x9F70);
    saldo_ber_append_tag (out, 0xBF8100);
    got = g_byte_array_free_to_bytes (g_steal_pointer (&out));
    assert_bytes_hex (got, "5A9F70BF8100");
  }
}

/* ---- ICCID ---- */

static void
test_iccid_bcd (void)
{
  static const struct {
    const char *hex;
    const char *iccid; /* NULL: rejected */
  } cases[] = {
    { "984401000000000010F7", "8944100000000000017" },
    { "98106280282202000090", "89012608822220000009" },
    { "988812010000103254F6", "8988211000000123456" },
    { "98F0", "890" }, /* low nibble first, then F padding */
    { "98", "89" },
    { "9A4401000000000010F7", NULL }, /* nibble A */
    { "98F401000000000010F7", NULL }, /* digit after padding */
    { "984401000000000010FB", NULL }, /* B in the padding position */
    { "FFFF", NULL },                 /* only padding */
    { "", NULL },
    { "9844010000000000100000", NULL }, /* 11 bytes */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GBytes) b = hex_to_bytes (cases[i].hex);
    g_autoptr(GError) error = NULL;
    g_autofree char *iccid = NULL;
    gsize            len;
    const guint8    *data = g_bytes_get_data (b, &len);

    g_test_message ("case %s", cases[i].hex);
    iccid = saldo_iccid_from_bcd (data, len, &error);
    if (cases[i].iccid != NULL) {
      g_assert_no_error (error);
      g_assert_cmpstr (iccid, ==, cases[i].iccid);
    } else {
      g_assert_null (iccid);
      g_assert_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_INVALID_ICCID);
    }
  }
}

/* ---- ES10c builders ---- */

static void
test_es10c_builders (void)
{
  g_autoptr(GBytes) eid = saldo_es10c_build_get_eid ();
  g_autoptr(GBytes) plain = saldo_es10c_build_get_profiles_info (FALSE);
  g_autoptr(GBytes) filtered = saldo_es10c_build_get_profiles_info (TRUE);
  static const struct {
    guint8      channel;
    int         which;
    const char *capdu;
  } apdus[] = {
    { 1, 0, "81E2910006BF3E035C015A" },
    { 1, 1, "81E2910003BF2D00" },
    { 1, 2, "81E291000DBF2D0A5C085A9F709091929395" },
    { 2, 1, "82E2910003BF2D00" },
    { 5, 1, "C1E2910003BF2D00" },
  };

  assert_bytes_hex (eid, "BF3E035C015A");
  assert_bytes_hex (plain, "BF2D00");
  assert_bytes_hex (filtered, "BF2D0A5C085A9F709091929395");

  for (gsize i = 0; i < G_N_ELEMENTS (apdus); i++) {
    GBytes *req = apdus[i].which == 0 ? eid : apdus[i].which == 1 ? plain : filtered;
    g_autoptr(GPtrArray)
                 blocks = saldo_apdu_store_data_blocks (apdus[i].channel, g_bytes_get_data (req, NULL),
                                                        g_bytes_get_size (req));

    g_assert_cmpuint (blocks->len, ==, 1);
    assert_bytes_hex (g_ptr_array_index (blocks, 0), apdus[i].capdu);
  }
}

/* ---- ES10c GetProfilesInfo ---- */

typedef struct {
  const char *iccid;
  gint        state; /* -1: absent/unknown */
  const char *nickname;
  const char *provider;
  const char *name;
  gint        profile_class; /* -1: absent/unknown */
  const char *isdp_aid;
} ExpectedProfile;

static void
assert_profile (SaldoEuiccProfile *p, const ExpectedProfile *e)
{
  g_assert_cmpstr (p->iccid, ==, e->iccid);
  g_assert_cmpint (p->has_state, ==, e->state >= 0);
  if (e->state >= 0)
    g_assert_cmpint (p->state, ==, e->state);
  g_assert_cmpstr (p->nickname, ==, e->nickname);
  g_assert_cmpstr (p->service_provider, ==, e->provider);
  g_assert_cmpstr (p->profile_name, ==, e->name);
  g_assert_cmpint (p->has_class, ==, e->profile_class >= 0);
  if (e->profile_class >= 0)
    g_assert_cmpint (p->profile_class, ==, e->profile_class);
  g_assert_cmpstr (p->isdp_aid, ==, e->isdp_aid);
}

static const ExpectedProfile expect_two[] = {
  { "8944100000000000017", SALDO_PROFILE_STATE_ENABLED, "Work", "Operator A", "Operator A Business",
    SALDO_PROFILE_CLASS_OPERATIONAL, NULL },
  { "89012608822220000009", SALDO_PROFILE_STATE_DISABLED, "Travel", "Roam Mobile", "Roam Global 5GB",
    SALDO_PROFILE_CLASS_OPERATIONAL, NULL },
};

static const ExpectedProfile expect_isdp[] = {
  { "8944100000000000017", SALDO_PROFILE_STATE_ENABLED, "Work", "Operator A", "Operator A Business",
    SALDO_PROFILE_CLASS_OPERATIONAL, "A0000005591010FFFFFFFF8900001000" },
  { "89012608822220000009", SALDO_PROFILE_STATE_DISABLED, "Travel", "Roam Mobile", "Roam Global 5GB",
    SALDO_PROFILE_CLASS_OPERATIONAL, "A0000005591010FFFFFFFF8900001100" },
};

static const ExpectedProfile expect_three[] = {
  { "8944100000000000017", SALDO_PROFILE_STATE_ENABLED, "Work", "Operator A", "Operator A Business",
    SALDO_PROFILE_CLASS_OPERATIONAL, "A0000005591010FFFFFFFF8900001000" },
  { "89012608822220000009", SALDO_PROFILE_STATE_DISABLED, NULL, "Test Lab", "Test Profile",
    SALDO_PROFILE_CLASS_TEST, "A0000005591010FFFFFFFF8900001100" },
  { "8988211000000123456", SALDO_PROFILE_STATE_DISABLED, "Spare", "Provisioner", "Bootstrap",
    SALDO_PROFILE_CLASS_PROVISIONING, "A0000005591010FFFFFFFF8900001200" },
};

static const ExpectedProfile expect_no_iccid[] = {
  { "8944100000000000017", SALDO_PROFILE_STATE_ENABLED, NULL, NULL, "Kept", SALDO_PROFILE_CLASS_OPERATIONAL,
    NULL },
};

static const ExpectedProfile expect_odd_values[] = {
  { "8944100000000000017", -1, NULL, NULL, NULL, -1, NULL },
};

/* U+FFFD replaces invalid bytes and NUL; valid multi-byte text stays. */
static const ExpectedProfile expect_bad_utf8[] = {
  { "8944100000000000017", -1, "N\xEF\xBF\xBDx", "Caf\xC3\xA9",
    "A\xEF\xBF\xBD"
    "B",
    -1, NULL },
};

static const ExpectedProfile expect_unknown_only[] = {
  { "8944100000000000017", -1, NULL, NULL, NULL, -1, NULL },
};

static void
test_es10c_profiles (void)
{
  static const struct {
    const char            *name;
    const char            *hex;
    const ExpectedProfile *expected;
    guint                  n_expected;
    guint                  skipped;
    guint                  sanitized;
    guint                  unknown;
  } cases[] = {
    { "two", VEC_PROFILES_TWO, expect_two, 2, 0, 0, 0 },
    { "isdp-long-form", VEC_PROFILES_ISDP, expect_isdp, 2, 0, 0, 0 },
    { "three-ext-icon", VEC_PROFILES_THREE, expect_three, 3, 0, 0, 5 },
    { "no-iccid", VEC_PROFILES_NO_ICCID, expect_no_iccid, 1, 1, 0, 0 },
    { "empty", "BF2D02A000", NULL, 0, 0, 0, 0 },
    { "odd-values", "BF2D17A015E3135A0A984401000000000010F79F7001029501FF", expect_odd_values, 1, 0, 0, 0 },
    { "bad-utf8", "BF2D21A01FE31D5A0A984401000000000010F7920341FF4290034E00789105436166C3A9", expect_bad_utf8,
      1, 0, 2, 0 },
    { "unknown-members", "BF2D1AA018E3165A0A984401000000000010F7DF40020102BF41028000", expect_unknown_only, 1,
      0, 0, 2 },
    /* extension nested to level 7: still accepted */
    { "deep-ext-ok", "BF2D1AA018E3165A0A984401000000000010F7B608A006A004A0028000", expect_unknown_only, 1, 0,
      0, 1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GBytes) b = hex_to_bytes (cases[i].hex);
    g_autoptr(GPtrArray) profiles = NULL;
    g_autoptr(GError) error = NULL;
    SaldoEs10cParseStats stats = { 99, 99, 99 };
    gsize                len;
    const guint8        *data = g_bytes_get_data (b, &len);

    g_test_message ("case %s", cases[i].name);
    g_assert_true (saldo_es10c_parse_profiles_info_full (data, len, &profiles, &stats, &error));
    g_assert_no_error (error);
    g_assert_nonnull (profiles);
    g_assert_cmpuint (profiles->len, ==, cases[i].n_expected);
    for (guint k = 0; k < profiles->len; k++)
      assert_profile (g_ptr_array_index (profiles, k), &cases[i].expected[k]);
    g_assert_cmpuint (stats.skipped_without_iccid, ==, cases[i].skipped);
    g_assert_cmpuint (stats.sanitized_strings, ==, cases[i].sanitized);
    g_assert_cmpuint (stats.unknown_tags, ==, cases[i].unknown);

    /* the short form agrees */
    {
      g_autoptr(GPtrArray) again = NULL;

      g_assert_true (saldo_es10c_parse_profiles_info (data, len, &again, &error));
      g_assert_cmpuint (again->len, ==, profiles->len);
    }
  }
}

static void
test_es10c_profiles_reject (void)
{
  static const struct {
    const char     *name;
    const char     *hex;
    SaldoEs10cError code;
    const char     *in_message;
  } cases[] = {
    { "list-error-undefined", "BF2D0381017F", SALDO_ES10C_ERROR_UNDEFINED, "undefinedError (127)" },
    { "list-error-input", "BF2D03810101", SALDO_ES10C_ERROR_INCORRECT_INPUT_VALUES,
      "incorrectInputValues (1)" },
    { "list-error-other", "BF2D03810105", SALDO_ES10C_ERROR_CARD_ERROR, "(5)" },
    { "bad-bcd", "BF2D10A00EE30C5A0A9A4401000000000010F7", SALDO_ES10C_ERROR_INVALID_ICCID, "nibble A" },
    { "pad-mid", "BF2D10A00EE30C5A0A98F401000000000010F7", SALDO_ES10C_ERROR_INVALID_ICCID, "padding" },
    { "short-iccid", "BF2D0FA00DE30B5A09984401000000000010", SALDO_ES10C_ERROR_INVALID_ICCID, "10 bytes" },
    { "dup-iccid", "BF2D1CA01AE3185A0A984401000000000010F75A0A984401000000000010F7",
      SALDO_ES10C_ERROR_MALFORMED, "repeats" },
    { "int-empty", "BF2D13A011E30F5A0A984401000000000010F79F7000", SALDO_ES10C_ERROR_MALFORMED,
      "profileState" },
    { "bad-aid", "BF2D14A012E3105A0A984401000000000010F74F02A000", SALDO_ES10C_ERROR_MALFORMED, "isdpAid" },
    { "two-alternatives", "BF2D05A00081017F", SALDO_ES10C_ERROR_MALFORMED, "more than one" },
    { "not-profile-info", "BF2D04A002E200", SALDO_ES10C_ERROR_MALFORMED, "E3" },
    { "unknown-alternative", "BF2D02A100", SALDO_ES10C_ERROR_MALFORMED, "A1" },
    { "empty-response", "BF2D00", SALDO_ES10C_ERROR_MALFORMED, "Empty" },
    { "wrong-top", VEC_EID_RESPONSE, SALDO_ES10C_ERROR_MALFORMED, "BF3E" },
    { "trailing", VEC_PROFILES_TWO "00", SALDO_ES10C_ERROR_MALFORMED, "unexpected bytes" },
    { "truncated", "BF2D79A077E33A5A0A98440100", SALDO_ES10C_ERROR_MALFORMED, "remain" },
    { "indefinite", "BF2D80A0000000", SALDO_ES10C_ERROR_MALFORMED, "indefinite" },
    { "deep-ext", "BF2D1CA01AE3185A0A984401000000000010F7B60AA008A006A004A0028000",
      SALDO_ES10C_ERROR_MALFORMED, "deeper" },
    { "empty-input", "", SALDO_ES10C_ERROR_MALFORMED, "truncated" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GBytes) b = hex_to_bytes (cases[i].hex);
    g_autoptr(GPtrArray) profiles = NULL;
    g_autoptr(GError) error = NULL;
    gsize         len;
    const guint8 *data = g_bytes_get_data (b, &len);

    g_test_message ("case %s", cases[i].name);
    g_assert_false (saldo_es10c_parse_profiles_info (data, len, &profiles, &error));
    g_assert_null (profiles);
    g_assert_error (error, SALDO_ES10C_ERROR, (gint) cases[i].code);
    g_assert_nonnull (strstr (error->message, cases[i].in_message));
  }
}

static void
test_es10c_strings (void)
{
  g_assert_cmpstr (saldo_profile_state_to_string (SALDO_PROFILE_STATE_ENABLED), ==, "enabled");
  g_assert_cmpstr (saldo_profile_state_to_string (SALDO_PROFILE_STATE_DISABLED), ==, "disabled");
  g_assert_cmpstr (saldo_profile_state_to_string ((SaldoProfileState) 7), ==, "unknown");
  g_assert_cmpstr (saldo_profile_class_to_string (SALDO_PROFILE_CLASS_TEST), ==, "test");
  g_assert_cmpstr (saldo_profile_class_to_string (SALDO_PROFILE_CLASS_PROVISIONING), ==, "provisioning");
  g_assert_cmpstr (saldo_profile_class_to_string (SALDO_PROFILE_CLASS_OPERATIONAL), ==, "operational");
  g_assert_cmpstr (saldo_profile_class_to_string ((SaldoProfileClass) 3), ==, "unknown");
}

/* ---- ES10c GetEID ---- */

static void
test_es10c_eid (void)
{
  static const struct {
    const char *hex;
    const char *eid; /* NULL: rejected as malformed */
  } cases[] = {
    { VEC_EID_RESPONSE, "89049032123451234512345678901235" },
    /* unknown members around eidValue are skipped */
    { "BF3E189F7F01015A10890490321234512345123456789012358000", "89049032123451234512345678901235" },
    { "BF3E115A0F890490321234512345123456789012", NULL }, /* 15 bytes */
    { "BF3E00", NULL },                                   /* no eidValue */
    { "BF3E245A10890490321234512345123456789012355A1089049032123451234512345678901235", NULL },
    { "BF2D125A1089049032123451234512345678901235", NULL }, /* wrong tag */
    { "BF3E125A10890490321234512345123456789012", NULL },   /* truncated */
    { VEC_EID_RESPONSE "9000", NULL },                      /* SW left on */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *eid = NULL;
    g_autoptr(GBytes) b = hex_to_bytes (cases[i].hex);
    gsize         len;
    const guint8 *data = g_bytes_get_data (b, &len);
    g_test_message ("case %s", cases[i].hex);
    if (cases[i].eid != NULL) {
      g_assert_true (saldo_es10c_parse_get_eid (data, len, &eid, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (eid, ==, cases[i].eid);
    } else {
      g_assert_false (saldo_es10c_parse_get_eid (data, len, &eid, &error));
      g_assert_null (eid);
      g_assert_error (error, SALDO_ES10C_ERROR, SALDO_ES10C_ERROR_MALFORMED);
    }
  }
}

/* ---- APDU framing ---- */

static void
test_apdu_cla (void)
{
  static const struct {
    guint8 channel;
    guint8 proprietary;
    guint8 interindustry;
  } cases[] = {
    { 0, 0x80, 0x00 }, { 1, 0x81, 0x01 }, { 3, 0x83, 0x03 },
    { 4, 0xC0, 0x40 }, { 5, 0xC1, 0x41 }, { 19, 0xCF, 0x4F },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GBytes) get_response = saldo_apdu_get_response (cases[i].channel, 0x10);
    g_autoptr(GPtrArray) blocks = NULL;
    static const guint8 payload[] = { 0xBF, 0x2D, 0x00 };
    const guint8       *apdu;

    g_assert_true (saldo_apdu_channel_is_valid (cases[i].channel));
    g_assert_cmphex (saldo_apdu_cla (0x80, cases[i].channel), ==, cases[i].proprietary);
    g_assert_cmphex (saldo_apdu_cla (0x00, cases[i].channel), ==, cases[i].interindustry);

    apdu = g_bytes_get_data (get_response, NULL);
    g_assert_cmphex (apdu[0], ==, cases[i].interindustry);

    blocks = saldo_apdu_store_data_blocks (cases[i].channel, payload, sizeof (payload));
    apdu = g_bytes_get_data (g_ptr_array_index (blocks, 0), NULL);
    g_assert_cmphex (apdu[0], ==, cases[i].proprietary);
  }
  g_assert_false (saldo_apdu_channel_is_valid (20));
  g_assert_false (saldo_apdu_channel_is_valid (255));
}

static void
test_apdu_store_data_split (void)
{
  static const struct {
    gsize len;
    guint n_blocks;
  } cases[] = {
    { 1, 1 }, { 255, 1 }, { 256, 2 }, { 600, 3 }, { 765, 3 }, { 766, 4 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree guint8 *data = g_malloc (cases[i].len);
    g_autoptr(GPtrArray) blocks = NULL;
    g_autoptr(GByteArray) joined = g_byte_array_new ();

    for (gsize k = 0; k < cases[i].len; k++)
      data[k] = (guint8) (k * 7 + 3);

    blocks = saldo_apdu_store_data_blocks (2, data, cases[i].len);
    g_assert_cmpuint (blocks->len, ==, cases[i].n_blocks);
    for (guint k = 0; k < blocks->len; k++) {
      gsize         alen;
      const guint8 *apdu = g_bytes_get_data (g_ptr_array_index (blocks, k), &alen);
      gboolean      last = k == blocks->len - 1;

      g_assert_cmphex (apdu[0], ==, 0x82);
      g_assert_cmphex (apdu[1], ==, 0xE2);
      g_assert_cmphex (apdu[2], ==, last ? 0x91 : 0x11);
      g_assert_cmphex (apdu[3], ==, k);
      g_assert_cmpuint (apdu[4], ==, alen - 5);
      if (!last)
        g_assert_cmpuint (apdu[4], ==, 255);
      g_byte_array_append (joined, apdu + 5, alen - 5);
    }
    g_assert_cmpmem (joined->data, joined->len, data, cases[i].len);
  }
}

static void
test_apdu_get_response_and_le (void)
{
  static const struct {
    const char *command;
    guint8      le;
    const char *expected; /* NULL: rejected */
  } cases[] = {
    { "81E2910003BF2D00", 0x40, "81E2910003BF2D0040" },   /* case 3 -> 4 */
    { "81E2910003BF2D0010", 0x40, "81E2910003BF2D0040" }, /* case 4: replace */
    { "01C0000000", 0x22, "01C0000022" },                 /* case 2: replace */
    { "00A40400", 0x10, "00A4040010" },                   /* case 1 -> 2 */
    { "81E2", 0x10, NULL },
    { "81E2910005BF2D00", 0x10, NULL }, /* Lc disagrees */
    { "81E2910000AA", 0x10, NULL },
  };

  {
    g_autoptr(GBytes) gr = saldo_apdu_get_response (1, 0x62);
    g_autoptr(GBytes) gr256 = saldo_apdu_get_response (6, 0x00);

    assert_bytes_hex (gr, "01C0000062");
    assert_bytes_hex (gr256, "42C0000000");
  }

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GBytes) cmd = hex_to_bytes (cases[i].command);
    g_autoptr(GBytes) out = NULL;
    g_autoptr(GError) error = NULL;

    g_test_message ("case %s", cases[i].command);
    out = saldo_apdu_with_le (cmd, cases[i].le, &error);
    if (cases[i].expected != NULL) {
      g_assert_no_error (error);
      assert_bytes_hex (out, cases[i].expected);
    } else {
      g_assert_null (out);
      g_assert_error (error, SALDO_APDU_ERROR, SALDO_APDU_ERROR_PROTOCOL);
    }
  }
}

static void
test_apdu_sw_errors (void)
{
  static const struct {
    guint16     sw;
    gint        code; /* -1: success */
    const char *text;
  } cases[] = {
    { 0x9000, -1, NULL },
    { 0x9110, -1, NULL },
    { 0x6A82, SALDO_APDU_ERROR_FILE_NOT_FOUND, "SW 6A82" },
    { 0x6985, SALDO_APDU_ERROR_CONDITIONS_NOT_SATISFIED, "SW 6985" },
    { 0x6982, SALDO_APDU_ERROR_SECURITY_STATUS, "SW 6982" },
    { 0x6D00, SALDO_APDU_ERROR_INS_NOT_SUPPORTED, "SW 6D00" },
    { 0x6E00, SALDO_APDU_ERROR_CLA_NOT_SUPPORTED, "SW 6E00" },
    { 0x6A88, SALDO_APDU_ERROR_REFERENCED_DATA_NOT_FOUND, "SW 6A88" },
    { 0x6F00, SALDO_APDU_ERROR_TECHNICAL_PROBLEM, "no precise diagnosis (SW 6F00)" },
    { 0x6F12, SALDO_APDU_ERROR_TECHNICAL_PROBLEM, "SW 6F12" },
    { 0x6881, SALDO_APDU_ERROR_CHANNEL_NOT_SUPPORTED, "Logical channel not supported (SW 6881)" },
    { 0x6700, SALDO_APDU_ERROR_WRONG_LENGTH, "SW 6700" },
    { 0x6A80, SALDO_APDU_ERROR_INCORRECT_DATA, "SW 6A80" },
    { 0x6A86, SALDO_APDU_ERROR_WRONG_P1P2, "SW 6A86" },
    { 0x6283, SALDO_APDU_ERROR_WARNING, "SW 6283" },
    { 0x6999, SALDO_APDU_ERROR_COMMAND_NOT_ALLOWED, "SW 6999" },
    { 0x6C10, SALDO_APDU_ERROR_WRONG_LENGTH, "Wrong Le" },
    { 0x1234, SALDO_APDU_ERROR_FAILED, "unknown status (SW 1234)" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = saldo_apdu_sw_to_error (cases[i].sw);

    g_test_message ("SW %04X", cases[i].sw);
    if (cases[i].code < 0) {
      g_assert_null (error);
      g_assert_true (saldo_apdu_sw_is_success (cases[i].sw));
      continue;
    }
    g_assert_false (saldo_apdu_sw_is_success (cases[i].sw));
    g_assert_error (error, SALDO_APDU_ERROR, cases[i].code);
    g_assert_nonnull (strstr (error->message, cases[i].text));
    g_assert_nonnull (saldo_apdu_sw_describe (cases[i].sw));
  }
}

/* Feeds R-APDUs (data + SW, hex) and checks each step. */
typedef struct {
  const char   *rapdu;
  SaldoApduStep step;
  guint8        le;
} FeedStep;

static SaldoApduResponse *
run_feed (guint8 channel, const FeedStep *steps, gsize n_steps, GError **error)
{
  SaldoApduResponse *resp = saldo_apdu_response_new (channel);

  for (gsize i = 0; i < n_steps; i++) {
    g_autoptr(GBytes) b = hex_to_bytes (steps[i].rapdu);
    gsize         len;
    const guint8 *data = g_bytes_get_data (b, &len);
    guint8        le = 0xAA;
    SaldoApduStep step;

    g_clear_error (error);
    step = saldo_apdu_response_feed_rapdu (resp, data, len, &le, error);
    g_assert_cmpint (step, ==, steps[i].step);
    g_assert_cmphex (le, ==, steps[i].le);
    if (step == SALDO_APDU_STEP_ERROR)
      g_assert_nonnull (*error);
    else
      g_assert_no_error (*error);
  }
  return resp;
}

static void
test_apdu_accumulator_chain (void)
{
  static const FeedStep steps[] = {
    { VEC_RAPDU_1, SALDO_APDU_STEP_GET_RESPONSE, 0x62 },
    { VEC_RAPDU_2, SALDO_APDU_STEP_GET_RESPONSE, 0x22 },
    { VEC_RAPDU_3, SALDO_APDU_STEP_COMPLETE, 0 },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoApduResponse) resp = run_feed (1, steps, G_N_ELEMENTS (steps), &error);
  g_autoptr(GBytes) data = saldo_apdu_response_steal_data (resp);
  g_autoptr(GBytes) expected = hex_to_bytes (VEC_PROFILES_ISDP);
  g_autoptr(GBytes) again = saldo_apdu_response_steal_data (resp);
  g_autoptr(GPtrArray) profiles = NULL;

  g_assert_nonnull (data);
  g_assert_cmpuint (g_bytes_get_size (data), ==, 162);
  g_assert_true (g_bytes_equal (data, expected));
  g_assert_null (again);

  g_assert_true (saldo_es10c_parse_profiles_info (g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                                  &profiles, &error));
  g_assert_cmpuint (profiles->len, ==, 2);
  assert_profile (g_ptr_array_index (profiles, 0), &expect_isdp[0]);
  assert_profile (g_ptr_array_index (profiles, 1), &expect_isdp[1]);
}

static void
test_apdu_accumulator_eid (void)
{
  static const FeedStep steps[] = {
    { VEC_EID_RESPONSE "9000", SALDO_APDU_STEP_COMPLETE, 0 },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoApduResponse) resp = run_feed (1, steps, G_N_ELEMENTS (steps), &error);
  g_autoptr(GBytes) data = saldo_apdu_response_steal_data (resp);
  g_autofree char *eid = NULL;

  g_assert_true (
    saldo_es10c_parse_get_eid (g_bytes_get_data (data, NULL), g_bytes_get_size (data), &eid, &error));
  g_assert_cmpstr (eid, ==, "89049032123451234512345678901235");
}

static void
test_apdu_accumulator_cases (void)
{
  static const FeedStep resend[] = {
    { "6C12", SALDO_APDU_STEP_RESEND, 0x12 },
    { "BF3E035C015A9000", SALDO_APDU_STEP_COMPLETE, 0 },
  };
  static const FeedStep get_response_then_resend[] = {
    { "BF3E6103", SALDO_APDU_STEP_GET_RESPONSE, 0x03 },
    { "6C02", SALDO_APDU_STEP_RESEND, 0x02 },
    { "015A9000", SALDO_APDU_STEP_COMPLETE, 0 },
  };
  static const FeedStep full_256[] = {
    { "BF3E6100", SALDO_APDU_STEP_GET_RESPONSE, 0x00 }, /* 00 = 256 bytes */
    { "035C015A9000", SALDO_APDU_STEP_COMPLETE, 0 },
  };
  static const FeedStep proactive[] = {
    { "BF3E035C015A9112", SALDO_APDU_STEP_COMPLETE, 0 },
  };
  static const FeedStep error_sw[] = {
    { "6A82", SALDO_APDU_STEP_ERROR, 0 },
    { "9000", SALDO_APDU_STEP_ERROR, 0 }, /* fed after the end */
  };
  static const FeedStep error_mid_chain[] = {
    { "BF3E6103", SALDO_APDU_STEP_GET_RESPONSE, 0x03 },
    { "6F00", SALDO_APDU_STEP_ERROR, 0 },
  };
  static const FeedStep resend_loop[] = {
    { "6C10", SALDO_APDU_STEP_RESEND, 0x10 },
    { "6C10", SALDO_APDU_STEP_RESEND, 0x10 },
    { "6C10", SALDO_APDU_STEP_RESEND, 0x10 },
    { "6C10", SALDO_APDU_STEP_ERROR, 0 },
  };
  /* data arriving resets the resend budget: only consecutive 6Cxx count */
  static const FeedStep resend_reset[] = {
    { "6C10", SALDO_APDU_STEP_RESEND, 0x10 }, { "6C10", SALDO_APDU_STEP_RESEND, 0x10 },
    { "6C10", SALDO_APDU_STEP_RESEND, 0x10 }, { "BF3E6101", SALDO_APDU_STEP_GET_RESPONSE, 0x01 },
    { "6C01", SALDO_APDU_STEP_RESEND, 0x01 }, { "AA9000", SALDO_APDU_STEP_COMPLETE, 0 },
  };
  static const FeedStep no_sw[] = {
    { "90", SALDO_APDU_STEP_ERROR, 0 },
  };
  static const struct {
    const char     *name;
    const FeedStep *steps;
    gsize           n_steps;
    const char     *data; /* NULL: no data (error) */
    gint            code;
  } cases[] = {
    { "resend", resend, G_N_ELEMENTS (resend), "BF3E035C015A", -1 },
    { "get-response-resend", get_response_then_resend, G_N_ELEMENTS (get_response_then_resend), "BF3E015A",
      -1 },
    { "le-256", full_256, G_N_ELEMENTS (full_256), "BF3E035C015A", -1 },
    { "proactive-91xx", proactive, G_N_ELEMENTS (proactive), "BF3E035C015A", -1 },
    { "error-sw", error_sw, G_N_ELEMENTS (error_sw), NULL, SALDO_APDU_ERROR_PROTOCOL },
    { "error-mid-chain", error_mid_chain, G_N_ELEMENTS (error_mid_chain), NULL,
      SALDO_APDU_ERROR_TECHNICAL_PROBLEM },
    { "resend-loop", resend_loop, G_N_ELEMENTS (resend_loop), NULL, SALDO_APDU_ERROR_PROTOCOL },
    { "resend-reset", resend_reset, G_N_ELEMENTS (resend_reset), "BF3EAA", -1 },
    { "no-sw", no_sw, G_N_ELEMENTS (no_sw), NULL, SALDO_APDU_ERROR_PROTOCOL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(SaldoApduResponse) resp = NULL;
    g_autoptr(GBytes) data = NULL;

    g_test_message ("case %s", cases[i].name);
    resp = run_feed (4, cases[i].steps, cases[i].n_steps, &error);
    data = saldo_apdu_response_steal_data (resp);
    if (cases[i].data != NULL) {
      g_assert_no_error (error);
      assert_bytes_hex (data, cases[i].data);
    } else {
      g_assert_null (data);
      g_assert_error (error, SALDO_APDU_ERROR, cases[i].code);
    }
  }

  /* first error of error-sw names the status word */
  {
    g_autoptr(SaldoApduResponse) resp = saldo_apdu_response_new (1);
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (saldo_apdu_response_feed (resp, NULL, 0, 0x6A, 0x82, NULL, &error), ==,
                     SALDO_APDU_STEP_ERROR);
    g_assert_error (error, SALDO_APDU_ERROR, SALDO_APDU_ERROR_FILE_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "6A82"));
  }
}

/* A card that never stops chaining must not make us grow without bound. */
static void
test_apdu_accumulator_limits (void)
{
  g_autofree guint8 *chunk = g_malloc0 (256);
  g_autoptr(SaldoApduResponse) big = saldo_apdu_response_new (1);
  g_autoptr(SaldoApduResponse) empty = saldo_apdu_response_new (1);
  g_autoptr(GError) error = NULL;
  SaldoApduStep step = SALDO_APDU_STEP_GET_RESPONSE;
  guint         rounds = 0;

  while (step == SALDO_APDU_STEP_GET_RESPONSE) {
    step = saldo_apdu_response_feed (big, chunk, 256, 0x61, 0x00, NULL, &error);
    rounds++;
  }
  g_assert_cmpint (step, ==, SALDO_APDU_STEP_ERROR);
  g_assert_cmpuint (rounds, ==, SALDO_APDU_RESPONSE_MAX / 256 + 1);
  g_assert_error (error, SALDO_APDU_ERROR, SALDO_APDU_ERROR_PROTOCOL);
  g_assert_null (saldo_apdu_response_steal_data (big));
  g_clear_error (&error);

  step = SALDO_APDU_STEP_GET_RESPONSE;
  rounds = 0;
  while (step == SALDO_APDU_STEP_GET_RESPONSE) {
    step = saldo_apdu_response_feed (empty, NULL, 0, 0x61, 0x10, NULL, &error);
    rounds++;
  }
  g_assert_cmpint (step, ==, SALDO_APDU_STEP_ERROR);
  g_assert_cmpuint (rounds, ==, 513);
  g_assert_error (error, SALDO_APDU_ERROR, SALDO_APDU_ERROR_PROTOCOL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ber-tlv/valid", test_ber_valid);
  g_test_add_func ("/ber-tlv/reject", test_ber_reject);
  g_test_add_func ("/ber-tlv/validate", test_ber_validate);
  g_test_add_func ("/ber-tlv/depth", test_ber_depth);
  g_test_add_func ("/ber-tlv/cursor", test_ber_cursor);
  g_test_add_func ("/ber-tlv/append", test_ber_append);
  g_test_add_func ("/es10c/iccid-bcd", test_iccid_bcd);
  g_test_add_func ("/es10c/builders", test_es10c_builders);
  g_test_add_func ("/es10c/profiles", test_es10c_profiles);
  g_test_add_func ("/es10c/profiles-reject", test_es10c_profiles_reject);
  g_test_add_func ("/es10c/strings", test_es10c_strings);
  g_test_add_func ("/es10c/eid", test_es10c_eid);
  g_test_add_func ("/apdu/cla", test_apdu_cla);
  g_test_add_func ("/apdu/store-data-split", test_apdu_store_data_split);
  g_test_add_func ("/apdu/get-response-and-le", test_apdu_get_response_and_le);
  g_test_add_func ("/apdu/sw-errors", test_apdu_sw_errors);
  g_test_add_func ("/apdu/accumulator-chain", test_apdu_accumulator_chain);
  g_test_add_func ("/apdu/accumulator-eid", test_apdu_accumulator_eid);
  g_test_add_func ("/apdu/accumulator-cases", test_apdu_accumulator_cases);
  g_test_add_func ("/apdu/accumulator-limits", test_apdu_accumulator_limits);

  return g_test_run ();
}
