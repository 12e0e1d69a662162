/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "saldo-client-format.h"
#include "saldoctl.h"

/* saldoctl _complete lines|devices|rules|pending|providers: what the bash
 * and zsh completions offer, one "VALUE<TAB>DESCRIPTION" a line.  It never
 * starts saldod and never fails loudly: with saldod away there is nothing to
 * offer, and a shell completion must not print errors over the prompt. */

static gboolean
connect_quietly (SaldoCtl *ctl)
{
  g_autoptr(GVariant) owned = NULL;
  gboolean has_owner = FALSE;

  ctl->connection = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);
  if (ctl->connection == NULL)
    return FALSE;
  owned = g_dbus_connection_call_sync (ctl->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", SALDO_BUS_NAME), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
  if (owned != NULL)
    g_variant_get (owned, "(b)", &has_owner);
  if (!has_owner)
    return FALSE;
  ctl->manager = saldo_dbus_manager_proxy_new_sync (ctl->connection, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                                    SALDO_BUS_NAME, SALDO_OBJECT_ROOT, NULL, NULL);
  ctl->object_manager =
    saldo_dbus_object_manager_client_new_sync (ctl->connection,
                                               G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                               SALDO_BUS_NAME, SALDO_OBJECT_ROOT, NULL, NULL);
  return ctl->manager != NULL && ctl->object_manager != NULL;
}

/* The shortest ending of iccid, 4 digits or more, that no other line's
 * ICCID has: what saldoctl_find_line() accepts. */
static const char *
unique_suffix (GPtrArray *lines, const char *iccid)
{
  gsize len = strlen (iccid);

  for (gsize n = 4; n < len; n++) {
    const char *suffix = iccid + len - n;
    gboolean    shared = FALSE;

    for (guint i = 0; i < lines->len && !shared; i++) {
      const char *other = saldo_dbus_line_get_iccid (lines->pdata[i]);

      shared = g_strcmp0 (other, iccid) != 0 && other != NULL && g_str_has_suffix (other, suffix);
    }
    if (!shared)
      return suffix;
  }
  return NULL;
}

/* "line 3", for a description. */
static char *
line_words (gint64 number)
{
  /* The number as text: a G_GINT64_FORMAT inside the msgid would cut it. */
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, number);

  return g_strdup_printf (_ ("line %s"), text);
}

/* NetworkManager's device and interface of the line's modem, each once,
 * as saldoctl_line_on_device () accepts them. */
static void
print_devices (SaldoDBusLine *line, const char *description)
{
  const char *device = saldo_dbus_line_get_network_device (line);
  const char *interface = saldo_dbus_line_get_network_interface (line);

  if (device != NULL && *device != '\0')
    g_print ("%s\t%s\n", device, description);
  if (interface != NULL && *interface != '\0' && g_strcmp0 (interface, device) != 0)
    g_print ("%s\t%s\n", interface, description);
}

static void
complete_lines (SaldoCtl *ctl)
{
  g_autoptr(GPtrArray) lines = saldoctl_get_lines (ctl);

  for (guint i = 0; i < lines->len; i++) {
    SaldoDBusLine   *line = lines->pdata[i];
    const char      *iccid = saldo_dbus_line_get_iccid (line);
    g_autofree char *label = saldo_client_line_label (line);
    gint64           number = saldoctl_line_number (line);
    g_autofree char *words = line_words (number);
    const char      *suffix;

    g_print ("%" G_GINT64_FORMAT "\t%s\n", number, label);
    print_devices (line, words);
    if (iccid == NULL || *iccid == '\0')
      continue;
    suffix = unique_suffix (lines, iccid);
    if (suffix != NULL)
      g_print ("%s\t%s\n", suffix, words);
    g_print ("%s\t%s\n", iccid, words);
  }
}

/* For --device: the devices of saldod's lines, described by the line. */
static void
complete_devices (SaldoCtl *ctl)
{
  g_autoptr(GPtrArray) lines = saldoctl_get_lines (ctl);

  for (guint i = 0; i < lines->len; i++) {
    g_autofree char *label = saldo_client_line_label (lines->pdata[i]);

    print_devices (lines->pdata[i], label);
  }
}

static void
complete_rules (SaldoCtl *ctl)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (ctl->object_manager);

  for (GList *l = objects; l != NULL; l = l->next) {
    g_autoptr(SaldoDBusRule) rule = saldo_dbus_object_get_rule (SALDO_DBUS_OBJECT (l->data));
    g_autofree char *words = NULL;

    if (rule == NULL)
      continue;
    words = line_words (saldo_client_path_number (saldo_dbus_rule_get_line (rule)));
    g_print ("%" G_GINT64_FORMAT "\t%s, %s\n",
             saldo_client_path_number (g_dbus_proxy_get_object_path (G_DBUS_PROXY (rule))),
             saldo_dbus_rule_get_kind (rule), words);
  }
}

static void
complete_pending (SaldoCtl *ctl)
{
  g_autoptr(GVariant) rows = NULL;
  GVariantDict options;

  g_variant_dict_init (&options, NULL);
  if (!saldo_dbus_manager_call_get_top_ups_sync (ctl->manager, g_variant_dict_end (&options),
                                                 G_DBUS_CALL_FLAGS_NONE, 5000, &rows, NULL, NULL))
    return;
  for (gsize i = 0; i < g_variant_n_children (rows); i++) {
    g_autoptr(GVariant) row = g_variant_get_child_value (rows, i);
    const char      *id = NULL, *state = NULL, *currency = "", *line = "/";
    gint64           amount = 0;
    g_autofree char *money = NULL;
    g_autofree char *words = NULL;

    if (!g_variant_lookup (row, "state", "&s", &state) || !g_str_equal (state, "planned") ||
        !g_variant_lookup (row, "id", "&s", &id))
      continue;
    g_variant_lookup (row, "amount", "x", &amount);
    g_variant_lookup (row, "currency", "&s", &currency);
    g_variant_lookup (row, "line", "&o", &line);
    money = saldo_client_format_money (amount, currency);
    words = line_words (saldo_client_path_number (line));
    g_print ("%s\t%s, %s\n", id, money, words);
  }
}

static void
complete_providers (SaldoCtl *ctl)
{
  g_autoptr(GPtrArray) providers = saldoctl_get_providers (ctl);

  for (guint i = 0; i < providers->len; i++)
    g_print ("%s\t%s\n", saldo_dbus_provider_get_id (providers->pdata[i]),
             saldo_dbus_provider_get_type_ (providers->pdata[i]));
}

int
saldoctl_cmd_complete (SaldoCtl *ctl, int argc, char **argv, GError **error)
{
  static const struct {
    const char *what;
    void (*complete) (SaldoCtl *ctl);
  } kinds[] = {
    { "lines", complete_lines },     { "devices", complete_devices },     { "rules", complete_rules },
    { "pending", complete_pending }, { "providers", complete_providers },
  };

  if (argc != 1)
    return EXIT_FAILURE;
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++) {
    if (!g_str_equal (argv[0], kinds[i].what))
      continue;
    if (connect_quietly (ctl))
      kinds[i].complete (ctl);
    return EXIT_SUCCESS;
  }
  return EXIT_FAILURE;
}
