/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "saldo-test-corpus.h"

#include <stdio.h>
#include <string.h>

#include "saldo-money.h"

void
saldo_corpus_entry_free (SaldoCorpusEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->file);
  g_free (entry->source);
  g_free (entry->country);
  g_free (entry->currency);
  g_free (entry->now);
  g_free (entry->text);
  g_free (entry->expect);
  g_free (entry);
}

/* Only \n and \\ are escapes in the corpus; everything else is literal. */
static char *
unescape (const char *s)
{
  GString *out = g_string_new (NULL);

  for (; *s != '\0'; s++) {
    if (s[0] == '\\' && (s[1] == 'n' || s[1] == '\\')) {
      g_string_append_c (out, s[1] == 'n' ? '\n' : '\\');
      s++;
    } else {
      g_string_append_c (out, *s);
    }
  }
  return g_string_free (out, FALSE);
}

static gboolean
corpus_error (GError **error, const char *path, guint line, const char *what)
{
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: %s", path, line, what);
  return FALSE;
}

static gboolean
finish_entry (GPtrArray *entries, SaldoCorpusEntry **cur, const char *path, GError **error)
{
  if (*cur == NULL)
    return TRUE;
  if ((*cur)->text == NULL || (*cur)->expect == NULL)
    return corpus_error (error, path, (*cur)->line, "a block needs text: and expect:");
  g_ptr_array_add (entries, g_steal_pointer (cur));
  return TRUE;
}

gboolean
saldo_corpus_load (const char *path, GPtrArray *entries, GError **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_auto(GStrv) lines = NULL;
  g_autoptr(SaldoCorpusEntry) cur = NULL;
  SaldoCorpusSplit split = SALDO_CORPUS_SPLIT_NONE;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return FALSE;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    const char      *line = lines[i];
    const char      *colon, *value;
    g_autofree char *key = NULL;
    char           **target = NULL;

    if (line[0] == '#') {
      if (g_str_has_prefix (line, "# split: rules"))
        split = SALDO_CORPUS_SPLIT_RULES;
      else if (g_str_has_prefix (line, "# split: scored"))
        split = SALDO_CORPUS_SPLIT_SCORED;
      continue;
    }
    if (line[0] == '\0') {
      if (!finish_entry (entries, &cur, path, error))
        return FALSE;
      continue;
    }
    colon = strchr (line, ':');
    if (colon == NULL)
      return corpus_error (error, path, i + 1, "a line is “key: value”");
    key = g_strndup (line, (gsize) (colon - line));
    /* One space after the colon is syntax; the rest belongs to the value. */
    value = colon[1] == ' ' ? colon + 2 : colon + 1;
    if (cur == NULL) {
      cur = g_new0 (SaldoCorpusEntry, 1);
      cur->file = g_strdup (base);
      cur->line = i + 1;
      cur->split = split;
    }
    if (g_str_equal (key, "source"))
      target = &cur->source;
    else if (g_str_equal (key, "country"))
      target = &cur->country;
    else if (g_str_equal (key, "currency"))
      target = &cur->currency;
    else if (g_str_equal (key, "now"))
      target = &cur->now;
    else if (g_str_equal (key, "expect"))
      target = &cur->expect;
    else if (!g_str_equal (key, "text"))
      return corpus_error (error, path, i + 1, "unknown key");
    if (target != NULL) {
      g_free (*target);
      *target = g_strdup (value);
    } else {
      g_free (cur->text);
      cur->text = unescape (value);
    }
  }
  return finish_entry (entries, &cur, path, error);
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

gboolean
saldo_corpus_load_dir (const char *dir, GPtrArray *entries, GError **error)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (d == NULL)
    return FALSE;
  while ((name = g_dir_read_name (d)) != NULL) {
    if (g_str_has_suffix (name, ".txt"))
      g_ptr_array_add (names, g_build_filename (dir, name, NULL));
  }
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++) {
    if (!saldo_corpus_load (names->pdata[i], entries, error))
      return FALSE;
  }
  return TRUE;
}

static gint64
unix_noon_of (const char *ymd)
{
  g_autoptr(GDateTime) dt = NULL;
  int y, m, d;

  if (ymd == NULL || sscanf (ymd, "%d-%d-%d", &y, &m, &d) != 3)
    return 0;
  dt = g_date_time_new_utc (y, m, d, 12, 0, 0);
  return dt != NULL ? g_date_time_to_unix (dt) : 0;
}

void
saldo_corpus_hints (const SaldoCorpusEntry *entry, SaldoBalanceHints *hints)
{
  saldo_balance_hints_init (hints);
  hints->country = entry->country;
  hints->default_currency = entry->currency;
  hints->now = unix_noon_of (entry->now);
}

char *
saldo_corpus_format_amount (const SaldoBalanceResult *result)
{
  char *text;

  if (!result->has_amount)
    return NULL;
  text = saldo_money_to_decimal (result->amount_minor, result->currency);
  /* An amount without a currency is only a count of minor units. */
  return text != NULL ? text : g_strdup_printf ("%" G_GINT64_FORMAT "?", result->amount_minor);
}

guint
saldo_corpus_money_buckets (const SaldoBalanceResult *result)
{
  guint n = 0;

  for (guint i = 0; i < result->n_buckets; i++) {
    if (result->buckets[i].label != SALDO_BUCKET_DATA)
      n++;
  }
  return n;
}

static void
differs (GString *why, const char *key, const char *want, const char *got)
{
  if (g_strcmp0 (want, got) == 0)
    return;
  g_string_append_printf (why, "%s%s: want %s, got %s", why->len > 0 ? "; " : "", key,
                          want != NULL ? want : "none", got != NULL ? got : "none");
}

SaldoVerdict
saldo_corpus_judge (const SaldoCorpusEntry *entry, const SaldoBalanceResult *result, char **why)
{
  g_auto(GStrv) expect = g_strsplit (entry->expect, " ", -1);
  g_autoptr(GString) diff = g_string_new (NULL);
  const char      *kind = NULL, *amount = NULL, *currency = NULL, *expiry = NULL, *data = NULL;
  const char      *subs = NULL;
  g_autofree char *got_amount = saldo_corpus_format_amount (result);
  g_autofree char *got_expiry = saldo_balance_result_dup_expiry (result);
  g_autofree char *got_data = result->has_data ? g_strdup_printf ("%" G_GUINT64_FORMAT, result->data_bytes)
                                               : NULL;
  g_autofree char *got_subs = g_strdup_printf ("%u", saldo_corpus_money_buckets (result));
  gboolean         wrong;

  for (guint i = 0; expect[i] != NULL; i++) {
    const char  *kv = expect[i];
    const char **target = NULL;

    if (g_str_has_prefix (kv, "kind="))
      target = &kind;
    else if (g_str_has_prefix (kv, "amount="))
      target = &amount;
    else if (g_str_has_prefix (kv, "currency="))
      target = &currency;
    else if (g_str_has_prefix (kv, "expiry="))
      target = &expiry;
    else if (g_str_has_prefix (kv, "data="))
      target = &data;
    else if (g_str_has_prefix (kv, "subs="))
      target = &subs;
    else if (*kv != '\0')
      g_string_append_printf (diff, "%sunknown expectation “%s”", diff->len > 0 ? "; " : "", kv);
    if (target != NULL)
      *target = strchr (kv, '=') + 1;
  }
  differs (diff, "kind", kind, saldo_reply_kind_to_string (result->kind));
  differs (diff, "amount", amount, got_amount);
  if (amount != NULL || currency != NULL || result->has_amount)
    differs (diff, "currency", currency, result->has_amount ? result->currency : NULL);
  differs (diff, "expiry", expiry, got_expiry);
  differs (diff, "data", data, got_data);
  if (subs != NULL)
    differs (diff, "subs", subs, got_subs);

  /* Wrong: an amount is reported where the reply states none as the
   * balance, or another amount or currency than the one it states. */
  wrong = result->has_amount && (amount == NULL || g_strcmp0 (amount, got_amount) != 0 ||
                                 (currency != NULL && g_strcmp0 (currency, result->currency) != 0));
  if (why != NULL)
    *why = g_strdup (diff->str);
  if (wrong)
    return SALDO_VERDICT_WRONG;
  return diff->len == 0 ? SALDO_VERDICT_RIGHT : SALDO_VERDICT_NOT_RIGHT;
}
