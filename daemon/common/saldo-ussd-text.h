/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Recovers USSD replies that reach us still hex-encoded.
 *
 * ModemManager 1.20 selects UCS2 with +CSCS, hex-decodes replies with that
 * charset, ignores the DCS and passes anything that does not look like hex
 * through unchanged. So a reply can arrive as UCS2 hex, GSM 7-bit packed hex
 * (Huawei style) or 8-bit hex, and a genuine reply can itself look like hex.
 *
 * The input is decoded only when it is "plainly hex":
 *  - even length, at least SALDO_USSD_TEXT_MIN_HEX_LEN characters (and no
 *    more than SALDO_USSD_TEXT_MAX_HEX_LEN, far beyond any USSD reply),
 *    only [0-9A-Fa-f] (either case; no spaces, no 0x prefix);
 *  - NOT made of decimal digits only: a numeric reply such as "12345678" or
 *    "0051999888777" (a balance, a PIN, a phone number) is ambiguous and is
 *    always kept as it came;
 *  - and one reading of the bytes looks like text. Readings are tried in
 *    the order UCS2, GSM 7-bit packed, 8-bit; the first that looks like
 *    text wins:
 *      UCS2:  only when the length is a multiple of 4; valid UTF-16BE
 *             (surrogate pairs combined, lone surrogates rejected), no
 *             control characters but CR/LF/TAB, no noncharacters, at most
 *             1 in 8 unassigned/private-use, and at most one script
 *             besides Latin (Han/Kana/Hangul/Bopomofo count as one);
 *      GSM7:  3GPP TS 23.038 default alphabet and its extension table
 *             (ESC + 0x65 = €); the trailing CR padding (or zero "@" fill)
 *             of a message ending on an octet boundary is dropped
 *             (§6.1.2.3.1); at most 1 in 8 characters rarely seen in text
 *             (Greek capitals, Nordic letters, @ £ ¥ ¤ § _ " ' & < = >,
 *             unknown or dangling escapes, a capital right after a small
 *             letter), at most 1 in 4 outside ASCII, and no run of more
 *             than 24 characters without a space or line break;
 *      8-bit: UTF-8 when the bytes are valid UTF-8, else Latin-1; printable
 *             only (CR/LF/TAB allowed) and at most 1 in 4 characters
 *             outside ASCII.
 *    A UCS2 or GSM7 reading is refused when the 8-bit reading looks like
 *    text: real UCS2 or packed GSM7 text practically never yields mostly
 *    printable ASCII bytes, while 8-bit text read as UCS2 gives plausible
 *    CJK ("53616C646F" would otherwise become Han ideographs).
 *
 * This is a heuristic. Short inputs are the weak spot: a reply that is a
 * genuine 4-byte hex-looking token ("CAFEBABE") can still read as text,
 * and two CJK characters whose UCS2 bytes are all printable ASCII read
 * as 8-bit. Longer inputs are told apart reliably.
 */

#define SALDO_USSD_TEXT_MIN_HEX_LEN 8
#define SALDO_USSD_TEXT_MAX_HEX_LEN 65536

#define SALDO_USSD_TEXT_ERROR (saldo_ussd_text_error_quark ())

typedef enum {
  SALDO_USSD_TEXT_ERROR_NOT_HEX, /* not plainly hex: keep the text as it came */
} SaldoUssdTextError;

typedef enum {
  SALDO_USSD_ENCODING_UCS2,
  SALDO_USSD_ENCODING_GSM7_PACKED,
  SALDO_USSD_ENCODING_EIGHT_BIT, /*< nick=8bit >*/
} SaldoUssdEncoding;

GQuark      saldo_ussd_text_error_quark (void);
const char *saldo_ussd_encoding_to_string (SaldoUssdEncoding encoding);

char *saldo_ussd_text_decode (const char *text, gssize len, SaldoUssdEncoding *encoding_out, GError **error);
char *saldo_ussd_text_maybe_decode (const char *text);

G_END_DECLS
