/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * A small, strict BER-TLV reader/writer for the ES10c data the eUICC sends.
 *
 * Why not libtasn1: its schema language has no AUTOMATIC TAGS and no
 * IMPORTS (documented limitations in its manual, 4.19 "ASN.1 syntax"), while
 * SGP.22 RSPDefinitions is an AUTOMATIC TAGS module importing PKIX types, and
 * its decoder rejects members it does not know, so the extensible SEQUENCEs
 * (ProfileInfo gains fields in every SGP.22 release) would break on newer
 * cards. Rewriting the module by hand with explicit tags would still need a
 * generated C array and would be as much code as this reader, with a less
 * predictable failure surface. We only need a few fields, so we walk the TLVs.
 *
 * What is rejected, and why:
 *  - first tag octet 00 or FF (invalid per ISO 7816-4 5.2.2.1; 00 is also
 *    BER end-of-contents, which only appears with indefinite lengths);
 *  - multi-byte tags that are non-minimal (first subsequent octet 80) or that
 *    encode a number below 31 (X.690 8.1.2.4 forbids both even in BER), or
 *    longer than SALDO_BER_MAX_TAG_BYTES;
 *  - indefinite lengths (80), more than 4 length octets, reserved FF;
 *  - lengths running past the buffer, truncated tags/lengths;
 *  - nesting of SALDO_BER_MAX_DEPTH levels or more;
 *  - trailing bytes where exactly one TLV is expected.
 * Non-minimal long-form lengths (e.g. 81 05) are accepted: BER allows them
 * (X.690 8.1.3.2), the value is unambiguous, and refusing them would only
 * make us fail on a card that is otherwise readable.
 */

#include "saldo-ber-tlv.h"

G_DEFINE_QUARK (saldo - ber - error - quark, saldo_ber_error)

gboolean
saldo_ber_read (const guint8 *data, gsize len, guint depth, SaldoBerTlv *tlv, gsize *consumed, GError **error)
{
  gsize   i = 0;
  guint32 tag;
  gsize   vlen;
  guint8  l0;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (tlv != NULL, FALSE);

  if (depth >= SALDO_BER_MAX_DEPTH) {
    g_set_error (error, SALDO_BER_ERROR, SALDO_BER_ERROR_TOO_DEEP, "BER-TLV nested deeper than %u levels",
                 SALDO_BER_MAX_DEPTH);
    return FALSE;
  }

  if (len == 0) {
    g_set_error_literal (error, SALDO_BER_ERROR, SALDO_BER_ERROR_TRUNCATED, "BER-TLV truncated: missing tag");
    return FALSE;
  }

  tag = data[i++];
  if (tag == 0x00 || tag == 0xFF) {
    g_set_error (error, SALDO_BER_ERROR, SALDO_BER_ERROR_BAD_TAG, "Invalid BER-TLV tag byte %02X", tag);
    return FALSE;
  }

  if ((tag & 0x1F) == 0x1F) {
    for (;;) {
      guint8 b;

      if (i >= len) {
        g_set_error_literal (error, SALDO_BER_ERROR, SALDO_BER_ERROR_TRUNCATED,
                             "BER-TLV truncated inside a multi-byte tag");
        return FALSE;
      }
      b = data[i++];
      if (i == 2 && b == 0x80) {
        g_set_error_literal (error, SALDO_BER_ERROR, SALDO_BER_ERROR_BAD_TAG,
                             "Non-minimal BER-TLV tag (leading zero bits)");
        return FALSE;
      }
      if (i == 2 && b < 0x1F) {
        g_set_error (error, SALDO_BER_ERROR, SALDO_BER_ERROR_BAD_TAG,
                     "BER-TLV tag number %u must use the one-byte form", b);
        return FALSE;
      }
      tag = (tag << 8) | b;
      if ((b & 0x80) == 0)
        break;
      if (i >= SALDO_BER_MAX_TAG_BYTES) {
        g_set_error (error, SALDO_BER_ERROR, SALDO_BER_ERROR_BAD_TAG, "BER-TLV tag longer than %u bytes",
                     SALDO_BER_MAX_TAG_BYTES);
        return FALSE;
      }
    }
  }

  if (i >= len) {
    g_set_error (error, SALDO_BER_ERROR, SALDO_BER_ERROR_TRUNCATED, "BER-TLV truncated: tag %X has no length",
                 tag);
    return FALSE;
  }

  l0 = data[i++];
  if (l0 < 0x80) {
    vlen = l0;
  } else if (l0 == 0x80) {
    g_set_error (error, SALDO_BER_ERROR, SALDO_BER_ERROR_INDEFINITE_LENGTH,
                 "BER-TLV tag %X uses an indefinite length", tag);
    return FALSE;
  } else {
    guint n = l0 & 0x7F;

    if (n > 4) {
      g_set_error (error, SALDO_BER_ERROR, SALDO_BER_ERROR_BAD_LENGTH,
                   "BER-TLV tag %X has %u length bytes (at most 4 allowed)", tag, n);
      return FALSE;
    }
    if (len - i < n) {
      g_set_error (error, SALDO_BER_ERROR, SALDO_BER_ERROR_TRUNCATED,
                   "BER-TLV truncated inside the length of tag %X", tag);
      return FALSE;
    }
    vlen = 0;
    for (guint k = 0; k < n; k++)
      vlen = (vlen << 8) | data[i++];
  }

  if (vlen > len - i) {
    g_set_error (error, SALDO_BER_ERROR, SALDO_BER_ERROR_TRUNCATED,
                 "BER-TLV tag %X claims %" G_GSIZE_FORMAT " bytes but only %" G_GSIZE_FORMAT " remain", tag,
                 vlen, len - i);
    return FALSE;
  }

  tlv->tag = tag;
  /* Bit 6 of the first identifier octet marks a constructed encoding. */
  tlv->constructed = (data[0] & 0x20) != 0;
  tlv->value = data + i;
  tlv->len = vlen;
  tlv->depth = depth;
  if (consumed != NULL)
    *consumed = i + vlen;
  return TRUE;
}

/* Exactly one TLV covering the whole buffer: responses are a single
 * top-level object and anything after it means we misread the framing. */
gboolean
saldo_ber_read_single (const guint8 *data, gsize len, SaldoBerTlv *tlv, GError **error)
{
  gsize consumed = 0;

  if (!saldo_ber_read (data, len, 0, tlv, &consumed, error))
    return FALSE;
  if (consumed != len) {
    g_set_error (error, SALDO_BER_ERROR, SALDO_BER_ERROR_TRAILING_DATA,
                 "%" G_GSIZE_FORMAT " unexpected bytes after BER-TLV tag %X", len - consumed, tlv->tag);
    return FALSE;
  }
  return TRUE;
}

static gboolean
saldo_ber_validate_children (const SaldoBerTlv *parent, GError **error)
{
  SaldoBerCursor cursor;

  saldo_ber_cursor_init_children (&cursor, parent);
  while (!saldo_ber_cursor_done (&cursor)) {
    SaldoBerTlv child;

    if (!saldo_ber_cursor_next (&cursor, &child, error))
      return FALSE;
    /* Recursion is bounded: saldo_ber_read() refuses depth >= MAX_DEPTH. */
    if (child.constructed && !saldo_ber_validate_children (&child, error))
      return FALSE;
  }
  return TRUE;
}

/* Checks the whole tree once, so decoders can skip unknown constructed
 * members without looking inside and still never accept garbage. */
gboolean
saldo_ber_validate (const guint8 *data, gsize len, SaldoBerTlv *tlv, GError **error)
{
  SaldoBerTlv top;

  if (!saldo_ber_read_single (data, len, &top, error))
    return FALSE;
  if (top.constructed && !saldo_ber_validate_children (&top, error))
    return FALSE;
  if (tlv != NULL)
    *tlv = top;
  return TRUE;
}

void
saldo_ber_cursor_init (SaldoBerCursor *cursor, const guint8 *data, gsize len, guint depth)
{
  g_return_if_fail (cursor != NULL);
  g_return_if_fail (data != NULL || len == 0);

  cursor->pos = data;
  cursor->end = data != NULL ? data + len : NULL;
  cursor->depth = depth;
}

void
saldo_ber_cursor_init_children (SaldoBerCursor *cursor, const SaldoBerTlv *parent)
{
  g_return_if_fail (parent != NULL);

  saldo_ber_cursor_init (cursor, parent->value, parent->len, parent->depth + 1);
}

gboolean
saldo_ber_cursor_done (const SaldoBerCursor *cursor)
{
  g_return_val_if_fail (cursor != NULL, TRUE);

  return cursor->pos == cursor->end;
}

gboolean
saldo_ber_cursor_next (SaldoBerCursor *cursor, SaldoBerTlv *tlv, GError **error)
{
  gsize consumed = 0;

  g_return_val_if_fail (cursor != NULL, FALSE);

  if (!saldo_ber_read (cursor->pos, (gsize) (cursor->end - cursor->pos), cursor->depth, tlv, &consumed,
                       error)) {
    /* Stay failed: a cursor that hit garbage must not resync mid-value. */
    cursor->pos = cursor->end;
    return FALSE;
  }
  cursor->pos += consumed;
  return TRUE;
}

void
saldo_ber_append_tag (GByteArray *out, guint32 tag)
{
  gboolean started = FALSE;

  g_return_if_fail (out != NULL);
  g_return_if_fail (tag != 0);

  for (gint shift = 24; shift >= 0; shift -= 8) {
    guint8 b = (tag >> shift) & 0xFF;

    if (b == 0 && !started)
      continue;
    started = TRUE;
    g_byte_array_append (out, &b, 1);
  }
}

/* Always the minimal (DER) length form. */
void
saldo_ber_append_length (GByteArray *out, gsize len)
{
  guint8 buf[5];
  guint  n = 0;

  g_return_if_fail (out != NULL);
  g_return_if_fail (len <= G_MAXUINT32);

  if (len < 0x80) {
    buf[0] = (guint8) len;
    g_byte_array_append (out, buf, 1);
    return;
  }
  for (gsize v = len; v > 0; v >>= 8)
    n++;
  buf[0] = 0x80 | n;
  for (guint k = 0; k < n; k++)
    buf[1 + k] = (len >> (8 * (n - 1 - k))) & 0xFF;
  g_byte_array_append (out, buf, 1 + n);
}

void
saldo_ber_append (GByteArray *out, guint32 tag, const guint8 *value, gsize len)
{
  g_return_if_fail (value != NULL || len == 0);

  saldo_ber_append_tag (out, tag);
  saldo_ber_append_length (out, len);
  if (len > 0)
    g_byte_array_append (out, value, len);
}
