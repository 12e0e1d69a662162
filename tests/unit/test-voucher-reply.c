/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a carrier's reply to a voucher code means (ussd-voucher provider):
 * every refusal in tests/data/voucher-replies.txt is a refusal even with a
 * success pattern broad enough to match its words, nothing is a success
 * without the carrier's own success pattern, and the rest is unclear.
 */
#include "config.h"

#include <string.h>

#include "saldo-provider-ussd-voucher.h"

/* As broad as the old built-in default and then some: it matches the
 * success words inside "no ha sido realizada" and "not successful". */
#define BROAD_SUCCESS                                                    \
  "(?i)exitos|[eé]xito|realizad|successful|success|sucesso|succ[eè]s|" \
  "effectu|accepted|aceptad|abonad|credited"

typedef struct {
  char *outcome;
  char *language;
  char *text;
} Reply;

static void
reply_free (Reply *reply)
{
  g_free (reply->outcome);
  g_free (reply->language);
  g_free (reply->text);
  g_free (reply);
}

static GPtrArray *
load_corpus (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "voucher-replies.txt", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *replies = g_ptr_array_new_with_free_func ((GDestroyNotify) reply_free);

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    g_auto(GStrv) fields = NULL;
    Reply *reply;

    if (lines[i][0] == '#' || lines[i][0] == '\0')
      continue;
    fields = g_strsplit (lines[i], "\t", 3);
    g_assert_cmpuint (g_strv_length (fields), ==, 3);
    reply = g_new0 (Reply, 1);
    reply->outcome = g_strdup (fields[0]);
    reply->language = g_strdup (fields[1]);
    reply->text = g_strdup (fields[2]);
    g_ptr_array_add (replies, reply);
  }
  return replies;
}

static SaldoVoucherReply
expected_outcome (const Reply *reply)
{
  if (g_str_equal (reply->outcome, "refused"))
    return SALDO_VOUCHER_REPLY_REFUSED;
  if (g_str_equal (reply->outcome, "accepted"))
    return SALDO_VOUCHER_REPLY_ACCEPTED;
  g_assert_cmpstr (reply->outcome, ==, "unclear");
  return SALDO_VOUCHER_REPLY_UNCLEAR;
}

static void
test_corpus (void)
{
  g_autoptr(GPtrArray) replies = load_corpus ();
  g_autoptr(GRegex) success = g_regex_new (BROAD_SUCCESS, 0, 0, NULL);
  SaldoVoucherPatterns patterns = { 0 };
  guint                refused_per_language[4] = { 0 };
  const char          *languages[] = { "es", "en", "pt", "fr" };

  patterns.refusal = saldo_voucher_refusal_regex_new ();
  patterns.success = success;
  for (guint i = 0; i < replies->len; i++) {
    const Reply      *reply = replies->pdata[i];
    SaldoVoucherReply got = saldo_voucher_reply_classify (&patterns, reply->text);

    if (got != expected_outcome (reply))
      g_error ("“%s” (%s): expected %s, got %d", reply->text, reply->language, reply->outcome, got);
    for (guint l = 0; l < G_N_ELEMENTS (languages); l++)
      if (got == SALDO_VOUCHER_REPLY_REFUSED && g_str_equal (reply->language, languages[l]))
        refused_per_language[l]++;
  }
  /* a corpus in four languages, not a token one */
  for (guint l = 0; l < G_N_ELEMENTS (languages); l++)
    g_assert_cmpuint (refused_per_language[l], >=, 10);
  g_regex_unref (patterns.refusal);
}

/* Without the carrier's words for success, no text is a success. */
static void
test_no_success_pattern (void)
{
  g_autoptr(GPtrArray) replies = load_corpus ();
  SaldoVoucherPatterns patterns = { 0 };

  patterns.refusal = saldo_voucher_refusal_regex_new ();
  for (guint i = 0; i < replies->len; i++) {
    const Reply *reply = replies->pdata[i];

    g_assert_cmpint (saldo_voucher_reply_classify (&patterns, reply->text), !=, SALDO_VOUCHER_REPLY_ACCEPTED);
  }
  g_assert_cmpint (saldo_voucher_reply_classify (&patterns, NULL), ==, SALDO_VOUCHER_REPLY_UNCLEAR);
  g_regex_unref (patterns.refusal);
}

/* The carrier's or the provider's failure pattern wins over success. */
static void
test_extra_failure_patterns (void)
{
  g_autoptr(GRegex) success = g_regex_new ("(?i)recarga", 0, 0, NULL);
  g_autoptr(GRegex) carrier_failure = g_regex_new ("(?i)saldo insuficiente", 0, 0, NULL);
  g_autoptr(GRegex) provider_failure = g_regex_new ("(?i)c[oó]digo 77", 0, 0, NULL);
  SaldoVoucherPatterns patterns = { 0 };

  patterns.refusal = saldo_voucher_refusal_regex_new ();
  patterns.success = success;
  patterns.failure[0] = carrier_failure;
  patterns.failure[1] = provider_failure;
  g_assert_cmpint (saldo_voucher_reply_classify (&patterns, "Recarga: saldo insuficiente"), ==,
                   SALDO_VOUCHER_REPLY_REFUSED);
  g_assert_cmpint (saldo_voucher_reply_classify (&patterns, "Recarga: código 77"), ==,
                   SALDO_VOUCHER_REPLY_REFUSED);
  g_assert_cmpint (saldo_voucher_reply_classify (&patterns, "Recarga lista"), ==,
                   SALDO_VOUCHER_REPLY_ACCEPTED);
  g_regex_unref (patterns.refusal);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/voucher-reply/corpus", test_corpus);
  g_test_add_func ("/voucher-reply/no-success-pattern", test_no_success_pattern);
  g_test_add_func ("/voucher-reply/extra-failure-patterns", test_extra_failure_patterns);
  return g_test_run ();
}
