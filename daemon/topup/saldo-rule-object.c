/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoRule"

#include "config.h"

#include "saldo-error.h"
#include "saldo-enum.h"
#include "saldo-policy-enums.h"
#include "saldo-rule-object.h"

struct _SaldoRuleObject {
  GObject                  parent_instance;
  SaldoRuleRecord         *record;
  char                    *path;
  SaldoDBusObjectSkeleton *object;
  SaldoDBusRule           *iface;
};

G_DEFINE_TYPE (SaldoRuleObject, saldo_rule_object, G_TYPE_OBJECT)

static void
saldo_rule_object_sync (SaldoRuleObject *self)
{
  const SaldoRuleRecord *r = self->record;
  g_autofree char       *day = r->day != 0 ? saldo_rule_day_to_string (r->day) : g_strdup ("");

  saldo_dbus_rule_set_kind (self->iface, r->kind);
  saldo_dbus_rule_set_enabled (self->iface, r->enabled);
  saldo_dbus_rule_set_confirm (self->iface, r->confirm);
  saldo_dbus_rule_set_provider (self->iface, r->provider);
  saldo_dbus_rule_set_amount (self->iface, r->amount);
  saldo_dbus_rule_set_currency (self->iface, r->currency);
  saldo_dbus_rule_set_below (self->iface, r->below);
  /* One column for both: days before expiry (keep-alive), days ahead
   * (forecast); each kind shows its own. */
  saldo_dbus_rule_set_days_before (self->iface, g_str_equal (r->kind, "forecast") ? 0 : r->days_before);
  saldo_dbus_rule_set_days (self->iface, g_str_equal (r->kind, "forecast") ? r->days_before : 0);
  saldo_dbus_rule_set_day (self->iface, day);
  saldo_dbus_rule_set_hour (self->iface, r->hour);
  saldo_dbus_rule_set_max_per_topup (self->iface, r->max_per_topup);
  saldo_dbus_rule_set_max_per_day (self->iface, r->max_per_day);
  saldo_dbus_rule_set_max_per_month (self->iface, r->max_per_month);
  saldo_dbus_rule_set_max_attempts24h (self->iface, r->max_attempts_24h);
  saldo_dbus_rule_set_cooldown (self->iface, r->cooldown);
  saldo_dbus_rule_set_disabled_reason (self->iface, r->disabled_reason);
}

SaldoRuleObject *
saldo_rule_object_new (const SaldoRuleRecord *record, const char *line_path)
{
  SaldoRuleObject *self = g_object_new (SALDO_TYPE_RULE_OBJECT, NULL);

  self->record = saldo_rule_record_copy (record);
  self->path = g_strdup_printf (SALDO_RULE_PATH_PREFIX "%" G_GINT64_FORMAT, record->id);
  self->object = saldo_dbus_object_skeleton_new (self->path);
  self->iface = saldo_dbus_rule_skeleton_new ();
  saldo_dbus_rule_set_line (self->iface, line_path);
  saldo_dbus_rule_set_last_decision (self->iface, "");
  saldo_rule_object_sync (self);
  saldo_dbus_object_skeleton_set_rule (self->object, self->iface);
  return self;
}

const SaldoRuleRecord *
saldo_rule_object_get_record (SaldoRuleObject *self)
{
  return self->record;
}

void
saldo_rule_object_set_record (SaldoRuleObject *self, const SaldoRuleRecord *record)
{
  saldo_rule_record_free (self->record);
  self->record = saldo_rule_record_copy (record);
  saldo_rule_object_sync (self);
}

const char *
saldo_rule_object_get_path (SaldoRuleObject *self)
{
  return self->path;
}

void
saldo_rule_object_set_last_decision (SaldoRuleObject *self, const char *reason)
{
  saldo_dbus_rule_set_last_decision (self->iface, reason != NULL ? reason : "");
}

GDBusObjectSkeleton *
saldo_rule_object_get_dbus_object (SaldoRuleObject *self)
{
  return G_DBUS_OBJECT_SKELETON (self->object);
}

SaldoDBusRule *
saldo_rule_object_get_dbus_rule (SaldoRuleObject *self)
{
  return self->iface;
}

void
saldo_rule_record_to_engine (const SaldoRuleRecord *r, const char *iccid, SaldoRule *rule)
{
  memset (rule, 0, sizeof *rule);
  rule->id = r->id;
  rule->iccid = iccid;
  rule->provider = r->provider;
  saldo_rule_kind_from_string (r->kind, &rule->kind);
  rule->mode = !r->enabled  ? SALDO_RULE_MODE_DISABLED
               : r->confirm ? SALDO_RULE_MODE_CONFIRM
                            : SALDO_RULE_MODE_ENABLED;
  rule->amount = r->amount;
  rule->currency = r->currency;
  rule->threshold = r->below;
  rule->days_before = r->days_before;
  rule->day = r->day;
  rule->hour = r->hour;
  rule->created = r->created;
  rule->rearmed_at = r->rearmed_at;
}

static gint64
strictest (gint64 current, gint64 candidate)
{
  if (candidate <= 0)
    return current;
  return current <= 0 ? candidate : MIN (current, candidate);
}

void
saldo_rule_record_fold_limits (const SaldoRuleRecord *r, SaldoLineLimits *limits)
{
  limits->max_per_topup = strictest (limits->max_per_topup, r->max_per_topup);
  limits->max_per_day = strictest (limits->max_per_day, r->max_per_day);
  limits->max_per_month = strictest (limits->max_per_month, r->max_per_month);
  if (r->max_attempts_24h > 0)
    limits->max_attempts_24h = (guint) strictest (limits->max_attempts_24h, r->max_attempts_24h);
  /* Cooldowns: the longest any rule of the line asks for. */
  limits->cooldown = MAX (limits->cooldown, (gint64) r->cooldown);
}

static gboolean
bad (GError **error, const char *key, const char *type)
{
  g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT, "%s: must be %s", key, type);
  return FALSE;
}

gboolean
saldo_rule_record_apply (SaldoRuleRecord   *record,
                         GVariant          *options,
                         const char        *line_currency,
                         const char *const *providers,
                         gint64             now,
                         GError           **error)
{
  g_autoptr(SaldoRuleRecord) next = saldo_rule_record_copy (record);
  g_autoptr(GError) rule_error = NULL;
  SaldoRule         rule;
  SaldoLineLimits   limits = { 0 };
  SaldoGlobalLimits global;
  gsize             n = g_variant_n_children (options);

  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) v = NULL;
    const char *key;

    g_variant_get_child (options, i, "{&sv}", &key, &v);
    if (g_str_equal (key, "line")) {
      continue; /* resolved by the caller */
    } else if (g_str_equal (key, "kind")) {
      SaldoRuleKind kind;

      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) ||
          !saldo_rule_kind_from_string (g_variant_get_string (v, NULL), &kind)) {
        g_autofree char *kinds = saldo_enum_list (SALDO_TYPE_RULE_KIND, ", ");
        g_autofree char *one_of = g_strdup_printf ("one of %s", kinds);

        return bad (error, key, one_of);
      }
      g_free (next->kind);
      next->kind = g_variant_dup_string (v, NULL);
    } else if (g_str_equal (key, "provider")) {
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
        return bad (error, key, "a string (s)");
      if (!g_strv_contains (providers, g_variant_get_string (v, NULL))) {
        g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                     "provider: unknown provider '%s' (configure it in providers.d/)",
                     g_variant_get_string (v, NULL));
        return FALSE;
      }
      g_free (next->provider);
      next->provider = g_variant_dup_string (v, NULL);
    } else if (g_str_equal (key, "currency")) {
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
        return bad (error, key, "a string (s)");
      if (line_currency != NULL && *line_currency != '\0' &&
          g_strcmp0 (g_variant_get_string (v, NULL), line_currency) != 0) {
        g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                     "currency: %s differs from the line's currency %s", g_variant_get_string (v, NULL),
                     line_currency);
        return FALSE;
      }
      g_free (next->currency);
      next->currency = g_variant_dup_string (v, NULL);
    } else if (g_str_equal (key, "amount") || g_str_equal (key, "below") ||
               g_str_equal (key, "max-per-topup") || g_str_equal (key, "max-per-day") ||
               g_str_equal (key, "max-per-month")) {
      gint64 value;

      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
        return bad (error, key, "an integer in minor units (x)");
      value = g_variant_get_int64 (v);
      if (value < 0 || (value == 0 && (g_str_equal (key, "amount") || g_str_equal (key, "below")))) {
        g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT, "%s: must be greater than zero", key);
        return FALSE;
      }
      if (g_str_equal (key, "amount"))
        next->amount = value;
      else if (g_str_equal (key, "below"))
        next->below = value;
      else if (g_str_equal (key, "max-per-topup"))
        next->max_per_topup = value;
      else if (g_str_equal (key, "max-per-day"))
        next->max_per_day = value;
      else
        next->max_per_month = value;
    } else if (g_str_equal (key, "days-before") || g_str_equal (key, "days") || g_str_equal (key, "hour") ||
               g_str_equal (key, "max-attempts-24h") || g_str_equal (key, "cooldown")) {
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_UINT32))
        return bad (error, key, "an unsigned integer (u)");
      if (g_str_equal (key, "days-before") || g_str_equal (key, "days"))
        next->days_before = g_variant_get_uint32 (v);
      else if (g_str_equal (key, "hour"))
        next->hour = g_variant_get_uint32 (v);
      else if (g_str_equal (key, "max-attempts-24h"))
        next->max_attempts_24h = g_variant_get_uint32 (v);
      else
        next->cooldown = g_variant_get_uint32 (v);
    } else if (g_str_equal (key, "day")) {
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) ||
          !saldo_rule_day_from_string (g_variant_get_string (v, NULL), &next->day))
        return bad (error, key, "1 to 28 or \"last\"");
    } else if (g_str_equal (key, "enabled") || g_str_equal (key, "confirm")) {
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
        return bad (error, key, "a boolean (b)");
      if (g_str_equal (key, "enabled")) {
        next->enabled = g_variant_get_boolean (v);
        /* Re-enabling is the owner's word that the cause was dealt with.
         * The ledger dates rows in whole seconds: the failures that turned
         * the rule off may share the second it is turned on again in, and
         * must not turn it off at once. */
        if (next->enabled && !record->enabled) {
          g_free (next->disabled_reason);
          next->disabled_reason = g_strdup ("");
          next->rearmed_at = now + 1;
        }
      } else {
        next->confirm = g_variant_get_boolean (v);
      }
    } else {
      g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT, "%s: unknown key", key);
      return FALSE;
    }
  }

  if (*next->provider == '\0')
    return bad (error, "provider", "given (a configured provider id)");
  if (*next->currency == '\0' && line_currency != NULL) {
    g_free (next->currency);
    next->currency = g_strdup (line_currency);
  }
  if (*next->currency == '\0') {
    g_set_error_literal (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                         "currency: the line's balance was never read; give the currency");
    return FALSE;
  }
  saldo_rule_record_to_engine (next, "validating", &rule);
  /* A new rule has no id yet; validation only needs one. */
  if (rule.id <= 0)
    rule.id = 1;
  saldo_line_limits_init_defaults (&limits);
  limits.max_attempts_24h = 0;
  saldo_rule_record_fold_limits (next, &limits);
  saldo_global_limits_init_defaults (&global);
  if (!saldo_rule_validate (&rule, next->currency, &rule_error) ||
      !saldo_rule_check_limits (&rule, &limits, &global, &rule_error)) {
    g_set_error_literal (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT, rule_error->message);
    return FALSE;
  }
  /* Swap the validated copy in; the old strings go with the copy. */
  {
    SaldoRuleRecord old = *record;

    *record = *next;
    *next = old;
  }
  return TRUE;
}

static void
saldo_rule_object_finalize (GObject *object)
{
  SaldoRuleObject *self = SALDO_RULE_OBJECT (object);

  g_clear_object (&self->iface);
  g_clear_object (&self->object);
  g_free (self->path);
  saldo_rule_record_free (self->record);
  G_OBJECT_CLASS (saldo_rule_object_parent_class)->finalize (object);
}

static void
saldo_rule_object_class_init (SaldoRuleObjectClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = saldo_rule_object_finalize;
}

static void
saldo_rule_object_init (SaldoRuleObject *self)
{
}
