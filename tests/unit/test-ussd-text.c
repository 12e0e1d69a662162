/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <string.h>

#include "saldo-ussd-text.h"

/* The GSM7 hex strings were packed independently of the decoder (with a
 * small Python packer following 3GPP TS 23.038 §6.1.2.1.1 and the CR
 * padding rule of §6.1.2.3.1), then checked by hand on the first septets:
 * 'S' = 0x53, 'a' = 0x61 -> 0x53 | (0x61 << 7) & 0xFF = 0xD3, 0x30, ... */

typedef struct {
  const char       *name;
  const char       *hex;
  SaldoUssdEncoding encoding;
  const char       *expected;
} DecodeCase;

static const DecodeCase decode_cases[] = {
  { "ucs2-ascii", "00530061006C0064006F", SALDO_USSD_ENCODING_UCS2, "Saldo" },
  { "ucs2-spanish",
    "0053006500F1006F0072002C0020007400750020007200650063006100720067006100200064"
    "006500200053002F00200035002E00300030002000650073007400E10020006C006900730074"
    "0061002E002000A10047007200610063006900610073002C0020006100F1006F0020006E0075"
    "00650076006F0021",
    SALDO_USSD_ENCODING_UCS2, "Señor, tu recarga de S/ 5.00 está lista. ¡Gracias, año nuevo!" },
  { "ucs2-emoji-surrogate-pair", "0048006F006C00610020D83DDE00", SALDO_USSD_ENCODING_UCS2,
    "Hola \xF0\x9F\x98\x80" },
  { "ucs2-cyrillic", "04110430043B0430043D044100200031003500300020044004430431002E", SALDO_USSD_ENCODING_UCS2,
    "Баланс 150 руб." },
  { "ucs2-han", "60A876844F59989D4E3A00310032002E003500305143", SALDO_USSD_ENCODING_UCS2,
    "您的余额为12.50元" },
  { "ucs2-crlf", "00530061006C0064006F000D000A0053002F00200031", SALDO_USSD_ENCODING_UCS2, "Saldo\r\nS/ 1" },
  { "gsm7", "D3309BFCD681A62F50CD258301", SALDO_USSD_ENCODING_GSM7_PACKED, "Saldo: S/ 5.20" },
  { "gsm7-lowercase-hex", "d3309bfcd681a62f50cd258301", SALDO_USSD_ENCODING_GSM7_PACKED, "Saldo: S/ 5.20" },
  { "gsm7-mixed-case-hex", "d3309bFCd681A62f50cd258301", SALDO_USSD_ENCODING_GSM7_PACKED, "Saldo: S/ 5.20" },
  { "gsm7-euro-escape", "D2F2382C3F8741B54D19", SALDO_USSD_ENCODING_GSM7_PACKED, "Recarga 5€" },
  { "gsm7-escape-table", "D3309BFCD6816A2C190CB42983363CF1DBFDDEF81A", SALDO_USSD_ENCODING_GSM7_PACKED,
    "Saldo: 5,20 € [bono]" },
  /* 7 characters leave 7 spare bits: the CR padding must go. */
  { "gsm7-cr-padding", "D3309BFC06D51A", SALDO_USSD_ENCODING_GSM7_PACKED, "Saldo 5" },
  /* Same, from an encoder that left the 7 spare bits zero ("@"). */
  { "gsm7-zero-fill", "D3309BFC06D500", SALDO_USSD_ENCODING_GSM7_PACKED, "Saldo 5" },
  { "gsm7-cr-padding-15", "D43A681E6693DF3AD0F405CAB91A", SALDO_USSD_ENCODING_GSM7_PACKED,
    "Tu saldo: S/ 9." },
  { "gsm7-spanish-menu",
    "D474D95D9E83A62FD0CC058381F2A0180C066A0A5D2030B13C2F87E72079791C969FC3F21F28"
    "A69B1E40329DF30D",
    SALDO_USSD_ENCODING_GSM7_PACKED, "Tienes S/ 3.00 y 100 MB. ¿Deseas recargar? 1:Sì 2:No" },
  { "8bit-ascii", "53616C646F3A20532F20352E3230", SALDO_USSD_ENCODING_EIGHT_BIT, "Saldo: S/ 5.20" },
  { "8bit-latin1", "56E16C69646F20686173746120656C2064ED612033302C207365F16F72",
    SALDO_USSD_ENCODING_EIGHT_BIT, "Válido hasta el día 30, señor" },
  { "8bit-utf8", "56C3A16C69646F20686173746120656C2064C3AD612033302C207365C3B16F72",
    SALDO_USSD_ENCODING_EIGHT_BIT, "Válido hasta el día 30, señor" },
};

static void
test_decode (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (decode_cases); i++) {
    const DecodeCase *c = &decode_cases[i];
    g_autoptr(GError) error = NULL;
    g_autofree char  *text = NULL;
    SaldoUssdEncoding encoding = (SaldoUssdEncoding) -1;

    g_test_message ("case %s", c->name);
    text = saldo_ussd_text_decode (c->hex, -1, &encoding, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (text, ==, c->expected);
    g_assert_cmpint (encoding, ==, c->encoding);
    g_assert_true (g_utf8_validate (text, -1, NULL));
  }
}

typedef struct {
  const char *name;
  const char *text;
} KeepCase;

static const KeepCase keep_cases[] = {
  { "plain-text", "Saldo S/ 5.20" },
  { "empty", "" },
  { "short", "00AB" },
  { "six-digits", "00AB00" },
  { "odd-length", "00530061006C0064006" },
  { "all-digits", "12345678" },
  { "all-digits-phone", "00519998887770" },
  /* Valid UCS2 for "1234", but decimal digits only: ambiguous, kept. */
  { "all-digits-ucs2", "0031003200330034" },
  { "space-inside", "0053 0061006C" },
  { "hex-prefix", "0x530061006C0064" },
  { "non-hex-letter", "00530061006C006G" },
  { "lone-high-surrogate", "0048006FD83D0061" },
  /* Combining DBFF with the 'm' that follows would give a private-use
   * character in plane 16, which alone would not fail the text check. */
  { "high-surrogate-before-letter", "0048006F006C00610020DBFF006D0075006E0064006F" },
  { "lone-low-surrogate", "0048DE000061006F" },
  { "high-surrogate-at-end", "0048006F0061D83D" },
  { "ucs2-control", "0053000100610002" },
  { "nul-and-ff", "0000FFFF" },
  { "deadbeef", "DEADBEEF" },
};

static void
test_keep (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (keep_cases); i++) {
    const KeepCase *c = &keep_cases[i];
    g_autoptr(GError) error = NULL;
    g_autofree char  *text = NULL;
    g_autofree char  *maybe = NULL;
    SaldoUssdEncoding encoding = (SaldoUssdEncoding) 42;

    g_test_message ("case %s: '%s'", c->name, c->text);
    text = saldo_ussd_text_decode (c->text, -1, &encoding, &error);
    g_assert_null (text);
    g_assert_error (error, SALDO_USSD_TEXT_ERROR, SALDO_USSD_TEXT_ERROR_NOT_HEX);
    /* Untouched on failure. */
    g_assert_cmpint (encoding, ==, 42);

    maybe = saldo_ussd_text_maybe_decode (c->text);
    g_assert_cmpstr (maybe, ==, c->text);
    g_assert_true (maybe != c->text);
  }
}

static void
test_maybe_decode (void)
{
  g_autofree char *decoded = saldo_ussd_text_maybe_decode ("00530061006C0064006F");
  g_autofree char *kept = saldo_ussd_text_maybe_decode ("12345678");
  g_autofree char *gsm7 = saldo_ussd_text_maybe_decode ("D3309BFCD681A62F50CD258301");

  g_assert_cmpstr (decoded, ==, "Saldo");
  g_assert_cmpstr (kept, ==, "12345678");
  g_assert_cmpstr (gsm7, ==, "Saldo: S/ 5.20");
}

static void
test_explicit_length (void)
{
  static const char ucs2[] = "00530061006C0064006F";
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *exact = NULL;
  g_autofree char *heap = g_malloc (strlen (ucs2));
  g_autofree char *short_prefix = NULL;
  char             with_nul[16];

  /* Only the first 4 code units count. */
  prefix = saldo_ussd_text_decode (ucs2, 16, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (prefix, ==, "Sald");

  /* A buffer with no terminating NUL: ASan flags any read past len. */
  memcpy (heap, ucs2, strlen (ucs2));
  exact = saldo_ussd_text_decode (heap, (gssize) strlen (ucs2), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (exact, ==, "Saldo");

  short_prefix = saldo_ussd_text_decode (heap, 4, NULL, &error);
  g_assert_null (short_prefix);
  g_assert_error (error, SALDO_USSD_TEXT_ERROR, SALDO_USSD_TEXT_ERROR_NOT_HEX);
  g_clear_error (&error);

  /* An embedded NUL inside len is not hex. */
  memcpy (with_nul, ucs2, sizeof with_nul);
  with_nul[5] = '\0';
  g_assert_null (saldo_ussd_text_decode (with_nul, sizeof with_nul, NULL, &error));
  g_assert_error (error, SALDO_USSD_TEXT_ERROR, SALDO_USSD_TEXT_ERROR_NOT_HEX);
  g_clear_error (&error);

  g_assert_null (saldo_ussd_text_decode (NULL, 0, NULL, &error));
  g_assert_error (error, SALDO_USSD_TEXT_ERROR, SALDO_USSD_TEXT_ERROR_NOT_HEX);
}

static void
test_length_limit (void)
{
  g_autoptr(GString) hex = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *at_limit = NULL;
  g_autofree char *over_limit = NULL;

  while (hex->len < SALDO_USSD_TEXT_MAX_HEX_LEN)
    g_string_append (hex, "004F");
  at_limit = saldo_ussd_text_decode (hex->str, hex->len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (at_limit), ==, SALDO_USSD_TEXT_MAX_HEX_LEN / 4);
  g_assert_cmpuint (strspn (at_limit, "O"), ==, SALDO_USSD_TEXT_MAX_HEX_LEN / 4);

  g_string_append (hex, "004F");
  over_limit = saldo_ussd_text_decode (hex->str, hex->len, NULL, &error);
  g_assert_null (over_limit);
  g_assert_error (error, SALDO_USSD_TEXT_ERROR, SALDO_USSD_TEXT_ERROR_NOT_HEX);
}

static void
test_encoding_names (void)
{
  g_assert_cmpstr (saldo_ussd_encoding_to_string (SALDO_USSD_ENCODING_UCS2), ==, "ucs2");
  g_assert_cmpstr (saldo_ussd_encoding_to_string (SALDO_USSD_ENCODING_GSM7_PACKED), ==, "gsm7-packed");
  g_assert_cmpstr (saldo_ussd_encoding_to_string (SALDO_USSD_ENCODING_EIGHT_BIT), ==, "8bit");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ussd-text/decode", test_decode);
  g_test_add_func ("/ussd-text/keep", test_keep);
  g_test_add_func ("/ussd-text/maybe-decode", test_maybe_decode);
  g_test_add_func ("/ussd-text/explicit-length", test_explicit_length);
  g_test_add_func ("/ussd-text/length-limit", test_length_limit);
  g_test_add_func ("/ussd-text/encoding-names", test_encoding_names);

  return g_test_run ();
}
