/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <string.h>

#include "saldo-client-format.h"
#include "saldo-money.h"

/* Inserts the locale's thousands separator into a run of digits, following
 * its grouping rule (POSIX: sizes from the right, the last one repeating,
 * CHAR_MAX ending the grouping). */
static void
append_grouped (GString *out, const char *digits, const char *separator, const char *grouping)
{
  gsize       len = strlen (digits);
  gboolean    cut[64] = { FALSE };
  const char *g = grouping;
  gsize       from_right = 0;
  int         size = 0;

  if (separator == NULL || *separator == '\0' || grouping == NULL || len >= G_N_ELEMENTS (cut)) {
    g_string_append (out, digits);
    return;
  }
  for (;;) {
    if (*g != '\0') {
      if (*g == CHAR_MAX)
        break;
      size = *g++;
    }
    if (size <= 0)
      break;
    from_right += (gsize) size;
    if (from_right >= len)
      break;
    cut[len - from_right] = TRUE;
  }
  for (gsize i = 0; i < len; i++) {
    if (cut[i])
      g_string_append (out, separator);
    g_string_append_c (out, digits[i]);
  }
}

/* The user's own currency is written as the locale writes it (S/ 20.00 in
 * es_PE); any other as the number and its ISO code (20.00 USD), never with
 * a symbol that could belong to several currencies. */
char *
saldo_client_format_money (gint64 minor, const char *currency)
{
  const struct lconv *lc = localeconv ();
  int                 digits = saldo_currency_minor_digits (currency);
  guint64             magnitude = minor < 0 ? (guint64) 0 - (guint64) minor : (guint64) minor;
  guint64             scale = 1;
  g_autofree char    *whole = NULL;
  g_autoptr(GString) number = g_string_new (NULL);
  const char *sign = minor < 0 ? (*lc->negative_sign != '\0' ? lc->negative_sign : "-") : "";
  gboolean    own;

  /* A currency without a known minor unit holds no amount we could write
   * right; the money module says so in its own words. */
  if (digits < 0)
    return saldo_money_format (minor, currency);
  for (int i = 0; i < digits; i++)
    scale *= 10;
  whole = g_strdup_printf ("%" G_GUINT64_FORMAT, magnitude / scale);
  append_grouped (number, whole, lc->mon_thousands_sep, lc->mon_grouping);
  if (digits > 0)
    g_string_append_printf (number, "%s%0*" G_GUINT64_FORMAT,
                            *lc->mon_decimal_point != '\0' ? lc->mon_decimal_point : ".", digits,
                            magnitude % scale);

  own = currency != NULL && strlen (currency) == 3 && *lc->currency_symbol != '\0' &&
        strncmp (lc->int_curr_symbol, currency, 3) == 0;
  if (own) {
    gboolean    precedes = (minor < 0 ? lc->n_cs_precedes : lc->p_cs_precedes) == 1;
    const char *space = (minor < 0 ? lc->n_sep_by_space : lc->p_sep_by_space) == 1 ? " " : "";

    if (precedes)
      return g_strdup_printf ("%s%s%s%s", sign, lc->currency_symbol, space, number->str);
    return g_strdup_printf ("%s%s%s%s", sign, number->str, space, lc->currency_symbol);
  }
  if (currency == NULL || *currency == '\0')
    return g_strdup_printf ("%s%s", sign, number->str);
  return g_strdup_printf ("%s%s %s", sign, number->str, currency);
}

static gboolean
time_locale_is_c (void)
{
  const char *name = setlocale (LC_TIME, NULL);

  return name == NULL || g_str_equal (name, "C") || g_str_equal (name, "POSIX") ||
         g_str_has_prefix (name, "C.");
}

/* The locale's date order with a four-digit year (30/12/2026 in es_PE,
 * 12/30/2026 in en_US); ISO 8601 in the C locale. */
static char *
date_format (void)
{
  g_autoptr(GString) format = NULL;

  if (time_locale_is_c ())
    return g_strdup ("%Y-%m-%d");
  format = g_string_new (nl_langinfo (D_FMT));
  g_string_replace (format, "%y", "%Y", 0);
  return g_string_free (g_steal_pointer (&format), FALSE);
}

/* A calendar day (an expiry date): saldod stores it as midnight UTC. */
char *
saldo_client_format_date (guint64 unix_seconds)
{
  g_autoptr(GDateTime)
               dt = g_date_time_new_from_unix_utc ((gint64) MIN (unix_seconds, (guint64) G_MAXINT64));
  g_autofree char *format = date_format ();

  return dt != NULL ? g_date_time_format (dt, format) : g_strdup ("");
}

/* The local day of a moment (when a line runs out, or is cut). */
char *
saldo_client_format_day (guint64 unix_seconds)
{
  g_autoptr(GDateTime)
               dt = g_date_time_new_from_unix_local ((gint64) MIN (unix_seconds, (guint64) G_MAXINT64));
  g_autofree char *format = date_format ();

  return dt != NULL ? g_date_time_format (dt, format) : g_strdup ("");
}

/* A moment (a reading, a top-up): the local date and time. */
char *
saldo_client_format_time (guint64 unix_seconds)
{
  g_autoptr(GDateTime)
               dt = g_date_time_new_from_unix_local ((gint64) MIN (unix_seconds, (guint64) G_MAXINT64));
  g_autofree char *format = date_format ();
  g_autofree char *with_time = g_strconcat (format, " %H:%M", NULL);

  return dt != NULL ? g_date_time_format (dt, with_time) : g_strdup ("");
}

char *
saldo_client_format_bytes (guint64 bytes)
{
  /* Binary units, as carriers' "MB" are read by the balance parser. */
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

/* Text from a carrier, the network or an eUICC, shown to a person: valid
 * UTF-8 on one line, without control or format characters (which could
 * move a terminal's cursor or reverse the text's direction), at most
 * max_chars characters. */
char *
saldo_client_safe_text (const char *text, gsize max_chars)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  g_autoptr(GString) out = g_string_new (NULL);
  gsize n = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar     c = g_utf8_get_char (p);
    GUnicodeType type = g_unichar_type (c);

    if (type == G_UNICODE_CONTROL || type == G_UNICODE_FORMAT || type == G_UNICODE_LINE_SEPARATOR ||
        type == G_UNICODE_PARAGRAPH_SEPARATOR)
      c = ' ';
    if (c == ' ' && (out->len == 0 || out->str[out->len - 1] == ' '))
      continue;
    if (n == max_chars) {
      g_string_append (out, "…");
      break;
    }
    g_string_append_unichar (out, c);
    n++;
  }
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gint64
saldo_client_path_number (const char *object_path)
{
  const char *slash = object_path != NULL ? strrchr (object_path, '/') : NULL;

  return slash != NULL ? g_ascii_strtoll (slash + 1, NULL, 10) : 0;
}

/* "Claro PE (…0011) · wwan0": the name people know the line by, the last
 * digits of its ICCID to tell two SIMs of one carrier apart, and where
 * NetworkManager has its modem. */
char *
saldo_client_line_label (SaldoDBusLine *line)
{
  const char *candidates[] = {
    saldo_dbus_line_get_profile_nickname (line),
    saldo_dbus_line_get_operator_name (line),
    saldo_dbus_line_get_service_provider (line),
    saldo_dbus_line_get_carrier (line),
  };
  const char *iccid = saldo_dbus_line_get_iccid (line);
  const char *interface = saldo_dbus_line_get_network_interface (line);
  const char *network =
    interface != NULL && *interface != '\0' ? interface : saldo_dbus_line_get_network_device (line);
  g_autofree char *name = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (candidates) && name == NULL; i++) {
    if (candidates[i] != NULL && *candidates[i] != '\0')
      name = saldo_client_safe_text (candidates[i], 40);
    if (name != NULL && *name == '\0')
      g_clear_pointer (&name, g_free);
  }
  if (name == NULL) {
    g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT,
                                               saldo_client_path_number (
                                                 g_dbus_proxy_get_object_path (G_DBUS_PROXY (line))));

    /* TRANSLATORS: a line without a name; %s is its number. */
    name = g_strdup_printf (_ ("line %s"), number);
  }
  if (iccid != NULL && strlen (iccid) >= 4) {
    char *with_iccid = g_strdup_printf ("%s (…%s)", name, iccid + strlen (iccid) - 4);

    g_free (name);
    name = with_iccid;
  }
  /* Where NetworkManager has the modem: its interface while connected
   * ("wwan0"), else the device ("cdc-wdm0"). */
  if (network != NULL && *network != '\0') {
    g_autofree char *device = saldo_client_safe_text (network, 20);

    if (*device != '\0')
      return g_strdup_printf ("%s · %s", name, device);
  }
  return g_steal_pointer (&name);
}
