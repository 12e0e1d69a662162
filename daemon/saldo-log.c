/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>

#include "saldo-log.h"

static GLogWriterOutput
saldo_log_writer (GLogLevelFlags   log_level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
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
