/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>

#include "saldoctl-output.h"

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
saldoctl_fail (gboolean      json,
               const GError *error)
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
