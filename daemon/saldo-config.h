/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SALDO_DEFAULT_CONFIG_FILE SALDO_SYSCONFDIR "/saldo/saldo.conf"
#define SALDO_DEFAULT_STATE_DIR   SALDO_LOCALSTATEDIR "/lib/saldo"

#define SALDO_TYPE_CONFIG (saldo_config_get_type ())
G_DECLARE_FINAL_TYPE (SaldoConfig, saldo_config, SALDO, CONFIG, GObject)

SaldoConfig *saldo_config_load (const char *path, gboolean must_exist, GError **error);
const char  *saldo_config_get_path (SaldoConfig *self);
const char  *saldo_config_get_config_dir (SaldoConfig *self);
GKeyFile    *saldo_config_get_keyfile (SaldoConfig *self);
const char  *saldo_config_get_state_dir (SaldoConfig *self);
void         saldo_config_set_state_dir (SaldoConfig *self, const char *state_dir);

/* [Daemon] settings, validated at load (see dbus/saldo.conf). */
typedef struct {
  guint    refresh_interval; /* s, 0 = no schedule */
  guint    ussd_timeout;     /* s */
  guint    ussd_attempts;
  guint    ussd_retry_delay_ms;
  guint    authorization_timeout_ms;
  gboolean refresh_on_registration;
  guint    registration_refresh_min_interval; /* s */
  char    *carrier_data_dir;
  guint    verify_delay;       /* s after a top-up before re-reading the balance */
  gint64   global_monthly_cap; /* minor units across all lines, 0 = none */
  char    *global_cap_currency;
  char    *provider_plugin_dir;   /* saldo-provider-TYPE.so modules */
  char    *provider_info_file;    /* serviceproviders.xml; "" = not used */
  gint64   confirmation_timeout;  /* s a planned top-up waits for the owner */
  gint64   unknown_settle_delay;  /* s after an unclear request before the balance decides */
  gint64   unknown_settle_window; /* s more the balance has to rise before it is failed */
  gint64   default_max_per_topup; /* caps where a line's rules set none, */
  gint64   default_max_per_day;   /*   minor units of default_cap_currency; 0 = none */
  char    *default_cap_currency;
  gint64   provider_check_interval; /* s before the first health check of a provider
                                        * that needs its owner; doubles each time */
} SaldoDaemonSettings;

const SaldoDaemonSettings *saldo_config_get_daemon_settings (SaldoConfig *self);

/* [Modem IMEI] ControlPort=/dev/cdc-wdm0 ControlProtocol=qmi|mbim: for
 * modems whose control port ModemManager does not report (and the tests).
 * protocol_out is "qmi" or "mbim". */
gboolean saldo_config_get_modem_control_port (SaldoConfig *self,
                                              const char  *imei,
                                              char       **port_out,
                                              char       **protocol_out);

G_END_DECLS
