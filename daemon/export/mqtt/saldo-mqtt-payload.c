/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "saldo-rule.h"
#include "saldo-money.h"
#include "saldo-mqtt-payload.h"

#define DAY 86400

char *
saldo_mqtt_status_topic (const SaldoMqttNames *names)
{
  return g_strdup_printf ("%s/status", names->topic_prefix);
}

char *
saldo_mqtt_state_topic (const SaldoMqttNames *names, const SaldoExportLine *line)
{
  return g_strdup_printf ("%s/line/%" G_GINT64_FORMAT "/state", names->topic_prefix, line->id);
}

/* Text from the network and SIMs, made valid UTF-8 for JSON. */
static void
add_text (JsonBuilder *builder, const char *member, const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);

  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, valid);
}

/* A figure not known is null: Home Assistant shows it as unknown, not 0. */
static void
add_string_or_null (JsonBuilder *builder, const char *member, const char *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_time (JsonBuilder *builder, const char *member, gint64 t)
{
  g_autoptr(GDateTime) time = t > 0 ? g_date_time_new_from_unix_utc (t) : NULL;
  g_autofree char *text = time != NULL ? g_date_time_format_iso8601 (time) : NULL;

  add_string_or_null (builder, member, text);
}

static gint64
days_left (const SaldoExportLine *line, gint64 now)
{
  return line->expiry > now ? (line->expiry - now) / DAY : 0;
}

static char *
to_json (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* Amounts are exact decimal strings ("8.40", the currency's own minor
 * units): a JSON double would print 8.4000000000000004. */
char *
saldo_mqtt_state_payload (const SaldoMqttNames *names, const SaldoExportLine *line, gint64 now)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *suffix = saldo_export_iccid_suffix (line->iccid);
  g_autofree char *balance = line->has_balance ? saldo_money_to_decimal (line->balance, line->currency)
                                               : NULL;
  g_autofree char *spend = line->has_balance && line->spend_known
                             ? saldo_money_to_decimal (line->spend_per_day, line->currency)
                             : NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "line");
  json_builder_add_int_value (builder, line->id);
  add_text (builder, "iccid_suffix", suffix);
  if (names->full_iccid)
    add_text (builder, "iccid", line->iccid);
  add_text (builder, "operator", line->operator_code);
  add_text (builder, "operator_name", line->operator_name);
  add_text (builder, "carrier", line->carrier);
  json_builder_set_member_name (builder, "active");
  json_builder_add_boolean_value (builder, line->active);
  json_builder_set_member_name (builder, "roaming");
  json_builder_add_boolean_value (builder, line->active && line->roaming);
  add_string_or_null (builder, "balance", balance);
  json_builder_set_member_name (builder, "balance_minor");
  if (balance != NULL)
    json_builder_add_int_value (builder, line->balance);
  else
    json_builder_add_null_value (builder);
  add_string_or_null (builder, "currency", balance != NULL ? line->currency : NULL);
  add_time (builder, "expiry", line->expiry);
  json_builder_set_member_name (builder, "days_left");
  if (line->expiry > 0)
    json_builder_add_int_value (builder, days_left (line, now));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "data_remaining_bytes");
  if (line->data_known)
    json_builder_add_int_value (builder, (gint64) MIN (line->data_bytes, (guint64) G_MAXINT64));
  else
    json_builder_add_null_value (builder);
  add_time (builder, "last_reading", line->last_reading);
  add_string_or_null (builder, "spend_per_day", spend);
  add_time (builder, "runs_out_on", line->runs_out_on);
  add_time (builder, "deactivation_on", line->deactivation_on);
  json_builder_set_member_name (builder, "last_check_failed");
  json_builder_add_boolean_value (builder, line->last_error != NULL && *line->last_error != '\0');
  add_text (builder, "last_error", line->last_error);
  json_builder_set_member_name (builder, "refresh_failures");
  json_builder_add_int_value (builder, (gint64) line->refresh_failures);
  json_builder_set_member_name (builder, "topups_waiting_confirmation");
  json_builder_add_int_value (builder, line->topups_open[SALDO_LEDGER_STATE_PLANNED]);
  json_builder_set_member_name (builder, "topups_unknown");
  json_builder_add_int_value (builder, line->topups_open[SALDO_LEDGER_STATE_UNKNOWN]);
  json_builder_end_object (builder);
  return to_json (builder);
}

/* One Home Assistant entity per figure. */
typedef struct {
  const char        *key;
  const char        *component;
  const char        *name;
  const char        *device_class;
  const char        *unit; /* "@currency…": the currency, then the rest */
  const char        *value_template;
  const char        *entity_category;
  const char *const *options; /* an enum sensor's states, NULL-terminated */
} Entity;

/* Spending per day is a rate: Home Assistant's "monetary" class wants a
 * bare currency as its unit, so it has none, and "PEN/d" as its unit, as
 * Home Assistant's own price sensors ("EUR/kWh") do. */
static const Entity line_entities[] = {
  { "balance", "sensor", "Balance", "monetary", "@currency", "{{ value_json.balance }}", NULL },
  { "expiry", "sensor", "Balance expiry", "timestamp", NULL, "{{ value_json.expiry }}", NULL },
  { "days_left", "sensor", "Days until the balance expires", "duration", "d", "{{ value_json.days_left }}",
    NULL },
  { "spend_per_day", "sensor", "Spending per day", NULL, "@currency/d", "{{ value_json.spend_per_day }}",
    NULL },
  { "runs_out", "sensor", "Balance runs out", "timestamp", NULL, "{{ value_json.runs_out_on }}", NULL },
  { "deactivation", "sensor", "Carrier deactivation", "timestamp", NULL, "{{ value_json.deactivation_on }}",
    NULL },
  { "data", "sensor", "Data left", "data_size", "B", "{{ value_json.data_remaining_bytes }}", NULL },
  { "last_reading", "sensor", "Last reading", "timestamp", NULL, "{{ value_json.last_reading }}",
    "diagnostic" },
  { "active", "binary_sensor", "SIM in a modem", "plug", NULL, "{{ 'ON' if value_json.active else 'OFF' }}",
    "diagnostic" },
  { "roaming", "binary_sensor", "Roaming", NULL, NULL, "{{ 'ON' if value_json.roaming else 'OFF' }}", NULL },
  { "check_failed", "binary_sensor", "Balance check failed", "problem", NULL,
    "{{ 'ON' if value_json.last_check_failed else 'OFF' }}", "diagnostic" },
};

static const Entity provider_entities[] = {
  { "needs_attention", "binary_sensor", "Needs attention", "problem", NULL,
    "{{ 'ON' if value_json.state == 'needs-attention' else 'OFF' }}", NULL },
  { "state", "sensor", "State", "enum", NULL, "{{ value_json.state }}", "diagnostic",
    saldo_export_provider_states },
  { "funds", "sensor", "Funds", "monetary", "@currency", "{{ value_json.funds }}", NULL },
};

static void
add_string (JsonBuilder *builder, const char *member, const char *value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
}

/* A device of Home Assistant's: what it is shown as; `what` ("line1",
 * "provider2") names it in topics and ids. */
typedef struct {
  const char *what;
  const char *name;
  const char *model;
  const char *state_topic;
  const char *currency; /* NULL while unknown */
} Device;

static JsonNode *
device_node (const SaldoMqttNames *names, const Device *device)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *identifier = g_strdup_printf ("saldo_%s_%s", names->node_id, device->what);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "identifiers");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, identifier);
  json_builder_end_array (builder);
  add_text (builder, "name", device->name);
  add_string (builder, "manufacturer", "Saldo");
  add_text (builder, "model", device->model);
  add_string (builder, "sw_version", SALDO_VERSION);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* The (topic, payload) pairs of one device's entities; nothing when
 * discovery is off. */
static void
add_configs (const SaldoMqttNames *names,
             const Device         *dev,
             const Entity         *entities,
             guint                 n_entities,
             GPtrArray            *topics,
             GPtrArray            *payloads)
{
  g_autofree char *status_topic = NULL;
  g_autoptr(JsonNode) device = NULL;
  const char *what = dev->what;

  if (*names->discovery_prefix == '\0')
    return;
  status_topic = saldo_mqtt_status_topic (names);
  device = device_node (names, dev);

  for (guint i = 0; i < n_entities; i++) {
    const Entity *entity = &entities[i];
    g_autoptr(JsonBuilder) builder = json_builder_new ();
    g_autofree char *object_id = g_strdup_printf ("saldo_%s_%s_%s", names->node_id, what, entity->key);
    g_autofree char *unit = g_strdup (entity->unit);
    const char      *device_class = entity->device_class;

    /* An amount not read yet has no currency: no unit, and not monetary
     * (which needs one) until it has. */
    if (unit != NULL && g_str_has_prefix (unit, "@currency")) {
      g_autofree char *rest = g_strdup (unit + strlen ("@currency"));

      g_clear_pointer (&unit, g_free);
      if (dev->currency != NULL)
        unit = g_strconcat (dev->currency, rest, NULL);
      else
        device_class = NULL;
    }
    json_builder_begin_object (builder);
    add_string (builder, "name", entity->name);
    add_string (builder, "unique_id", object_id);
    add_string (builder, "object_id", object_id);
    add_string (builder, "state_topic", dev->state_topic);
    add_string (builder, "value_template", entity->value_template);
    add_string (builder, "availability_topic", status_topic);
    if (device_class != NULL)
      add_string (builder, "device_class", device_class);
    if (unit != NULL)
      add_string (builder, "unit_of_measurement", unit);
    if (entity->entity_category != NULL)
      add_string (builder, "entity_category", entity->entity_category);
    if (entity->options != NULL) {
      json_builder_set_member_name (builder, "options");
      json_builder_begin_array (builder);
      for (guint o = 0; entity->options[o] != NULL; o++)
        json_builder_add_string_value (builder, entity->options[o]);
      json_builder_end_array (builder);
    }
    json_builder_set_member_name (builder, "device");
    json_builder_add_value (builder, json_node_copy (device));
    json_builder_set_member_name (builder, "origin");
    json_builder_begin_object (builder);
    add_string (builder, "name", "Saldo");
    add_string (builder, "sw_version", SALDO_VERSION);
    json_builder_end_object (builder);
    json_builder_end_object (builder);
    g_ptr_array_add (topics, g_strdup_printf ("%s/%s/saldo_%s/%s_%s/config", names->discovery_prefix,
                                              entity->component, names->node_id, what, entity->key));
    g_ptr_array_add (payloads, to_json (builder));
  }
}

void
saldo_mqtt_discovery (const SaldoMqttNames  *names,
                      const SaldoExportLine *line,
                      GPtrArray             *topics,
                      GPtrArray             *payloads)
{
  g_autofree char *state_topic = saldo_mqtt_state_topic (names, line);
  g_autofree char *what = g_strdup_printf ("line%" G_GINT64_FORMAT, line->id);
  g_autofree char *suffix = saldo_export_iccid_suffix (line->iccid);
  const char      *who = *line->operator_name != '\0' ? line->operator_name
                         : *line->carrier != '\0'     ? line->carrier
                                                      : "SIM";
  g_autofree char *name = g_strdup_printf ("%s …%s", who, suffix);
  Device           device = {
              what,
              name,
    *line->carrier != '\0' ? line->carrier : "SIM",
              state_topic,
    line->has_balance ? line->currency : NULL,
  };

  add_configs (names, &device, line_entities, G_N_ELEMENTS (line_entities), topics, payloads);
}

/* ---- providers ---- */

char *
saldo_mqtt_provider_topic (const SaldoMqttNames *names, const SaldoExportProvider *provider)
{
  return g_strdup_printf ("%s/provider/%" G_GINT64_FORMAT "/state", names->topic_prefix, provider->number);
}

char *
saldo_mqtt_provider_payload (const SaldoExportProvider *provider)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *funds = provider->funds_known
                             ? saldo_money_to_decimal (provider->funds, provider->funds_currency)
                             : NULL;

  json_builder_begin_object (builder);
  add_text (builder, "provider", provider->id);
  add_text (builder, "type", provider->type);
  add_text (builder, "state", provider->state);
  add_text (builder, "attention", provider->attention);
  add_string_or_null (builder, "funds", funds);
  add_string_or_null (builder, "funds_currency", funds != NULL ? provider->funds_currency : NULL);
  add_string_or_null (builder, "payment_expires",
                      *provider->payment_expires != '\0' ? provider->payment_expires : NULL);
  add_time (builder, "last_success", provider->last_success);
  json_builder_end_object (builder);
  return to_json (builder);
}

void
saldo_mqtt_provider_discovery (const SaldoMqttNames      *names,
                               const SaldoExportProvider *provider,
                               GPtrArray                 *topics,
                               GPtrArray                 *payloads)
{
  g_autofree char *state_topic = saldo_mqtt_provider_topic (names, provider);
  g_autofree char *what = g_strdup_printf ("provider%" G_GINT64_FORMAT, provider->number);
  g_autofree char *name = g_strdup_printf ("Top-up provider %s", provider->id);
  Device           device = {
              what, name, provider->type, state_topic, provider->funds_known ? provider->funds_currency : NULL,
  };

  add_configs (names, &device, provider_entities, G_N_ELEMENTS (provider_entities), topics, payloads);
}

/* ---- what saldod left on the broker ---- */

/* saldod's own payloads are a few hundred bytes. */
#define MAX_OWN_PAYLOAD (64 * 1024)

static const char *const kinds[] = { "line", "provider", NULL };

GStrv
saldo_mqtt_own_filters (const SaldoMqttNames *names)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  /* Home Assistant drops an entity when its config is emptied: configs
   * first, so no entity sees its state emptied under it. */
  if (*names->discovery_prefix != '\0') {
    g_autofree char *configs = g_strdup_printf ("%s/+/saldo_%s/+/config", names->discovery_prefix,
                                                names->node_id);

    g_strv_builder_add (builder, configs);
  }
  for (guint k = 0; kinds[k] != NULL; k++) {
    g_autofree char *states = g_strdup_printf ("%s/%s/+/state", names->topic_prefix, kinds[k]);

    g_strv_builder_add (builder, states);
  }
  return g_strv_builder_end (builder);
}

/* Skips `prefix` at *p. */
static gboolean
skip (const char **p, const char *prefix)
{
  gsize len = strlen (prefix);

  if (strncmp (*p, prefix, len) != 0)
    return FALSE;
  *p += len;
  return TRUE;
}

/* A number as saldod prints one (no sign, no leading zero), up to `end`. */
static gboolean
skip_number (const char **p, const char *end, gint64 *number)
{
  gsize            len = (gsize) (end - *p);
  g_autofree char *digits = NULL;

  if (len == 0 || len > 18 || **p == '0')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit ((*p)[i]))
      return FALSE;
  digits = g_strndup (*p, len);
  *number = g_ascii_strtoll (digits, NULL, 10);
  *p = end;
  return TRUE;
}

/* KIND/N/state under the topic prefix. */
static gboolean
parse_state_topic (const SaldoMqttNames *names, const char *topic, const char **kind, gint64 *number)
{
  const char *p = topic;

  if (!skip (&p, names->topic_prefix) || !skip (&p, "/"))
    return FALSE;
  for (guint k = 0; kinds[k] != NULL; k++) {
    const char *q = p;
    const char *end;

    if (!skip (&q, kinds[k]) || !skip (&q, "/") || (end = strchr (q, '/')) == NULL)
      continue;
    if (skip_number (&q, end, number) && strcmp (q, "/state") == 0) {
      *kind = kinds[k];
      return TRUE;
    }
  }
  return FALSE;
}

/* DISCOVERY/COMPONENT/saldo_NODE/KINDN_KEY/config; object_id is
 * KINDN_KEY. */
static gboolean
parse_discovery_topic (const SaldoMqttNames *names,
                       const char           *topic,
                       const char          **kind,
                       gint64               *number,
                       char                **object_id)
{
  g_autofree char *node = g_strdup_printf ("/saldo_%s/", names->node_id);
  const char      *p = topic;
  const char      *component;
  const char      *object;
  const char      *key;

  if (*names->discovery_prefix == '\0' || !skip (&p, names->discovery_prefix) || !skip (&p, "/"))
    return FALSE;
  component = p;
  p = strchr (p, '/');
  if (p == NULL || p == component || !skip (&p, node))
    return FALSE;
  object = p;
  for (guint k = 0; kinds[k] != NULL && *kind == NULL; k++)
    if (skip (&p, kinds[k]))
      *kind = kinds[k];
  if (*kind == NULL || (key = strchr (p, '_')) == NULL || !skip_number (&p, key, number))
    return FALSE;
  for (p = key + 1; g_ascii_islower (*p) || *p == '_'; p++)
    ;
  if (p == key + 1 || strcmp (p, "/config") != 0)
    return FALSE;
  *object_id = g_strndup (object, (gsize) (p - object));
  return TRUE;
}

static const char *
member_string (JsonObject *object, const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
           ? json_node_get_string (node)
           : NULL;
}

gboolean
saldo_mqtt_is_own (const SaldoMqttNames *names, const char *topic, const void *payload, gsize length)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *object_id = NULL;
  const char      *kind = NULL;
  gint64           number = 0;
  gboolean         discovery;
  JsonNode        *root;
  JsonObject      *object;

  discovery = parse_discovery_topic (names, topic, &kind, &number, &object_id);
  if (!discovery && !parse_state_topic (names, topic, &kind, &number))
    return FALSE;
  if (length == 0 || length > MAX_OWN_PAYLOAD)
    return FALSE;
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, payload, (gssize) length, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  object = json_node_get_object (root);

  if (discovery) {
    /* The entity saldod made: its unique_id and the state it reads. */
    g_autofree char *unique_id = g_strdup_printf ("saldo_%s_%s", names->node_id, object_id);
    g_autofree char *state_topic = g_strdup_printf ("%s/%s/%" G_GINT64_FORMAT "/state", names->topic_prefix,
                                                    kind, number);

    return g_strcmp0 (member_string (object, "unique_id"), unique_id) == 0 &&
           g_strcmp0 (member_string (object, "state_topic"), state_topic) == 0;
  }
  if (g_str_equal (kind, "line")) {
    JsonNode *line = json_object_get_member (object, "line");

    return line != NULL && JSON_NODE_HOLDS_VALUE (line) && json_node_get_value_type (line) == G_TYPE_INT64 &&
           json_node_get_int (line) == number && member_string (object, "iccid_suffix") != NULL;
  }
  return member_string (object, "provider") != NULL && member_string (object, "state") != NULL;
}

/* days_left drops by one each time (expiry - now) crosses a whole number
 * of days, and stays at 0 once the expiry has passed. */
gint64
saldo_mqtt_next_change (const SaldoExportLine *line, gint64 now)
{
  gint64 days = days_left (line, now);

  /* It is `days` while expiry - t >= days * DAY, one less a second later. */
  return days > 0 ? line->expiry - days * DAY + 1 : 0;
}
