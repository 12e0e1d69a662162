/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * libFuzzer target for saldo.conf: the input is written to a file and
 * loaded the way saldod loads it at start.  The file is either refused
 * with a configuration error, or every setting is in its documented range
 * and every [Modem IMEI] group names an absolute port and a protocol.
 */

#include <string.h>

#include "fuzz-common.h"
#include "saldo-config.h"
#include "saldo-error.h"

static char *dir;
static char *path;

static void
remove_files (void)
{
  g_unlink (path);
  g_rmdir (dir);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_quiet_logs ();
  dir = fuzz_make_dir ("config");
  path = g_build_filename (dir, "saldo.conf", NULL);
  atexit (remove_files);
  return 0;
}

static void
check_config (SaldoConfig *config)
{
  const SaldoDaemonSettings *s = saldo_config_get_daemon_settings (config);
  GKeyFile *kf = saldo_config_get_keyfile (config);
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
    g_assert_true (saldo_config_get_modem_control_port (config, groups[i] + strlen ("Modem "),
                                                        &port, &protocol));
    g_assert_true (g_path_is_absolute (port));
    g_assert_true (g_str_equal (protocol, "qmi") || g_str_equal (protocol, "mbim"));
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
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
