/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

#include "saldo-export-snapshot.h"

G_BEGIN_DECLS

/*
 * What goes over MQTT, as pure functions of a snapshot: each line's state
 * (retained JSON on PREFIX/line/N/state) and Home Assistant's discovery
 * configs (retained on DISCOVERY/sensor|binary_sensor/saldo_NODE/lineN_KEY/
 * config) that turn it into sensors without YAML; the same for each top-up
 * provider (PREFIX/provider/N/state, …/providerN_KEY/config).  Entities are
 * named by the machine (NodeId) and the line's or provider's number, never
 * by the ICCID.
 */
typedef struct {
  const char *node_id;
  const char *topic_prefix;
  const char *discovery_prefix; /* "" = no discovery */
  gboolean    full_iccid;
} SaldoMqttNames;

/* PREFIX/status: "online" while saldod is connected, "offline" (its will) after. */
char *saldo_mqtt_status_topic (const SaldoMqttNames *names);
char *saldo_mqtt_state_topic (const SaldoMqttNames *names, const SaldoExportLine *line);
/* days_left counts from now (unix seconds). */
char *saldo_mqtt_state_payload (const SaldoMqttNames *names, const SaldoExportLine *line, gint64 now);
/* Adds the line's discovery (topic, payload) pairs; nothing when
 * discovery is off. */
void saldo_mqtt_discovery (const SaldoMqttNames  *names,
                           const SaldoExportLine *line,
                           GPtrArray             *topics,
                           GPtrArray             *payloads);
/* Each top-up provider is a device of its own: PREFIX/provider/N/state
 * and its discovery configs, N its object's number. */
char *saldo_mqtt_provider_topic (const SaldoMqttNames *names, const SaldoExportProvider *provider);
char *saldo_mqtt_provider_payload (const SaldoExportProvider *provider);
void  saldo_mqtt_provider_discovery (const SaldoMqttNames      *names,
                                     const SaldoExportProvider *provider,
                                     GPtrArray                 *topics,
                                     GPtrArray                 *payloads);
/* What saldod left on the broker.  The filters (NULL-terminated, discovery
 * configs first) cover every retained topic saldod publishes for lines and
 * providers under names, and nothing else of its own (not its status). */
GStrv saldo_mqtt_own_filters (const SaldoMqttNames *names);
/* Whether a retained message is one saldod published under names: a
 * line's or provider's state or one of their discovery configs, told by
 * the topic's shape and by what the payload says (its line number, the
 * unique_id and state_topic saldod gives).  Anything else, under the same
 * prefixes or not, is another program's and never touched. */
gboolean
saldo_mqtt_is_own (const SaldoMqttNames *names, const char *topic, const void *payload, gsize length);

/* When the state's days_left next changes (unix seconds), 0 = never. */
gint64 saldo_mqtt_next_change (const SaldoExportLine *line, gint64 now);

G_END_DECLS
