/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include "saldoctl.h"
#include "saldoctl-output.h"

static SaldoDBusLine *
line_at (SaldoCtl *ctl, const char *path)
{
  g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (ctl->object_manager, path);

  return object != NULL ? saldo_dbus_object_get_line (SALDO_DBUS_OBJECT (object)) : NULL;
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value != NULL ? value : "");
}

/* saldoctl profiles: every eUICC and every profile on it, enabled or not. */
int
saldoctl_cmd_profiles (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  GList *objects;
  guint  n_euiccs = 0;

  if (argc > 0) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("profiles: unexpected '%s'"), argv[0]);
    return EXIT_FAILURE;
  }
  objects = g_dbus_object_manager_get_objects (ctl->object_manager);
  json_builder_begin_array (b);
  for (GList *l = objects; l != NULL; l = l->next) {
    g_autoptr(SaldoDBusEuicc) euicc = saldo_dbus_object_get_euicc (SALDO_DBUS_OBJECT (l->data));
    const char *const *lines;

    if (euicc == NULL)
      continue;
    n_euiccs++;
    lines = saldo_dbus_euicc_get_lines (euicc);
    if (ctl->json) {
      json_builder_begin_object (b);
      add_string (b, "path", g_dbus_proxy_get_object_path (G_DBUS_PROXY (euicc)));
      add_string (b, "eid", saldo_dbus_euicc_get_eid (euicc));
      add_string (b, "modem", saldo_dbus_euicc_get_modem (euicc));
      json_builder_set_member_name (b, "slot");
      json_builder_add_int_value (b, saldo_dbus_euicc_get_slot (euicc));
      add_string (b, "last_error", saldo_dbus_euicc_get_last_error (euicc));
      json_builder_set_member_name (b, "profiles");
      json_builder_begin_array (b);
    } else {
      g_autofree char *eid = saldoctl_escape (saldo_dbus_euicc_get_eid (euicc));
      g_autofree char *last_error = saldoctl_escape (saldo_dbus_euicc_get_last_error (euicc));

      /* TRANSLATORS: "eUICC 8904… (slot 1, /org/freedesktop/ModemManager1/Modem/0)" */
      g_print (_ ("eUICC %s (slot %u, %s)"), *eid != '\0' ? eid : _ ("EID unknown"),
               saldo_dbus_euicc_get_slot (euicc), saldo_dbus_euicc_get_modem (euicc));
      g_print ("\n");
      if (*last_error != '\0')
        g_print ("  %s %s\n", _ ("error:"), last_error);
    }
    for (guint i = 0; lines != NULL && lines[i] != NULL; i++) {
      g_autoptr(SaldoDBusLine) line = line_at (ctl, lines[i]);

      if (line == NULL)
        continue;
      if (ctl->json) {
        json_builder_begin_object (b);
        json_builder_set_member_name (b, "line");
        json_builder_add_int_value (b, saldoctl_line_number (line));
        add_string (b, "iccid", saldo_dbus_line_get_iccid (line));
        add_string (b, "state", saldo_dbus_line_get_profile_state (line));
        add_string (b, "name", saldo_dbus_line_get_profile_name (line));
        add_string (b, "nickname", saldo_dbus_line_get_profile_nickname (line));
        add_string (b, "service_provider", saldo_dbus_line_get_service_provider (line));
        add_string (b, "class", saldo_dbus_line_get_profile_class (line));
        json_builder_set_member_name (b, "active");
        json_builder_add_boolean_value (b, saldo_dbus_line_get_active (line));
        json_builder_end_object (b);
      } else {
        /* Names as the eUICC stores them: anyone who made the profile chose them. */
        g_autofree char *iccid = saldoctl_escape (saldo_dbus_line_get_iccid (line));
        g_autofree char *state = saldoctl_escape (saldo_dbus_line_get_profile_state (line));
        g_autofree char *nickname = saldoctl_escape (saldo_dbus_line_get_profile_nickname (line));
        g_autofree char *provider = saldoctl_escape (saldo_dbus_line_get_service_provider (line));

        g_print ("  %-4" G_GINT64_FORMAT " %-22s %-9s %-20s %s\n", saldoctl_line_number (line), iccid, state,
                 nickname, provider);
      }
    }
    if (ctl->json) {
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  }
  json_builder_end_array (b);
  g_list_free_full (objects, g_object_unref);
  if (ctl->json)
    saldoctl_print_json (b);
  else if (n_euiccs == 0)
    g_print ("%s\n", _ ("no eUICC seen"));
  return EXIT_SUCCESS;
}
