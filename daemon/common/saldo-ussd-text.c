/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * Decoder for USSD replies that ModemManager hands over still hex-encoded.
 * See saldo-ussd-text.h for the acceptance rules. Everything here is a
 * heuristic on untrusted network text, so each reading only ever produces
 * a candidate that has to pass a "looks like text" check, and anything
 * doubtful is left to the caller unchanged.
 */

#include <string.h>

#include "saldo-common-enums.h"
#include "saldo-enum.h"
#include "saldo-ussd-text.h"

G_DEFINE_QUARK (saldo - ussd - text - error - quark, saldo_ussd_text_error)

#define GSM7_ESC 0x1B
#define GSM7_CR  0x0D

/* 3GPP TS 23.038 §6.2.1, GSM 7-bit default alphabet, indexed by septet.
 * 0x1B is the escape to the extension table; it is never emitted. */
static const gunichar gsm7_default[128] = {
  /* 0x00 */ 0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,
  /* 0x08 */ 0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5,
  /* 0x10 */ 0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,
  /* 0x18 */ 0x03A3, 0x0398, 0x039E, 0x0020, 0x00C6, 0x00E6, 0x00DF, 0x00C9,
  /* 0x20 */ 0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027,
  /* 0x28 */ 0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,
  /* 0x30 */ 0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
  /* 0x38 */ 0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,
  /* 0x40 */ 0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
  /* 0x48 */ 0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,
  /* 0x50 */ 0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
  /* 0x58 */ 0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,
  /* 0x60 */ 0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
  /* 0x68 */ 0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,
  /* 0x70 */ 0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
  /* 0x78 */ 0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/* 3GPP TS 23.038 §6.2.1.1, default alphabet extension table: the septet
 * after ESC. Codes not listed fall back to the default alphabet (as the
 * spec tells a receiver to do) and are counted as unusual. */
static gunichar
gsm7_extension (guint8 septet)
{
  switch (septet) {
  case 0x0A:
    return 0x000A; /* form feed (page break): shown as a line break */
  case 0x14:
    return 0x005E; /* ^ */
  case 0x28:
    return 0x007B; /* { */
  case 0x29:
    return 0x007D; /* } */
  case 0x2F:
    return 0x005C; /* backslash */
  case 0x3C:
    return 0x005B; /* [ */
  case 0x3D:
    return 0x007E; /* ~ */
  case 0x3E:
    return 0x005D; /* ] */
  case 0x40:
    return 0x007C; /* | */
  case 0x65:
    return 0x20AC; /* € */
  default:
    return 0;
  }
}

/* Septets that are valid GSM7 but seldom appear in the replies we read:
 * Greek capitals, Nordic letters, £ ¥ ¤ § @ _ and the quote/comparison
 * signs. Random bytes unpacked as septets hit this set about one time in
 * four, real Spanish/Portuguese/English text a few times in a hundred. */
static gboolean
gsm7_is_unusual (guint8 septet)
{
  switch (septet) {
  case 0x00:
  case 0x01:
  case 0x03:
  case 0x0B:
  case 0x0C:
  case 0x0E:
  case 0x0F:
  case 0x10:
  case 0x11:
  case 0x12:
  case 0x13:
  case 0x14:
  case 0x15:
  case 0x16:
  case 0x17:
  case 0x18:
  case 0x19:
  case 0x1A:
  case 0x1C:
  case 0x1D:
  case 0x22:
  case 0x24:
  case 0x26:
  case 0x27:
  case 0x3C:
  case 0x3D:
  case 0x3E:
  case 0x5F:
    return TRUE;
  default:
    return FALSE;
  }
}

/* Replies longer than this that hold no space or line break are taken as
 * noise: words and URLs are shorter, random septets rarely give a space. */
#define GSM7_MAX_WORD 24

typedef struct {
  GString       *out;
  guint          n_chars;
  guint          n_unusual;
  guint          n_non_ascii;
  GUnicodeScript other_script; /* the one non-Latin script seen */
  gboolean       bad;
} TextCheck;

static void
text_check_init (TextCheck *check, gsize reserve)
{
  check->out = g_string_sized_new (reserve);
  check->n_chars = 0;
  check->n_unusual = 0;
  check->n_non_ascii = 0;
  check->other_script = G_UNICODE_SCRIPT_COMMON;
  check->bad = FALSE;
}

static void
text_check_clear (TextCheck *check)
{
  if (check->out != NULL)
    g_string_free (check->out, TRUE);
  check->out = NULL;
}

static GUnicodeScript
script_group (GUnicodeScript script)
{
  /* Chinese and Japanese text mix these freely. Hangul stays apart:
   * Korean replies do not mix in Han, while garbage mixes both. */
  switch (script) {
  case G_UNICODE_SCRIPT_HIRAGANA:
  case G_UNICODE_SCRIPT_KATAKANA:
  case G_UNICODE_SCRIPT_BOPOMOFO:
    return G_UNICODE_SCRIPT_HAN;
  default:
    return script;
  }
}

/* Characters that real text seldom holds but that random 16-bit units
 * often land on: rare Han (extension A, compatibility, radicals), Hangul
 * jamo, and symbol blocks (arrows, maths, box drawing, enclosed CJK,
 * Yijing, ...). Latin, the common scripts, general punctuation, currency,
 * CJK punctuation, kana, the common Han block, Hangul syllables, the
 * symbol/dingbat blocks used as emoji and full-width forms stay usual. */
static gboolean
is_rare_codepoint (gunichar c, GUnicodeScript script)
{
  switch (script) {
  case G_UNICODE_SCRIPT_HAN:
    return c < 0x4E00 || c > 0x9FFF;
  case G_UNICODE_SCRIPT_HANGUL:
    return c < 0xAC00 || c > 0xD7A3;
  case G_UNICODE_SCRIPT_COMMON:
  case G_UNICODE_SCRIPT_INHERITED:
    if (c < 0x2190 || (c >= 0x2600 && c <= 0x27BF))
      return FALSE;
    if (c >= 0x3000 && c <= 0x30FF)
      return FALSE;
    if ((c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xFF00 && c <= 0xFFEF))
      return FALSE;
    if (c >= 0x1F000 && c <= 0x1FAFF)
      return FALSE;
    return TRUE;
  case G_UNICODE_SCRIPT_BRAILLE:
  case G_UNICODE_SCRIPT_YI:
    return TRUE;
  default:
    return FALSE;
  }
}

static void
text_check_add (TextCheck *check, gunichar c)
{
  GUnicodeType   type;
  GUnicodeScript script;

  if (check->bad)
    return;

  check->n_chars++;
  if (c >= 0x80)
    check->n_non_ascii++;

  if (c == '\r' || c == '\n' || c == '\t') {
    g_string_append_c (check->out, (char) c);
    return;
  }

  if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE ||
      c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
    check->bad = TRUE;
    return;
  }

  type = g_unichar_type (c);
  script = g_unichar_get_script (c);
  if (type == G_UNICODE_UNASSIGNED || type == G_UNICODE_PRIVATE_USE || script == G_UNICODE_SCRIPT_UNKNOWN ||
      is_rare_codepoint (c, script))
    check->n_unusual++;

  /* Text in any one language uses Latin (digits, amounts, brand names)
   * plus at most one other script; bytes read in the wrong encoding jump
   * between Han, Hangul, Yi, Arabic, ... */
  script = script_group (script);
  if (script != G_UNICODE_SCRIPT_UNKNOWN && script != G_UNICODE_SCRIPT_COMMON &&
      script != G_UNICODE_SCRIPT_INHERITED && script != G_UNICODE_SCRIPT_LATIN) {
    if (check->other_script == G_UNICODE_SCRIPT_COMMON)
      check->other_script = script;
    else if (check->other_script != script)
      check->bad = TRUE;
  }

  g_string_append_unichar (check->out, c);
}

static gboolean
text_check_passes (const TextCheck *check)
{
  return !check->bad && check->n_chars > 0 && (gsize) check->n_unusual * 8 <= check->n_chars;
}

static char *
text_check_steal (TextCheck *check)
{
  char *str = g_string_free (check->out, FALSE);

  check->out = NULL;
  return str;
}

static char *
read_ucs2 (const guint8 *bytes, gsize n_bytes)
{
  TextCheck check;

  if (n_bytes % 2 != 0)
    return NULL;

  text_check_init (&check, n_bytes);
  for (gsize i = 0; i + 1 < n_bytes && !check.bad; i += 2) {
    gunichar unit = ((gunichar) bytes[i] << 8) | bytes[i + 1];

    if (unit >= 0xD800 && unit <= 0xDBFF) {
      gunichar low;

      if (i + 3 >= n_bytes) {
        check.bad = TRUE;
        break;
      }
      low = ((gunichar) bytes[i + 2] << 8) | bytes[i + 3];
      if (low < 0xDC00 || low > 0xDFFF) {
        check.bad = TRUE;
        break;
      }
      text_check_add (&check, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
      i += 2;
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      check.bad = TRUE;
    } else {
      text_check_add (&check, unit);
    }
  }

  if (!text_check_passes (&check)) {
    text_check_clear (&check);
    return NULL;
  }
  return text_check_steal (&check);
}

static guint8
gsm7_septet_at (const guint8 *bytes, gsize n_bytes, gsize index)
{
  gsize bit = index * 7;
  gsize byte = bit / 8;
  guint shift = bit % 8;
  guint value = bytes[byte] >> shift;

  /* A septet starting at bit 2 or later of an octet continues into the
   * next one; callers only ask for septets that fit in n_bytes. */
  if (shift > 1 && byte + 1 < n_bytes)
    value |= (guint) bytes[byte + 1] << (8 - shift);
  return value & 0x7F;
}

static char *
read_gsm7_packed (const guint8 *bytes, gsize n_bytes)
{
  TextCheck check;
  gsize     n_septets = n_bytes * 8 / 7;
  guint8    prev = 0;
  gsize     run = 0;

  /* §6.1.2.3.1: when the septets end exactly on an octet boundary, the last
   * one is padding (CR, or 0 = "@" from encoders that fill with zeros). */
  if (n_bytes % 7 == 0 && n_septets > 0) {
    guint8 last = gsm7_septet_at (bytes, n_bytes, n_septets - 1);

    if (last == GSM7_CR || last == 0x00)
      n_septets--;
  }

  text_check_init (&check, n_septets);
  for (gsize i = 0; i < n_septets && !check.bad; i++) {
    guint8 septet = gsm7_septet_at (bytes, n_bytes, i);

    if (septet == ' ' || septet == '\n' || septet == GSM7_CR)
      run = 0;
    else if (++run > GSM7_MAX_WORD)
      check.bad = TRUE;

    /* "aB" inside a word is rare in text (brand names aside) and common
     * in noise, where half the letters are capitals. GSM7 letters sit at
     * their ASCII code points. */
    if (g_ascii_isupper (septet) && g_ascii_islower (prev))
      check.n_unusual++;
    prev = septet;

    if (septet == GSM7_ESC) {
      guint8   next;
      gunichar ext;

      if (i + 1 >= n_septets) {
        /* Dangling escape: nothing to show. */
        check.n_unusual++;
        break;
      }
      next = gsm7_septet_at (bytes, n_bytes, ++i);
      ext = gsm7_extension (next);
      if (ext == 0 || next == 0x0A) {
        /* Unknown code (ESC ESC is the reserved second extension, shown as
         * a space by gsm7_default[0x1B]) or the form feed: both odd. */
        check.n_unusual++;
        if (ext == 0)
          ext = gsm7_default[next];
      }
      text_check_add (&check, ext);
      continue;
    }

    if (gsm7_is_unusual (septet))
      check.n_unusual++;
    text_check_add (&check, gsm7_default[septet]);
  }

  /* A third of random septets are accented letters or symbols; real text,
   * even in languages full of accents, stays mostly ASCII. */
  if (!text_check_passes (&check) || (gsize) check.n_non_ascii * 4 > check.n_chars) {
    text_check_clear (&check);
    return NULL;
  }
  return text_check_steal (&check);
}

static char *
read_eight_bit (const guint8 *bytes, gsize n_bytes)
{
  TextCheck check;
  gboolean  utf8 = g_utf8_validate_len ((const char *) bytes, n_bytes, NULL);

  text_check_init (&check, n_bytes * 2);
  if (utf8) {
    const char *p = (const char *) bytes;
    const char *end = p + n_bytes;

    for (; p < end && !check.bad; p = g_utf8_next_char (p))
      text_check_add (&check, g_utf8_get_char (p));
  } else {
    for (gsize i = 0; i < n_bytes && !check.bad; i++)
      text_check_add (&check, bytes[i]);
  }

  /* Latin-1 accepts any byte from 0xA0 up, so random bytes pass as text
   * unless we insist on mostly ASCII, which every Latin-1 language is.
   * Multi-byte UTF-8 is already unlikely by chance and may be all Cyrillic. */
  if (!text_check_passes (&check) || (!utf8 && (gsize) check.n_non_ascii * 4 > check.n_chars)) {
    text_check_clear (&check);
    return NULL;
  }
  return text_check_steal (&check);
}

/* "Plainly hex", minus the looks-like-text part; see the header. */
static GByteArray *
hex_to_bytes (const char *text, gsize len, GError **error)
{
  g_autoptr(GByteArray) bytes = NULL;
  gboolean all_digits = TRUE;

  if (len < SALDO_USSD_TEXT_MIN_HEX_LEN || len > SALDO_USSD_TEXT_MAX_HEX_LEN || len % 2 != 0) {
    g_set_error (error, SALDO_USSD_TEXT_ERROR, SALDO_USSD_TEXT_ERROR_NOT_HEX,
                 "Not hex: length %" G_GSIZE_FORMAT " is odd or outside %d..%d", len,
                 SALDO_USSD_TEXT_MIN_HEX_LEN, SALDO_USSD_TEXT_MAX_HEX_LEN);
    return NULL;
  }

  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isxdigit (text[i])) {
      g_set_error_literal (error, SALDO_USSD_TEXT_ERROR, SALDO_USSD_TEXT_ERROR_NOT_HEX,
                           "Not hex: contains a non-hex character");
      return NULL;
    }
    if (!g_ascii_isdigit (text[i]))
      all_digits = FALSE;
  }

  if (all_digits) {
    g_set_error_literal (error, SALDO_USSD_TEXT_ERROR, SALDO_USSD_TEXT_ERROR_NOT_HEX,
                         "Not decoded: digits only, ambiguous with a numeric reply");
    return NULL;
  }

  bytes = g_byte_array_sized_new ((guint) (len / 2));
  for (gsize i = 0; i < len; i += 2) {
    guint8 b = (guint8) ((g_ascii_xdigit_value (text[i]) << 4) | g_ascii_xdigit_value (text[i + 1]));

    g_byte_array_append (bytes, &b, 1);
  }
  return g_steal_pointer (&bytes);
}

char *
saldo_ussd_text_decode (const char *text, gssize len, SaldoUssdEncoding *encoding_out, GError **error)
{
  g_autoptr(GByteArray) bytes = NULL;
  g_autofree char *eight_bit = NULL;
  char            *decoded;
  gsize            n_hex;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n_hex = len < 0 ? strlen (text) : (gsize) len;
  bytes = hex_to_bytes (text, n_hex, error);
  if (bytes == NULL)
    return NULL;

  /* Needed first: it vetoes the UCS2 and GSM7 readings (see header). */
  eight_bit = read_eight_bit (bytes->data, bytes->len);

  if (eight_bit == NULL && n_hex % 4 == 0) {
    decoded = read_ucs2 (bytes->data, bytes->len);
    if (decoded != NULL) {
      if (encoding_out != NULL)
        *encoding_out = SALDO_USSD_ENCODING_UCS2;
      return decoded;
    }
  }

  if (eight_bit == NULL) {
    decoded = read_gsm7_packed (bytes->data, bytes->len);
    if (decoded != NULL) {
      if (encoding_out != NULL)
        *encoding_out = SALDO_USSD_ENCODING_GSM7_PACKED;
      return decoded;
    }
  }

  if (eight_bit != NULL) {
    if (encoding_out != NULL)
      *encoding_out = SALDO_USSD_ENCODING_EIGHT_BIT;
    return g_steal_pointer (&eight_bit);
  }

  g_set_error_literal (error, SALDO_USSD_TEXT_ERROR, SALDO_USSD_TEXT_ERROR_NOT_HEX,
                       "Not decoded: hex, but no UCS2, GSM 7-bit or 8-bit reading looks like text");
  return NULL;
}

char *
saldo_ussd_text_maybe_decode (const char *text)
{
  char *decoded;

  g_return_val_if_fail (text != NULL, NULL);

  decoded = saldo_ussd_text_decode (text, -1, NULL, NULL);
  return decoded != NULL ? decoded : g_strdup (text);
}

const char *
saldo_ussd_encoding_to_string (SaldoUssdEncoding encoding)
{
  const char *name = saldo_enum_to_string (SALDO_TYPE_USSD_ENCODING, encoding);

  return name != NULL ? name : "unknown";
}
