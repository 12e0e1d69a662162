/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoConfig"

#include "config.h"

#include <string.h>

#include "saldo-config.h"
#include "saldo-error.h"
#include "saldo-export-config.h"

struct _SaldoConfig {
  GObject             parent_instance;
  char               *path;
  char               *config_dir;
  GKeyFile           *keyfile;
  char               *state_dir;
  SaldoDaemonSettings settings;
};

G_DEFINE_TYPE (SaldoConfig, saldo_config, G_TYPE_OBJECT)

static const char *const known_groups[] = { "Daemon", "Mqtt", NULL };
static const char *const known_daemon_keys[] = { "StateDirectory",
                                                 "RefreshInterval",
                                                 "UssdTimeout",
                                                 "UssdAttempts",
                                                 "UssdRetryDelay",
                                                 "AuthorizationTimeout",
                                                 "RefreshOnRegistration",
                                                 "RegistrationRefreshMinInterval",
                                                 "CarrierDataDirectory",
                                                 "VerifyDelay",
                                                 "GlobalMonthlyCap",
                                                 "GlobalCapCurrency",
                                                 "ProviderPluginDirectory",
                                                 "ProviderInfoFile",
                                                 "ConfirmationTimeout",
                                                 "UnknownSettleDelay",
                                                 "UnknownSettleWindow",
                                                 "DefaultMaxPerTopup",
                                                 "DefaultMaxPerDay",
                                                 "DefaultCapCurrency",
                                                 "ProviderCheckInterval",
                                                 NULL };

/* Reads the ISO 4217 code in `key`, required because `because` is set. */
static gboolean
read_currency (SaldoConfig *self, const char *key, const char *because, char **currency_out, GError **error)
{
  g_autofree char *currency = g_key_file_get_string (self->keyfile, "Daemon", key, NULL);

  if (currency == NULL || strlen (currency) != 3 || !g_ascii_isupper (currency[0]) ||
      !g_ascii_isupper (currency[1]) || !g_ascii_isupper (currency[2])) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_CONFIG, "%s: [Daemon] %s needs %s (ISO 4217, e.g. PEN)",
                 self->path, because, key);
    return FALSE;
  }
  g_free (*currency_out);
  *currency_out = g_steal_pointer (&currency);
  return TRUE;
}

/* Reads an optional number of seconds (fractions allowed) in [min, max]. */
static gboolean
read_seconds (SaldoConfig *self, const char *key, double min, double max, double *value, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  double v;

  if (!g_key_file_has_key (self->keyfile, "Daemon", key, NULL))
    return TRUE;
  v = g_key_file_get_double (self->keyfile, "Daemon", key, &local_error);
  if (local_error != NULL || v < min || v > max || v != v) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_CONFIG, "%s: [Daemon] %s must be a number from %g to %g",
                 self->path, key, min, max);
    return FALSE;
  }
  *value = v;
  return TRUE;
}

static gboolean
saldo_config_validate (SaldoConfig *self, GError **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (self->keyfile, NULL);

  for (guint i = 0; groups[i] != NULL; i++) {
    /* [Modem IMEI] groups carry per-modem overrides. */
    if (g_str_has_prefix (groups[i], "Modem ")) {
      g_autofree char *port = g_key_file_get_string (self->keyfile, groups[i], "ControlPort", NULL);
      g_autofree char *protocol = g_key_file_get_string (self->keyfile, groups[i], "ControlProtocol", NULL);

      if (port == NULL || !g_path_is_absolute (port)) {
        g_set_error (error, SALDO_ERROR, SALDO_ERROR_CONFIG, "%s: [%s] ControlPort must be an absolute path",
                     self->path, groups[i]);
        return FALSE;
      }
      if (g_strcmp0 (protocol, "qmi") != 0 && g_strcmp0 (protocol, "mbim") != 0) {
        g_set_error (error, SALDO_ERROR, SALDO_ERROR_CONFIG, "%s: [%s] ControlProtocol must be qmi or mbim",
                     self->path, groups[i]);
        return FALSE;
      }
      continue;
    }
    if (!g_strv_contains (known_groups, groups[i]))
      g_warning ("%s: unknown group [%s] ignored", self->path, groups[i]);
  }

  {
    g_auto(GStrv) keys = g_key_file_get_keys (self->keyfile, "Daemon", NULL, NULL);

    for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
      if (!g_strv_contains (known_daemon_keys, keys[i]) &&
          !g_strv_contains (saldo_export_daemon_keys, keys[i]))
        g_warning ("%s: unknown key [Daemon] %s ignored", self->path, keys[i]);
  }
  {
    double refresh = self->settings.refresh_interval;
    double timeout = self->settings.ussd_timeout;
    double attempts = self->settings.ussd_attempts;
    double retry = self->settings.ussd_retry_delay_ms / 1000.0;
    double auth = self->settings.authorization_timeout_ms / 1000.0;
    double min_interval = self->settings.registration_refresh_min_interval;
    double verify = self->settings.verify_delay;
    double cap = 0;
    double confirm = self->settings.confirmation_timeout;
    double settle_delay = self->settings.unknown_settle_delay;
    double settle_window = self->settings.unknown_settle_window;
    double default_topup = 0;
    double default_day = 0;
    double provider_check = self->settings.provider_check_interval;
    g_autoptr(GError) bool_error = NULL;

    if (!read_seconds (self, "RefreshInterval", 0, 30 * 86400, &refresh, error) ||
        !read_seconds (self, "UssdTimeout", 1, 600, &timeout, error) ||
        !read_seconds (self, "UssdAttempts", 1, 10, &attempts, error) ||
        !read_seconds (self, "UssdRetryDelay", 0.05, 3600, &retry, error) ||
        !read_seconds (self, "AuthorizationTimeout", 0.1, 300, &auth, error) ||
        !read_seconds (self, "RegistrationRefreshMinInterval", 0, 86400, &min_interval, error) ||
        !read_seconds (self, "VerifyDelay", 1, 86400, &verify, error) ||
        !read_seconds (self, "GlobalMonthlyCap", 0, 1e15, &cap, error) ||
        !read_seconds (self, "ConfirmationTimeout", 1, 30 * 86400, &confirm, error) ||
        !read_seconds (self, "UnknownSettleDelay", 1, 30 * 86400, &settle_delay, error) ||
        !read_seconds (self, "UnknownSettleWindow", 1, 30 * 86400, &settle_window, error) ||
        !read_seconds (self, "DefaultMaxPerTopup", 0, 1e15, &default_topup, error) ||
        !read_seconds (self, "DefaultMaxPerDay", 0, 1e15, &default_day, error) ||
        !read_seconds (self, "ProviderCheckInterval", 1, 6 * 3600, &provider_check, error))
      return FALSE;
    self->settings.provider_check_interval = (gint64) provider_check;
    self->settings.verify_delay = (guint) verify;
    self->settings.global_monthly_cap = (gint64) cap;
    self->settings.confirmation_timeout = (gint64) confirm;
    self->settings.unknown_settle_delay = (gint64) settle_delay;
    self->settings.unknown_settle_window = (gint64) settle_window;
    self->settings.default_max_per_topup = (gint64) default_topup;
    self->settings.default_max_per_day = (gint64) default_day;
    if (cap > 0 && !read_currency (self, "GlobalCapCurrency", "GlobalMonthlyCap",
                                   &self->settings.global_cap_currency, error))
      return FALSE;
    if ((default_topup > 0 || default_day > 0) &&
        !read_currency (self, "DefaultCapCurrency", "DefaultMaxPerTopup or DefaultMaxPerDay",
                        &self->settings.default_cap_currency, error))
      return FALSE;
    if (refresh != 0 && refresh < 600) {
      g_set_error (error, SALDO_ERROR, SALDO_ERROR_CONFIG,
                   "%s: [Daemon] RefreshInterval must be 0 (never) or at least 600 seconds", self->path);
      return FALSE;
    }
    self->settings.refresh_interval = (guint) refresh;
    self->settings.ussd_timeout = (guint) timeout;
    self->settings.ussd_attempts = (guint) attempts;
    self->settings.ussd_retry_delay_ms = (guint) (retry * 1000);
    self->settings.authorization_timeout_ms = (guint) (auth * 1000);
    self->settings.registration_refresh_min_interval = (guint) min_interval;
    if (g_key_file_has_key (self->keyfile, "Daemon", "RefreshOnRegistration", NULL)) {
      self->settings.refresh_on_registration = g_key_file_get_boolean (self->keyfile, "Daemon",
                                                                       "RefreshOnRegistration", &bool_error);
      if (bool_error != NULL) {
        g_set_error (error, SALDO_ERROR, SALDO_ERROR_CONFIG,
                     "%s: [Daemon] RefreshOnRegistration must be true or false", self->path);
        return FALSE;
      }
    }
    if (g_key_file_has_key (self->keyfile, "Daemon", "CarrierDataDirectory", NULL)) {
      g_autofree char *dir = g_key_file_get_string (self->keyfile, "Daemon", "CarrierDataDirectory", NULL);

      if (dir == NULL || !g_path_is_absolute (dir)) {
        g_set_error (error, SALDO_ERROR, SALDO_ERROR_CONFIG,
                     "%s: [Daemon] CarrierDataDirectory must be an absolute path", self->path);
        return FALSE;
      }
      g_free (self->settings.carrier_data_dir);
      self->settings.carrier_data_dir = g_steal_pointer (&dir);
    }
  }

  if (g_key_file_has_key (self->keyfile, "Daemon", "ProviderPluginDirectory", NULL)) {
    g_autofree char *dir = g_key_file_get_string (self->keyfile, "Daemon", "ProviderPluginDirectory", NULL);

    if (dir == NULL || !g_path_is_absolute (dir)) {
      g_set_error (error, SALDO_ERROR, SALDO_ERROR_CONFIG,
                   "%s: [Daemon] ProviderPluginDirectory must be an absolute path", self->path);
      return FALSE;
    }
    g_free (self->settings.provider_plugin_dir);
    self->settings.provider_plugin_dir = g_steal_pointer (&dir);
  }

  /* "" turns the fallback off; a missing file is only logged at start */
  if (g_key_file_has_key (self->keyfile, "Daemon", "ProviderInfoFile", NULL)) {
    g_autofree char *file = g_key_file_get_string (self->keyfile, "Daemon", "ProviderInfoFile", NULL);

    if (file == NULL || (*file != '\0' && !g_path_is_absolute (file))) {
      g_set_error (error, SALDO_ERROR, SALDO_ERROR_CONFIG,
                   "%s: [Daemon] ProviderInfoFile must be an absolute path or empty", self->path);
      return FALSE;
    }
    g_free (self->settings.provider_info_file);
    self->settings.provider_info_file = g_steal_pointer (&file);
  }

  {
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(SaldoExportSettings) export = saldo_export_settings_load (self->keyfile, self->path, warnings,
                                                                         error);

    if (export == NULL)
      return FALSE;
    for (guint i = 0; i < warnings->len; i++)
      g_warning ("%s", (const char *) warnings->pdata[i]);
  }

  if (g_key_file_has_key (self->keyfile, "Daemon", "StateDirectory", NULL)) {
    g_autoptr(GError) local_error = NULL;
    g_autofree char *dir = g_key_file_get_string (self->keyfile, "Daemon", "StateDirectory", &local_error);

    if (dir == NULL) {
      g_set_error (error, SALDO_ERROR, SALDO_ERROR_CONFIG, "%s: [Daemon] StateDirectory: %s", self->path,
                   local_error->message);
      return FALSE;
    }
    if (!g_path_is_absolute (dir)) {
      g_set_error (error, SALDO_ERROR, SALDO_ERROR_CONFIG,
                   "%s: [Daemon] StateDirectory must be an absolute path, not '%s'", self->path, dir);
      return FALSE;
    }
    g_free (self->state_dir);
    self->state_dir = g_steal_pointer (&dir);
  }
  return TRUE;
}

/* A missing default file means "all defaults"; a file the admin named, or
 * one that exists but does not parse, is an error: running with settings
 * other than the ones written down would spend money the owner did not
 * agree to. */
SaldoConfig *
saldo_config_load (const char *path, gboolean must_exist, GError **error)
{
  g_autoptr(SaldoConfig) self = g_object_new (SALDO_TYPE_CONFIG, NULL);
  g_autoptr(GError) local_error = NULL;

  self->path = g_strdup (path);
  self->config_dir = g_path_get_dirname (path);
  if (!g_key_file_load_from_file (self->keyfile, path, G_KEY_FILE_KEEP_COMMENTS, &local_error)) {
    if (!must_exist && g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      g_debug ("no %s, using defaults", path);
      return g_steal_pointer (&self);
    }
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_CONFIG, "cannot load %s: %s", path, local_error->message);
    return NULL;
  }
  if (!saldo_config_validate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
saldo_config_get_path (SaldoConfig *self)
{
  return self->path;
}

const char *
saldo_config_get_config_dir (SaldoConfig *self)
{
  return self->config_dir;
}

GKeyFile *
saldo_config_get_keyfile (SaldoConfig *self)
{
  return self->keyfile;
}

const char *
saldo_config_get_state_dir (SaldoConfig *self)
{
  return self->state_dir;
}

void
saldo_config_set_state_dir (SaldoConfig *self, const char *state_dir)
{
  g_free (self->state_dir);
  self->state_dir = g_strdup (state_dir);
}

const SaldoDaemonSettings *
saldo_config_get_daemon_settings (SaldoConfig *self)
{
  return &self->settings;
}

gboolean
saldo_config_get_modem_control_port (SaldoConfig *self, const char *imei, char **port_out, char **protocol_out)
{
  g_autofree char *group = NULL;

  if (imei == NULL)
    return FALSE;
  group = g_strdup_printf ("Modem %s", imei);
  if (!g_key_file_has_group (self->keyfile, group))
    return FALSE;
  *port_out = g_key_file_get_string (self->keyfile, group, "ControlPort", NULL);
  *protocol_out = g_key_file_get_string (self->keyfile, group, "ControlProtocol", NULL);
  return *port_out != NULL && *protocol_out != NULL;
}

static void
saldo_config_finalize (GObject *object)
{
  SaldoConfig *self = SALDO_CONFIG (object);

  g_free (self->path);
  g_free (self->config_dir);
  g_key_file_unref (self->keyfile);
  g_free (self->state_dir);
  g_free (self->settings.carrier_data_dir);
  g_free (self->settings.global_cap_currency);
  g_free (self->settings.default_cap_currency);
  g_free (self->settings.provider_plugin_dir);
  g_free (self->settings.provider_info_file);
  G_OBJECT_CLASS (saldo_config_parent_class)->finalize (object);
}

static void
saldo_config_class_init (SaldoConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = saldo_config_finalize;
}

/* A development build (meson devenv) points these at the source and build
 * trees; saldo.conf's keys still win over them. */
static char *
default_dir (const char *variable, const char *installed)
{
  const char *value = g_getenv (variable);

  return g_strdup (value != NULL && *value != '\0' ? value : installed);
}

static void
saldo_config_init (SaldoConfig *self)
{
  self->keyfile = g_key_file_new ();
  self->state_dir = g_strdup (SALDO_DEFAULT_STATE_DIR);
  self->settings.refresh_interval = 6 * 3600;
  self->settings.ussd_timeout = 30;
  self->settings.ussd_attempts = 3;
  self->settings.ussd_retry_delay_ms = 10000;
  self->settings.authorization_timeout_ms = 10000;
  self->settings.refresh_on_registration = TRUE;
  self->settings.registration_refresh_min_interval = 600;
  self->settings.carrier_data_dir = default_dir ("SALDO_CARRIERS_DIR", SALDO_CARRIERS_DIR);
  self->settings.verify_delay = 120;
  self->settings.confirmation_timeout = 86400;
  self->settings.unknown_settle_delay = 1800;
  self->settings.unknown_settle_window = 86400;
  self->settings.provider_check_interval = 300;
  self->settings.provider_plugin_dir = default_dir ("SALDO_PROVIDER_PLUGIN_DIR", SALDO_PROVIDER_PLUGIN_DIR);
  self->settings.provider_info_file = g_strdup (SALDO_PROVIDER_INFO_FILE);
}
