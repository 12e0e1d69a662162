/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What saldod publishes over MQTT: each line's retained state and Home
 * Assistant's discovery configs, parsed back as JSON; and when days_left
 * changes. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "saldo-mqtt-payload.h"
#include "saldo-rule.h"
#include "saldo-test-export.h"

#define DAY 86400
#define NOW 1790000000

static const SaldoMqttNames names = {
  .node_id = "gw1",
  .topic_prefix = "saldo/gw1",
  .discovery_prefix = "homeassistant",
};

static JsonObject *
parse_object (const char *text, JsonParser *parser)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

static gboolean
is_null (JsonObject *object, const char *member)
{
  g_assert_true (json_object_has_member (object, member));
  return JSON_NODE_HOLDS_NULL (json_object_get_member (object, member));
}

static void
test_state (void)
{
  g_autoptr(SaldoExportLine)
               line = saldo_test_export_line (1, "8951100000000000011", "Claro \"PE\"\x1b[2J\xff");
  g_autoptr(SaldoExportLine) fresh = saldo_test_export_line (2, "8951100000000000022", "Claro PE");
  g_autoptr(SaldoExportLine) dinar = saldo_test_export_line (3, "8997300000000000033", "Batelco");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *text = NULL;
  g_autofree char *fresh_text = NULL;
  g_autofree char *dinar_text = NULL;
  g_autofree char *full_text = NULL;
  g_autofree char *topic = saldo_mqtt_state_topic (&names, line);
  SaldoMqttNames   full = names;
  JsonObject      *state;

  line->has_balance = TRUE;
  line->balance = 1250;
  g_free (line->currency);
  line->currency = g_strdup ("PEN");
  line->active = TRUE;
  line->roaming = TRUE;
  line->expiry = NOW + 40 * DAY + DAY / 2;
  line->last_reading = NOW - 60;
  line->data_known = TRUE;
  line->data_bytes = 1610612736;
  line->topups_open[SALDO_LEDGER_STATE_UNKNOWN] = 1;
  line->spend_known = TRUE;
  line->spend_per_day = 205;
  line->runs_out_on = NOW + 6 * DAY;
  line->deactivation_on = NOW + 200 * DAY;
  /* Known spending of a line with no currency yet is not published. */
  fresh->spend_known = TRUE;
  fresh->spend_per_day = 205;
  g_assert_cmpstr (topic, ==, "saldo/gw1/line/1/state");

  text = saldo_mqtt_state_payload (&names, line, NOW);
  state = parse_object (text, parser);
  g_assert_cmpint (json_object_get_int_member (state, "line"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (state, "iccid_suffix"), ==, "0011");
  g_assert_false (json_object_has_member (state, "iccid"));
  g_assert_null (strstr (text, "8951100000000000011"));
  /* The exact decimal, from the currency's minor units. */
  g_assert_cmpstr (json_object_get_string_member (state, "balance"), ==, "12.50");
  g_assert_cmpint (json_object_get_int_member (state, "balance_minor"), ==, 1250);
  g_assert_cmpstr (json_object_get_string_member (state, "currency"), ==, "PEN");
  g_assert_cmpint (json_object_get_int_member (state, "days_left"), ==, 40);
  g_assert_true (json_object_get_boolean_member (state, "roaming"));
  g_assert_cmpint (json_object_get_int_member (state, "data_remaining_bytes"), ==, 1610612736);
  g_assert_cmpint (json_object_get_int_member (state, "topups_unknown"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (state, "last_reading"), ==, "2026-09-21T14:12:20Z");
  g_assert_cmpstr (json_object_get_string_member (state, "spend_per_day"), ==, "2.05");
  g_assert_cmpstr (json_object_get_string_member (state, "runs_out_on"), ==, "2026-09-27T14:13:20Z");
  g_assert_cmpstr (json_object_get_string_member (state, "deactivation_on"), ==, "2027-04-09T14:13:20Z");
  g_assert_cmpstr (json_object_get_string_member (state, "operator_name"), ==,
                   "Claro \"PE\"\x1b[2J\xef\xbf\xbd");
  g_assert_true (g_utf8_validate (text, -1, NULL));

  /* A line seen a second ago: nothing made up. */
  fresh_text = saldo_mqtt_state_payload (&names, fresh, NOW);
  state = parse_object (fresh_text, parser);
  g_assert_true (is_null (state, "balance"));
  g_assert_true (is_null (state, "balance_minor"));
  g_assert_true (is_null (state, "currency"));
  g_assert_true (is_null (state, "expiry"));
  g_assert_true (is_null (state, "days_left"));
  g_assert_true (is_null (state, "data_remaining_bytes"));
  g_assert_true (is_null (state, "last_reading"));
  g_assert_true (is_null (state, "spend_per_day"));
  g_assert_true (is_null (state, "runs_out_on"));
  g_assert_true (is_null (state, "deactivation_on"));
  g_assert_false (json_object_get_boolean_member (state, "active"));
  g_assert_false (json_object_get_boolean_member (state, "roaming"));

  dinar->has_balance = TRUE;
  dinar->balance = 1250;
  g_free (dinar->currency);
  dinar->currency = g_strdup ("BHD");
  dinar_text = saldo_mqtt_state_payload (&names, dinar, NOW);
  state = parse_object (dinar_text, parser);
  g_assert_cmpstr (json_object_get_string_member (state, "balance"), ==, "1.250");

  full.full_iccid = TRUE;
  full_text = saldo_mqtt_state_payload (&full, line, NOW);
  state = parse_object (full_text, parser);
  g_assert_cmpstr (json_object_get_string_member (state, "iccid"), ==, "8951100000000000011");
}

static JsonObject *
find_config (GPtrArray *topics, GPtrArray *payloads, const char *topic, JsonParser *parser)
{
  for (guint i = 0; i < topics->len; i++)
    if (g_str_equal (topics->pdata[i], topic))
      return parse_object (payloads->pdata[i], parser);
  g_error ("no discovery config on %s", topic);
  return NULL;
}

static void
test_discovery (void)
{
  g_autoptr(SaldoExportLine) line = saldo_test_export_line (1, "8951100000000000011", "Claro PE");
  g_autoptr(GPtrArray) topics = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonParser) parser = json_parser_new ();
  SaldoMqttNames quiet = names;
  JsonObject    *config;
  JsonObject    *device;

  /* Never read: the balance entity has no currency yet. */
  saldo_mqtt_discovery (&names, line, topics, payloads);
  g_assert_cmpuint (topics->len, ==, 11);
  config = find_config (topics, payloads, "homeassistant/sensor/saldo_gw1/line1_balance/config", parser);
  g_assert_false (json_object_has_member (config, "unit_of_measurement"));
  g_assert_false (json_object_has_member (config, "device_class"));
  config = find_config (topics, payloads, "homeassistant/sensor/saldo_gw1/line1_spend_per_day/config",
                        parser);
  g_assert_false (json_object_has_member (config, "unit_of_measurement"));

  g_ptr_array_set_size (topics, 0);
  g_ptr_array_set_size (payloads, 0);
  line->has_balance = TRUE;
  line->balance = 840;
  g_free (line->currency);
  line->currency = g_strdup ("PEN");
  saldo_mqtt_discovery (&names, line, topics, payloads);
  config = find_config (topics, payloads, "homeassistant/sensor/saldo_gw1/line1_balance/config", parser);
  g_assert_cmpstr (json_object_get_string_member (config, "unique_id"), ==, "saldo_gw1_line1_balance");
  g_assert_cmpstr (json_object_get_string_member (config, "state_topic"), ==, "saldo/gw1/line/1/state");
  g_assert_cmpstr (json_object_get_string_member (config, "availability_topic"), ==, "saldo/gw1/status");
  g_assert_cmpstr (json_object_get_string_member (config, "value_template"), ==, "{{ value_json.balance }}");
  g_assert_cmpstr (json_object_get_string_member (config, "device_class"), ==, "monetary");
  g_assert_cmpstr (json_object_get_string_member (config, "unit_of_measurement"), ==, "PEN");
  device = json_object_get_object_member (config, "device");
  g_assert_cmpstr (json_object_get_string_member (device, "name"), ==, "Claro PE …0011");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (device, "identifiers"), 0),
                   ==, "saldo_gw1_line1");
  config = find_config (topics, payloads, "homeassistant/sensor/saldo_gw1/line1_expiry/config", parser);
  g_assert_cmpstr (json_object_get_string_member (config, "device_class"), ==, "timestamp");
  config = find_config (topics, payloads, "homeassistant/sensor/saldo_gw1/line1_days_left/config", parser);
  g_assert_cmpstr (json_object_get_string_member (config, "unit_of_measurement"), ==, "d");
  /* The forecast: two dates and a rate in the line's currency a day. */
  config = find_config (topics, payloads, "homeassistant/sensor/saldo_gw1/line1_runs_out/config", parser);
  g_assert_cmpstr (json_object_get_string_member (config, "device_class"), ==, "timestamp");
  g_assert_cmpstr (json_object_get_string_member (config, "value_template"), ==,
                   "{{ value_json.runs_out_on }}");
  config = find_config (topics, payloads, "homeassistant/sensor/saldo_gw1/line1_deactivation/config", parser);
  g_assert_cmpstr (json_object_get_string_member (config, "device_class"), ==, "timestamp");
  g_assert_cmpstr (json_object_get_string_member (config, "value_template"), ==,
                   "{{ value_json.deactivation_on }}");
  config = find_config (topics, payloads, "homeassistant/sensor/saldo_gw1/line1_spend_per_day/config",
                        parser);
  g_assert_cmpstr (json_object_get_string_member (config, "unit_of_measurement"), ==, "PEN/d");
  g_assert_false (json_object_has_member (config, "device_class"));
  g_assert_cmpstr (json_object_get_string_member (config, "unique_id"), ==, "saldo_gw1_line1_spend_per_day");
  config = find_config (topics, payloads, "homeassistant/binary_sensor/saldo_gw1/line1_roaming/config",
                        parser);
  g_assert_cmpstr (json_object_get_string_member (config, "value_template"), ==,
                   "{{ 'ON' if value_json.roaming else 'OFF' }}");
  /* No ICCID anywhere in what Home Assistant is told. */
  for (guint i = 0; i < payloads->len; i++)
    g_assert_null (strstr (payloads->pdata[i], "8951100000000000011"));

  quiet.discovery_prefix = "";
  g_ptr_array_set_size (topics, 0);
  saldo_mqtt_discovery (&quiet, line, topics, payloads);
  g_assert_cmpuint (topics->len, ==, 0);
}

static void
test_provider (void)
{
  g_autoptr(SaldoExportProvider) provider = saldo_export_provider_new ();
  g_autoptr(GPtrArray) topics = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *topic = NULL;
  g_autofree char *text = NULL;
  g_autofree char *unknown_text = NULL;
  JsonObject      *object;
  JsonArray       *options;

  provider->number = 2;
  provider->id = g_strdup ("rl");
  provider->type = g_strdup ("reloadly");
  provider->state = g_strdup ("needs-attention");
  provider->attention = g_strdup ("insufficient-funds");
  provider->funds_known = TRUE;
  provider->funds = 150;
  provider->funds_currency = g_strdup ("USD");
  provider->payment_expires = g_strdup ("2027-05");
  provider->last_success = NOW - 60;
  topic = saldo_mqtt_provider_topic (&names, provider);
  g_assert_cmpstr (topic, ==, "saldo/gw1/provider/2/state");
  text = saldo_mqtt_provider_payload (provider);
  object = parse_object (text, parser);
  g_assert_cmpstr (json_object_get_string_member (object, "provider"), ==, "rl");
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "needs-attention");
  g_assert_cmpstr (json_object_get_string_member (object, "attention"), ==, "insufficient-funds");
  g_assert_cmpstr (json_object_get_string_member (object, "funds"), ==, "1.50");
  g_assert_cmpstr (json_object_get_string_member (object, "funds_currency"), ==, "USD");
  g_assert_cmpstr (json_object_get_string_member (object, "payment_expires"), ==, "2027-05");
  g_assert_cmpstr (json_object_get_string_member (object, "last_success"), ==, "2026-09-21T14:12:20Z");

  saldo_mqtt_provider_discovery (&names, provider, topics, payloads);
  g_assert_cmpuint (topics->len, ==, 3);
  object = find_config (topics, payloads,
                        "homeassistant/binary_sensor/saldo_gw1/provider2_needs_attention/config", parser);
  g_assert_cmpstr (json_object_get_string_member (object, "device_class"), ==, "problem");
  g_assert_cmpstr (json_object_get_string_member (object, "state_topic"), ==, "saldo/gw1/provider/2/state");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "device"), "name"),
                   ==, "Top-up provider rl");
  object = find_config (topics, payloads, "homeassistant/sensor/saldo_gw1/provider2_state/config", parser);
  g_assert_cmpstr (json_object_get_string_member (object, "device_class"), ==, "enum");
  options = json_object_get_array_member (object, "options");
  g_assert_cmpuint (json_array_get_length (options), ==, 4);
  g_assert_cmpstr (json_array_get_string_element (options, 1), ==, "needs-attention");
  object = find_config (topics, payloads, "homeassistant/sensor/saldo_gw1/provider2_funds/config", parser);
  g_assert_cmpstr (json_object_get_string_member (object, "device_class"), ==, "monetary");
  g_assert_cmpstr (json_object_get_string_member (object, "unit_of_measurement"), ==, "USD");

  /* A provider that cannot tell its funds: null, and no currency. */
  provider->funds_known = FALSE;
  g_free (provider->payment_expires);
  provider->payment_expires = g_strdup ("");
  provider->last_success = 0;
  unknown_text = saldo_mqtt_provider_payload (provider);
  object = parse_object (unknown_text, parser);
  g_assert_true (is_null (object, "funds"));
  g_assert_true (is_null (object, "funds_currency"));
  g_assert_true (is_null (object, "payment_expires"));
  g_assert_true (is_null (object, "last_success"));
  g_ptr_array_set_size (topics, 0);
  g_ptr_array_set_size (payloads, 0);
  saldo_mqtt_provider_discovery (&names, provider, topics, payloads);
  object = find_config (topics, payloads, "homeassistant/sensor/saldo_gw1/provider2_funds/config", parser);
  g_assert_false (json_object_has_member (object, "unit_of_measurement"));
  g_assert_false (json_object_has_member (object, "device_class"));
}

static gint64
days_left_at (SaldoExportLine *line, gint64 t)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *text = saldo_mqtt_state_payload (&names, line, t);

  return json_object_get_int_member (parse_object (text, parser), "days_left");
}

static void
test_next_change (void)
{
  g_autoptr(SaldoExportLine) line = saldo_test_export_line (1, "8951100000000000011", "Claro PE");
  gint64 next;

  line->expiry = NOW + 2 * DAY + 100;
  next = saldo_mqtt_next_change (line, NOW);
  g_assert_cmpint (next, ==, NOW + 101);
  g_assert_cmpint (days_left_at (line, next - 1), ==, 2);
  g_assert_cmpint (days_left_at (line, next), ==, 1);
  g_assert_cmpint (saldo_mqtt_next_change (line, next), ==, next + DAY);
  /* Less than a day left: 0 until and after the expiry, no more changes. */
  g_assert_cmpint (saldo_mqtt_next_change (line, line->expiry - 10), ==, 0);
  g_assert_cmpint (days_left_at (line, line->expiry + DAY), ==, 0);
  line->expiry = 0;
  g_assert_cmpint (saldo_mqtt_next_change (line, NOW), ==, 0);
}

static gboolean
own (const SaldoMqttNames *n, const char *topic, const char *payload)
{
  return saldo_mqtt_is_own (n, topic, payload, strlen (payload));
}

/* Every topic saldod publishes for a line and a provider is its own, and
 * its filters cover it; what another program (or another saldod) put
 * under the same prefixes is not, whatever its name looks like. */
static void
test_own (void)
{
  g_autoptr(SaldoExportLine) line = saldo_test_export_line (12, "8951100000000000011", "Claro PE");
  g_autoptr(SaldoExportProvider) provider = saldo_export_provider_new ();
  g_autoptr(GPtrArray) topics = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) filters = saldo_mqtt_own_filters (&names);
  g_autofree char *line_state = saldo_mqtt_state_payload (&names, line, NOW);
  g_autofree char *provider_state = NULL;
  g_autofree char *other_unique = NULL;
  g_autofree char *other_state_topic = NULL;
  g_autofree char *big = NULL;
  SaldoMqttNames   other = names;
  SaldoMqttNames   quiet = names;
  g_auto(GStrv) quiet_filters = NULL;
  const char *config;

  provider->number = 3;
  provider->id = g_strdup ("rl");
  provider->type = g_strdup ("reloadly");
  provider->state = g_strdup ("ok");
  provider->attention = g_strdup ("");
  provider->funds_currency = g_strdup ("");
  provider->payment_expires = g_strdup ("");
  provider_state = saldo_mqtt_provider_payload (provider);
  g_ptr_array_add (topics, saldo_mqtt_state_topic (&names, line));
  g_ptr_array_add (payloads, g_strdup (line_state));
  g_ptr_array_add (topics, saldo_mqtt_provider_topic (&names, provider));
  g_ptr_array_add (payloads, g_strdup (provider_state));
  saldo_mqtt_discovery (&names, line, topics, payloads);
  saldo_mqtt_provider_discovery (&names, provider, topics, payloads);
  g_assert_cmpuint (topics->len, >, 10);
  for (guint i = 0; i < topics->len; i++)
    g_assert_true (own (&names, topics->pdata[i], payloads->pdata[i]));

  /* Configs first; the status topic is not among them. */
  g_assert_cmpuint (g_strv_length (filters), ==, 3);
  g_assert_cmpstr (filters[0], ==, "homeassistant/+/saldo_gw1/+/config");
  g_assert_cmpstr (filters[1], ==, "saldo/gw1/line/+/state");
  g_assert_cmpstr (filters[2], ==, "saldo/gw1/provider/+/state");
  quiet.discovery_prefix = "";
  quiet_filters = saldo_mqtt_own_filters (&quiet);
  g_assert_cmpuint (g_strv_length (quiet_filters), ==, 2);
  g_assert_false (own (&quiet, "homeassistant/sensor/saldo_gw1/line12_balance/config", payloads->pdata[2]));

  /* Not saldod's shapes: its status, other levels, numbers it never prints. */
  g_assert_false (own (&names, "saldo/gw1/status", "online"));
  g_assert_false (own (&names, "saldo/gw1/line/12/state/extra", line_state));
  g_assert_false (own (&names, "saldo/gw1/line/012/state", line_state));
  g_assert_false (own (&names, "saldo/gw1/line/+12/state", line_state));
  g_assert_false (own (&names, "saldo/gw1/line//state", line_state));
  g_assert_false (own (&names, "saldo/gw1/lines/12/state", line_state));
  g_assert_false (own (&names, "saldo/gw10/line/12/state", line_state));
  g_assert_false (own (&names, "saldo/gw1/rule/12/state", line_state));
  /* The right shape, but not what saldod wrote there. */
  g_assert_true (own (&names, "saldo/gw1/line/12/state", line_state));
  g_assert_false (own (&names, "saldo/gw1/line/13/state", line_state));
  g_assert_false (own (&names, "saldo/gw1/line/12/state", "12.50"));
  g_assert_false (own (&names, "saldo/gw1/line/12/state", "{\"line\":\"12\",\"iccid_suffix\":\"0011\"}"));
  g_assert_false (own (&names, "saldo/gw1/line/12/state", "[12]"));
  g_assert_false (own (&names, "saldo/gw1/line/12/state", "{\"line\":12"));
  g_assert_false (own (&names, "saldo/gw1/provider/3/state", "{\"provider\":\"rl\"}"));
  g_assert_false (saldo_mqtt_is_own (&names, "saldo/gw1/line/12/state", line_state, 0));
  big = g_strnfill (70 * 1024, ' ');
  memcpy (big, line_state, strlen (line_state));
  g_assert_false (own (&names, "saldo/gw1/line/12/state", big));

  /* Discovery: only saldod's node, keys and the entity it made. */
  config = payloads->pdata[2];
  g_assert_cmpstr (topics->pdata[2], ==, "homeassistant/sensor/saldo_gw1/line12_balance/config");
  g_assert_true (own (&names, "homeassistant/sensor/saldo_gw1/line12_balance/config", config));
  g_assert_false (own (&names, "homeassistant/sensor/saldo_gw2/line12_balance/config", config));
  g_assert_false (own (&names, "homeassistant/sensor/saldo_gw1/line13_balance/config", config));
  g_assert_false (own (&names, "homeassistant/sensor/saldo_gw1/line12_price/config", config));
  g_assert_false (own (&names, "homeassistant/sensor/saldo_gw1/line12_balance/config/x", config));
  g_assert_false (own (&names, "homeassistant/sensor/saldo_gw1/line12_Balance/config", config));
  g_assert_false (own (&names, "homeassistant/sensor/saldo_gw1/line12/config", config));
  g_assert_false (own (&names, "homeassistant/sensor/saldo_gw1/sim12_balance/config", config));
  g_assert_false (own (&names, "homeassistant//saldo_gw1/line12_balance/config", config));
  g_assert_false (own (&names, "other/sensor/saldo_gw1/line12_balance/config", config));
  /* Another saldod's config (same shape, another node's entity and state). */
  other.node_id = "gw2";
  other.topic_prefix = "saldo/gw2";
  g_ptr_array_set_size (topics, 0);
  g_ptr_array_set_size (payloads, 0);
  saldo_mqtt_discovery (&other, line, topics, payloads);
  g_assert_false (own (&names, "homeassistant/sensor/saldo_gw1/line12_balance/config", payloads->pdata[0]));
  /* A config naming saldod's unique_id but another state topic, or the
   * other way round: not what saldod wrote. */
  other_unique = g_strdup (
    "{\"unique_id\":\"saldo_gw1_line12_balance\",\"state_topic\":\"x/line/12/state\"}");
  g_assert_false (own (&names, "homeassistant/sensor/saldo_gw1/line12_balance/config", other_unique));
  other_state_topic = g_strdup (
    "{\"unique_id\":\"saldo_gw1_line12_data\",\"state_topic\":\"saldo/gw1/line/12/state\"}");
  g_assert_false (own (&names, "homeassistant/sensor/saldo_gw1/line12_balance/config", other_state_topic));
  g_assert_true (own (&names, "homeassistant/sensor/saldo_gw1/line12_data/config", other_state_topic));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mqtt-payload/state", test_state);
  g_test_add_func ("/mqtt-payload/discovery", test_discovery);
  g_test_add_func ("/mqtt-payload/provider", test_provider);
  g_test_add_func ("/mqtt-payload/next-change", test_next_change);
  g_test_add_func ("/mqtt-payload/own", test_own);
  return g_test_run ();
}
