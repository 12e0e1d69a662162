/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoLine"

#include "config.h"

#include "saldo-error.h"
#include "saldo-line.h"

/* Below this a schedule would hammer the carrier (and cost money abroad). */
#define SALDO_LINE_MIN_REFRESH_INTERVAL 600

/* A line: one subscription, keyed by ICCID, exported for as long as saldod
 * remembers the ICCID — whether or not a modem presents it right now. */
struct _SaldoLine {
  GObject                  parent_instance;
  SaldoLineRecord         *record;
  char                    *object_path;
  char                    *modem_path;
  SaldoDBusObjectSkeleton *object;
  SaldoDBusLine           *iface;
  char                    *sim_own_number;
  gint64                   last_check;
};

G_DEFINE_TYPE (SaldoLine, saldo_line, G_TYPE_OBJECT)

static void
saldo_line_sync_identity (SaldoLine *self)
{
  saldo_dbus_line_set_iccid (self->iface, self->record->iccid);
  saldo_dbus_line_set_imsi (self->iface, self->record->imsi);
  saldo_dbus_line_set_operator_code (self->iface, self->record->operator_code);
  saldo_dbus_line_set_operator_name (self->iface, self->record->operator_name);
  saldo_dbus_line_set_sim_type (self->iface, self->record->sim_type);
}

static void
saldo_line_sync_profile (SaldoLine *self)
{
  saldo_dbus_line_set_eid (self->iface, self->record->eid);
  saldo_dbus_line_set_profile_name (self->iface, self->record->profile_name);
  saldo_dbus_line_set_profile_nickname (self->iface, self->record->profile_nickname);
  saldo_dbus_line_set_service_provider (self->iface, self->record->service_provider);
  saldo_dbus_line_set_profile_state (self->iface, self->record->profile_state);
  saldo_dbus_line_set_profile_class (self->iface, self->record->profile_class);
}

static void
saldo_line_sync_settings (SaldoLine *self)
{
  saldo_dbus_line_set_balance_code (self->iface, self->record->balance_code);
  saldo_dbus_line_set_refresh_interval (self->iface,
                                        self->record->refresh_interval < 0
                                          ? 0
                                          : (guint) MIN (self->record->refresh_interval, G_MAXUINT32));
  saldo_dbus_line_set_allow_roaming (self->iface, self->record->allow_roaming);
  saldo_dbus_line_set_own_number (self->iface, saldo_line_get_own_number (self));
}

SaldoLine *
saldo_line_new (const SaldoLineRecord *record)
{
  SaldoLine *self;

  g_return_val_if_fail (record != NULL && record->id > 0, NULL);

  self = g_object_new (SALDO_TYPE_LINE, NULL);
  self->record = saldo_line_record_copy (record);
  self->object_path = g_strdup_printf (SALDO_LINE_PATH_PREFIX "%" G_GINT64_FORMAT, record->id);
  self->modem_path = g_strdup ("/");
  self->object = saldo_dbus_object_skeleton_new (self->object_path);
  self->iface = saldo_dbus_line_skeleton_new ();
  saldo_line_sync_identity (self);
  saldo_line_sync_settings (self);
  saldo_line_sync_profile (self);
  /* A line seen a second ago has no reading: its balance strings are empty
   * (never NULL), so every reader sees one defined "not read yet" state. */
  saldo_dbus_line_set_currency (self->iface, "");
  saldo_dbus_line_set_last_reply (self->iface, "");
  saldo_dbus_line_set_last_error (self->iface, "");
  saldo_dbus_line_set_carrier (self->iface, "");
  saldo_dbus_line_set_balance_source (self->iface, "");
  saldo_dbus_line_set_spend_per_day (self->iface, -1);
  saldo_dbus_line_set_active (self->iface, FALSE);
  saldo_dbus_line_set_modem (self->iface, "/");
  saldo_dbus_object_skeleton_set_line (self->object, self->iface);
  return self;
}

gint64
saldo_line_get_id (SaldoLine *self)
{
  return self->record->id;
}

const char *
saldo_line_get_iccid (SaldoLine *self)
{
  return self->record->iccid;
}

const char *
saldo_line_get_object_path (SaldoLine *self)
{
  return self->object_path;
}

const SaldoLineRecord *
saldo_line_get_record (SaldoLine *self)
{
  return self->record;
}

GDBusObjectSkeleton *
saldo_line_get_dbus_object (SaldoLine *self)
{
  return G_DBUS_OBJECT_SKELETON (self->object);
}

SaldoDBusLine *
saldo_line_get_dbus_line (SaldoLine *self)
{
  return self->iface;
}

const char *
saldo_line_get_modem (SaldoLine *self)
{
  return self->modem_path;
}

gboolean
saldo_line_get_active (SaldoLine *self)
{
  return g_strcmp0 (self->modem_path, "/") != 0;
}

/* NULL or "/" means no modem presents the line any more. */
void
saldo_line_set_modem (SaldoLine *self, const char *modem_path)
{
  if (modem_path == NULL || *modem_path == '\0')
    modem_path = "/";
  if (g_strcmp0 (self->modem_path, modem_path) == 0)
    return;
  g_free (self->modem_path);
  self->modem_path = g_strdup (modem_path);
  saldo_dbus_line_set_modem (self->iface, self->modem_path);
  saldo_dbus_line_set_active (self->iface, saldo_line_get_active (self));
}

static gboolean
replace_if_known (char **field, const char *value)
{
  /* A value the modem could not read this time keeps what we knew. */
  if (value == NULL || *value == '\0' || g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

/* Returns TRUE when something changed and the record should be saved. */
gboolean
saldo_line_update_identity (SaldoLine  *self,
                            const char *imsi,
                            const char *operator_code,
                            const char *operator_name,
                            const char *sim_type)
{
  gboolean changed = FALSE;

  changed |= replace_if_known (&self->record->imsi, imsi);
  changed |= replace_if_known (&self->record->operator_code, operator_code);
  changed |= replace_if_known (&self->record->operator_name, operator_name);
  if (g_strcmp0 (sim_type, "unknown") != 0)
    changed |= replace_if_known (&self->record->sim_type, sim_type);
  if (changed)
    saldo_line_sync_identity (self);
  return changed;
}

static gboolean
replace_always (char **field, const char *value)
{
  if (value == NULL)
    value = "";
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

/* What the eUICC says about the profile.  Unlike the modem's view, an empty
 * nickname here is a fact (the owner cleared it), so it replaces the old one. */
gboolean
saldo_line_update_profile (SaldoLine  *self,
                           const char *eid,
                           const char *name,
                           const char *nickname,
                           const char *service_provider,
                           const char *state,
                           const char *profile_class)
{
  gboolean changed = FALSE;

  changed |= replace_always (&self->record->eid, eid);
  changed |= replace_always (&self->record->profile_name, name);
  changed |= replace_always (&self->record->profile_nickname, nickname);
  changed |= replace_always (&self->record->service_provider, service_provider);
  changed |= replace_always (&self->record->profile_state, state);
  if (profile_class != NULL)
    changed |= replace_always (&self->record->profile_class, profile_class);
  if (g_strcmp0 (self->record->sim_type, "esim") != 0) {
    changed |= replace_always (&self->record->sim_type, "esim");
    saldo_dbus_line_set_sim_type (self->iface, "esim");
  }
  if (changed)
    saldo_line_sync_profile (self);
  return changed;
}

void
saldo_line_touch (SaldoLine *self, gint64 now)
{
  self->record->last_seen = now;
}

/* The number the owner set wins over the one the SIM reports: many SIMs
 * carry none, or a stale one. */
const char *
saldo_line_get_own_number (SaldoLine *self)
{
  if (self->record->own_number != NULL && *self->record->own_number != '\0')
    return self->record->own_number;
  return self->sim_own_number != NULL ? self->sim_own_number : "";
}

void
saldo_line_set_sim_own_number (SaldoLine *self, const char *number)
{
  if (g_strcmp0 (self->sim_own_number, number) == 0)
    return;
  g_free (self->sim_own_number);
  self->sim_own_number = g_strdup (number);
  saldo_dbus_line_set_own_number (self->iface, saldo_line_get_own_number (self));
}

void
saldo_line_set_carrier (SaldoLine *self, const char *carrier_id)
{
  saldo_dbus_line_set_carrier (self->iface, carrier_id != NULL ? carrier_id : "");
}

void
saldo_line_set_refreshing (SaldoLine *self, gboolean refreshing)
{
  saldo_dbus_line_set_refreshing (self->iface, refreshing);
}

gboolean
saldo_line_get_refreshing (SaldoLine *self)
{
  return saldo_dbus_line_get_refreshing (self->iface);
}

gint64
saldo_line_get_last_check (SaldoLine *self)
{
  return self->last_check;
}

/* Good readings set the balance; every reading sets LastReply and LastError,
 * so a menu or an error never overwrites a balance that was right. */
void
saldo_line_apply_reading (SaldoLine *self, const SaldoReading *reading)
{
  gboolean good = g_strcmp0 (reading->kind, "balance") == 0;

  self->last_check = MAX (self->last_check, reading->time);
  if (reading->raw_text != NULL && *reading->raw_text != '\0')
    saldo_dbus_line_set_last_reply (self->iface, reading->raw_text);
  saldo_dbus_line_set_last_error (self->iface, good ? "" : (reading->error != NULL ? reading->error : ""));
  if (!good)
    return;
  if (reading->has_amount) {
    saldo_dbus_line_set_balance (self->iface, reading->amount_minor);
    saldo_dbus_line_set_currency (self->iface, reading->currency != NULL ? reading->currency : "");
  }
  saldo_dbus_line_set_expiry (self->iface, reading->has_expiry ? (guint64) MAX (reading->expiry, 0) : 0);
  saldo_dbus_line_set_data_known (self->iface, reading->has_data);
  saldo_dbus_line_set_data_remaining (self->iface,
                                      reading->has_data ? (guint64) MAX (reading->data_bytes, 0) : 0);
  saldo_dbus_line_set_balance_source (self->iface, reading->source);
  saldo_dbus_line_set_last_updated (self->iface, (guint64) MAX (reading->time, 0));
}

gint64
saldo_line_get_last_updated (SaldoLine *self)
{
  return (gint64) MIN (saldo_dbus_line_get_last_updated (self->iface), (guint64) G_MAXINT64);
}

const char *
saldo_line_get_currency (SaldoLine *self)
{
  return saldo_dbus_line_get_currency (self->iface);
}

void
saldo_line_set_last_error (SaldoLine *self, const char *message)
{
  saldo_dbus_line_set_last_error (self->iface, message);
}

void
saldo_line_set_balance_code_source (SaldoLine *self, const char *source)
{
  saldo_dbus_line_set_balance_code_source (self->iface, source);
}

gint64
saldo_line_get_refresh_interval (SaldoLine *self, gint64 default_interval)
{
  return self->record->refresh_interval < 0 ? default_interval : self->record->refresh_interval;
}

static gboolean
valid_ussd_code (const char *code)
{
  gsize len = strlen (code);

  if (len == 0 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (code[i]) && code[i] != '*' && code[i] != '#' && code[i] != '+')
      return FALSE;
  return TRUE;
}

static gboolean
valid_menu (const char *menu)
{
  for (const char *p = menu; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != ';' && *p != '*' && *p != '#' && *p != ' ')
      return FALSE;
  return strlen (menu) <= 128;
}

static gboolean
valid_e164 (const char *number)
{
  gsize len = strlen (number);

  if (len == 0)
    return TRUE;
  if (number[0] != '+' || len < 8 || len > 16)
    return FALSE;
  for (gsize i = 1; i < len; i++)
    if (!g_ascii_isdigit (number[i]))
      return FALSE;
  return TRUE;
}

static gboolean
valid_senders (const char *senders)
{
  for (const char *p = senders; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("+; -_.", *p) == NULL)
      return FALSE;
  return strlen (senders) <= 256;
}

static gboolean
invalid_setting (GError **error, const char *key, const char *why)
{
  g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT, "%s: %s", key, why);
  return FALSE;
}

/* Validates every key first and applies nothing unless all are good, so a
 * bad call never leaves half its settings behind. */
gboolean
saldo_line_update_settings (SaldoLine *self, GVariant *settings, gboolean *changed, GError **error)
{
  g_autoptr(SaldoLineRecord) next = saldo_line_record_copy (self->record);
  gsize n_settings = g_variant_n_children (settings);

  for (gsize i = 0; i < n_settings; i++) {
    g_autoptr(GVariant) value = NULL;
    const char *key;

    g_variant_get_child (settings, i, "{&sv}", &key, &value);
    if (g_str_equal (key, "balance-code")) {
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        return invalid_setting (error, key, "must be a string (s)");
      if (*g_variant_get_string (value, NULL) != '\0' &&
          !valid_ussd_code (g_variant_get_string (value, NULL)))
        return invalid_setting (error, key, "a USSD code has only digits, *, # and +, e.g. *515#");
      g_free (next->balance_code);
      next->balance_code = g_variant_dup_string (value, NULL);
    } else if (g_str_equal (key, "balance-menu")) {
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        return invalid_setting (error, key, "must be a string (s)");
      if (!valid_menu (g_variant_get_string (value, NULL)))
        return invalid_setting (error, key, "answers are letters, digits, * and #, separated by ;");
      g_free (next->balance_menu);
      next->balance_menu = g_variant_dup_string (value, NULL);
    } else if (g_str_equal (key, "refresh-interval")) {
      guint32 interval;

      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
        return invalid_setting (error, key, "must be seconds as an unsigned integer (u)");
      interval = g_variant_get_uint32 (value);
      if (interval != 0 && interval < SALDO_LINE_MIN_REFRESH_INTERVAL)
        return invalid_setting (error, key, "must be 0 (never) or at least 600 seconds");
      next->refresh_interval = interval;
    } else if (g_str_equal (key, "allow-roaming")) {
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        return invalid_setting (error, key, "must be a boolean (b)");
      next->allow_roaming = g_variant_get_boolean (value);
    } else if (g_str_equal (key, "own-number")) {
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        return invalid_setting (error, key, "must be a string (s)");
      if (!valid_e164 (g_variant_get_string (value, NULL)))
        return invalid_setting (error, key, "must be an E.164 number such as +51987654321, or \"\"");
      g_free (next->own_number);
      next->own_number = g_variant_dup_string (value, NULL);
    } else if (g_str_equal (key, "sms-senders")) {
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        return invalid_setting (error, key, "must be a string (s)");
      if (!valid_senders (g_variant_get_string (value, NULL)))
        return invalid_setting (error, key, "senders are numbers or names separated by ;");
      g_free (next->sms_senders);
      next->sms_senders = g_variant_dup_string (value, NULL);
    } else {
      g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                   "%s: unknown setting (known: balance-code, balance-menu, refresh-interval, "
                   "allow-roaming, own-number, sms-senders)",
                   key);
      return FALSE;
    }
  }

  *changed = g_strcmp0 (next->balance_code, self->record->balance_code) != 0 ||
             g_strcmp0 (next->balance_menu, self->record->balance_menu) != 0 ||
             next->refresh_interval != self->record->refresh_interval ||
             next->allow_roaming != self->record->allow_roaming ||
             g_strcmp0 (next->own_number, self->record->own_number) != 0 ||
             g_strcmp0 (next->sms_senders, self->record->sms_senders) != 0;
  saldo_line_record_free (self->record);
  self->record = g_steal_pointer (&next);
  saldo_line_sync_settings (self);
  return TRUE;
}

static void
saldo_line_finalize (GObject *object)
{
  SaldoLine *self = SALDO_LINE (object);

  g_clear_object (&self->iface);
  g_clear_object (&self->object);
  g_free (self->object_path);
  g_free (self->modem_path);
  g_free (self->sim_own_number);
  saldo_line_record_free (self->record);
  G_OBJECT_CLASS (saldo_line_parent_class)->finalize (object);
}

static void
saldo_line_class_init (SaldoLineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = saldo_line_finalize;
}

static void
saldo_line_init (SaldoLine *self)
{
}
