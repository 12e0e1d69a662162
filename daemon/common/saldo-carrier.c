/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One carrier definition, parsed and validated from an in-memory GKeyFile.
 * No I/O here: reading directories is saldo-carrier-db.c's job. The key
 * reference lives in plugin/carriers/README.md; keep both in sync.
 */

#include "saldo-carrier.h"
#include "saldo-common-enums.h"
#include "saldo-enum.h"
#include "saldo-money.h"

#include <string.h>

struct _SaldoCarrier {
  GObject parent_instance;

  char          *id;
  char          *name;
  char          *country;
  char          *currency;
  GStrv          mcc_mnc;
  GStrv          iccid_prefixes;
  GStrv          spns;
  GStrv          ussd_codes;
  GStrv          menu_path;
  GStrv          sms_senders;
  char          *sms_number;
  char          *sms_text;
  GPtrArray     *patterns;
  gboolean       decimal_comma;
  gboolean       decimal_comma_set;
  SaldoDateOrder date_order;
  char          *voucher_template;
  GRegex        *voucher_success; /* what the carrier says when a voucher was taken */
  GRegex        *voucher_failure; /* ... and when it was refused */
  guint          deactivation_days;
  guint          restriction_days;
  gint64         max_per_topup; /* minor units of currency, 0 = none */
  gint64         max_per_day;
  GStrv          sources;
  GStrv          unknown_keys;
};

G_DEFINE_TYPE (SaldoCarrier, saldo_carrier, G_TYPE_OBJECT)

G_DEFINE_QUARK (saldo - carrier - error - quark, saldo_carrier_error)

#define PATTERN_KEY_PREFIX "ReplyPattern"
#define PIN_PLACEHOLDER    "{pin}"

/* Upper bounds on free-text values: generous, but they keep a corrupt or
 * hostile file from feeding megabytes into logs and D-Bus properties. */
#define NAME_MAX_CHARS          128
#define SENDER_MAX_CHARS        32
#define SPN_MAX_CHARS           32
#define SMS_TEXT_MAX_CHARS      160
#define SMS_NUMBER_MAX_DIGITS   20
#define ICCID_PREFIX_MIN_DIGITS 4
#define ICCID_PREFIX_MAX_DIGITS 20
#define DAYS_MAX                3650
#define PATTERN_INDEX_MAX       999

static const char *const known_keys[] = { "Name",
                                          "Country",
                                          "Currency",
                                          "Disabled",
                                          "MccMnc",
                                          "IccidPrefix",
                                          "Spn",
                                          "BalanceUssd",
                                          "BalanceMenu",
                                          "SmsSenders",
                                          "BalanceSmsNumber",
                                          "BalanceSmsText",
                                          "DecimalComma",
                                          "DateOrder",
                                          "VoucherUssd",
                                          "VoucherSuccess",
                                          "VoucherFailure",
                                          "DeactivationDays",
                                          "RestrictionDays",
                                          "MaxPerTopup",
                                          "MaxPerDay",
                                          "Sources",
                                          NULL };

static const char *const pattern_groups[] = { "amount", "currency", "expiry", "data", NULL };

const char *
saldo_date_order_to_string (SaldoDateOrder order)
{
  return saldo_enum_to_string (SALDO_TYPE_DATE_ORDER, order);
}

gboolean
saldo_date_order_from_string (const char *str, SaldoDateOrder *out_order)
{
  gint value;

  if (!saldo_enum_from_string (SALDO_TYPE_DATE_ORDER, str, &value))
    return FALSE;
  if (out_order != NULL)
    *out_order = (SaldoDateOrder) value;
  return TRUE;
}

static void
saldo_carrier_finalize (GObject *object)
{
  SaldoCarrier *self = SALDO_CARRIER (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->country);
  g_free (self->currency);
  g_strfreev (self->mcc_mnc);
  g_strfreev (self->iccid_prefixes);
  g_strfreev (self->spns);
  g_strfreev (self->ussd_codes);
  g_strfreev (self->menu_path);
  g_strfreev (self->sms_senders);
  g_free (self->sms_number);
  g_free (self->sms_text);
  g_clear_pointer (&self->patterns, g_ptr_array_unref);
  g_free (self->voucher_template);
  g_clear_pointer (&self->voucher_success, g_regex_unref);
  g_clear_pointer (&self->voucher_failure, g_regex_unref);
  g_strfreev (self->sources);
  g_strfreev (self->unknown_keys);

  G_OBJECT_CLASS (saldo_carrier_parent_class)->finalize (object);
}

static void
saldo_carrier_class_init (SaldoCarrierClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = saldo_carrier_finalize;
}

static void
saldo_carrier_init (SaldoCarrier *self)
{
  self->patterns = g_ptr_array_new_with_free_func ((GDestroyNotify) g_regex_unref);
  self->date_order = SALDO_DATE_ORDER_AUTO;
}

static void
carrier_set_error (GError **error, int code, const char *id, const char *key, const char *format, ...)
  G_GNUC_PRINTF (5, 6);

/* Every validation error names the carrier and the key; the db prefixes
 * the file path so admins can find the line to fix. */
static void
carrier_set_error (GError **error, int code, const char *id, const char *key, const char *format, ...)
{
  g_autofree char *detail = NULL;
  va_list          args;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);

  if (key != NULL)
    g_set_error (error, SALDO_CARRIER_ERROR, code, "carrier “%s”: key “%s”: %s", id, key, detail);
  else
    g_set_error (error, SALDO_CARRIER_ERROR, code, "carrier “%s”: %s", id, detail);
}

static gboolean
str_is_digits (const char *s)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s != '\0'; s++) {
    if (!g_ascii_isdigit (*s))
      return FALSE;
  }
  return TRUE;
}

static gboolean
char_is_ussd (char c)
{
  return g_ascii_isdigit (c) || c == '*' || c == '#' || c == '+';
}

static gboolean
str_is_ussd (const char *s)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s != '\0'; s++) {
    if (!char_is_ussd (*s))
      return FALSE;
  }
  return TRUE;
}

static gboolean
str_is_upper_alpha (const char *s, gsize len)
{
  if (s == NULL || strlen (s) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isupper (s[i]))
      return FALSE;
  }
  return TRUE;
}

/* Free text shown to users or matched against network data: no control
 * characters, bounded length. GKeyFile already guarantees valid UTF-8. */
static const char *
check_text (const char *s, glong max_chars)
{
  if (s == NULL || *s == '\0')
    return "must not be empty";
  if (g_utf8_strlen (s, -1) > max_chars)
    return "is too long";
  for (const char *p = s; *p != '\0'; p = g_utf8_next_char (p)) {
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return "contains control characters";
  }
  return NULL;
}

typedef const char *(*ElementCheck) (const char *value);

static const char *
check_mcc_mnc (const char *value)
{
  gsize len = strlen (value);

  if (!str_is_digits (value) || len < 5 || len > 6)
    return "is not an MCC+MNC (5 or 6 digits)";
  return NULL;
}

static const char *
check_iccid_prefix (const char *value)
{
  gsize len = strlen (value);

  if (!str_is_digits (value) || len < ICCID_PREFIX_MIN_DIGITS || len > ICCID_PREFIX_MAX_DIGITS)
    return "is not an ICCID prefix (4 to 20 digits)";
  return NULL;
}

static const char *
check_spn (const char *value)
{
  return check_text (value, SPN_MAX_CHARS);
}

static const char *
check_ussd (const char *value)
{
  if (!str_is_ussd (value))
    return "is not a USSD string (only 0-9 * # + allowed)";
  if (strlen (value) > SALDO_CARRIER_USSD_MAX_LEN)
    return "is longer than a USSD string may be";
  return NULL;
}

gboolean
saldo_carrier_ussd_is_valid (const char *code)
{
  return code != NULL && *code != '\0' && check_ussd (code) == NULL;
}

static const char *
check_sender (const char *value)
{
  return check_text (value, SENDER_MAX_CHARS);
}

static const char *
check_source (const char *value)
{
  /* sources are URLs or citations; only reject what would garble a log line */
  return check_text (value, 1024);
}

static gboolean
carrier_get_string (const char *id,
                    GKeyFile   *kf,
                    const char *key,
                    gboolean    required,
                    char      **out,
                    GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *value = NULL;

  value = g_key_file_get_string (kf, SALDO_CARRIER_GROUP, key, &local_error);
  if (value == NULL) {
    if (g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND)) {
      if (required) {
        carrier_set_error (error, SALDO_CARRIER_ERROR_MISSING_KEY, id, key, "required key is missing");
        return FALSE;
      }
      *out = NULL;
      return TRUE;
    }
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id, key, "%s", local_error->message);
    return FALSE;
  }

  g_strstrip (value);
  if (*value == '\0') {
    if (required) {
      carrier_set_error (error, SALDO_CARRIER_ERROR_MISSING_KEY, id, key, "required key is empty");
      return FALSE;
    }
    /* an empty value lets an override file clear an optional setting */
    *out = NULL;
    return TRUE;
  }

  *out = g_steal_pointer (&value);
  return TRUE;
}

/* Absent keys give an empty list, never NULL, so getters need no NULL checks.
 * Elements are stripped: whitespace has no meaning in codes or names. */
static gboolean
carrier_get_list (const char  *id,
                  GKeyFile    *kf,
                  const char  *key,
                  ElementCheck check,
                  GStrv       *out,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) values = NULL;

  values = g_key_file_get_string_list (kf, SALDO_CARRIER_GROUP, key, NULL, &local_error);
  if (values == NULL) {
    if (g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND)) {
      *out = g_new0 (char *, 1);
      return TRUE;
    }
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id, key, "%s", local_error->message);
    return FALSE;
  }

  for (guint i = 0; values[i] != NULL; i++) {
    const char *reason;

    g_strstrip (values[i]);
    if (values[i][0] == '\0') {
      carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id, key, "element %u is empty", i + 1);
      return FALSE;
    }
    reason = check (values[i]);
    if (reason != NULL) {
      carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id, key, "“%s” %s", values[i], reason);
      return FALSE;
    }
  }

  *out = g_steal_pointer (&values);
  return TRUE;
}

static gboolean
carrier_get_days (const char *id, GKeyFile *kf, const char *key, guint *out, GError **error)
{
  g_autofree char *value = NULL;
  guint64          days = 0;

  /* absent or empty: 0, "no such period" */
  if (!carrier_get_string (id, kf, key, FALSE, &value, error))
    return FALSE;
  if (value != NULL && !g_ascii_string_to_unsigned (value, 10, 1, DAYS_MAX, &days, NULL)) {
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id, key,
                       "“%s” is not a number of days (1 to %u)", value, (guint) DAYS_MAX);
    return FALSE;
  }

  *out = (guint) days;
  return TRUE;
}

/* An amount in the carrier's currency, written as a decimal ("50.00"); 0
 * when absent or empty. */
static gboolean
carrier_get_money (const char *id,
                   GKeyFile   *kf,
                   const char *key,
                   const char *currency,
                   gint64     *out,
                   GError    **error)
{
  g_autofree char *value = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 minor = 0;

  if (!carrier_get_string (id, kf, key, FALSE, &value, error))
    return FALSE;
  if (value != NULL && (!saldo_money_parse_decimal (value, currency, &minor, &local_error) || minor <= 0)) {
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id, key,
                       "“%s” is not a positive amount of %s%s%s", value, currency,
                       local_error != NULL ? ": " : "", local_error != NULL ? local_error->message : "");
    return FALSE;
  }
  *out = minor;
  return TRUE;
}

static gboolean
carrier_get_boolean (const char *id, GKeyFile *kf, const char *key, gboolean *out, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean value;

  value = g_key_file_get_boolean (kf, SALDO_CARRIER_GROUP, key, &local_error);
  if (local_error != NULL) {
    if (g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND)) {
      *out = FALSE;
      return TRUE;
    }
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id, key,
                       "not a boolean (use true or false)");
    return FALSE;
  }

  *out = value;
  return TRUE;
}

/* Parses the number after "ReplyPattern"; returns -1 if the key is not a
 * pattern key at all, -2 if it looks like one but is malformed. */
static gint
pattern_key_index (const char *key)
{
  const char *suffix;
  guint64     index = 0;

  if (!g_str_has_prefix (key, PATTERN_KEY_PREFIX))
    return -1;
  suffix = key + strlen (PATTERN_KEY_PREFIX);
  if (*suffix == '\0')
    return 0;
  /* no leading zeros: ReplyPattern1 and ReplyPattern01 would collide */
  if (suffix[0] == '0' || !str_is_digits (suffix) ||
      !g_ascii_string_to_unsigned (suffix, 10, 1, PATTERN_INDEX_MAX, &index, NULL))
    return -2;
  return (gint) index;
}

static gboolean
name_is_pattern_group (const char *name, gsize len)
{
  for (guint i = 0; pattern_groups[i] != NULL; i++) {
    if (strlen (pattern_groups[i]) == len && strncmp (pattern_groups[i], name, len) == 0)
      return TRUE;
  }
  return FALSE;
}

/* GRegex cannot enumerate its named groups, so scan the source for the three
 * PCRE spellings of a named group to catch typos like (?<ammount>...). */
static gboolean
pattern_check_group_names (const char *pattern, char **out_bad_name)
{
  gboolean in_class = FALSE;

  for (const char *p = pattern; *p != '\0'; p++) {
    const char *name = NULL;
    gsize       len = 0;

    if (*p == '\\') {
      if (p[1] == '\0')
        break;
      p++;
      continue;
    }
    if (in_class) {
      if (*p == ']')
        in_class = FALSE;
      continue;
    }
    if (*p == '[') {
      in_class = TRUE;
      /* a ']' right after '[' or '[^' is a literal member */
      if (p[1] == '^')
        p++;
      if (p[1] == ']')
        p++;
      continue;
    }
    if (*p != '(' || p[1] != '?')
      continue;

    if (p[2] == 'P' && p[3] == '<')
      name = p + 4;
    else if (p[2] == '<' && p[3] != '=' && p[3] != '!')
      name = p + 3;
    else if (p[2] == '\'')
      name = p + 3;
    if (name == NULL)
      continue;

    while (g_ascii_isalnum (name[len]) || name[len] == '_')
      len++;
    if (!name_is_pattern_group (name, len)) {
      *out_bad_name = g_strndup (name, len);
      return FALSE;
    }
  }

  return TRUE;
}

typedef struct {
  guint index;
  char *key;
} PatternKey;

static void
pattern_key_clear (PatternKey *pk)
{
  g_free (pk->key);
}

static gint
pattern_key_compare (gconstpointer a, gconstpointer b)
{
  const PatternKey *pa = a;
  const PatternKey *pb = b;

  return (pa->index > pb->index) - (pa->index < pb->index);
}

/* A regular expression read raw from `key` (keyfile escapes would force
 * admins to double every backslash), compiled; *out_pattern keeps its text. */
static GRegex *
carrier_read_regex (const char *id, GKeyFile *kf, const char *key, char **out_pattern, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *pattern = NULL;
  GRegex          *regex;

  pattern = g_key_file_get_value (kf, SALDO_CARRIER_GROUP, key, &local_error);
  if (pattern == NULL) {
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id, key, "%s", local_error->message);
    return NULL;
  }
  /* get_value() skips GKeyFile's UTF-8 check, and PCRE2 must not see bad UTF-8 */
  if (!g_utf8_validate (pattern, -1, NULL)) {
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_PATTERN, id, key, "pattern is not valid UTF-8");
    return NULL;
  }
  /* trailing blanks are invisible in an editor: never let them change a match */
  g_strchomp (pattern);
  if (*pattern == '\0') {
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_PATTERN, id, key, "pattern is empty");
    return NULL;
  }

  regex = g_regex_new (pattern, 0, 0, &local_error);
  if (regex == NULL) {
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_PATTERN, id, key,
                       "invalid regular expression “%s”: %s", pattern, local_error->message);
    return NULL;
  }
  if (out_pattern != NULL)
    *out_pattern = g_steal_pointer (&pattern);
  return regex;
}

static GRegex *
carrier_compile_pattern (const char *id, GKeyFile *kf, const char *key, GError **error)
{
  g_autoptr(GRegex) regex = NULL;
  g_autofree char *pattern = NULL;
  g_autofree char *bad_name = NULL;
  gboolean         has_group = FALSE;

  regex = carrier_read_regex (id, kf, key, &pattern, error);
  if (regex == NULL)
    return NULL;

  if (!pattern_check_group_names (pattern, &bad_name)) {
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_PATTERN, id, key,
                       "unknown named group “%s” (allowed: amount, currency, expiry, data)", bad_name);
    return NULL;
  }
  for (guint i = 0; pattern_groups[i] != NULL; i++) {
    if (g_regex_get_string_number (regex, pattern_groups[i]) >= 0)
      has_group = TRUE;
  }
  if (!has_group) {
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_PATTERN, id, key,
                       "pattern has none of the named groups amount, currency, expiry, data");
    return NULL;
  }

  return g_steal_pointer (&regex);
}

/* An optional plain pattern (VoucherSuccess=, VoucherFailure=): absent or
 * empty leaves *out NULL. */
static gboolean
carrier_get_regex (const char *id, GKeyFile *kf, const char *key, GRegex **out, GError **error)
{
  g_autofree char *value = g_key_file_get_value (kf, SALDO_CARRIER_GROUP, key, NULL);

  if (value == NULL || *g_strstrip (value) == '\0')
    return TRUE;
  *out = carrier_read_regex (id, kf, key, NULL, error);
  return *out != NULL;
}

static gboolean
carrier_load_patterns (SaldoCarrier *self, GKeyFile *kf, GError **error)
{
  g_auto(GStrv) keys = NULL;
  g_autoptr(GArray) pattern_keys = NULL;

  keys = g_key_file_get_keys (kf, SALDO_CARRIER_GROUP, NULL, NULL);
  pattern_keys = g_array_new (FALSE, FALSE, sizeof (PatternKey));
  g_array_set_clear_func (pattern_keys, (GDestroyNotify) pattern_key_clear);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
    gint       index = pattern_key_index (keys[i]);
    PatternKey pk;

    if (index == -1)
      continue;
    if (index == -2) {
      carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, self->id, keys[i],
                         "pattern keys are ReplyPattern or ReplyPattern1 to ReplyPattern%u",
                         (guint) PATTERN_INDEX_MAX);
      return FALSE;
    }
    pk.index = (guint) index;
    pk.key = g_strdup (keys[i]);
    g_array_append_val (pattern_keys, pk);
  }

  /* patterns are tried in numeric key order, whatever the file order */
  g_array_sort (pattern_keys, pattern_key_compare);
  for (guint i = 0; i < pattern_keys->len; i++) {
    const PatternKey *pk = &g_array_index (pattern_keys, PatternKey, i);
    GRegex           *regex;

    regex = carrier_compile_pattern (self->id, kf, pk->key, error);
    if (regex == NULL)
      return FALSE;
    g_ptr_array_add (self->patterns, regex);
  }

  return TRUE;
}

/* A voucher USSD template: {pin} exactly once, otherwise USSD characters
 * only, and room for a PIN within one USSD string.  Shared by carrier
 * definitions (VoucherUssd=) and the ussd-voucher provider (Template=). */
gboolean
saldo_voucher_template_validate (const char *template, GError **error)
{
  const char *placeholder = strstr (template, PIN_PLACEHOLDER);
  gsize       fixed_len;

  if (placeholder == NULL) {
    g_set_error (error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_VALUE,
                 "“%s” does not contain " PIN_PLACEHOLDER, template);
    return FALSE;
  }
  if (strstr (placeholder + strlen (PIN_PLACEHOLDER), PIN_PLACEHOLDER) != NULL) {
    g_set_error (error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_VALUE,
                 "“%s” contains " PIN_PLACEHOLDER " more than once", template);
    return FALSE;
  }

  for (const char *p = template; *p != '\0'; p++) {
    if (p == placeholder) {
      p += strlen (PIN_PLACEHOLDER) - 1;
      continue;
    }
    if (!char_is_ussd (*p)) {
      g_set_error (error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_VALUE,
                   "“%s” contains characters other than 0-9 * # + and " PIN_PLACEHOLDER, template);
      return FALSE;
    }
  }

  fixed_len = strlen (template) - strlen (PIN_PLACEHOLDER);
  if (fixed_len == 0 || fixed_len + SALDO_CARRIER_VOUCHER_PIN_MIN_LEN > SALDO_CARRIER_USSD_MAX_LEN) {
    g_set_error (error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_VALUE,
                 "“%s” cannot form a USSD string of 1 to %u characters", template,
                 (guint) SALDO_CARRIER_USSD_MAX_LEN);
    return FALSE;
  }

  return TRUE;
}

static gboolean
carrier_validate_voucher_template (const char *id, const char *template, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (saldo_voucher_template_validate (template, &local_error))
    return TRUE;
  carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id, "VoucherUssd", "%s", local_error->message);
  return FALSE;
}

static gboolean
key_is_known (const char *key)
{
  return g_strv_contains (known_keys, key) || pattern_key_index (key) >= 0;
}

static GStrv
collect_unknown_keys (GKeyFile *kf)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) groups = g_key_file_get_groups (kf, NULL);

  for (guint i = 0; groups[i] != NULL; i++) {
    g_auto(GStrv) keys = NULL;

    if (!g_str_equal (groups[i], SALDO_CARRIER_GROUP)) {
      g_autofree char *valid = g_utf8_make_valid (groups[i], -1);
      g_autofree char *group = g_strdup_printf ("[%s]", valid);

      g_strv_builder_add (builder, group);
      continue;
    }
    keys = g_key_file_get_keys (kf, groups[i], NULL, NULL);
    for (guint j = 0; keys != NULL && keys[j] != NULL; j++) {
      /* these end up in logs: never pass on bytes that are not UTF-8 */
      if (!key_is_known (keys[j])) {
        g_autofree char *valid = g_utf8_make_valid (keys[j], -1);

        g_strv_builder_add (builder, valid);
      }
    }
  }

  return g_strv_builder_end (builder);
}

gboolean
saldo_carrier_id_is_valid (const char *id)
{
  gsize len;

  if (id == NULL)
    return FALSE;
  len = strlen (id);
  /* ids become file names, log fields and D-Bus strings: keep them plain */
  if (len == 0 || len > 64 || !g_ascii_isalnum (id[0]))
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum (id[i]) && id[i] != '-' && id[i] != '_')
      return FALSE;
  }
  return TRUE;
}

gboolean
saldo_carrier_keyfile_is_disabled (GKeyFile *kf, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean disabled;

  g_return_val_if_fail (kf != NULL, FALSE);

  disabled = g_key_file_get_boolean (kf, SALDO_CARRIER_GROUP, "Disabled", &local_error);
  if (local_error == NULL)
    return disabled;
  if (g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND) ||
      g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
    return FALSE;

  g_set_error (error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_VALUE,
               "key “Disabled”: not a boolean (use true or false)");
  return FALSE;
}

SaldoCarrier *
saldo_carrier_new_from_keyfile (const char *id, GKeyFile *kf, GError **error)
{
  g_autoptr(SaldoCarrier) self = NULL;
  g_autofree char *date_order = NULL;
  gboolean         disabled;
  const char      *reason;

  g_return_val_if_fail (kf != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!saldo_carrier_id_is_valid (id)) {
    g_set_error (error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_ID,
                 "carrier id “%s” is not valid (letters, digits, - and _, up to 64)",
                 id != NULL ? id : "(null)");
    return NULL;
  }
  if (!g_key_file_has_group (kf, SALDO_CARRIER_GROUP)) {
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_FILE, id, NULL,
                       "no [" SALDO_CARRIER_GROUP "] group");
    return NULL;
  }

  self = g_object_new (SALDO_TYPE_CARRIER, NULL);
  self->id = g_strdup (id);

  /* Disabled is the db's business, but a malformed value is still an error */
  if (!carrier_get_boolean (id, kf, "Disabled", &disabled, error))
    return NULL;

  if (!carrier_get_string (id, kf, "Name", TRUE, &self->name, error))
    return NULL;
  reason = check_text (self->name, NAME_MAX_CHARS);
  if (reason != NULL) {
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id, "Name", "%s", reason);
    return NULL;
  }

  if (!carrier_get_string (id, kf, "Country", TRUE, &self->country, error))
    return NULL;
  if (!str_is_upper_alpha (self->country, 2)) {
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id, "Country",
                       "“%s” is not an ISO 3166-1 alpha-2 code (two upper-case letters)", self->country);
    return NULL;
  }

  if (!carrier_get_string (id, kf, "Currency", TRUE, &self->currency, error))
    return NULL;
  /* XXX is ISO 4217's "no currency": the generic carrier's, where the
   * line's own settings bring the real one. */
  if (!saldo_currency_is_valid (self->currency) && strcmp (self->currency, "XXX") != 0) {
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id, "Currency",
                       "“%s” is not a current ISO 4217 currency code", self->currency);
    return NULL;
  }

  if (!carrier_get_list (id, kf, "MccMnc", check_mcc_mnc, &self->mcc_mnc, error) ||
      !carrier_get_list (id, kf, "IccidPrefix", check_iccid_prefix, &self->iccid_prefixes, error) ||
      !carrier_get_list (id, kf, "Spn", check_spn, &self->spns, error) ||
      !carrier_get_list (id, kf, "BalanceUssd", check_ussd, &self->ussd_codes, error) ||
      !carrier_get_list (id, kf, "BalanceMenu", check_ussd, &self->menu_path, error) ||
      !carrier_get_list (id, kf, "SmsSenders", check_sender, &self->sms_senders, error) ||
      !carrier_get_list (id, kf, "Sources", check_source, &self->sources, error))
    return NULL;

  /* the fallback must never win a lookup against a real carrier */
  if (g_str_equal (id, SALDO_CARRIER_GENERIC_ID) && saldo_carrier_has_match_rules (self)) {
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id,
                       self->mcc_mnc[0] != NULL          ? "MccMnc"
                       : self->iccid_prefixes[0] != NULL ? "IccidPrefix"
                                                         : "Spn",
                       "the generic fallback must not have match rules");
    return NULL;
  }

  if (!carrier_get_string (id, kf, "BalanceSmsNumber", FALSE, &self->sms_number, error) ||
      !carrier_get_string (id, kf, "BalanceSmsText", FALSE, &self->sms_text, error))
    return NULL;
  if (self->sms_number != NULL && self->sms_text == NULL) {
    carrier_set_error (error, SALDO_CARRIER_ERROR_MISSING_KEY, id, "BalanceSmsText",
                       "required when BalanceSmsNumber is set");
    return NULL;
  }
  if (self->sms_text != NULL && self->sms_number == NULL) {
    carrier_set_error (error, SALDO_CARRIER_ERROR_MISSING_KEY, id, "BalanceSmsNumber",
                       "required when BalanceSmsText is set");
    return NULL;
  }
  if (self->sms_number != NULL) {
    const char *digits = self->sms_number[0] == '+' ? self->sms_number + 1 : self->sms_number;

    if (!str_is_digits (digits) || strlen (digits) > SMS_NUMBER_MAX_DIGITS) {
      carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id, "BalanceSmsNumber",
                         "“%s” is not a phone number or short code", self->sms_number);
      return NULL;
    }
    reason = check_text (self->sms_text, SMS_TEXT_MAX_CHARS);
    if (reason != NULL) {
      carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id, "BalanceSmsText", "%s", reason);
      return NULL;
    }
  }

  if (!carrier_load_patterns (self, kf, error))
    return NULL;

  if (!carrier_get_boolean (id, kf, "DecimalComma", &self->decimal_comma, error))
    return NULL;
  self->decimal_comma_set = g_key_file_has_key (kf, SALDO_CARRIER_GROUP, "DecimalComma", NULL);

  if (!carrier_get_string (id, kf, "DateOrder", FALSE, &date_order, error))
    return NULL;
  if (date_order != NULL && !saldo_date_order_from_string (date_order, &self->date_order)) {
    carrier_set_error (error, SALDO_CARRIER_ERROR_INVALID_VALUE, id, "DateOrder",
                       "“%s” is not one of dmy, mdy, ymd, auto", date_order);
    return NULL;
  }

  if (!carrier_get_string (id, kf, "VoucherUssd", FALSE, &self->voucher_template, error))
    return NULL;
  if (self->voucher_template != NULL &&
      !carrier_validate_voucher_template (id, self->voucher_template, error))
    return NULL;
  if (!carrier_get_regex (id, kf, "VoucherSuccess", &self->voucher_success, error) ||
      !carrier_get_regex (id, kf, "VoucherFailure", &self->voucher_failure, error))
    return NULL;

  if (!carrier_get_days (id, kf, "DeactivationDays", &self->deactivation_days, error) ||
      !carrier_get_days (id, kf, "RestrictionDays", &self->restriction_days, error) ||
      !carrier_get_money (id, kf, "MaxPerTopup", self->currency, &self->max_per_topup, error) ||
      !carrier_get_money (id, kf, "MaxPerDay", self->currency, &self->max_per_day, error))
    return NULL;

  self->unknown_keys = collect_unknown_keys (kf);

  return g_steal_pointer (&self);
}

const char *
saldo_carrier_get_id (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return self->id;
}

const char *
saldo_carrier_get_name (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return self->name;
}

const char *
saldo_carrier_get_country (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return self->country;
}

const char *
saldo_carrier_get_currency (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return self->currency;
}

gboolean
saldo_carrier_is_generic (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), FALSE);
  return g_str_equal (self->id, SALDO_CARRIER_GENERIC_ID);
}

const char *const *
saldo_carrier_get_mcc_mnc (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return (const char *const *) self->mcc_mnc;
}

const char *const *
saldo_carrier_get_iccid_prefixes (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return (const char *const *) self->iccid_prefixes;
}

const char *const *
saldo_carrier_get_spns (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return (const char *const *) self->spns;
}

gboolean
saldo_carrier_has_match_rules (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), FALSE);
  return self->mcc_mnc[0] != NULL || self->iccid_prefixes[0] != NULL || self->spns[0] != NULL;
}

const char *const *
saldo_carrier_get_ussd_codes (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return (const char *const *) self->ussd_codes;
}

const char *const *
saldo_carrier_get_menu_path (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return (const char *const *) self->menu_path;
}

const char *const *
saldo_carrier_get_sms_senders (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return (const char *const *) self->sms_senders;
}

const char *
saldo_carrier_get_sms_request_number (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return self->sms_number;
}

const char *
saldo_carrier_get_sms_request_text (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return self->sms_text;
}

GPtrArray *
saldo_carrier_get_patterns (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return self->patterns;
}

gboolean
saldo_carrier_get_decimal_comma (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), FALSE);
  return self->decimal_comma;
}

gboolean
saldo_carrier_decimal_comma_is_set (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), FALSE);
  return self->decimal_comma_set;
}

SaldoDateOrder
saldo_carrier_get_date_order (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), SALDO_DATE_ORDER_AUTO);
  return self->date_order;
}

const char *
saldo_carrier_get_voucher_template (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return self->voucher_template;
}

guint
saldo_carrier_get_deactivation_days (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), 0);
  return self->deactivation_days;
}

guint
saldo_carrier_get_restriction_days (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), 0);
  return self->restriction_days;
}

const char *const *
saldo_carrier_get_sources (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return (const char *const *) self->sources;
}

GRegex *
saldo_carrier_get_voucher_success (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return self->voucher_success;
}

GRegex *
saldo_carrier_get_voucher_failure (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return self->voucher_failure;
}

gint64
saldo_carrier_get_max_per_topup (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), 0);
  return self->max_per_topup;
}

gint64
saldo_carrier_get_max_per_day (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), 0);
  return self->max_per_day;
}

const char *const *
saldo_carrier_get_unknown_keys (SaldoCarrier *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  return (const char *const *) self->unknown_keys;
}

gboolean
saldo_carrier_matches_sender (SaldoCarrier *self, const char *sender)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), FALSE);

  if (sender == NULL)
    return FALSE;
  /* alphanumeric sender ids arrive in whatever case the SMSC chose */
  for (guint i = 0; self->sms_senders[i] != NULL; i++) {
    if (g_ascii_strcasecmp (self->sms_senders[i], sender) == 0)
      return TRUE;
  }
  return FALSE;
}

/* Fills a validated template with a PIN.  The PIN is never echoed in an
 * error: it is money and error messages end up in logs. */
char *
saldo_voucher_template_render (const char *template, const char *pin, GError **error)
{
  const char *placeholder;
  gsize       pin_len;
  GString    *ussd;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!saldo_voucher_template_validate (template, error))
    return NULL;
  if (!str_is_digits (pin)) {
    g_set_error (error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_PIN,
                 "voucher PIN must consist of digits only");
    return NULL;
  }
  pin_len = strlen (pin);
  if (pin_len < SALDO_CARRIER_VOUCHER_PIN_MIN_LEN || pin_len > SALDO_CARRIER_VOUCHER_PIN_MAX_LEN) {
    g_set_error (error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_PIN,
                 "voucher PIN must have %u to %u digits, not %" G_GSIZE_FORMAT,
                 (guint) SALDO_CARRIER_VOUCHER_PIN_MIN_LEN, (guint) SALDO_CARRIER_VOUCHER_PIN_MAX_LEN,
                 pin_len);
    return NULL;
  }
  if (strlen (template) - strlen (PIN_PLACEHOLDER) + pin_len > SALDO_CARRIER_USSD_MAX_LEN) {
    g_set_error (error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_PIN,
                 "voucher PIN makes the USSD string longer than %u characters",
                 (guint) SALDO_CARRIER_USSD_MAX_LEN);
    return NULL;
  }

  placeholder = strstr (template, PIN_PLACEHOLDER);
  ussd = g_string_new_len (template, placeholder - template);
  g_string_append (ussd, pin);
  g_string_append (ussd, placeholder + strlen (PIN_PLACEHOLDER));
  return g_string_free (ussd, FALSE);
}

char *
saldo_carrier_render_voucher_ussd (SaldoCarrier *self, const char *pin, GError **error)
{
  g_return_val_if_fail (SALDO_IS_CARRIER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->voucher_template == NULL) {
    g_set_error (error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_NOT_SUPPORTED,
                 "carrier “%s” has no VoucherUssd template", self->id);
    return NULL;
  }
  return saldo_voucher_template_render (self->voucher_template, pin, error);
}

/* The parser's hints from a carrier definition; the generic definition
 * gives none, so the parser decides from the text alone. */
void
saldo_carrier_fill_balance_hints (SaldoCarrier *self, SaldoBalanceHints *hints)
{
  if (saldo_carrier_is_generic (self))
    return;
  hints->country = saldo_carrier_get_country (self);
  hints->default_currency = saldo_carrier_get_currency (self);
  if (saldo_carrier_decimal_comma_is_set (self))
    hints->decimal_mark = saldo_carrier_get_decimal_comma (self) ? SALDO_BALANCE_DECIMAL_COMMA
                                                                 : SALDO_BALANCE_DECIMAL_POINT;
  switch (saldo_carrier_get_date_order (self)) {
  case SALDO_DATE_ORDER_DMY:
    hints->date_order = SALDO_BALANCE_DATE_DMY;
    break;
  case SALDO_DATE_ORDER_MDY:
    hints->date_order = SALDO_BALANCE_DATE_MDY;
    break;
  case SALDO_DATE_ORDER_YMD:
    hints->date_order = SALDO_BALANCE_DATE_YMD;
    break;
  case SALDO_DATE_ORDER_AUTO:
  default:
    hints->date_order = SALDO_BALANCE_DATE_AUTO;
    break;
  }
  if (saldo_carrier_get_patterns (self)->len > 0)
    hints->patterns = saldo_carrier_get_patterns (self);
}
