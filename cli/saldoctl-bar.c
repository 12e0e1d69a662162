/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "saldo-client-format.h"
#include "saldoctl.h"
#include "saldoctl-output.h"

/* What status bars read: waybar and i3blocks custom modules one JSON object
 * a line ({"text", "tooltip", "class", "alt"}), polybar plain text.  saldod
 * away is a state a bar shows (class "unavailable"), not a failure. */

#define EXPIRY_WARNING_DAYS 3

/* Worst first: the class a bar styles is the most urgent one. */
static const char *const bar_classes[] = { "unavailable", "confirm", "low", "expiring", "unknown", "ok" };
enum {
  BAR_UNAVAILABLE,
  BAR_CONFIRM,
  BAR_LOW,
  BAR_EXPIRING,
  BAR_UNKNOWN,
  BAR_OK
};

gboolean
saldoctl_bar_format_parse (const char *text, SaldoCtlBarFormat *out, GError **error)
{
  if (g_strcmp0 (text, "waybar") == 0)
    *out = SALDOCTL_BAR_WAYBAR;
  else if (g_strcmp0 (text, "text") == 0)
    *out = SALDOCTL_BAR_TEXT;
  else {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("--format: '%s' is not waybar or text"),
                 text != NULL ? text : "");
    return FALSE;
  }
  return TRUE;
}

static gboolean
below_a_threshold (GList *objects, SaldoDBusLine *line)
{
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (line));

  for (GList *l = objects; l != NULL; l = l->next) {
    g_autoptr(SaldoDBusRule) rule = saldo_dbus_object_get_rule (SALDO_DBUS_OBJECT (l->data));

    if (rule != NULL && saldo_dbus_rule_get_enabled (rule) &&
        g_strcmp0 (saldo_dbus_rule_get_line (rule), path) == 0 &&
        g_strcmp0 (saldo_dbus_rule_get_kind (rule), "threshold") == 0 &&
        saldo_dbus_line_get_balance (line) < saldo_dbus_rule_get_below (rule))
      return TRUE;
  }
  return FALSE;
}

/* The ids of top-ups waiting for the owner's answer, oldest first. */
static GPtrArray *
pending_ids (SaldoCtl *ctl)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GVariant) rows = NULL;
  GVariantDict options;

  g_variant_dict_init (&options, NULL);
  if (!saldo_dbus_manager_call_get_top_ups_sync (ctl->manager, g_variant_dict_end (&options),
                                                 G_DBUS_CALL_FLAGS_NONE, -1, &rows, NULL, NULL))
    return ids;
  for (gsize i = g_variant_n_children (rows); i-- > 0;) {
    g_autoptr(GVariant) row = g_variant_get_child_value (rows, i);
    const char *state = NULL, *id = NULL;

    if (g_variant_lookup (row, "state", "&s", &state) && g_str_equal (state, "planned") &&
        g_variant_lookup (row, "id", "&s", &id))
      g_ptr_array_add (ids, g_strdup (id));
  }
  return ids;
}

/* One line of a status bar's input, without the newline. */
char *
saldoctl_bar_render (SaldoCtl *ctl, SaldoCtlBarFormat format)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) tooltip = g_string_new (NULL);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  guint state = BAR_OK;

  if (ctl->manager == NULL) {
    state = BAR_UNAVAILABLE;
    g_string_append (tooltip, _ ("saldod is not running"));
  } else {
    g_autoptr(GPtrArray) lines = saldoctl_get_lines (ctl);
    g_autoptr(GPtrArray) pending = pending_ids (ctl);
    g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (ctl->object_manager);
    gint64 now = g_get_real_time () / G_USEC_PER_SEC;

    for (guint i = 0; i < lines->len; i++) {
      SaldoDBusLine   *line = lines->pdata[i];
      g_autofree char *label = NULL;
      g_autofree char *money = NULL;
      guint64          expiry = saldo_dbus_line_get_expiry (line);

      if (!saldo_dbus_line_get_active (line))
        continue;
      label = saldo_client_line_label (line);
      if (tooltip->len > 0)
        g_string_append_c (tooltip, '\n');
      if (text->len > 0)
        g_string_append (text, " · ");
      if (saldo_dbus_line_get_last_updated (line) == 0) {
        g_string_append (text, "?");
        /* TRANSLATORS: a tooltip line: "Claro PE (…0011): never read" */
        g_string_append_printf (tooltip, _ ("%s: never read"), label);
        state = MIN (state, BAR_UNKNOWN);
        continue;
      }
      money = saldo_client_format_money (saldo_dbus_line_get_balance (line),
                                         saldo_dbus_line_get_currency (line));
      g_string_append (text, money);
      g_string_append_printf (tooltip, "%s: %s", label, money);
      if (expiry != 0) {
        g_autofree char *date = saldo_client_format_date (expiry);

        /* TRANSLATORS: follows a balance in a tooltip: ", expires 30/12/2026" */
        g_string_append_printf (tooltip, _ (", expires %s"), date);
        if ((gint64) expiry - now <= EXPIRY_WARNING_DAYS * 86400)
          state = MIN (state, BAR_EXPIRING);
      }
      if (*saldo_dbus_line_get_last_error (line) != '\0') {
        g_autofree char *why = saldo_client_safe_text (saldo_dbus_line_get_last_error (line), 80);

        /* TRANSLATORS: follows a balance in a tooltip */
        g_string_append_printf (tooltip, _ (" (last reading failed: %s)"), why);
        state = MIN (state, BAR_UNKNOWN);
      }
      if (below_a_threshold (objects, line))
        state = MIN (state, BAR_LOW);
    }
    if (text->len == 0)
      g_string_append (tooltip, _ ("no SIM in any modem"));
    if (pending->len > 0) {
      state = BAR_CONFIRM;
      g_string_append_c (tooltip, '\n');
      g_string_append_printf (tooltip,
                              /* TRANSLATORS: %s is a command, e.g. "saldoctl topup confirm 3" */
                              ngettext ("%u top-up waits for your answer: %s",
                                        "%u top-ups wait for your answer: %s", pending->len),
                              pending->len, "saldoctl topup confirm|reject ID");
    }
  }
  if (format == SALDOCTL_BAR_TEXT)
    return g_strdup (text->str);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, text->str);
  json_builder_set_member_name (b, "tooltip");
  json_builder_add_string_value (b, tooltip->str);
  json_builder_set_member_name (b, "class");
  json_builder_add_string_value (b, bar_classes[state]);
  json_builder_set_member_name (b, "alt");
  json_builder_add_string_value (b, bar_classes[state]);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* saldoctl status --format waybar|text: connects by itself, since saldod
 * being away is something to show rather than an error. */
int
saldoctl_cmd_status_bar (SaldoCtl *ctl, const char *format_name, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char  *out = NULL;
  SaldoCtlBarFormat format;

  if (!saldoctl_bar_format_parse (format_name, &format, error))
    return EXIT_FAILURE;
  if (!saldoctl_connect (ctl, &local_error)) {
    g_debug ("%s", local_error->message);
    g_clear_object (&ctl->manager);
  }
  out = saldoctl_bar_render (ctl, format);
  g_print ("%s\n", out);
  return EXIT_SUCCESS;
}
