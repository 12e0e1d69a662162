/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "saldo-money.h"
#include "saldoctl-output.h"

/* Bidirectional controls reorder what a terminal shows: a name could
 * display as something it is not. */
static gboolean
is_bidi_control (gunichar c)
{
  return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
         (c >= 0x2066 && c <= 0x2069);
}

/* Text from the network, a SIM, an eUICC or a provider, made safe for a
 * terminal: control characters (C0, DEL, C1) and bidirectional controls
 * are shown as escapes, so nothing can move the cursor, retitle the
 * window, recolour what follows or fake a line.  C0 becomes \xNN (never
 * in JSON, which escapes it itself), the others \uNNNN, which JSON reads
 * back as the same character. */
static char *
escape_text (const char *text, gboolean keep_lines)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString         *out = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (keep_lines && (c == '\n' || c == '\t'))
      g_string_append_c (out, (char) c);
    else if (c == '\n')
      g_string_append (out, "\\n");
    else if (c == '\t')
      g_string_append (out, "\\t");
    else if (c == '\r')
      g_string_append (out, "\\r");
    else if (c < 0x20)
      g_string_append_printf (out, "\\x%02x", c);
    else if (g_unichar_iscntrl (c) || is_bidi_control (c))
      g_string_append_printf (out, "\\u%04x", c);
    else
      g_string_append_unichar (out, c);
  }
  return g_string_free (out, FALSE);
}

/* One field of human output: one line, every control character escaped. */
char *
saldoctl_escape (const char *text)
{
  return escape_text (text, FALSE);
}

/* Whole lines or documents: newlines and tabs kept, every other control
 * character escaped (JSON stays valid: see escape_text ()). */
char *
saldoctl_escape_lines (const char *text)
{
  return escape_text (text, TRUE);
}

/* Everything saldoctl prints passes here (g_print, g_printerr): whatever a
 * field missed, no control sequence reaches the terminal. */
static void
print_safely (FILE *stream, const char *string)
{
  g_autofree char *safe = saldoctl_escape_lines (string);
  g_autofree char *local = NULL;
  const char      *charset;

  if (!g_get_console_charset (&charset))
    local = g_convert_with_fallback (safe, -1, charset, "UTF-8", "?", NULL, NULL, NULL);
  fputs (local != NULL ? local : safe, stream);
  fflush (stream);
}

static void
on_print (const char *string)
{
  print_safely (stdout, string);
}

static void
on_printerr (const char *string)
{
  print_safely (stderr, string);
}

void
saldoctl_output_init (void)
{
  g_set_print_handler (on_print);
  g_set_printerr_handler (on_printerr);
}

void
saldoctl_json_add_string (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

void
saldoctl_print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* Reports an error and returns the exit status.  Remote errors keep their
 * D-Bus name, so scripts can tell "saldod not running" from "invalid input". */
int
saldoctl_fail (gboolean json, const GError *error)
{
  g_autoptr(GError) copy = g_error_copy (error);
  g_autofree char *name = NULL;

  if (g_dbus_error_is_remote_error (copy)) {
    name = g_dbus_error_get_remote_error (copy);
    /* Drop the "GDBus.Error:name: " prefix from the text shown to people. */
    g_dbus_error_strip_remote_error (copy);
  } else if (copy->domain == G_OPTION_ERROR) {
    name = g_strdup ("io.github.saldo.Saldo1.Error.InvalidArgument");
  } else if (copy->domain == G_DBUS_ERROR) {
    name = g_dbus_error_encode_gerror (copy);
  } else {
    name = g_strdup ("io.github.saldo.Saldo1.Error.Failed");
  }

  if (json) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();
    g_autoptr(JsonGenerator) generator = json_generator_new ();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL;

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "error");
    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "name");
    json_builder_add_string_value (builder, name);
    json_builder_set_member_name (builder, "message");
    json_builder_add_string_value (builder, copy->message);
    json_builder_end_object (builder);
    json_builder_end_object (builder);
    root = json_builder_get_root (builder);
    json_generator_set_root (generator, root);
    text = json_generator_to_data (generator, NULL);
    g_printerr ("%s\n", text);
  } else {
    g_printerr ("saldoctl: %s\n", copy->message);
  }
  return EXIT_FAILURE;
}

/* One table row: every cell but the last padded to its width in characters
 * (not bytes: "LÍNEA" and "Claro Perú" line up with ASCII text). */
void
saldoctl_print_row (const int *widths, guint n_cells, ...)
{
  g_autoptr(GString) row = g_string_new (NULL);
  va_list args;

  va_start (args, n_cells);
  for (guint i = 0; i < n_cells; i++) {
    const char *cell = va_arg (args, const char *);
    glong       len = g_utf8_strlen (cell != NULL ? cell : "", -1);

    g_string_append (row, cell != NULL ? cell : "");
    if (i + 1 < n_cells) {
      for (glong pad = len; pad < widths[i]; pad++)
        g_string_append_c (row, ' ');
      g_string_append_c (row, ' ');
    }
  }
  va_end (args);
  g_print ("%s\n", row->str);
}

/* Widens each column to fit its heading, whatever its language. */
void
saldoctl_fit_headings (int *widths, guint n_widths, const char **headings)
{
  for (guint i = 0; i < n_widths && headings[i] != NULL; i++)
    widths[i] = MAX (widths[i], (int) g_utf8_strlen (headings[i], -1));
}

/* "12.50" for PEN; without a known currency the exponent is unknown, so
 * the count of minor units is shown as what it is rather than guessed. */
char *
saldoctl_format_money (gint64 minor, const char *currency)
{
  char *decimal = saldo_money_to_decimal (minor, currency);

  return decimal != NULL ? decimal : g_strdup_printf ("%" G_GINT64_FORMAT " minor units", minor);
}

char *
saldoctl_format_date (guint64 unix_seconds)
{
  g_autoptr(GDateTime)
               dt = g_date_time_new_from_unix_utc ((gint64) MIN (unix_seconds, (guint64) G_MAXINT64));

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d") : g_strdup ("");
}

/* "  label: value", one of a block of such lines whose values line up after
 * the widest of its labels (NULL-terminated, translated: their width is the
 * language's). */
void
saldoctl_print_field (const char *const *labels, const char *label, const char *value)
{
  int width = 0;

  for (guint i = 0; labels[i] != NULL; i++)
    width = MAX (width, (int) g_utf8_strlen (labels[i], -1));
  g_print ("  ");
  saldoctl_print_row (&width, 2, label, value);
}
