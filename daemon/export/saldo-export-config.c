/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "saldo-error.h"
#include "saldo-export-config.h"

#define MQTT_GROUP      "Mqtt"
#define MAX_TOPIC_BYTES 200

const char *const saldo_export_daemon_keys[] = { "MetricsFile", "MetricsFullIccid", "ModuleDirectory", NULL };

static const char *const mqtt_keys[] = {
  "Host", "Port",   "NodeId",   "ClientId", "TopicPrefix", "DiscoveryPrefix", "Username", "PasswordFile",
  "TLS",  "CAFile", "CertFile", "KeyFile",  "KeepAlive",   "FullIccid",       NULL
};

void
saldo_export_settings_free (SaldoExportSettings *settings)
{
  SaldoMqttSettings *mqtt;

  if (settings == NULL)
    return;
  mqtt = &settings->mqtt;
  g_free (settings->metrics_file);
  g_free (settings->module_dir);
  g_free (mqtt->host);
  g_free (mqtt->node_id);
  g_free (mqtt->client_id);
  g_free (mqtt->topic_prefix);
  g_free (mqtt->discovery_prefix);
  g_free (mqtt->username);
  g_free (mqtt->password_file);
  g_free (mqtt->ca_file);
  g_free (mqtt->cert_file);
  g_free (mqtt->key_file);
  g_free (settings);
}

static gboolean
fail (GError **error, const char *path, const char *group, const char *key, const char *why)
{
  g_set_error (error, SALDO_ERROR, SALDO_ERROR_CONFIG, "%s: [%s] %s %s", path, group, key, why);
  return FALSE;
}

/* An optional string: FALSE only when the key is there but unreadable. */
static gboolean
read_string (GKeyFile   *keyfile,
             const char *path,
             const char *group,
             const char *key,
             char      **value,
             GError    **error)
{
  g_autofree char *v = NULL;

  if (!g_key_file_has_key (keyfile, group, key, NULL))
    return TRUE;
  v = g_key_file_get_string (keyfile, group, key, NULL);
  if (v == NULL || !g_utf8_validate (v, -1, NULL))
    return fail (error, path, group, key, "must be text");
  g_free (*value);
  *value = g_steal_pointer (&v);
  return TRUE;
}

static gboolean
read_bool (GKeyFile   *keyfile,
           const char *path,
           const char *group,
           const char *key,
           gboolean   *value,
           GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean v;

  if (!g_key_file_has_key (keyfile, group, key, NULL))
    return TRUE;
  v = g_key_file_get_boolean (keyfile, group, key, &local_error);
  if (local_error != NULL)
    return fail (error, path, group, key, "must be true or false");
  *value = v;
  return TRUE;
}

static gboolean
read_uint (GKeyFile   *keyfile,
           const char *path,
           const char *group,
           const char *key,
           guint       min,
           guint       max,
           guint      *value,
           GError    **error)
{
  g_autofree char *text = NULL;
  guint64          v;

  if (!g_key_file_has_key (keyfile, group, key, NULL))
    return TRUE;
  text = g_key_file_get_string (keyfile, group, key, NULL);
  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, min, max, &v, NULL)) {
    g_autofree char *why = g_strdup_printf ("must be a whole number from %u to %u", min, max);

    return fail (error, path, group, key, why);
  }
  *value = (guint) v;
  return TRUE;
}

/* A file name: absolute, or relative to the configuration's directory. */
static gboolean
read_file_name (GKeyFile   *keyfile,
                const char *path,
                const char *group,
                const char *key,
                gboolean    absolute_only,
                char      **value,
                GError    **error)
{
  g_autofree char *name = NULL;

  if (!read_string (keyfile, path, group, key, &name, error))
    return FALSE;
  if (name == NULL)
    return TRUE;
  if (*name == '\0' || (absolute_only && !g_path_is_absolute (name)))
    return fail (error, path, group, key, absolute_only ? "must be an absolute path" : "must name a file");
  g_free (*value);
  if (g_path_is_absolute (name)) {
    *value = g_steal_pointer (&name);
  } else {
    g_autofree char *dir = g_path_get_dirname (path);

    *value = g_build_filename (dir, name, NULL);
  }
  return TRUE;
}

/* Topic levels that are plain names: no wildcards, no $SYS-like start, no
 * empty level, nothing a broker would refuse or a subscriber misread. */
static gboolean
topic_is_valid (const char *topic, gboolean allow_empty)
{
  gsize len = strlen (topic);

  if (len == 0)
    return allow_empty;
  if (len > MAX_TOPIC_BYTES || topic[0] == '$' || topic[0] == '/' || topic[len - 1] == '/' ||
      strstr (topic, "//") != NULL)
    return FALSE;
  for (const char *p = topic; *p != '\0'; p++)
    if (*p == '+' || *p == '#' || (guchar) *p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

static gboolean
node_id_is_valid (const char *id)
{
  gsize len = strlen (id);

  if (len == 0 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '_' && id[i] != '-')
      return FALSE;
  return TRUE;
}

/* The host's name, first label only, in the characters ids allow. */
static char *
default_node_id (void)
{
  g_autofree char *host = g_strdup (g_get_host_name ());
  char            *dot = strchr (host, '.');

  if (dot != NULL)
    *dot = '\0';
  g_strcanon (host, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS "_-", '_');
  if (*host == '\0' || strlen (host) > 64)
    return g_strdup ("saldo");
  return g_steal_pointer (&host);
}

static gboolean
load_mqtt (GKeyFile *keyfile, const char *path, SaldoMqttSettings *mqtt, GError **error)
{
  const char *g = MQTT_GROUP;
  gboolean    tls_set;

  mqtt->keepalive = 300;
  mqtt->discovery_prefix = g_strdup ("homeassistant");
  if (!read_string (keyfile, path, g, "Host", &mqtt->host, error) ||
      !read_string (keyfile, path, g, "NodeId", &mqtt->node_id, error) ||
      !read_string (keyfile, path, g, "ClientId", &mqtt->client_id, error) ||
      !read_string (keyfile, path, g, "TopicPrefix", &mqtt->topic_prefix, error) ||
      !read_string (keyfile, path, g, "DiscoveryPrefix", &mqtt->discovery_prefix, error) ||
      !read_string (keyfile, path, g, "Username", &mqtt->username, error) ||
      !read_file_name (keyfile, path, g, "PasswordFile", FALSE, &mqtt->password_file, error) ||
      !read_bool (keyfile, path, g, "TLS", &mqtt->tls, error) ||
      !read_file_name (keyfile, path, g, "CAFile", FALSE, &mqtt->ca_file, error) ||
      !read_file_name (keyfile, path, g, "CertFile", FALSE, &mqtt->cert_file, error) ||
      !read_file_name (keyfile, path, g, "KeyFile", FALSE, &mqtt->key_file, error) ||
      !read_uint (keyfile, path, g, "KeepAlive", 30, 65535, &mqtt->keepalive, error) ||
      !read_bool (keyfile, path, g, "FullIccid", &mqtt->full_iccid, error))
    return FALSE;

  if (mqtt->host == NULL || *mqtt->host == '\0' || strpbrk (mqtt->host, " \t/") != NULL)
    return fail (error, path, g, "Host", "must name the broker (a host name or address)");
  /* A CA or a client certificate means TLS unless it is turned off. */
  tls_set = g_key_file_has_key (keyfile, g, "TLS", NULL);
  if (!tls_set)
    mqtt->tls = mqtt->ca_file != NULL || mqtt->cert_file != NULL;
  if (!mqtt->tls && (mqtt->ca_file != NULL || mqtt->cert_file != NULL || mqtt->key_file != NULL))
    return fail (error, path, g, "TLS", "is false, but CAFile, CertFile or KeyFile is set");
  if ((mqtt->cert_file == NULL) != (mqtt->key_file == NULL))
    return fail (error, path, g, "CertFile", "and KeyFile go together");
  if (mqtt->password_file != NULL && mqtt->username == NULL)
    return fail (error, path, g, "PasswordFile", "needs Username");
  mqtt->port = mqtt->tls ? 8883 : 1883;
  if (!read_uint (keyfile, path, g, "Port", 1, 65535, &mqtt->port, error))
    return FALSE;

  if (mqtt->node_id == NULL)
    mqtt->node_id = default_node_id ();
  else if (!node_id_is_valid (mqtt->node_id))
    return fail (error, path, g, "NodeId", "must be 1 to 64 letters, digits, _ or -");
  if (mqtt->client_id == NULL)
    mqtt->client_id = g_strdup_printf ("saldod-%s", mqtt->node_id);
  else if (*mqtt->client_id == '\0' || strlen (mqtt->client_id) > 64)
    return fail (error, path, g, "ClientId", "must be 1 to 64 characters");
  if (mqtt->topic_prefix == NULL)
    mqtt->topic_prefix = g_strdup_printf ("saldo/%s", mqtt->node_id);
  else if (!topic_is_valid (mqtt->topic_prefix, FALSE))
    return fail (error, path, g, "TopicPrefix",
                 "must be topic levels without +, #, a leading $ or empty levels");
  if (!topic_is_valid (mqtt->discovery_prefix, TRUE))
    return fail (error, path, g, "DiscoveryPrefix",
                 "must be empty (no discovery) or topic levels without +, # or a leading $");
  return TRUE;
}

SaldoExportSettings *
saldo_export_settings_load (GKeyFile *keyfile, const char *path, GPtrArray *warnings, GError **error)
{
  g_autoptr(SaldoExportSettings) settings = g_new0 (SaldoExportSettings, 1);

  /* A development build (meson devenv) points it at the build tree. */
  settings->module_dir = g_strdup (g_getenv ("SALDO_MODULE_DIR") != NULL &&
                                       *g_getenv ("SALDO_MODULE_DIR") != '\0'
                                     ? g_getenv ("SALDO_MODULE_DIR")
                                     : SALDO_MODULE_DIR);
  if (!read_file_name (keyfile, path, "Daemon", "MetricsFile", TRUE, &settings->metrics_file, error) ||
      !read_bool (keyfile, path, "Daemon", "MetricsFullIccid", &settings->metrics_full_iccid, error) ||
      !read_file_name (keyfile, path, "Daemon", "ModuleDirectory", TRUE, &settings->module_dir, error))
    return NULL;
  if (settings->metrics_file != NULL && g_str_has_suffix (settings->metrics_file, "/")) {
    fail (error, path, "Daemon", "MetricsFile", "must name a file, not a directory");
    return NULL;
  }

  settings->mqtt_enabled = g_key_file_has_group (keyfile, MQTT_GROUP);
  if (settings->mqtt_enabled) {
    g_auto(GStrv) keys = g_key_file_get_keys (keyfile, MQTT_GROUP, NULL, NULL);

    if (!load_mqtt (keyfile, path, &settings->mqtt, error))
      return NULL;
    for (guint i = 0; warnings != NULL && keys != NULL && keys[i] != NULL; i++)
      if (!g_strv_contains (mqtt_keys, keys[i]))
        g_ptr_array_add (warnings,
                         g_strdup_printf ("%s: unknown key [%s] %s ignored", path, MQTT_GROUP, keys[i]));
  }
  return g_steal_pointer (&settings);
}
