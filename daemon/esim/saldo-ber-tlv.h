/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SALDO_BER_ERROR (saldo_ber_error_quark ())

typedef enum {
  SALDO_BER_ERROR_TRUNCATED,         /* tag, length or value runs past the buffer */
  SALDO_BER_ERROR_BAD_TAG,           /* reserved, non-minimal or over-long tag */
  SALDO_BER_ERROR_INDEFINITE_LENGTH, /* 0x80 length octet */
  SALDO_BER_ERROR_BAD_LENGTH,        /* more than 4 length octets, reserved 0xFF */
  SALDO_BER_ERROR_TOO_DEEP,          /* nesting deeper than SALDO_BER_MAX_DEPTH */
  SALDO_BER_ERROR_TRAILING_DATA,     /* bytes after the single expected TLV */
} SaldoBerError;

/* Number of nesting levels accepted (the outermost TLV is level 0, so
 * levels 0..7). ES10c responses we read need 4; the rest leaves room for
 * extensions while bounding recursion in saldo_ber_validate(). */
#define SALDO_BER_MAX_DEPTH 8

/* Longest tag accepted, in bytes (first byte + 3 subsequent bytes, enough
 * for tag numbers up to 2^21 - 1; SGP.22 uses at most 2 bytes). */
#define SALDO_BER_MAX_TAG_BYTES 4

/* One decoded TLV. Pointers reference the caller's buffer; nothing is
 * allocated. @tag holds all identifier octets as a big-endian number, the
 * way SGP.22 writes tags (0x5A, 0x9F70, 0xBF2D); it includes the class and
 * constructed bits, so matching the full tag also checks the form. */
typedef struct {
  guint32       tag;
  gboolean      constructed;
  const guint8 *value;
  gsize         len;
  guint         depth;
} SaldoBerTlv;

/* Iterates over consecutive TLVs in a buffer (usually the value of a
 * constructed TLV). Stack-allocated, no allocation. */
typedef struct {
  const guint8 *pos;
  const guint8 *end;
  guint         depth;
} SaldoBerCursor;

GQuark saldo_ber_error_quark (void);

gboolean
         saldo_ber_read (const guint8 *data, gsize len, guint depth, SaldoBerTlv *tlv, gsize *consumed, GError **error);
gboolean saldo_ber_read_single (const guint8 *data, gsize len, SaldoBerTlv *tlv, GError **error);
gboolean saldo_ber_validate (const guint8 *data, gsize len, SaldoBerTlv *tlv, GError **error);

void     saldo_ber_cursor_init (SaldoBerCursor *cursor, const guint8 *data, gsize len, guint depth);
void     saldo_ber_cursor_init_children (SaldoBerCursor *cursor, const SaldoBerTlv *parent);
gboolean saldo_ber_cursor_done (const SaldoBerCursor *cursor);
gboolean saldo_ber_cursor_next (SaldoBerCursor *cursor, SaldoBerTlv *tlv, GError **error);

void saldo_ber_append (GByteArray *out, guint32 tag, const guint8 *value, gsize len);
void saldo_ber_append_tag (GByteArray *out, guint32 tag);
void saldo_ber_append_length (GByteArray *out, gsize len);

G_END_DECLS
