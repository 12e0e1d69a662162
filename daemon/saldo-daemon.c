/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoDaemon"

#include "config.h"

#include <glib/gstdio.h>

#include "saldo-authority.h"
#include "saldo-balance-checker.h"
#include "saldo-carrier-db.h"
#include "saldo-daemon-private.h"
#include "saldo-error.h"
#include "saldo-es10c.h"
#include "saldo-euicc.h"
#include "saldo-euicc-monitor.h"
#include "saldo-line.h"
#include "saldo-log.h"
#include "saldo-modem-watcher.h"
#include "saldo-options.h"
#include "saldo-provider-builtin.h"
#include "saldo-provider-loader.h"
#include "saldo-provider-ussd-voucher.h"
#include "saldo-rule-object.h"
#include "saldo-rule-store.h"
#include "saldo-sms-watcher.h"
#include "saldo-store.h"
#include "saldo-ussd-client.h"

G_DEFINE_TYPE (SaldoDaemon, saldo_daemon, G_TYPE_OBJECT)

static void saldo_daemon_sync_carrier (SaldoDaemon *self,
                                       SaldoLine   *line);

static void saldo_daemon_reschedule   (SaldoDaemon           *self);

static void
saldo_daemon_sync_lines_property (SaldoDaemon *self)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();

  for (guint i = 0; i < self->lines->len; i++)
    g_ptr_array_add (paths, (gpointer) saldo_line_get_object_path (self->lines->pdata[i]));
  g_ptr_array_add (paths, NULL);
  saldo_dbus_manager_set_lines (self->manager_iface, (const char * const *) paths->pdata);
}


MethodCall *
saldo_method_call_new (SaldoDaemon           *self,
                 SaldoLine             *line,
                 GDBusMethodInvocation *invocation,
                 GVariant              *args)
{
  MethodCall *call = g_new0 (MethodCall, 1);

  call->self = g_object_ref (self);
  call->line = line != NULL ? g_object_ref (line) : NULL;
  call->invocation = g_object_ref (invocation);
  call->args = g_variant_ref (args);
  return call;
}

void
saldo_method_call_free (MethodCall *call)
{
  g_object_unref (call->self);
  g_clear_object (&call->line);
  g_object_unref (call->invocation);
  g_variant_unref (call->args);
  g_clear_object (&call->object);
  g_free (call);
}

void
saldo_daemon_return_error (GDBusMethodInvocation *invocation,
                           GError                *error)
{
  saldo_error_to_dbus (&error);
  g_dbus_method_invocation_return_gerror (invocation, error);
  g_error_free (error);
}

static void
on_refresh_authorized (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(MethodCall) call = user_data;
  GError *error = NULL;
  g_autoptr(GVariant) roaming = NULL;

  if (!saldo_authority_check_finish (SALDO_AUTHORITY (source), result, &error)) {
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  if (!saldo_daemon_lookup_option (call->args, "allow-roaming", G_VARIANT_TYPE_BOOLEAN,
                                   "a boolean (b)", &roaming, call->invocation))
    return;
  saldo_daemon_refresh_line (call->self, call->line, roaming != NULL && g_variant_get_boolean (roaming),
                             g_object_ref (call->invocation));
}

/* Every call that changes state or spends passes here.  Until this saldod
 * owns the bus name (a second instance reachable by its unique name, about
 * to exit) nothing is asked of polkit and nothing reaches a modem or a
 * provider. */
void
saldo_daemon_authorize (SaldoDaemon           *self,
                        GDBusMethodInvocation *invocation,
                        const char            *action_id,
                        GAsyncReadyCallback    callback,
                        MethodCall            *call)
{
  if (!self->serving) {
    g_dbus_method_invocation_return_error (invocation, SALDO_ERROR, SALDO_ERROR_BUSY,
                                           "this saldod does not own %s", SALDO_BUS_NAME);
    saldo_method_call_free (call);
    return;
  }
  saldo_authority_check_async (self->authority, invocation, action_id, callback, call);
}

/* Every action in turn, as saldo_daemon_authorize () does one. */
void
saldo_daemon_authorize_all (SaldoDaemon           *self,
                            GDBusMethodInvocation *invocation,
                            const char * const    *action_ids,
                            GAsyncReadyCallback    callback,
                            MethodCall            *call)
{
  if (!self->serving) {
    g_dbus_method_invocation_return_error (invocation, SALDO_ERROR, SALDO_ERROR_BUSY,
                                           "this saldod does not own %s", SALDO_BUS_NAME);
    saldo_method_call_free (call);
    return;
  }
  saldo_authority_check_all_async (self->authority, invocation, action_ids, callback, call);
}

/* Bad input from a caller: InvalidArgument, the message naming the key. */
void
saldo_daemon_return_invalid (GDBusMethodInvocation *invocation,
                             const char            *format,
                             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_dbus_method_invocation_return_error_literal (invocation, SALDO_ERROR,
                                                 SALDO_ERROR_INVALID_ARGUMENT, message);
}

gboolean
saldo_daemon_check_option_keys (GVariant              *options,
                                const char * const    *known,
                                GDBusMethodInvocation *invocation)
{
  GError *error = NULL;

  if (saldo_options_check_keys (options, known, &error))
    return TRUE;
  saldo_daemon_return_error (invocation, error);
  return FALSE;
}

/* saldo_options_lookup (), answering the call when the value is refused. */
gboolean
saldo_daemon_lookup_option (GVariant              *options,
                            const char            *key,
                            const GVariantType    *type,
                            const char            *description,
                            GVariant             **value,
                            GDBusMethodInvocation *invocation)
{
  GError *error = NULL;

  if (saldo_options_lookup (options, key, type, description, value, &error))
    return TRUE;
  saldo_daemon_return_error (invocation, error);
  return FALSE;
}

static gboolean
on_handle_refresh (SaldoDBusLine         *iface,
                   GDBusMethodInvocation *invocation,
                   GVariant              *options,
                   gpointer               user_data)
{
  SaldoLine *line = user_data;
  SaldoDaemon *self = g_object_get_data (G_OBJECT (line), "saldo-daemon");
  static const char * const known[] = { "allow-roaming", NULL };
  /* Overriding the owner's AllowRoaming=false is changing their setting
   * for this once: it needs what changing it needs. */
  static const char * const refresh_roaming[] = { SALDO_ACTION_REFRESH, SALDO_ACTION_CONFIGURE, NULL };
  static const char * const refresh[] = { SALDO_ACTION_REFRESH, NULL };
  gboolean override = FALSE;

  if (!saldo_daemon_check_option_keys (options, known, invocation))
    return TRUE;
  if (g_variant_lookup (options, "allow-roaming", "b", &override) && override &&
      saldo_line_get_record (line)->allow_roaming)
    override = FALSE;
  saldo_daemon_authorize_all (self, invocation, override ? refresh_roaming : refresh,
                              on_refresh_authorized,
                              saldo_method_call_new (self, line, invocation, options));
  return TRUE;
}

static GVariant *
reading_to_variant (SaldoDaemon   *self,
                    gconstpointer  item)
{
  const SaldoReading *reading = item;
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "time", "t", (guint64) MAX (reading->time, 0));
  g_variant_dict_insert (&dict, "source", "s", reading->source);
  g_variant_dict_insert (&dict, "kind", "s", reading->kind);
  g_variant_dict_insert (&dict, "text", "s", reading->raw_text);
  g_variant_dict_insert (&dict, "error", "s", reading->error);
  g_variant_dict_insert (&dict, "carrier", "s", reading->carrier);
  if (reading->has_amount) {
    g_variant_dict_insert (&dict, "amount", "x", reading->amount_minor);
    g_variant_dict_insert (&dict, "currency", "s", reading->currency);
  }
  if (reading->has_expiry)
    g_variant_dict_insert (&dict, "expiry", "t", (guint64) MAX (reading->expiry, 0));
  if (reading->has_data)
    g_variant_dict_insert (&dict, "data", "t", (guint64) MAX (reading->data_bytes, 0));
  return g_variant_dict_end (&dict);
}

/* An aa{sv} reply of the items that fit in SALDO_MAX_REPLY_BYTES, in
 * order: a reply the bus would refuse as too large must never be sent. */
GVariant *
saldo_daemon_build_reply (SaldoDaemon      *self,
                          GPtrArray        *items,
                          SaldoReplyEntry   convert)
{
  GVariantBuilder builder;
  gsize bytes = 0;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < items->len; i++) {
    g_autoptr(GVariant) entry = g_variant_ref_sink (convert (self, items->pdata[i]));

    bytes += g_variant_get_size (entry);
    if (bytes > SALDO_MAX_REPLY_BYTES)
      break;
    g_variant_builder_add_value (&builder, entry);
  }
  return g_variant_builder_end (&builder);
}

static gboolean
on_handle_get_balance_history (SaldoDBusLine         *iface,
                               GDBusMethodInvocation *invocation,
                               GVariant              *options,
                               gpointer               user_data)
{
  SaldoLine *line = user_data;
  SaldoDaemon *self = g_object_get_data (G_OBJECT (line), "saldo-daemon");
  static const char * const known[] = { "limit", "since", NULL };
  g_autoptr(GPtrArray) readings = NULL;
  g_autoptr(GVariant) limit = NULL;
  g_autoptr(GVariant) since = NULL;
  GError *error = NULL;

  if (!saldo_daemon_check_option_keys (options, known, invocation) ||
      !saldo_daemon_lookup_option (options, "limit", G_VARIANT_TYPE_UINT32,
                                   "an unsigned integer (u)", &limit, invocation) ||
      !saldo_daemon_lookup_option (options, "since", G_VARIANT_TYPE_UINT64,
                                   "unix seconds (t)", &since, invocation))
    return TRUE;
  if (!saldo_store_list_readings (self->store, saldo_line_get_id (line),
                                  since != NULL ? (gint64) MIN (g_variant_get_uint64 (since),
                                                                (guint64) G_MAXINT64) : 0,
                                  MIN (limit != NULL ? g_variant_get_uint32 (limit) : 100,
                                       SALDO_MAX_REPLY_ENTRIES),
                                  &readings, &error)) {
    saldo_daemon_return_error (invocation, error);
    return TRUE;
  }
  saldo_dbus_line_complete_get_balance_history (iface, invocation,
                                                saldo_daemon_build_reply (self, readings,
                                                                          reading_to_variant));
  return TRUE;
}

static void
on_configure_authorized (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(MethodCall) call = user_data;
  GError *error = NULL;
  gboolean changed = FALSE;

  if (!saldo_authority_check_finish (SALDO_AUTHORITY (source), result, &error)) {
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  if (!saldo_line_update_settings (call->line, call->args, &changed, &error)) {
    saldo_daemon_return_error (call->invocation, error);
    return;
  }
  if (changed) {
    g_autoptr(SaldoLineRecord) record = saldo_line_record_copy (saldo_line_get_record (call->line));

    if (!saldo_store_save_line (call->self->store, record, &error)) {
      saldo_daemon_return_error (call->invocation, error);
      return;
    }
    g_info ("line %s: settings changed", saldo_line_get_object_path (call->line));
    saldo_daemon_sync_carrier (call->self, call->line);
    g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (saldo_line_get_dbus_line (call->line)));
    saldo_daemon_reschedule (call->self);
  }
  saldo_dbus_line_complete_configure (saldo_line_get_dbus_line (call->line), call->invocation);
}

/* Settings that can spend or redirect money: a USSD code other than the
 * carrier's own balance codes (a credit transfer, a paid service) is dialled
 * by every scheduled check, and own-number is the number top-ups credit. */
static gboolean
configure_touches_money (SaldoDaemon *self,
                         SaldoLine   *line,
                         GVariant    *settings)
{
  g_autoptr(SaldoCarrier) carrier = saldo_daemon_carrier_for_line (self, line);
  g_autoptr(GVariant) code = g_variant_lookup_value (settings, "balance-code", NULL);
  g_autoptr(GVariant) menu = g_variant_lookup_value (settings, "balance-menu", NULL);
  g_autoptr(GVariant) number = g_variant_lookup_value (settings, "own-number", NULL);

  if (number != NULL)
    return TRUE;
  if (code != NULL) {
    const char *value = g_variant_is_of_type (code, G_VARIANT_TYPE_STRING)
                        ? g_variant_get_string (code, NULL) : NULL;

    if (value == NULL || (*value != '\0' &&
                          (carrier == NULL ||
                           !g_strv_contains (saldo_carrier_get_ussd_codes (carrier), value))))
      return TRUE;
  }
  if (menu != NULL) {
    const char *value = g_variant_is_of_type (menu, G_VARIANT_TYPE_STRING)
                        ? g_variant_get_string (menu, NULL) : NULL;
    g_autofree char *carrier_menu = carrier != NULL
      ? g_strjoinv (";", (char **) saldo_carrier_get_menu_path (carrier)) : NULL;

    if (value == NULL || (*value != '\0' && g_strcmp0 (value, carrier_menu) != 0))
      return TRUE;
  }
  return FALSE;
}

static gboolean
on_handle_configure (SaldoDBusLine         *iface,
                     GDBusMethodInvocation *invocation,
                     GVariant              *settings,
                     gpointer               user_data)
{
  SaldoLine *line = user_data;
  SaldoDaemon *self = g_object_get_data (G_OBJECT (line), "saldo-daemon");
  static const char * const configure[] = { SALDO_ACTION_CONFIGURE, NULL };
  static const char * const configure_money[] = { SALDO_ACTION_CONFIGURE, SALDO_ACTION_TOP_UP, NULL };

  saldo_daemon_authorize_all (self, invocation,
                              configure_touches_money (self, line, settings)
                              ? configure_money : configure,
                              on_configure_authorized,
                              saldo_method_call_new (self, line, invocation, settings));
  return TRUE;
}

static void
saldo_daemon_add_line (SaldoDaemon *self,
                       SaldoLine   *line)
{
  SaldoDBusLine *iface = saldo_line_get_dbus_line (line);

  g_object_set_data (G_OBJECT (line), "saldo-daemon", self);
  g_signal_connect_object (iface, "handle-refresh", G_CALLBACK (on_handle_refresh), line, 0);
  g_signal_connect_object (iface, "handle-get-balance-history",
                           G_CALLBACK (on_handle_get_balance_history), line, 0);
  g_signal_connect_object (iface, "handle-configure", G_CALLBACK (on_handle_configure), line, 0);
  saldo_daemon_topup_add_line (self, line);
  saldo_exporter_add_line (self->exporter, line);
  g_hash_table_insert (self->lines_by_iccid, g_strdup (saldo_line_get_iccid (line)), g_object_ref (line));
  g_ptr_array_add (self->lines, g_object_ref (line));
  if (self->object_manager != NULL)
    g_dbus_object_manager_server_export (self->object_manager, saldo_line_get_dbus_object (line));
  saldo_daemon_sync_lines_property (self);
}

static void
saldo_daemon_save_line (SaldoDaemon *self,
                        SaldoLine   *line)
{
  g_autoptr(SaldoLineRecord) record = saldo_line_record_copy (saldo_line_get_record (line));
  g_autoptr(GError) error = NULL;

  if (!saldo_store_save_line (self->store, record, &error))
    g_warning ("line %" G_GINT64_FORMAT ": cannot save: %s", saldo_line_get_id (line), error->message);
}

static SaldoLine *
saldo_daemon_ensure_line (SaldoDaemon *self,
                          const char  *iccid,
                          const char  *origin)
{
  g_autoptr(SaldoLineRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoLine) line = NULL;
  g_autofree char *redacted = NULL;
  SaldoLine *existing;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  existing = g_hash_table_lookup (self->lines_by_iccid, iccid);
  if (existing != NULL)
    return existing;

  record = saldo_line_record_new ();
  record->iccid = g_strdup (iccid);
  record->first_seen = now;
  record->last_seen = now;
  /* The row must exist before the object does: a line number is only ever
   * handed out by the database, so it survives restarts and is never reused. */
  if (!saldo_store_save_line (self->store, record, &error)) {
    g_warning ("cannot record the new line of %s: %s", origin, error->message);
    return NULL;
  }
  line = saldo_line_new (record);
  redacted = saldo_redact_iccid (iccid);
  g_info ("new line %s for ICCID %s", saldo_line_get_object_path (line), redacted);
  saldo_daemon_add_line (self, line);
  return line;
}

static void
saldo_daemon_release_modem (SaldoDaemon *self,
                            const char  *modem_path)
{
  g_autofree char *key = NULL;
  g_autofree char *iccid = NULL;
  SaldoLine *line;

  /* Stealing takes the key too: both are ours to free. */
  if (!g_hash_table_steal_extended (self->modem_iccid, modem_path, (gpointer *) &key,
                                    (gpointer *) &iccid))
    return;
  line = g_hash_table_lookup (self->lines_by_iccid, iccid);
  /* Another modem may have picked the ICCID up meanwhile (a SIM moved). */
  if (line == NULL || g_strcmp0 (saldo_line_get_modem (line), modem_path) != 0)
    return;
  saldo_line_set_modem (line, "/");
  saldo_line_touch (line, g_get_real_time () / G_USEC_PER_SEC);
  saldo_daemon_save_line (self, line);
}



static SaldoLine *
saldo_daemon_line_for_modem (SaldoDaemon *self,
                             const char  *modem_path)
{
  const char *iccid = g_hash_table_lookup (self->modem_iccid, modem_path);

  return iccid != NULL ? g_hash_table_lookup (self->lines_by_iccid, iccid) : NULL;
}

SaldoLine *
saldo_daemon_line_by_path (SaldoDaemon *self,
                           const char  *path)
{
  for (guint i = 0; i < self->lines->len; i++)
    if (g_strcmp0 (saldo_line_get_object_path (self->lines->pdata[i]), path) == 0)
      return self->lines->pdata[i];
  return NULL;
}

SaldoLine *
saldo_daemon_line_by_id (SaldoDaemon *self,
                         gint64       id)
{
  for (guint i = 0; i < self->lines->len; i++)
    if (saldo_line_get_id (self->lines->pdata[i]) == id)
      return self->lines->pdata[i];
  return NULL;
}

SaldoCarrier *
saldo_daemon_carrier_for_line (SaldoDaemon *self,
                               SaldoLine   *line)
{
  const SaldoLineRecord *record = saldo_line_get_record (line);
  SaldoCarrier *carrier = saldo_carrier_db_lookup (self->carriers, record->operator_code,
                                                   record->iccid, record->operator_name);

  /* The db keeps its carriers; callers get their own reference. */
  return carrier != NULL ? g_object_ref (carrier) : NULL;
}

const SaldoProviderInfoCodes *
saldo_daemon_provider_info_for_line (SaldoDaemon  *self,
                                     SaldoLine    *line,
                                     SaldoCarrier *carrier,
                                     char        **why)
{
  const SaldoLineRecord *record = saldo_line_get_record (line);

  if (carrier != NULL && saldo_carrier_get_ussd_codes (carrier)[0] != NULL)
    return NULL;
  if (self->provider_info == NULL) {
    if (why != NULL)
      *why = g_strdup ("mobile-broadband-provider-info is not installed");
    return NULL;
  }
  return saldo_provider_info_lookup (self->provider_info, record->operator_code,
                                     record->operator_name, why);
}

/* The country the reply parser reads a line's replies in: its carrier
 * file's, else that of its network in mobile-broadband-provider-info. */
static const char *
line_country (SaldoDaemon  *self,
              SaldoLine    *line,
              SaldoCarrier *carrier)
{
  if (carrier != NULL && !saldo_carrier_is_generic (carrier))
    return saldo_carrier_get_country (carrier);
  if (self->provider_info == NULL)
    return NULL;
  return saldo_provider_info_get_country (self->provider_info, saldo_line_get_record (line)->operator_code);
}

static void
saldo_daemon_load_provider_info (SaldoDaemon *self)
{
  const char *path = self->settings->provider_info_file;
  g_autoptr(GError) error = NULL;

  if (path == NULL || *path == '\0')
    return;
  self->provider_info = saldo_provider_info_new_from_file (path, &error);
  if (self->provider_info != NULL)
    g_info ("mobile-broadband-provider-info: %u operators from %s",
            saldo_provider_info_get_n_providers (self->provider_info), path);
  else if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_info ("mobile-broadband-provider-info is not installed (%s): lines without a carrier file "
            "need their own balance-code", path);
  else
    g_warning ("mobile-broadband-provider-info not used: %s", error->message);
}

/* Carrier and BalanceCodeSource follow the line's network and settings. */
static void
saldo_daemon_sync_carrier (SaldoDaemon *self,
                           SaldoLine   *line)
{
  g_autoptr(SaldoCarrier) carrier = saldo_daemon_carrier_for_line (self, line);
  const SaldoProviderInfoCodes *info = saldo_daemon_provider_info_for_line (self, line, carrier, NULL);
  g_auto(GStrv) menu = NULL;
  const char *code;
  SaldoBalanceCodeSource source;

  source = saldo_balance_checker_choose_code (saldo_line_get_record (line), carrier, info, &code, &menu);
  saldo_line_set_carrier (line, carrier != NULL ? saldo_carrier_get_id (carrier) : "");
  saldo_dbus_line_set_balance_code_source (saldo_line_get_dbus_line (line),
                                           saldo_balance_code_source_to_string (source));
}

static void
saldo_daemon_record_reading (SaldoDaemon  *self,
                             SaldoLine    *line,
                             SaldoReading *reading,
                             gboolean      apply)
{
  g_autoptr(GError) error = NULL;

  reading->line_id = saldo_line_get_id (line);
  /* The reading is kept even when it cannot be saved: the owner still sees
   * it on the bus, and the failure is logged loudly. */
  if (!saldo_store_add_reading (self->store, reading, &error))
    g_warning ("line %" G_GINT64_FORMAT ": cannot record a reading: %s",
               saldo_line_get_id (line), error->message);
  if (apply)
    saldo_line_apply_reading (line, reading);
}

static gint64
saldo_daemon_last_attempt (SaldoDaemon *self,
                           SaldoLine   *line)
{
  gint64 *attempt = g_hash_table_lookup (self->last_attempt, line);

  return MAX (attempt != NULL ? *attempt : 0, saldo_line_get_last_check (line));
}

typedef struct {
  SaldoDaemon *self;
  SaldoLine   *line;
} CheckContext;

static void
saldo_daemon_finish_refresh (SaldoDaemon  *self,
                             SaldoLine    *line,
                             const GError *error)
{
  g_autoptr(GPtrArray) waiters = NULL;

  g_hash_table_steal_extended (self->refresh_waiters, line, NULL, (gpointer *) &waiters);
  saldo_line_set_refreshing (line, FALSE);
  /* Skeletons announce property changes from an idle; flush them so a
   * caller sees the new balance as soon as its call returns. */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (saldo_line_get_dbus_line (line)));
  for (guint i = 0; waiters != NULL && i < waiters->len; i++) {
    GDBusMethodInvocation *invocation = waiters->pdata[i];

    if (error == NULL) {
      saldo_dbus_line_complete_refresh (saldo_line_get_dbus_line (line), invocation);
    } else {
      g_autoptr(GError) copy = g_error_copy (error);

      saldo_error_to_dbus (&copy);
      g_dbus_method_invocation_return_gerror (invocation, copy);
    }
  }
  saldo_daemon_reschedule (self);
}

static void
on_check_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  CheckContext *ctx = user_data;
  g_autoptr(SaldoDaemon) self = ctx->self;
  g_autoptr(SaldoLine) line = ctx->line;
  g_autoptr(SaldoReading) reading = NULL;
  g_autoptr(GError) error = NULL;

  g_free (ctx);
  saldo_balance_checker_check_finish (SALDO_BALANCE_CHECKER (source), result, &reading, &error);
  if (reading != NULL)
    saldo_daemon_record_reading (self, line, reading, TRUE);
  else if (error != NULL)
    saldo_dbus_line_set_last_error (saldo_line_get_dbus_line (line), error->message);
  if (error != NULL)
    saldo_exporter_refresh_failed (self->exporter, line);
  if (reading != NULL && error == NULL)
    saldo_daemon_topup_balance_read (self, line, reading);
  if (error != NULL)
    g_info ("line %s: balance check failed: %s", saldo_line_get_object_path (line), error->message);
  else
    g_info ("line %s: balance %s %" G_GINT64_FORMAT " (minor units)",
            saldo_line_get_object_path (line), reading->currency, reading->amount_minor);
  saldo_daemon_finish_refresh (self, line, error);
}

static gboolean
registration_allows (const SaldoSimInfo *info,
                     gboolean            allow_roaming,
                     GError            **error)
{
  const char *registration = info != NULL ? info->registration : NULL;

  if (g_strcmp0 (registration, "home") == 0)
    return TRUE;
  if (g_strcmp0 (registration, "roaming") == 0) {
    if (allow_roaming)
      return TRUE;
    g_set_error_literal (error, SALDO_ERROR, SALDO_ERROR_ROAMING,
                         "the line is roaming and USSD abroad can cost money; allow it with "
                         "saldoctl line set LINE allow-roaming=true (or the allow-roaming option)");
    return FALSE;
  }
  g_set_error (error, SALDO_ERROR, SALDO_ERROR_MODEM_UNAVAILABLE,
               "the modem is not registered on a network (%s)",
               registration != NULL ? registration : "unknown");
  return FALSE;
}

static SaldoUssdClient *
saldo_daemon_ensure_ussd_client (SaldoDaemon *self,
                                 const char  *modem_path,
                                 GError     **error)
{
  MMObject *object = saldo_modem_watcher_lookup_modem (self->watcher, modem_path);
  g_autoptr(MMModem3gppUssd) ussd = NULL;
  SaldoUssdClient *client;

  if (object == NULL) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_MODEM_UNAVAILABLE,
                 "modem %s is gone", modem_path);
    return NULL;
  }
  ussd = mm_object_get_modem_3gpp_ussd (object);
  if (ussd == NULL) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_NOT_SUPPORTED,
                 "modem %s offers no USSD (not enabled yet, or not supported)", modem_path);
    return NULL;
  }
  client = g_hash_table_lookup (self->ussd_clients, modem_path);
  if (client != NULL && saldo_ussd_client_get_ussd (client) == ussd)
    return client;
  client = saldo_ussd_client_new (ussd);
  g_hash_table_insert (self->ussd_clients, g_strdup (modem_path), client);
  return client;
}

/* Starts a balance check of line, or joins the one running.  invocation may
 * be NULL (scheduled checks). */
void
saldo_daemon_refresh_line (SaldoDaemon           *self,
                           SaldoLine             *line,
                           gboolean               allow_roaming,
                           GDBusMethodInvocation *invocation)
{
  g_autoptr(SaldoCarrier) carrier = NULL;
  const SaldoProviderInfoCodes *info = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *waiters;
  SaldoUssdClient *client = NULL;
  CheckContext *ctx;
  const char *modem_path = saldo_line_get_modem (line);
  gint64 *attempt;

  waiters = g_hash_table_lookup (self->refresh_waiters, line);
  if (waiters != NULL) {
    if (invocation != NULL)
      g_ptr_array_add (waiters, invocation);
    return;
  }

  if (!saldo_line_get_active (line)) {
    g_set_error_literal (&error, SALDO_ERROR, SALDO_ERROR_MODEM_UNAVAILABLE,
                         "the line's SIM is not in any modem");
  } else if (registration_allows (g_hash_table_lookup (self->modem_info, modem_path),
                                  allow_roaming || saldo_line_get_record (line)->allow_roaming,
                                  &error)) {
    client = saldo_daemon_ensure_ussd_client (self, modem_path, &error);
    if (client != NULL) {
      carrier = saldo_daemon_carrier_for_line (self, line);
      if (carrier == NULL) {
        g_set_error_literal (&error, SALDO_ERROR, SALDO_ERROR_NOT_SUPPORTED,
                             "no carrier definition matches the line, not even the generic one");
      } else {
        g_autofree char *why = NULL;
        g_auto(GStrv) menu = NULL;
        const char *code;

        info = saldo_daemon_provider_info_for_line (self, line, carrier, &why);
        if (saldo_balance_checker_choose_code (saldo_line_get_record (line), carrier, info, &code, &menu) ==
            SALDO_BALANCE_CODE_NONE)
          g_set_error (&error, SALDO_ERROR, SALDO_ERROR_NOT_SUPPORTED,
                       "no balance code is known for the line (carrier '%s'%s%s); set one with "
                       "saldoctl line set LINE balance-code=CODE", saldo_carrier_get_id (carrier),
                       why != NULL ? "; " : "", why != NULL ? why : "");
      }
    }
  }
  attempt = g_new (gint64, 1);
  *attempt = saldo_daemon_now ();
  g_hash_table_insert (self->last_attempt, g_object_ref (line), attempt);

  if (error != NULL) {
    saldo_dbus_line_set_last_error (saldo_line_get_dbus_line (line), error->message);
    saldo_exporter_refresh_failed (self->exporter, line);
    if (invocation != NULL) {
      saldo_error_to_dbus (&error);
      g_dbus_method_invocation_return_gerror (invocation, error);
    } else {
      g_info ("line %s: scheduled check skipped: %s", saldo_line_get_object_path (line),
              error->message);
    }
    saldo_daemon_reschedule (self);
    return;
  }

  waiters = g_ptr_array_new ();
  if (invocation != NULL)
    g_ptr_array_add (waiters, invocation);
  g_hash_table_insert (self->refresh_waiters, line, waiters);
  saldo_line_set_refreshing (line, TRUE);
  g_info ("line %s: checking the balance", saldo_line_get_object_path (line));

  ctx = g_new0 (CheckContext, 1);
  ctx->self = g_object_ref (self);
  ctx->line = g_object_ref (line);
  saldo_balance_checker_check_async (self->checker, client, saldo_line_get_record (line), carrier,
                                     info, line_country (self, line, carrier), NULL, on_check_done, ctx);
}

/* A per-line offset of up to a tenth of the interval, stable for a given
 * last check, so lines do not all dial at the same second. */
static gint64
schedule_jitter (SaldoLine *line,
                 gint64     last,
                 gint64     interval)
{
  guint32 h = (guint32) (saldo_line_get_id (line) * 2654435761u) ^ (guint32) last;

  return interval >= 10 ? (gint64) (h % (guint32) (interval / 10 + 1)) : 0;
}

static gint64
saldo_daemon_next_due (SaldoDaemon *self,
                       SaldoLine   *line)
{
  gint64 interval = saldo_line_get_refresh_interval (line, self->settings->refresh_interval);
  gint64 last;
  const SaldoSimInfo *info;

  if (interval <= 0 || !saldo_line_get_active (line))
    return G_MAXINT64;
  info = g_hash_table_lookup (self->modem_info, saldo_line_get_modem (line));
  if (!registration_allows (info, saldo_line_get_record (line)->allow_roaming, NULL))
    return G_MAXINT64;
  last = saldo_daemon_last_attempt (self, line);
  return last + interval + schedule_jitter (line, last, interval);
}

static gboolean
on_schedule (gpointer user_data)
{
  SaldoDaemon *self = user_data;
  gint64 now = saldo_daemon_now ();

  self->schedule_id = 0;
  for (guint i = 0; i < self->lines->len; i++) {
    SaldoLine *line = self->lines->pdata[i];

    if (saldo_daemon_next_due (self, line) <= now)
      saldo_daemon_refresh_line (self, line, FALSE, NULL);
  }
  saldo_daemon_reschedule (self);
  return G_SOURCE_REMOVE;
}

/* One timer for all lines, armed for the earliest due check: nothing wakes
 * up while nothing is due. */
static void
saldo_daemon_reschedule (SaldoDaemon *self)
{
  gint64 next = G_MAXINT64;
  gint64 now = saldo_daemon_now ();

  g_clear_handle_id (&self->schedule_id, g_source_remove);
  for (guint i = 0; i < self->lines->len; i++) {
    SaldoLine *line = self->lines->pdata[i];

    if (g_hash_table_contains (self->refresh_waiters, line))
      continue;
    next = MIN (next, saldo_daemon_next_due (self, line));
  }
  if (next == G_MAXINT64)
    return;
  self->schedule_id = g_timeout_add_seconds ((guint) CLAMP (next - now, 1, G_MAXUINT32 / 1000),
                                             on_schedule, self);
}

/* The message's own time (the service centre's stamp, as ModemManager
 * reports it), or 0 when it has none that can be read. */
static gint64
sms_time (const char *timestamp)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) dt = NULL;

  if (timestamp == NULL || *timestamp == '\0')
    return 0;
  dt = g_date_time_new_from_iso8601 (timestamp, utc);
  return dt != NULL ? g_date_time_to_unix (dt) : 0;
}

/* A reading from an SMS never starts a top-up: where the line can be read
 * by USSD and has rules, it asks for a USSD reading, and the rules decide on
 * that one.  Not more often than RegistrationRefreshMinInterval, so a flood
 * of messages cannot keep the modem dialling. */
static void
sms_asks_for_ussd (SaldoDaemon  *self,
                   SaldoLine    *line,
                   SaldoCarrier *carrier)
{
  gboolean has_code = *saldo_line_get_record (line)->balance_code != '\0' ||
                      (carrier != NULL && saldo_carrier_get_ussd_codes (carrier)[0] != NULL);
  gboolean has_rules = FALSE;
  gint64 *attempt;

  for (guint i = 0; i < self->rules->len && !has_rules; i++)
    has_rules = saldo_rule_object_get_record (self->rules->pdata[i])->line_id == saldo_line_get_id (line);
  if (!has_code || !has_rules || !saldo_line_get_active (line))
    return;
  attempt = g_hash_table_lookup (self->last_attempt, line);
  if (attempt != NULL &&
      saldo_daemon_now () - *attempt < (gint64) self->settings->registration_refresh_min_interval) {
    g_info ("line %s: a USSD reading was taken moments ago; the rules decided on it",
            saldo_line_get_object_path (line));
    return;
  }
  g_info ("line %s: reading the balance by USSD before the rules look at it",
          saldo_line_get_object_path (line));
  saldo_daemon_refresh_line (self, line, FALSE, NULL);
}

/* How far an SMS's own clock may be ahead of ours before it is not
 * believed: service centres and modems drift a little. */
#define SALDO_SMS_CLOCK_SLACK 300

static void
on_sms (SaldoSmsWatcher *watcher,
        const char      *sender,
        const char      *text,
        const char      *timestamp,
        gpointer         user_data)
{
  SaldoDaemon *self = user_data;
  const char *modem_path = g_object_get_data (G_OBJECT (watcher), "saldo-modem-path");
  SaldoLine *line = saldo_daemon_line_for_modem (self, modem_path);
  g_autoptr(SaldoCarrier) carrier = NULL;
  g_autoptr(SaldoReading) reading = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) extra = NULL;
  const char *history_only = NULL;
  gboolean listed;
  gint64 now = saldo_daemon_now ();
  gint64 sent;

  if (line == NULL || sender == NULL || text == NULL)
    return;
  carrier = saldo_daemon_carrier_for_line (self, line);
  listed = carrier != NULL && saldo_carrier_matches_sender (carrier, sender);
  extra = g_strsplit (saldo_line_get_record (line)->sms_senders, ";", -1);
  for (guint i = 0; !listed && extra[i] != NULL; i++)
    listed = *g_strstrip (extra[i]) != '\0' && g_ascii_strcasecmp (extra[i], sender) == 0;
  /* Without a carrier file, the numbers mobile-broadband-provider-info
   * says to text for the balance are the ones that answer. */
  if (!listed && carrier != NULL && saldo_carrier_is_generic (carrier)) {
    const SaldoProviderInfoCodes *info = saldo_daemon_provider_info_for_line (self, line, carrier, NULL);

    for (guint i = 0; !listed && info != NULL && info->balance_sms_number[i] != NULL; i++)
      listed = strcmp (info->balance_sms_number[i], sender) == 0;
  }
  if (!listed) {
    g_debug ("SMS on %s from a sender not listed for the line; ignored", modem_path);
    return;
  }
  /* The reading is as old as the message, not as old as our noticing it. */
  sent = sms_time (timestamp);
  reading = saldo_balance_checker_parse (carrier, line_country (self, line, carrier), text, "sms",
                                         sent > 0 ? MIN (sent, now) : now, &error);
  if (error != NULL) {
    if (g_strcmp0 (reading->kind, "ambiguous") != 0) {
      /* Not a balance.  Carriers send login and verification codes from the
       * same senders, and the history is free to read for every local user:
       * only that such a message came is kept, never its text. */
      g_free (reading->raw_text);
      reading->raw_text = g_strdup ("");
    }
    /* A carrier's promotion is not a failed check: only balances touch the
     * line, and ambiguous ones, whose LastError says why none was taken. */
    saldo_daemon_record_reading (self, line, reading, g_strcmp0 (reading->kind, "ambiguous") == 0);
    return;
  }
  if (sent <= 0)
    history_only = "it carries no time of its own";
  else if (sent > now + SALDO_SMS_CLOCK_SLACK)
    history_only = "its time is in the future";
  else if (reading->time < (gint64) saldo_dbus_line_get_last_updated (saldo_line_get_dbus_line (line)))
    history_only = "it is older than the line's last reading";
  saldo_daemon_record_reading (self, line, reading, history_only == NULL);
  if (history_only != NULL) {
    g_info ("line %s: a balance SMS by %s is kept in the history only: %s",
            saldo_line_get_object_path (line), sender, history_only);
    return;
  }
  g_info ("line %s: balance from an SMS by %s", saldo_line_get_object_path (line), sender);
  sms_asks_for_ussd (self, line, carrier);
  saldo_daemon_reschedule (self);
}

static void
saldo_daemon_ensure_sms_watcher (SaldoDaemon *self,
                                 const char  *modem_path)
{
  MMObject *object;
  SaldoSmsWatcher *watcher;

  if (g_hash_table_contains (self->sms_watchers, modem_path))
    return;
  object = saldo_modem_watcher_lookup_modem (self->watcher, modem_path);
  if (object == NULL)
    return;
  watcher = saldo_sms_watcher_new (object);
  g_object_set_data_full (G_OBJECT (watcher), "saldo-modem-path", g_strdup (modem_path), g_free);
  g_signal_connect (watcher, "message-received", G_CALLBACK (on_sms), self);
  g_hash_table_insert (self->sms_watchers, g_strdup (modem_path), watcher);
}

static gboolean
is_registered (const SaldoSimInfo *info)
{
  return info != NULL && (g_strcmp0 (info->registration, "home") == 0 ||
                          g_strcmp0 (info->registration, "roaming") == 0);
}


static const char *
profile_class_name (const SaldoEuiccProfile *profile)
{
  return profile->has_class ? saldo_profile_class_to_string (profile->profile_class) : NULL;
}

static SaldoEuicc *
saldo_daemon_ensure_euicc (SaldoDaemon *self,
                           const char  *key)
{
  g_autoptr(GError) error = NULL;
  SaldoEuicc *euicc = g_hash_table_lookup (self->euiccs, key);
  gint64 id;

  if (euicc != NULL)
    return euicc;
  if (!saldo_store_ensure_euicc (self->store, key, &id, &error)) {
    g_warning ("cannot record an eUICC: %s", error->message);
    return NULL;
  }
  euicc = saldo_euicc_new (id, key);
  g_hash_table_insert (self->euiccs, g_strdup (key), euicc);
  g_dbus_object_manager_server_export (self->object_manager, saldo_euicc_get_dbus_object (euicc));
  g_info ("eUICC %s", saldo_euicc_get_object_path (euicc));
  return euicc;
}

/* Every profile gets a line — disabled ones too, so the owner can set rules
 * before switching — and the lines follow the ICCID, never the slot. */
static void
on_euicc_report (SaldoEuiccMonitor      *monitor,
                 const SaldoEuiccReport *report,
                 gpointer                user_data)
{
  SaldoDaemon *self = user_data;
  SaldoEuicc *euicc = saldo_daemon_ensure_euicc (self, report->key);
  SaldoDBusEuicc *iface;
  g_autoptr(GPtrArray) paths = NULL;
  g_autoptr(GHashTable) listed = NULL;

  if (euicc == NULL)
    return;
  iface = saldo_euicc_get_dbus_euicc (euicc);
  saldo_dbus_euicc_set_modem (iface, report->modem_path);
  saldo_dbus_euicc_set_slot (iface, report->slot);
  if (report->eid != NULL)
    saldo_dbus_euicc_set_eid (iface, report->eid);
  if (report->error != NULL) {
    /* The lines we knew stay as they were: a refused read proves nothing. */
    saldo_dbus_euicc_set_last_error (iface, report->error->message);
    return;
  }
  saldo_dbus_euicc_set_last_error (iface, "");
  saldo_dbus_euicc_set_last_read (iface, (guint64) saldo_daemon_now ());

  paths = g_ptr_array_new ();
  listed = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < report->profiles->len; i++) {
    const SaldoEuiccProfile *profile = report->profiles->pdata[i];
    SaldoLine *line = saldo_daemon_ensure_line (self, profile->iccid, saldo_euicc_get_object_path (euicc));

    if (line == NULL)
      continue;
    g_hash_table_add (listed, profile->iccid);
    if (saldo_line_update_profile (line, report->eid, profile->profile_name, profile->nickname,
                                   profile->service_provider,
                                   profile->has_state ? saldo_profile_state_to_string (profile->state) : "",
                                   profile_class_name (profile))) {
      saldo_daemon_sync_carrier (self, line);
      saldo_daemon_save_line (self, line);
    }
    g_ptr_array_add (paths, (gpointer) saldo_line_get_object_path (line));
  }
  /* Profiles this eUICC no longer lists keep their lines, marked absent. */
  for (guint i = 0; report->eid != NULL && i < self->lines->len; i++) {
    SaldoLine *line = self->lines->pdata[i];
    const SaldoLineRecord *record = saldo_line_get_record (line);

    if (g_strcmp0 (record->eid, report->eid) != 0 || g_hash_table_contains (listed, record->iccid))
      continue;
    if (saldo_line_update_profile (line, record->eid, record->profile_name, record->profile_nickname,
                                   record->service_provider, "absent", record->profile_class))
      saldo_daemon_save_line (self, line);
  }
  g_ptr_array_add (paths, NULL);
  saldo_dbus_euicc_set_lines (iface, (const char * const *) paths->pdata);
}

static void
on_modem_added (SaldoModemWatcher *watcher,
                const char        *modem_path,
                MMObject          *object,
                SaldoDaemon       *self)
{
  g_autoptr(MMModem) modem = mm_object_get_modem (object);
  g_autofree char *port = NULL;
  g_autofree char *protocol = NULL;
  SaldoEuiccMonitor *monitor;
  const char *imei = modem != NULL ? mm_modem_get_equipment_identifier (modem) : NULL;

  if (!saldo_config_get_modem_control_port (self->config, imei, &port, &protocol) && modem != NULL) {
    MMModemPortInfo *ports = NULL;
    guint n_ports = 0;

    if (mm_modem_get_ports (modem, &ports, &n_ports)) {
      for (guint i = 0; i < n_ports && port == NULL; i++) {
        if (ports[i].type == MM_MODEM_PORT_TYPE_QMI || ports[i].type == MM_MODEM_PORT_TYPE_MBIM) {
          port = g_strdup_printf ("/dev/%s", ports[i].name);
          protocol = g_strdup (ports[i].type == MM_MODEM_PORT_TYPE_QMI ? "qmi" : "mbim");
        }
      }
      mm_modem_port_info_array_free (ports, n_ports);
    }
  }
  if (port == NULL) {
    g_debug ("modem %s has no QMI or MBIM control port: no eUICC to read", modem_path);
    return;
  }
  monitor = saldo_euicc_monitor_new (modem_path, imei, port,
                                     g_str_equal (protocol, "mbim") ? SALDO_CONTROL_PROTOCOL_MBIM
                                                                    : SALDO_CONTROL_PROTOCOL_QMI);
  g_signal_connect (monitor, "report", G_CALLBACK (on_euicc_report), self);
  g_hash_table_insert (self->euicc_monitors, g_strdup (modem_path), monitor);
  /* QMI says in its slot status whether the card is an eUICC.  MBIM has no
   * such query here: ModemManager's SimType decides (a physical SIM has no
   * ISD-R to ask), and an eUICC without an enabled profile, which leaves
   * ModemManager no ICCID, is read too. */
  if (saldo_euicc_monitor_get_protocol (monitor) == SALDO_CONTROL_PROTOCOL_QMI)
    saldo_euicc_monitor_refresh (monitor);
  else
    g_hash_table_add (self->mbim_pending, g_strdup (modem_path));
}

static void
on_modem_removed (SaldoModemWatcher *watcher,
                  const char        *modem_path,
                  SaldoDaemon       *self)
{
  GHashTableIter iter;
  SaldoEuicc *euicc;

  g_hash_table_remove (self->euicc_monitors, modem_path);
  g_hash_table_remove (self->mbim_pending, modem_path);
  g_hash_table_iter_init (&iter, self->euiccs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &euicc))
    if (g_strcmp0 (saldo_euicc_get_modem (euicc), modem_path) == 0)
      saldo_dbus_euicc_set_modem (saldo_euicc_get_dbus_euicc (euicc), "/");
}

static void
on_sim_present (SaldoModemWatcher  *watcher,
                const char         *modem_path,
                const SaldoSimInfo *info,
                SaldoDaemon        *self)
{
  const char *previous = g_hash_table_lookup (self->modem_iccid, modem_path);
  SaldoLine *line;

  if (previous != NULL && g_strcmp0 (previous, info->iccid) != 0) {
    SaldoEuiccMonitor *monitor = g_hash_table_lookup (self->euicc_monitors, modem_path);

    saldo_daemon_release_modem (self, modem_path);
    /* A new ICCID on the same modem: a profile switch, most likely. */
    if (monitor != NULL)
      saldo_euicc_monitor_refresh (monitor);
  }

  line = saldo_daemon_ensure_line (self, info->iccid, modem_path);
  if (line == NULL)
    return;

  if (saldo_line_get_active (line) && g_strcmp0 (saldo_line_get_modem (line), modem_path) != 0) {
    g_warning ("line %s is presented by %s and %s at once; following %s",
               saldo_line_get_object_path (line), saldo_line_get_modem (line), modem_path, modem_path);
    g_hash_table_remove (self->modem_iccid, saldo_line_get_modem (line));
  }
  saldo_line_update_identity (line, info->imsi, info->operator_code,
                              info->operator_name, info->sim_type);
  saldo_line_set_sim_own_number (line, info->own_number);
  saldo_daemon_sync_carrier (self, line);
  saldo_line_touch (line, saldo_daemon_now ());
  saldo_line_set_modem (line, modem_path);
  g_hash_table_insert (self->modem_iccid, g_strdup (modem_path), g_strdup (info->iccid));
  saldo_daemon_save_line (self, line);
  saldo_daemon_ensure_sms_watcher (self, modem_path);
  if (g_hash_table_remove (self->mbim_pending, modem_path)) {
    SaldoEuiccMonitor *monitor = g_hash_table_lookup (self->euicc_monitors, modem_path);

    if (g_strcmp0 (info->sim_type, "physical") == 0) {
      g_debug ("modem %s holds a physical SIM: no eUICC to read", modem_path);
      g_hash_table_remove (self->euicc_monitors, modem_path);
    } else if (monitor != NULL) {
      saldo_euicc_monitor_refresh (monitor);
    }
  }

  {
    const SaldoSimInfo *previous_info = g_hash_table_lookup (self->modem_info, modem_path);
    gboolean registered_now = is_registered (info) && !is_registered (previous_info);

    g_hash_table_insert (self->modem_info, g_strdup (modem_path), saldo_sim_info_copy (info));
    saldo_exporter_set_roaming (self->exporter, line, g_strcmp0 (info->registration, "roaming") == 0);
    /* A modem that just registered is the moment to learn the balance, but
     * not more often than the configured minimum: registration can flap. */
    if (registered_now && self->settings->refresh_on_registration &&
        saldo_daemon_now () - saldo_daemon_last_attempt (self, line) >=
          (gint64) self->settings->registration_refresh_min_interval &&
        registration_allows (info, saldo_line_get_record (line)->allow_roaming, NULL))
      saldo_daemon_refresh_line (self, line, FALSE, NULL);
    else
      saldo_daemon_reschedule (self);
  }
}

static void
on_sim_absent (SaldoModemWatcher *watcher,
               const char        *modem_path,
               const char        *reason,
               SaldoDaemon       *self)
{
  gboolean modem_gone = g_str_equal (reason, "modem removed") ||
                        g_str_equal (reason, "ModemManager stopped");

  if (!modem_gone && g_hash_table_remove (self->mbim_pending, modem_path)) {
    SaldoEuiccMonitor *monitor = g_hash_table_lookup (self->euicc_monitors, modem_path);

    if (monitor != NULL)
      saldo_euicc_monitor_refresh (monitor);
  }
  saldo_daemon_release_modem (self, modem_path);
  g_hash_table_remove (self->modem_info, modem_path);
  g_hash_table_remove (self->ussd_clients, modem_path);
  g_hash_table_remove (self->sms_watchers, modem_path);
  saldo_daemon_reschedule (self);
}

static void
on_manager_running (GObject    *object,
                    GParamSpec *pspec,
                    gpointer    user_data)
{
  SaldoDaemon *self = user_data;

  saldo_dbus_manager_set_modem_manager_running (self->manager_iface,
                                                saldo_modem_watcher_get_manager_running (self->watcher));
}

static gboolean
saldo_daemon_open_store (SaldoDaemon  *self,
                         GError      **error)
{
  const char *state_dir = saldo_config_get_state_dir (self->config);
  g_autofree char *db_path = g_build_filename (state_dir, "saldo.db", NULL);
  g_autoptr(GPtrArray) records = NULL;

  if (g_mkdir_with_parents (state_dir, 0700) != 0) {
    int errsv = errno;

    g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE,
                 "cannot create state directory %s: %s", state_dir, g_strerror (errsv));
    return FALSE;
  }
  self->store = saldo_store_open (db_path, error);
  if (self->store == NULL)
    return FALSE;
  if (!saldo_store_load_lines (self->store, &records, error))
    return FALSE;
  for (guint i = 0; i < records->len; i++) {
    g_autoptr(SaldoLine) line = saldo_line_new (records->pdata[i]);
    g_autoptr(SaldoReading) last_good = NULL;
    g_autoptr(SaldoReading) last_any = NULL;

    /* The last good balance first, then the newest reading on top of it for
     * LastReply/LastError: a restart shows exactly what was shown before. */
    if (!saldo_store_last_reading (self->store, saldo_line_get_id (line), TRUE, &last_good, error) ||
        !saldo_store_last_reading (self->store, saldo_line_get_id (line), FALSE, &last_any, error))
      return FALSE;
    if (last_good != NULL)
      saldo_line_apply_reading (line, last_good);
    if (last_any != NULL && (last_good == NULL || last_any->id != last_good->id))
      saldo_line_apply_reading (line, last_any);
    saldo_daemon_sync_carrier (self, line);
    saldo_daemon_add_line (self, line);
  }
  {
    g_autoptr(GArray) euicc_ids = NULL;
    g_autoptr(GPtrArray) euicc_keys = NULL;

    /* eUICCs read before come back with their profiles' lines, detached
     * ("/" modem) until their modem shows up again. */
    if (!saldo_store_load_euiccs (self->store, &euicc_ids, &euicc_keys, error))
      return FALSE;
    for (guint i = 0; i < euicc_keys->len; i++) {
      const char *key = euicc_keys->pdata[i];
      SaldoEuicc *euicc = saldo_euicc_new (g_array_index (euicc_ids, gint64, i), key);
      g_autoptr(GPtrArray) paths = g_ptr_array_new ();

      for (guint j = 0; j < self->lines->len; j++)
        if (g_strcmp0 (saldo_line_get_record (self->lines->pdata[j])->eid, key) == 0)
          g_ptr_array_add (paths, (gpointer) saldo_line_get_object_path (self->lines->pdata[j]));
      g_ptr_array_add (paths, NULL);
      if (!g_str_has_prefix (key, "modem:"))
        saldo_dbus_euicc_set_eid (saldo_euicc_get_dbus_euicc (euicc), key);
      saldo_dbus_euicc_set_lines (saldo_euicc_get_dbus_euicc (euicc), (const char * const *) paths->pdata);
      g_hash_table_insert (self->euiccs, g_strdup (key), euicc);
    }
  }
  g_info ("state in %s: %u known line(s)", db_path, records->len);
  saldo_daemon_topup_init (self);
  saldo_daemon_attach_providers (self);
  return saldo_daemon_topup_load_rules (self, error);
}

/* providers.d/NAME.conf beside the configuration file; a broken file is
 * reported and skipped, the others load.  Secrets stay in their own
 * root-only files and never reach the bus or the logs. */
static void
saldo_daemon_load_providers (SaldoDaemon *self)
{
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  self->provider_loader = saldo_provider_loader_new (self->settings->provider_plugin_dir);
#if SALDO_BUILTIN_PROVIDERS
  saldo_provider_loader_add_builtins (self->provider_loader);
#endif
  saldo_provider_loader_add_builtin (self->provider_loader, SALDO_TYPE_PROVIDER_USSD_VOUCHER);
  self->providers = saldo_provider_loader_load_dir (self->provider_loader,
                                                    saldo_config_get_config_dir (self->config),
                                                    &errors, &error);
  if (self->providers == NULL) {
    g_warning ("top-up providers: %s", error->message);
    self->providers = g_ptr_array_new_with_free_func (g_object_unref);
  }
  for (guint i = 0; errors != NULL && i < errors->len; i++)
    g_warning ("top-up providers: %s", ((GError *) errors->pdata[i])->message);
  for (guint i = 0; i < self->providers->len; i++) {
    g_ptr_array_add (ids, (gpointer) saldo_provider_get_id (self->providers->pdata[i]));
    g_info ("top-up provider %s (%s)", saldo_provider_get_id (self->providers->pdata[i]),
            saldo_provider_get_type_name (self->providers->pdata[i]));
  }
  g_ptr_array_add (ids, NULL);
  saldo_dbus_manager_set_providers (self->manager_iface, (const char * const *) ids->pdata);
}

/* The ussd-voucher provider dials through the line's own modem, queued
 * with the balance checks so two sessions never overlap. */
static void
on_voucher_dialled (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *reply = saldo_ussd_client_run_finish (SALDO_USSD_CLIENT (source), result, &error);

  if (reply == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, reply, g_free);
}

static void
voucher_dial_async (gpointer             data,
                    const char          *iccid,
                    const char          *code,
                    const char          *secret,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  SaldoDaemon *self = data;
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  SaldoLine *line = g_hash_table_lookup (self->lines_by_iccid, iccid);
  SaldoUssdClient *client;
  GError *error = NULL;

  if (line == NULL || !saldo_line_get_active (line)) {
    g_task_return_new_error (task, SALDO_ERROR, SALDO_ERROR_MODEM_UNAVAILABLE,
                             "the line's SIM is not in any modem");
    g_object_unref (task);
    return;
  }
  client = saldo_daemon_ensure_ussd_client (self, saldo_line_get_modem (line), &error);
  if (client == NULL) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  saldo_ussd_client_run_secret_async (client, code, secret, self->settings->ussd_timeout * 1000,
                                      cancellable, on_voucher_dialled, task);
}

static char *
voucher_dial_finish (gpointer       data,
                     GAsyncResult  *result,
                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static SaldoCarrier *
voucher_carrier (gpointer    data,
                 const char *iccid)
{
  SaldoDaemon *self = data;
  SaldoLine *line = g_hash_table_lookup (self->lines_by_iccid, iccid);

  return line != NULL ? saldo_daemon_carrier_for_line (self, line) : NULL;
}

void
saldo_daemon_attach_providers (SaldoDaemon *self)
{
  static const SaldoVoucherDialer dialer = { voucher_dial_async, voucher_dial_finish,
                                             voucher_carrier };

  for (guint i = 0; i < self->providers->len; i++)
    if (SALDO_IS_PROVIDER_USSD_VOUCHER (self->providers->pdata[i]))
      saldo_provider_ussd_voucher_set_context (self->providers->pdata[i], self->ledger, &dialer, self);
}

SaldoDaemon *
saldo_daemon_new (GDBusConnection  *connection,
                  SaldoConfig      *config,
                  GError          **error)
{
  g_autoptr(SaldoDaemon) self = g_object_new (SALDO_TYPE_DAEMON, NULL);

  self->connection = g_object_ref (connection);
  self->config = g_object_ref (config);
  self->settings = saldo_config_get_daemon_settings (config);
  self->manager_iface = saldo_dbus_manager_skeleton_new ();
  {
    g_autofree char *admin_dir = g_build_filename (saldo_config_get_config_dir (config),
                                                   "carriers.d", NULL);
    const char *dirs[] = { self->settings->carrier_data_dir, admin_dir, NULL };
    GPtrArray *errors;
    const char * const *warnings;
    SaldoBalanceCheckConfig check_config = {
      .ussd_timeout_ms = self->settings->ussd_timeout * 1000,
      .attempts = self->settings->ussd_attempts,
      .retry_delay_ms = self->settings->ussd_retry_delay_ms,
    };

    self->carriers = saldo_carrier_db_new_from_dirs (dirs);
    saldo_daemon_load_provider_info (self);
    errors = saldo_carrier_db_get_errors (self->carriers);
    for (guint i = 0; errors != NULL && i < errors->len; i++)
      g_warning ("carrier definitions: %s", ((GError *) errors->pdata[i])->message);
    warnings = saldo_carrier_db_get_warnings (self->carriers);
    for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
      g_info ("carrier definitions: %s", warnings[i]);
    self->checker = saldo_balance_checker_new (&check_config);
    saldo_daemon_load_providers (self);
    self->authority = saldo_authority_new (self->settings->authorization_timeout_ms);
  }
  saldo_dbus_manager_set_version (self->manager_iface, SALDO_VERSION);
  saldo_dbus_manager_set_modem_manager_running (self->manager_iface, FALSE);
  if (!saldo_daemon_open_store (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* Objects go on the bus before the name is requested, so a client that sees
 * the name appear finds the whole tree. */
gboolean
saldo_daemon_export (SaldoDaemon  *self,
                     GError      **error)
{
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->manager_iface),
                                         self->connection, SALDO_OBJECT_ROOT, error))
    return FALSE;
  self->object_manager = g_dbus_object_manager_server_new (SALDO_OBJECT_ROOT);
  for (guint i = 0; i < self->lines->len; i++)
    g_dbus_object_manager_server_export (self->object_manager,
                                         saldo_line_get_dbus_object (self->lines->pdata[i]));
  {
    GHashTableIter iter;
    SaldoEuicc *euicc;

    g_hash_table_iter_init (&iter, self->euiccs);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &euicc))
      g_dbus_object_manager_server_export (self->object_manager, saldo_euicc_get_dbus_object (euicc));
  }
  saldo_daemon_topup_export (self);
  g_dbus_object_manager_server_set_connection (self->object_manager, self->connection);
  return TRUE;
}

/* Once the bus name is ours: modems, providers and reconciliation start
 * only now, so a saldod that is about to exit has touched nothing. */
void
saldo_daemon_start (SaldoDaemon *self)
{
  g_return_if_fail (!self->serving);
  self->serving = TRUE;
  self->watcher = saldo_modem_watcher_new (self->connection);
  g_signal_connect (self->watcher, "sim-present", G_CALLBACK (on_sim_present), self);
  g_signal_connect (self->watcher, "sim-absent", G_CALLBACK (on_sim_absent), self);
  g_signal_connect (self->watcher, "modem-added", G_CALLBACK (on_modem_added), self);
  g_signal_connect (self->watcher, "modem-removed", G_CALLBACK (on_modem_removed), self);
  g_signal_connect (self->watcher, "notify::manager-running", G_CALLBACK (on_manager_running), self);
  saldo_modem_watcher_start (self->watcher);
  saldo_daemon_topup_start (self);
  self->exporter = saldo_exporter_new (self->config, self->ledger, self->manager_iface, self->lines);
}

static void
saldo_daemon_dispose (GObject *object)
{
  SaldoDaemon *self = SALDO_DAEMON (object);

  g_clear_object (&self->exporter);
  g_clear_handle_id (&self->schedule_id, g_source_remove);
  saldo_daemon_topup_dispose (self);
  if (self->watcher != NULL)
    g_signal_handlers_disconnect_by_data (self->watcher, self);
  g_hash_table_remove_all (self->sms_watchers);
  g_hash_table_remove_all (self->euicc_monitors);
  g_hash_table_remove_all (self->ussd_clients);
  g_clear_object (&self->watcher);
  if (self->manager_iface != NULL &&
      g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->manager_iface)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->manager_iface));
  g_clear_object (&self->object_manager);
  G_OBJECT_CLASS (saldo_daemon_parent_class)->dispose (object);
}

static void
saldo_daemon_finalize (GObject *object)
{
  SaldoDaemon *self = SALDO_DAEMON (object);

  g_hash_table_unref (self->lines_by_iccid);
  g_hash_table_unref (self->modem_iccid);
  g_hash_table_unref (self->modem_info);
  g_hash_table_unref (self->ussd_clients);
  g_hash_table_unref (self->sms_watchers);
  g_hash_table_unref (self->euicc_monitors);
  g_hash_table_unref (self->euiccs);
  g_hash_table_unref (self->mbim_pending);
  g_hash_table_unref (self->refresh_waiters);
  g_hash_table_unref (self->last_attempt);
  g_clear_object (&self->carriers);
  g_clear_object (&self->provider_info);
  g_clear_pointer (&self->providers, g_ptr_array_unref);
  g_clear_pointer (&self->rules, g_ptr_array_unref);
  g_clear_object (&self->provider_loader);
  g_clear_object (&self->checker);
  g_clear_object (&self->authority);
  g_ptr_array_unref (self->lines);
  g_clear_object (&self->manager_iface);
  g_clear_object (&self->store);
  g_clear_object (&self->config);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (saldo_daemon_parent_class)->finalize (object);
}

static void
saldo_daemon_class_init (SaldoDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = saldo_daemon_dispose;
  object_class->finalize = saldo_daemon_finalize;
}

static void
saldo_daemon_init (SaldoDaemon *self)
{
  self->lines_by_iccid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->modem_iccid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->modem_info = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) saldo_sim_info_free);
  self->ussd_clients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->sms_watchers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->euicc_monitors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->euiccs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->mbim_pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->refresh_waiters = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                                 (GDestroyNotify) g_ptr_array_unref);
  self->last_attempt = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, g_free);
  self->lines = g_ptr_array_new_with_free_func (g_object_unref);
}
