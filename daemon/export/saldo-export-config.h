/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* [Mqtt]: where saldod publishes for Home Assistant (see dbus/saldo.conf). */
typedef struct {
  char    *host;
  guint    port;
  char    *node_id; /* [A-Za-z0-9_-], names this machine in topics and ids */
  char    *client_id;
  char    *topic_prefix;     /* no wildcards, no leading $ */
  char    *discovery_prefix; /* "" = no Home Assistant discovery */
  char    *username;         /* NULL = none */
  char    *password_file;    /* absolute; NULL = the credential, if any */
  gboolean tls;
  char    *ca_file; /* NULL = the system's CAs */
  char    *cert_file;
  char    *key_file;
  guint    keepalive; /* s */
  gboolean full_iccid;
} SaldoMqttSettings;

/* The export keys of [Daemon] and [Mqtt]. */
typedef struct {
  char             *metrics_file; /* NULL = none */
  gboolean          metrics_full_iccid;
  char             *module_dir;
  gboolean          mqtt_enabled; /* [Mqtt] is in the file */
  SaldoMqttSettings mqtt;
} SaldoExportSettings;

/* Reads and checks them; relative file names are taken from the directory
 * of `path` (the configuration file).  Errors are SALDO_ERROR_CONFIG naming
 * the group and key; warnings (unknown keys), when asked for, are added to
 * *warnings. */
SaldoExportSettings      *
saldo_export_settings_load (GKeyFile *keyfile, const char *path, GPtrArray *warnings, GError **error);
void saldo_export_settings_free (SaldoExportSettings *settings);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoExportSettings, saldo_export_settings_free)

/* The keys saldo-config.c must not warn about. */
extern const char *const saldo_export_daemon_keys[];

G_END_DECLS
