/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>

#include "saldo-client-format.h"
#include "saldo-money.h"
#include "saldoctl.h"
#include "saldoctl-output.h"

/* saldoctl: the command line for people.  Every subcommand has a --json
 * form printing exactly one JSON document on stdout; errors then go to
 * stderr as {"error": {"name": ..., "message": ...}} with a non-zero exit. */

static void
line_to_json (JsonBuilder *builder, SaldoDBusLine *line)
{
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (line));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, path);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, g_ascii_strtoll (strrchr (path, '/') + 1, NULL, 10));
  json_builder_set_member_name (builder, "iccid");
  json_builder_add_string_value (builder, saldo_dbus_line_get_iccid (line));
  json_builder_set_member_name (builder, "imsi");
  json_builder_add_string_value (builder, saldo_dbus_line_get_imsi (line));
  json_builder_set_member_name (builder, "active");
  json_builder_add_boolean_value (builder, saldo_dbus_line_get_active (line));
  json_builder_set_member_name (builder, "modem");
  json_builder_add_string_value (builder, saldo_dbus_line_get_modem (line));
  json_builder_set_member_name (builder, "operator_code");
  json_builder_add_string_value (builder, saldo_dbus_line_get_operator_code (line));
  json_builder_set_member_name (builder, "operator_name");
  json_builder_add_string_value (builder, saldo_dbus_line_get_operator_name (line));
  json_builder_set_member_name (builder, "sim_type");
  json_builder_add_string_value (builder, saldo_dbus_line_get_sim_type (line));
  json_builder_set_member_name (builder, "carrier");
  json_builder_add_string_value (builder, saldo_dbus_line_get_carrier (line));
  json_builder_set_member_name (builder, "balance_code_source");
  json_builder_add_string_value (builder, saldo_dbus_line_get_balance_code_source (line));
  json_builder_set_member_name (builder, "network_device");
  json_builder_add_string_value (builder, saldo_dbus_line_get_network_device (line));
  json_builder_set_member_name (builder, "network_interface");
  json_builder_add_string_value (builder, saldo_dbus_line_get_network_interface (line));
  json_builder_set_member_name (builder, "network_connection");
  json_builder_add_string_value (builder, saldo_dbus_line_get_network_connection (line));
  json_builder_end_object (builder);
}

static const char *
or_dash (const char *value)
{
  return value != NULL && *value != '\0' ? value : "-";
}

/* NetworkManager's side of the line: "wwan0 (Claro Internet)" while a
 * connection is up, the device alone ("cdc-wdm0") otherwise; escaped,
 * since connection names are anyone's choice. */
static char *
network_cell (SaldoDBusLine *line)
{
  const char      *device = saldo_dbus_line_get_network_device (line);
  const char      *interface = saldo_dbus_line_get_network_interface (line);
  const char      *connection = saldo_dbus_line_get_network_connection (line);
  g_autofree char *name = saldoctl_escape (
    interface != NULL && *interface != '\0' ? interface : or_dash (device));
  g_autofree char *id = NULL;

  if (connection == NULL || *connection == '\0')
    return g_steal_pointer (&name);
  id = saldoctl_escape (connection);
  return g_strdup_printf ("%s (%s)", name, id);
}

static void
print_lines_table (GPtrArray *lines)
{
  int widths[] = { 4, 22, 16, 7, 7, 20, 10, 26 };
  /* TRANSLATORS: column headings of the table of lines ("CODE FROM": where the balance code came
   * from; "NETWORK": NetworkManager's device and connection) */
  const char *headings[] = { _ ("LINE"), "ICCID",         "IMSI",        _ ("ACTIVE"), _ ("OPER"),
                             _ ("NAME"), _ ("CODE FROM"), _ ("NETWORK"), _ ("MODEM") };

  if (lines->len == 0) {
    g_print ("%s\n", _ ("no lines yet: saldod has not seen a SIM"));
    return;
  }
  saldoctl_fit_headings (widths, G_N_ELEMENTS (widths), headings);
  saldoctl_print_row (widths, 9, headings[0], headings[1], headings[2], headings[3], headings[4], headings[5],
                      headings[6], headings[7], headings[8]);
  for (guint i = 0; i < lines->len; i++) {
    SaldoDBusLine *line = lines->pdata[i];
    const char    *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (line));
    /* All but the path come from the SIM or the network. */
    g_autofree char *iccid = saldoctl_escape (or_dash (saldo_dbus_line_get_iccid (line)));
    g_autofree char *imsi = saldoctl_escape (or_dash (saldo_dbus_line_get_imsi (line)));
    g_autofree char *code = saldoctl_escape (or_dash (saldo_dbus_line_get_operator_code (line)));
    g_autofree char *name = saldoctl_escape (or_dash (saldo_dbus_line_get_operator_name (line)));
    g_autofree char *network = network_cell (line);

    saldoctl_print_row (widths, 9, strrchr (path, '/') + 1, iccid, imsi,
                        saldo_dbus_line_get_active (line) ? _ ("yes") : _ ("no"), code, name,
                        or_dash (saldo_dbus_line_get_balance_code_source (line)), network,
                        saldo_dbus_line_get_active (line) ? saldo_dbus_line_get_modem (line) : "-");
  }
}

static int
cmd_lines (SaldoCtl *ctl, gboolean json)
{
  g_autoptr(GPtrArray) lines = saldoctl_get_lines (ctl);

  if (json) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();

    json_builder_begin_array (builder);
    for (guint i = 0; i < lines->len; i++)
      line_to_json (builder, lines->pdata[i]);
    json_builder_end_array (builder);
    saldoctl_print_json (builder);
  } else {
    print_lines_table (lines);
  }
  return EXIT_SUCCESS;
}

static int
cmd_status (SaldoCtl *ctl, gboolean json)
{
  g_autoptr(GPtrArray) lines = saldoctl_get_lines (ctl);
  guint active = 0;

  for (guint i = 0; i < lines->len; i++)
    active += saldo_dbus_line_get_active (lines->pdata[i]) ? 1 : 0;

  if (json) {
    g_autoptr(JsonBuilder) builder = json_builder_new ();

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "version");
    json_builder_add_string_value (builder, saldo_dbus_manager_get_version (ctl->manager));
    json_builder_set_member_name (builder, "modem_manager_running");
    json_builder_add_boolean_value (builder, saldo_dbus_manager_get_modem_manager_running (ctl->manager));
    json_builder_set_member_name (builder, "lines_total");
    json_builder_add_int_value (builder, lines->len);
    json_builder_set_member_name (builder, "lines_active");
    json_builder_add_int_value (builder, active);
    json_builder_set_member_name (builder, "lines");
    json_builder_begin_array (builder);
    for (guint i = 0; i < lines->len; i++)
      line_to_json (builder, lines->pdata[i]);
    json_builder_end_array (builder);
    json_builder_end_object (builder);
    saldoctl_print_json (builder);
    return EXIT_SUCCESS;
  }

  g_print ("saldod %s\n", or_dash (saldo_dbus_manager_get_version (ctl->manager)));
  g_print ("ModemManager: %s\n",
           saldo_dbus_manager_get_modem_manager_running (ctl->manager) ? _ ("running") : _ ("not running"));
  /* TRANSLATORS: "lines: 2 known, 1 active" */
  g_print (_ ("lines: %u known, %u active"), lines->len, active);
  g_print ("\n\n");
  print_lines_table (lines);
  return EXIT_SUCCESS;
}

static const char *usage_text = N_ (
  "Commands:\n"
  "  status                         daemon, ModemManager and every line\n"
  "  status --format waybar|text    one line for a status bar (waybar, i3blocks, polybar)\n"
  "  monitor [--format waybar|text] every event and property change as it happens\n"
  "                                 (one JSON object a line with --json)\n"
  "  lines                          every line saldod knows\n"
  "  balance [--refresh] [LINE]     balances (read now with --refresh)\n"
  "  balance --if-stale [LINE | --device NAME]\n"
  "                                 ask for a reading where the last one is older\n"
  "                                 than the line's interval (NetworkManager's\n"
  "                                 dispatcher does, when a connection comes up)\n"
  "  history --balance [LINE]       every balance reading, good or bad\n"
  "  history [LINE] [--csv] [--limit N]\n"
  "                                 top-up receipts (CSV for spreadsheets)\n"
  "  topup LINE AMOUNT [--provider ID]\n"
  "                                 top up now; prints the top-up id\n"
  "  topup confirm|reject ID        answer a top-up waiting for confirmation\n"
  "  topup resolve ID succeeded|failed [--note TEXT]\n"
  "                                 settle a top-up whose outcome is unknown\n"
  "  rules [list] [LINE]            top-up rules\n"
  "  rules add LINE --amount X [--kind threshold|data|keep-alive|schedule|forecast]\n"
  "            [--below X] [--data-below SIZE] [--provider ID] [--confirm]\n"
  "            [--disabled] [--max-per-topup X] [--max-per-day X]\n"
  "            [--max-per-month X] [--max-attempts N] [--cooldown SECONDS]\n"
  "            [--days-before N] [--days N] [--day 1..28|last] [--hour H]\n"
  "  rules update RULE [same options, --no-confirm, --enabled]\n"
  "  rules remove|enable|disable RULE\n"
  "  rules test LINE [--balance X] [--data SIZE]\n"
  "                                 what the rules would do now; spends nothing\n"
  "  line set LINE KEY=VALUE...     change a line's settings\n"
  "  profiles                       eSIM profiles on every eUICC\n"
  "  providers [check ID]           top-up providers: state, funds, warnings;\n"
  "                                 check asks one now\n"
  "  report [--month YYYY-MM] [LINE] [--csv]\n"
  "                                 a month of top-ups, spending, caps, failures\n"
  "  parse [--country CC] [--carrier ID] [--currency ISO] [--explain] TEXT|-\n"
  "                                 run the reply parser offline\n"
  "\n"
  "LINE is a line number, an ICCID or its last digits, or the NetworkManager\n"
  "device or interface of its modem (cdc-wdm0, wwan0); RULE a rule number.\n"
  "Amounts are in the line's currency as written (20, 20.50); data sizes\n"
  "in bytes or with KB, MB, GB (binary: 1 MB = 1048576 bytes).\n"
  "Settings: balance-code, balance-menu, refresh-interval, allow-roaming,\n"
  "own-number, sms-senders.\n");

typedef int (*SaldoCtlCommand) (SaldoCtl *ctl, int argc, char **argv, GError **error);

static const struct {
  const char     *name;
  gboolean        needs_daemon;
  SaldoCtlCommand run;
} commands[] = {
  /* For the shell completions; connects by itself, quietly. */
  { "_complete", FALSE, saldoctl_cmd_complete }, { "balance", TRUE, saldoctl_cmd_balance },
  { "history", TRUE, saldoctl_cmd_history },     { "line", TRUE, saldoctl_cmd_line },
  { "monitor", TRUE, saldoctl_cmd_monitor },     { "parse", FALSE, saldoctl_cmd_parse },
  { "profiles", TRUE, saldoctl_cmd_profiles },   { "providers", TRUE, saldoctl_cmd_providers },
  { "report", TRUE, saldoctl_cmd_report },       { "rules", TRUE, saldoctl_cmd_rules },
  { "topup", TRUE, saldoctl_cmd_topup },
};

int
main (int argc, char **argv)
{
  g_auto(SaldoCtl) ctl = { NULL, NULL, NULL, FALSE };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rest = g_ptr_array_new ();
  const char *command = NULL;

  setlocale (LC_ALL, "");
  saldoctl_output_init ();
  /* SALDO_LOCALEDIR: translations of a build tree, for tests. */
  bindtextdomain (GETTEXT_PACKAGE,
                  g_getenv ("SALDO_LOCALEDIR") != NULL && *g_getenv ("SALDO_LOCALEDIR") != '\0'
                    ? g_getenv ("SALDO_LOCALEDIR")
                    : SALDO_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* Global options may come anywhere; everything else is the command's. */
  for (int i = 1; i < argc; i++) {
    if (g_str_equal (argv[i], "--json") || g_str_equal (argv[i], "-j")) {
      ctl.json = TRUE;
      /* JSON is for programs: never translated, errors included. */
      setlocale (LC_MESSAGES, "C");
    } else if (g_str_equal (argv[i], "--version")) {
      g_print ("saldoctl %s\n", SALDO_VERSION);
      return EXIT_SUCCESS;
    } else if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h")) {
      g_print ("%s\n\n%s", _ ("Usage: saldoctl [--json] COMMAND [ARGS]"), _ (usage_text));
      return EXIT_SUCCESS;
    } else if (command == NULL && argv[i][0] != '-') {
      command = argv[i];
    } else {
      g_ptr_array_add (rest, argv[i]);
    }
  }
  g_ptr_array_add (rest, NULL);
  if (command == NULL)
    command = "status";

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++) {
    int status;

    if (!g_str_equal (command, commands[i].name))
      continue;
    if (commands[i].needs_daemon && !saldoctl_connect (&ctl, &error))
      return saldoctl_fail (ctl.json, error);
    status = commands[i].run (&ctl, (int) rest->len - 1, (char **) rest->pdata, &error);
    if (error != NULL)
      return saldoctl_fail (ctl.json, error);
    return status;
  }

  if (!g_str_equal (command, "status") && !g_str_equal (command, "lines")) {
    g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                 _ ("unknown command '%s'; see saldoctl --help"), command);
    return saldoctl_fail (ctl.json, error);
  }
  if (g_str_equal (command, "status") && rest->len == 3 && g_str_equal (rest->pdata[0], "--format") &&
      !ctl.json) {
    int status = saldoctl_cmd_status_bar (&ctl, rest->pdata[1], &error);

    return error != NULL ? saldoctl_fail (ctl.json, error) : status;
  }
  if (rest->len > 1) {
    g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _ ("%s takes no arguments"), command);
    return saldoctl_fail (ctl.json, error);
  }
  if (!saldoctl_connect (&ctl, &error))
    return saldoctl_fail (ctl.json, error);
  if (g_str_equal (command, "lines"))
    return cmd_lines (&ctl, ctl.json);
  return cmd_status (&ctl, ctl.json);
}
