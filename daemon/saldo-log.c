/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "saldo-log.h"

static GLogWriterOutput
saldo_log_writer (GLogLevelFlags log_level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  gboolean verbose = GPOINTER_TO_INT (user_data);

  /* --verbose shows g_info (); g_debug stays behind G_MESSAGES_DEBUG as in
   * every GLib program, so developer detail never floods a user's journal. */
  if (verbose && (log_level & G_LOG_LEVEL_INFO) != 0) {
    if (g_log_writer_is_journald (fileno (stderr)) &&
        g_log_writer_journald (log_level, fields, n_fields, NULL) == G_LOG_WRITER_HANDLED)
      return G_LOG_WRITER_HANDLED;
    return g_log_writer_standard_streams (log_level, fields, n_fields, NULL);
  }
  return g_log_writer_default (log_level, fields, n_fields, NULL);
}

void
saldo_log_setup (gboolean verbose)
{
  g_log_set_writer_func (saldo_log_writer, GINT_TO_POINTER (verbose), NULL);
}

/* ICCIDs identify a subscriber: logs carry only enough to tell lines apart. */
char *
saldo_redact_iccid (const char *iccid)
{
  gsize len;

  if (iccid == NULL || *iccid == '\0')
    return g_strdup ("(none)");
  len = strlen (iccid);
  if (len <= 4)
    return g_strdup ("…");
  return g_strdup_printf ("…%s", iccid + len - 4);
}

/* Matches the digits of `digits` at text[0], letting a single space, '-' or
 * '.' separate any two of them (carriers print PINs in groups).  Returns the
 * length of the match in text, 0 for none. */
static gsize
match_digits (const char *text, const char *digits)
{
  const char *t = text;

  for (const char *d = digits; *d != '\0'; d++) {
    if (d != digits && (*t == ' ' || *t == '-' || *t == '.') && t[1] == *d)
      t++;
    if (*t != *d)
      return 0;
    t++;
  }
  return (gsize) (t - text);
}

/* Every occurrence of the digit string `digits` in text, standing alone
 * (no digit right before or after it), replaced by `replacement`. */
char *
saldo_redact_digits (const char *text, const char *digits, const char *replacement)
{
  GString    *out;
  const char *p;

  if (text == NULL)
    return NULL;
  if (digits == NULL || *digits == '\0')
    return g_strdup (text);
  out = g_string_sized_new (strlen (text));
  for (p = text; *p != '\0';) {
    gsize len = (p == text || !g_ascii_isdigit (p[-1])) ? match_digits (p, digits) : 0;

    if (len > 0 && !g_ascii_isdigit (p[len])) {
      g_string_append (out, replacement);
      p += len;
    } else {
      g_string_append_c (out, *p++);
    }
  }
  return g_string_free (out, FALSE);
}

/* A secret (a voucher PIN) in text that goes to a log, the ledger or the
 * bus: masked by its exact value, however short it is. */
char *
saldo_redact_secret (const char *text, const char *secret)
{
  return saldo_redact_digits (text, secret, "…");
}

/* The line's ICCID in text, shortened as in every log line; also without
 * its Luhn digit, which some backends drop. */
char *
saldo_redact_iccid_in (const char *text, const char *iccid)
{
  g_autofree char *shown = saldo_redact_iccid (iccid);
  g_autofree char *full = saldo_redact_digits (text, iccid, shown);
  gsize            len = iccid != NULL ? strlen (iccid) : 0;
  g_autofree char *prefix = len >= 19 ? g_strndup (iccid, len - 1) : NULL;

  return prefix != NULL ? saldo_redact_digits (full, prefix, shown) : g_steal_pointer (&full);
}
