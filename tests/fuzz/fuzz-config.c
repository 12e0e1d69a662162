/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * libFuzzer target for saldo.conf: the input is written to a file and
 * loaded the way saldod loads it at start.  The file is either refused
 * with a configuration error, or every setting is in its documented range
 * and every [Modem IMEI] group names an absolute port and a protocol; the
 * exporter reads the same file's [Daemon] Metrics* and [Mqtt] keys without
 * an error, as the load checked them.
 */

#include <string.h>

#include "fuzz-common.h"
#include "saldo-config.h"
#include "saldo-error.h"
#include "saldo-export-config.h"

static char *dir;
static char *path;

static void
remove_files (void)
{
  g_unlink (path);
  g_rmdir (dir);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_quiet_logs ();
  dir = fuzz_make_dir ("config");
  path = g_build_filename (dir, "saldo.conf", NULL);
  atexit (remove_files);
  return 0;
}

static void
check_export (SaldoConfig *config)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoExportSettings) export = saldo_export_settings_load (saldo_config_get_keyfile (config),
                                                                       saldo_config_get_path (config), NULL,
                                                                       &error);
  const SaldoMqttSettings *m;
  const char              *files[4];

  g_assert_no_error (error);
  g_assert_true (export->metrics_file == NULL || g_path_is_absolute (export->metrics_file));
  g_assert_true (g_path_is_absolute (export->module_dir));
  if (!export->mqtt_enabled)
    return;
  m = &export->mqtt;
  g_assert_true (m->host != NULL && *m->host != '\0');
  g_assert_cmpuint (m->port, >=, 1);
  g_assert_cmpuint (m->port, <=, 65535);
  g_assert_cmpuint (m->keepalive, >=, 30);
  g_assert_cmpuint (m->keepalive, <=, 65535);
  g_assert_true (strlen (m->node_id) >= 1 && strlen (m->node_id) <= 64);
  g_assert_true (*m->client_id != '\0');
  g_assert_true (*m->topic_prefix != '\0' && m->topic_prefix[0] != '$');
  g_assert_null (strpbrk (m->topic_prefix, "+#"));
  g_assert_null (strpbrk (m->discovery_prefix, "+#"));
  g_assert_true ((m->cert_file == NULL) == (m->key_file == NULL));
  g_assert_true (m->password_file == NULL || m->username != NULL);
  g_assert_true (m->tls || (m->ca_file == NULL && m->cert_file == NULL));
  files[0] = m->password_file;
  files[1] = m->ca_file;
  files[2] = m->cert_file;
  files[3] = m->key_file;
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    g_assert_true (files[i] == NULL || g_path_is_absolute (files[i]));
}

static void
check_config (SaldoConfig *config)
{
  const SaldoDaemonSettings *s = saldo_config_get_daemon_settings (config);
  GKeyFile                  *kf = saldo_config_get_keyfile (config);
  g_auto(GStrv) groups = g_key_file_get_groups (kf, NULL);

  g_assert_true (g_path_is_absolute (saldo_config_get_state_dir (config)));
  g_assert_true (g_path_is_absolute (s->carrier_data_dir));
  g_assert_true (g_path_is_absolute (s->provider_plugin_dir));
  g_assert_true (s->refresh_interval == 0 ||
                 (s->refresh_interval >= 600 && s->refresh_interval <= 30 * 86400));
  g_assert_cmpuint (s->ussd_timeout, >=, 1);
  g_assert_cmpuint (s->ussd_timeout, <=, 600);
  g_assert_cmpuint (s->ussd_attempts, >=, 1);
  g_assert_cmpuint (s->ussd_attempts, <=, 10);
  g_assert_cmpuint (s->ussd_retry_delay_ms, <=, 3600 * 1000);
  g_assert_cmpuint (s->authorization_timeout_ms, >=, 100);
  g_assert_cmpuint (s->authorization_timeout_ms, <=, 300 * 1000);
  g_assert_cmpuint (s->registration_refresh_min_interval, <=, 86400);
  g_assert_cmpuint (s->verify_delay, >=, 1);
  g_assert_cmpuint (s->verify_delay, <=, 86400);
  g_assert_cmpint (s->global_monthly_cap, >=, 0);
  if (s->global_monthly_cap > 0)
    g_assert_true (s->global_cap_currency != NULL && strlen (s->global_cap_currency) == 3);

  for (guint i = 0; groups[i] != NULL; i++) {
    g_autofree char *port = NULL;
    g_autofree char *protocol = NULL;

    if (!g_str_has_prefix (groups[i], "Modem "))
      continue;
    g_assert_true (
      saldo_config_get_modem_control_port (config, groups[i] + strlen ("Modem "), &port, &protocol));
    g_assert_true (g_path_is_absolute (port));
    g_assert_true (g_str_equal (protocol, "qmi") || g_str_equal (protocol, "mbim"));
  }
  check_export (config);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(SaldoConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  if (size > 64 * 1024)
    return 0;
  fuzz_write_file (path, data, size);
  config = saldo_config_load (path, TRUE, &error);
  if (config != NULL) {
    g_assert_no_error (error);
    check_config (config);
  } else {
    g_assert_error (error, SALDO_ERROR, SALDO_ERROR_CONFIG);
  }
  return 0;
}
