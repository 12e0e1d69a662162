/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoProviderInfo"

#include "saldo-provider-info.h"

#include <string.h>

#include "saldo-carrier.h"

G_DEFINE_QUARK (saldo - provider - info - error - quark, saldo_provider_info_error)

/* The file is a few hundred KiB of trusted distribution data, but it is
 * still read as outside input: bounded, and malformed parts left out. */
#define MAX_FILE_SIZE (16 * 1024 * 1024)

typedef struct {
  SaldoProviderInfoCodes codes; /* points into the members below */
  char                  *name;
  char                  *country;
  GPtrArray             *ussd;       /* NULL-terminated */
  GPtrArray             *sms_number; /* NULL-terminated */
  GPtrArray             *sms_text;   /* NULL-terminated */
  char                  *topup;
  GPtrArray             *networks; /* "MCCMNC" strings */
} Provider;

struct _SaldoProviderInfo {
  GObject     parent_instance;
  GPtrArray  *providers;  /* Provider */
  GHashTable *by_network; /* "MCCMNC" → GPtrArray of Provider (borrowed) */
};

G_DEFINE_TYPE (SaldoProviderInfo, saldo_provider_info, G_TYPE_OBJECT)

static GPtrArray *
strv_array_new (void)
{
  GPtrArray *array = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (array, NULL);
  return array;
}

static void
strv_array_add (GPtrArray *array, const char *value)
{
  /* keep the NULL last */
  g_ptr_array_insert (array, (gint) array->len - 1, g_strdup (value));
}

static Provider *
provider_new (const char *country)
{
  Provider *p = g_new0 (Provider, 1);

  p->country = g_ascii_strup (country != NULL ? country : "", -1);
  p->ussd = strv_array_new ();
  p->sms_number = strv_array_new ();
  p->sms_text = strv_array_new ();
  p->networks = g_ptr_array_new_with_free_func (g_free);
  return p;
}

static void
provider_free (Provider *p)
{
  g_free (p->name);
  g_free (p->country);
  g_ptr_array_unref (p->ussd);
  g_ptr_array_unref (p->sms_number);
  g_ptr_array_unref (p->sms_text);
  g_free (p->topup);
  g_ptr_array_unref (p->networks);
  g_free (p);
}

typedef struct {
  SaldoProviderInfo *self;
  char              *country;
  Provider          *provider; /* being read */
  GString           *text;
  char              *replacement; /* of the <ussd> being read */
  char              *sms_text;    /* of the <sms> being read */
} ParseState;

static gboolean
parent_is (GMarkupParseContext *context, const char *name)
{
  const GSList *stack = g_markup_parse_context_get_element_stack (context);

  return stack != NULL && stack->next != NULL && strcmp (stack->next->data, name) == 0;
}

static gboolean
all_digits (const char *s, gsize min, gsize max)
{
  gsize len = s != NULL ? strlen (s) : 0;

  if (len < min || len > max)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  }
  return TRUE;
}

static void
on_start (GMarkupParseContext *context,
          const char          *element,
          const char         **names,
          const char         **values,
          gpointer             user_data,
          GError             **error)
{
  ParseState *st = user_data;
  const char *a = NULL, *b = NULL;

  g_string_truncate (st->text, 0);
  if (strcmp (element, "country") == 0) {
    g_markup_collect_attributes (element, names, values, NULL,
                                 G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "code", &a,
                                 G_MARKUP_COLLECT_INVALID);
    g_free (st->country);
    st->country = g_strdup (a);
  } else if (strcmp (element, "provider") == 0 && st->provider == NULL) {
    st->provider = provider_new (st->country);
  } else if (strcmp (element, "network-id") == 0 && st->provider != NULL) {
    g_markup_collect_attributes (element, names, values, NULL,
                                 G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "mcc", &a,
                                 G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "mnc", &b,
                                 G_MARKUP_COLLECT_INVALID);
    if (all_digits (a, 3, 3) && all_digits (b, 2, 3))
      g_ptr_array_add (st->provider->networks, g_strconcat (a, b, NULL));
  } else if (strcmp (element, "ussd") == 0) {
    g_markup_collect_attributes (element, names, values, NULL,
                                 G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "replacement", &a,
                                 G_MARKUP_COLLECT_INVALID);
    g_free (st->replacement);
    st->replacement = g_strdup (a);
  } else if (strcmp (element, "sms") == 0) {
    g_markup_collect_attributes (element, names, values, NULL,
                                 G_MARKUP_COLLECT_STRING | G_MARKUP_COLLECT_OPTIONAL, "text", &a,
                                 G_MARKUP_COLLECT_INVALID);
    g_free (st->sms_text);
    st->sms_text = g_strdup (a);
  }
}

/* "*123*CODE#" with replacement "CODE" → "*123*{pin}#", if Saldo's
 * ussd-voucher provider can dial it. */
static char *
voucher_template (const char *code, const char *replacement)
{
  g_autofree char *template = NULL;
  const char *at;

  if (replacement == NULL || *replacement == '\0' || (at = strstr (code, replacement)) == NULL)
    return NULL;
  template = g_strdup_printf ("%.*s{pin}%s", (int) (at - code), code, at + strlen (replacement));
  return saldo_voucher_template_validate (template, NULL) ? g_steal_pointer (&template) : NULL;
}

static void
on_end (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  ParseState      *st = user_data;
  Provider        *p = st->provider;
  g_autofree char *text = g_strstrip (g_strdup (st->text->str));

  g_string_truncate (st->text, 0);
  if (p == NULL)
    return;
  if (strcmp (element, "name") == 0 && parent_is (context, "provider") && p->name == NULL) {
    p->name = g_steal_pointer (&text);
  } else if (strcmp (element, "ussd") == 0 && parent_is (context, "balance-check")) {
    if (saldo_carrier_ussd_is_valid (text))
      strv_array_add (p->ussd, text);
  } else if (strcmp (element, "sms") == 0 && parent_is (context, "balance-check")) {
    /* a short code or an E.164 number, and a text a modem can send */
    if ((all_digits (text, 1, 20) || (text[0] == '+' && all_digits (text + 1, 6, 15))) &&
        st->sms_text != NULL && g_utf8_strlen (st->sms_text, -1) <= 160) {
      strv_array_add (p->sms_number, text);
      strv_array_add (p->sms_text, st->sms_text);
    }
  } else if (strcmp (element, "ussd") == 0 && parent_is (context, "balance-top-up") && p->topup == NULL) {
    p->topup = voucher_template (text, st->replacement);
  } else if (strcmp (element, "provider") == 0) {
    st->provider = NULL;
    p->codes.provider = p->name != NULL ? p->name : "";
    p->codes.country = p->country;
    p->codes.balance_ussd = (const char *const *) p->ussd->pdata;
    p->codes.balance_sms_number = (const char *const *) p->sms_number->pdata;
    p->codes.balance_sms_text = (const char *const *) p->sms_text->pdata;
    p->codes.topup_template = p->topup;
    g_ptr_array_add (st->self->providers, p);
    for (guint i = 0; i < p->networks->len; i++) {
      GPtrArray *list = g_hash_table_lookup (st->self->by_network, p->networks->pdata[i]);

      if (list == NULL) {
        list = g_ptr_array_new ();
        g_hash_table_insert (st->self->by_network, g_strdup (p->networks->pdata[i]), list);
      }
      g_ptr_array_add (list, p);
    }
  }
}

static void
on_text (GMarkupParseContext *context, const char *text, gsize len, gpointer user_data, GError **error)
{
  ParseState *st = user_data;

  /* element texts here are codes and names, never long */
  if (st->text->len + len <= 4096)
    g_string_append_len (st->text, text, (gssize) len);
}

static const GMarkupParser parser = { on_start, on_end, on_text, NULL, NULL };

SaldoProviderInfo *
saldo_provider_info_new_from_data (const char *data, gssize len, GError **error)
{
  g_autoptr(SaldoProviderInfo) self = g_object_new (SALDO_TYPE_PROVIDER_INFO, NULL);
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) local_error = NULL;
  ParseState st = { self, NULL, NULL, g_string_new (NULL), NULL, NULL };
  gboolean   ok;

  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &st, NULL);
  ok = g_markup_parse_context_parse (context, data, len, &local_error) &&
       g_markup_parse_context_end_parse (context, &local_error);
  if (st.provider != NULL)
    provider_free (st.provider);
  g_string_free (st.text, TRUE);
  g_free (st.country);
  g_free (st.replacement);
  g_free (st.sms_text);
  if (!ok) {
    g_set_error (error, SALDO_PROVIDER_INFO_ERROR, SALDO_PROVIDER_INFO_ERROR_INVALID,
                 "not a mobile-broadband-provider-info database: %s", local_error->message);
    return NULL;
  }
  return g_steal_pointer (&self);
}

SaldoProviderInfo *
saldo_provider_info_new_from_file (const char *path, GError **error)
{
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, error);
  g_autoptr(GError) local_error = NULL;
  SaldoProviderInfo *self;

  if (file == NULL)
    return NULL;
  if (g_mapped_file_get_length (file) > MAX_FILE_SIZE) {
    g_set_error (error, SALDO_PROVIDER_INFO_ERROR, SALDO_PROVIDER_INFO_ERROR_INVALID,
                 "%s: larger than %d MiB", path, MAX_FILE_SIZE / (1024 * 1024));
    return NULL;
  }
  self = saldo_provider_info_new_from_data (g_mapped_file_get_contents (file),
                                            (gssize) g_mapped_file_get_length (file), &local_error);
  if (self == NULL)
    g_set_error (error, SALDO_PROVIDER_INFO_ERROR, SALDO_PROVIDER_INFO_ERROR_INVALID, "%s: %s", path,
                 local_error->message);
  return self;
}

static gboolean
name_is (const char *name, const char *spn)
{
  g_autofree char *a = g_strstrip (g_strdup (name));
  g_autofree char *b = g_strstrip (g_strdup (spn));

  return *b != '\0' && g_ascii_strcasecmp (a, b) == 0;
}

const SaldoProviderInfoCodes *
saldo_provider_info_lookup (SaldoProviderInfo *self, const char *mcc_mnc, const char *spn, char **why)
{
  GPtrArray      *list;
  const Provider *chosen = NULL;
  g_autoptr(GString) competing = NULL;

  g_return_val_if_fail (SALDO_IS_PROVIDER_INFO (self), NULL);

  list = mcc_mnc != NULL ? g_hash_table_lookup (self->by_network, mcc_mnc) : NULL;
  if (list == NULL) {
    if (why != NULL)
      *why = g_strdup_printf ("mobile-broadband-provider-info lists no operator on %s",
                              mcc_mnc != NULL && *mcc_mnc != '\0' ? mcc_mnc : "an unknown network");
    return NULL;
  }
  for (guint i = 0; spn != NULL && i < list->len; i++) {
    const Provider *p = list->pdata[i];

    if (p->name != NULL && name_is (p->name, spn))
      return &p->codes;
  }
  for (guint i = 0; i < list->len; i++) {
    const Provider *p = list->pdata[i];

    if (p->codes.balance_ussd[0] == NULL)
      continue;
    if (chosen == NULL) {
      chosen = p;
    } else if (strcmp (chosen->codes.balance_ussd[0], p->codes.balance_ussd[0]) != 0) {
      if (competing == NULL)
        competing = g_string_new (NULL);
      g_string_append_printf (competing, ", %s %s", p->codes.provider, p->codes.balance_ussd[0]);
    }
  }
  if (competing != NULL) {
    if (why != NULL)
      *why = g_strdup_printf ("mobile-broadband-provider-info lists operators with different balance "
                              "codes on %s (%s %s%s) and the SIM names none of them",
                              mcc_mnc, chosen->codes.provider, chosen->codes.balance_ussd[0], competing->str);
    return NULL;
  }
  return chosen != NULL ? &chosen->codes : &((const Provider *) list->pdata[0])->codes;
}

const char *
saldo_provider_info_get_country (SaldoProviderInfo *self, const char *mcc_mnc)
{
  GPtrArray *list;

  g_return_val_if_fail (SALDO_IS_PROVIDER_INFO (self), NULL);

  list = mcc_mnc != NULL ? g_hash_table_lookup (self->by_network, mcc_mnc) : NULL;
  for (guint i = 0; list != NULL && i < list->len; i++) {
    const Provider *p = list->pdata[i];

    if (strlen (p->country) == 2)
      return p->country;
  }
  return NULL;
}

guint
saldo_provider_info_get_n_providers (SaldoProviderInfo *self)
{
  g_return_val_if_fail (SALDO_IS_PROVIDER_INFO (self), 0);

  return self->providers->len;
}

static void
saldo_provider_info_finalize (GObject *object)
{
  SaldoProviderInfo *self = SALDO_PROVIDER_INFO (object);

  g_hash_table_unref (self->by_network);
  g_ptr_array_unref (self->providers);
  G_OBJECT_CLASS (saldo_provider_info_parent_class)->finalize (object);
}

static void
saldo_provider_info_class_init (SaldoProviderInfoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = saldo_provider_info_finalize;
}

static void
saldo_provider_info_init (SaldoProviderInfo *self)
{
  self->providers = g_ptr_array_new_with_free_func ((GDestroyNotify) provider_free);
  self->by_network = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_ptr_array_unref);
}
