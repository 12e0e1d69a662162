/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Top-up orchestration without a bus: the line manager and the top-up
 * manager as saldod builds them (saldo.conf and providers.d read from a
 * temporary directory, a real SQLite file), a provider written here whose
 * answers each test scripts, and a fake clock.  Balance readings go in as
 * the network's answers would; what comes out is the managers' signals,
 * the ledger and what the provider was asked to charge.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "saldo-error.h"
#include "saldo-line-manager.h"
#include "saldo-topup-manager.h"

#define CLARO_ICCID "8951100000000000011"
#define OTHER_ICCID "8951100000000000029"
#define T0          1790000000 /* a Thursday in 2026 */

/* ---- a provider whose answers the test scripts ---- */

#define TEST_TYPE_PROVIDER (test_provider_get_type ())
G_DECLARE_FINAL_TYPE (TestProvider, test_provider, TEST, PROVIDER, SaldoProvider)

struct _TestProvider {
  SaldoProvider    parent_instance;
  SaldoTopUpStatus answer;  /* what the next top-up gets */
  GHashTable      *charges; /* reference → times charged */
  guint            requests;
};

G_DEFINE_TYPE (TestProvider, test_provider, SALDO_TYPE_PROVIDER)

static gboolean
test_provider_configure (SaldoProvider *provider, GKeyFile *kf, const char *config_dir, GError **error)
{
  return TRUE;
}

static void
test_provider_top_up_async (SaldoProvider      *provider,
                            SaldoTopUpRequest  *req,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  TestProvider *self = TEST_PROVIDER (provider);
  g_autoptr(GTask) task = g_task_new (provider, cancellable, callback, user_data);
  SaldoTopUpResult *result;

  self->requests++;
  if (self->answer == SALDO_TOP_UP_STATUS_UNKNOWN) {
    g_autoptr(GError)
                 lost = g_error_new_literal (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_TIMEOUT, "no answer");

    /* Charged, but the answer is lost on the way back. */
    g_hash_table_insert (self->charges, g_strdup (req->reference),
                         GUINT_TO_POINTER (
                           GPOINTER_TO_UINT (g_hash_table_lookup (self->charges, req->reference)) + 1));
    result = saldo_top_up_result_new_unknown (req->reference, lost);
  } else if (self->answer == SALDO_TOP_UP_STATUS_FAILED) {
    result = saldo_top_up_result_new (SALDO_TOP_UP_STATUS_FAILED, req->reference);
    result->error = g_error_new_literal (SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_REJECTED, "declined");
  } else {
    g_hash_table_insert (self->charges, g_strdup (req->reference),
                         GUINT_TO_POINTER (
                           GPOINTER_TO_UINT (g_hash_table_lookup (self->charges, req->reference)) + 1));
    result = saldo_top_up_result_new (SALDO_TOP_UP_STATUS_SUCCEEDED, req->reference);
    result->delivered_amount = req->amount;
    result->delivered_currency = g_strdup (req->currency);
  }
  g_task_return_pointer (task, result, (GDestroyNotify) saldo_top_up_result_free);
}

/* Nothing to look up: the balance has to tell. */
static void
test_provider_lookup_async (SaldoProvider      *provider,
                            const char         *reference,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (provider, cancellable, callback, user_data);

  g_task_return_new_error (task, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_PROTOCOL,
                           "this provider cannot look anything up");
}

static void
test_provider_finalize (GObject *object)
{
  g_hash_table_unref (TEST_PROVIDER (object)->charges);
  G_OBJECT_CLASS (test_provider_parent_class)->finalize (object);
}

static void
test_provider_class_init (TestProviderClass *klass)
{
  SaldoProviderClass *provider_class = SALDO_PROVIDER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_provider_finalize;
  provider_class->type_name = "test";
  provider_class->configure = test_provider_configure;
  provider_class->top_up_async = test_provider_top_up_async;
  provider_class->lookup_async = test_provider_lookup_async;
}

static void
test_provider_init (TestProvider *self)
{
  self->charges = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* ---- the fixture: a saldod without a bus ---- */

typedef struct {
  char              *dir;
  gint64             now;
  SaldoStore        *store;
  SaldoLineManager  *lines;
  SaldoTopupManager *topups;
  TestProvider      *provider;
  SaldoLine         *claro;  /* Claro Perú: its carrier file caps top-ups */
  SaldoLine         *other;  /* a network Saldo has no file for: no caps */
  GPtrArray         *events; /* "finished <id> <state>", "started <id>", ... */
  char              *asked;  /* the last confirmation's id */
} Fixture;

static gint64
fake_clock (gpointer data)
{
  return ((Fixture *) data)->now;
}

static void
on_started (SaldoTopupManager *topups,
            const char        *id,
            const char        *line,
            gint64             amount,
            const char        *currency,
            Fixture           *fx)
{
  g_ptr_array_add (fx->events, g_strdup_printf ("started %s %" G_GINT64_FORMAT " %s", id, amount, currency));
}

static void
on_finished (SaldoTopupManager *topups,
             const char        *id,
             const char        *line,
             const char        *state,
             gint64             amount,
             Fixture           *fx)
{
  g_ptr_array_add (fx->events, g_strdup_printf ("finished %s %s", id, state));
}

static void
on_confirmation (SaldoTopupManager *topups,
                 const char        *id,
                 const char        *line,
                 gint64             amount,
                 const char        *currency,
                 const char        *reason,
                 Fixture           *fx)
{
  g_free (fx->asked);
  fx->asked = g_strdup (id);
  g_ptr_array_add (fx->events, g_strdup_printf ("confirm %s %" G_GINT64_FORMAT, id, amount));
}

static void
on_low_balance (SaldoTopupManager *topups, const char *line, gint64 balance, const char *currency, Fixture *fx)
{
  g_ptr_array_add (fx->events, g_strdup_printf ("low %" G_GINT64_FORMAT, balance));
}

static void
on_rule_disabled (SaldoTopupManager *topups, const char *rule, const char *reason, Fixture *fx)
{
  g_ptr_array_add (fx->events, g_strdup_printf ("disabled %s", rule));
}

static void
write_file (const char *dir, const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
fixture_open (Fixture *fx)
{
  g_autofree char *conf = g_build_filename (fx->dir, "saldo.conf", NULL);
  g_autofree char *db = g_build_filename (fx->dir, "saldo.db", NULL);
  g_autoptr(SaldoConfig) config = NULL;
  g_autoptr(SaldoProviderLoader) loader = saldo_provider_loader_new (fx->dir);
  g_autoptr(GError) error = NULL;
  GPtrArray *providers;

  config = saldo_config_load (conf, TRUE, &error);
  g_assert_no_error (error);
  fx->store = saldo_store_open (db, &error);
  g_assert_no_error (error);
  fx->lines = saldo_line_manager_new (fx->store, config, &error);
  g_assert_no_error (error);
  saldo_provider_loader_add_builtin (loader, TEST_TYPE_PROVIDER);
  fx->topups = saldo_topup_manager_new (fx->store, fx->lines, config, loader, &error);
  g_assert_no_error (error);
  saldo_topup_manager_set_clock (fx->topups, fake_clock, fx);
  providers = saldo_topup_manager_get_providers (fx->topups);
  g_assert_cmpuint (providers->len, ==, 1);
  fx->provider = g_object_ref (providers->pdata[0]);
  g_signal_connect (fx->topups, "top-up-started", G_CALLBACK (on_started), fx);
  g_signal_connect (fx->topups, "top-up-finished", G_CALLBACK (on_finished), fx);
  g_signal_connect (fx->topups, "confirmation-required", G_CALLBACK (on_confirmation), fx);
  g_signal_connect (fx->topups, "low-balance", G_CALLBACK (on_low_balance), fx);
  g_signal_connect (fx->topups, "rule-disabled", G_CALLBACK (on_rule_disabled), fx);
  fx->claro = saldo_line_manager_ensure_line (fx->lines, CLARO_ICCID, "test");
  g_assert_nonnull (fx->claro);
  saldo_line_update_identity (fx->claro, "716100000000011", "71610", "Claro PE", "physical");
  fx->other = saldo_line_manager_ensure_line (fx->lines, OTHER_ICCID, "test");
  g_assert_nonnull (fx->other);
  saldo_topup_manager_start (fx->topups);
}

static void
fixture_close (Fixture *fx)
{
  g_clear_object (&fx->provider);
  /* A timer or a provider's answer may keep the manager a moment longer
   * than the fixture: it must not read the fixture's clock then. */
  saldo_topup_manager_set_clock (fx->topups, NULL, NULL);
  g_signal_handlers_disconnect_by_data (fx->topups, fx);
  g_clear_object (&fx->topups);
  g_clear_object (&fx->lines);
  g_clear_object (&fx->store);
  fx->claro = NULL;
  fx->other = NULL;
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *providers = NULL;
  g_autofree char *conf = NULL;

  fx->dir = g_dir_make_tmp ("saldo-topup-manager-XXXXXX", &error);
  g_assert_no_error (error);
  fx->now = T0;
  fx->events = g_ptr_array_new_with_free_func (g_free);
  conf = g_strdup_printf ("[Daemon]\n"
                          "CarrierDataDirectory=%s\n"
                          "ProviderInfoFile=\n"
                          "ConfirmationTimeout=3600\n"
                          "UnknownSettleDelay=1800\n"
                          "UnknownSettleWindow=86400\n",
                          g_getenv ("SALDO_CARRIERS_DIR"));
  write_file (fx->dir, "saldo.conf", conf);
  providers = g_build_filename (fx->dir, "providers.d", NULL);
  g_assert_cmpint (g_mkdir (providers, 0700), ==, 0);
  write_file (providers, "pay.conf", "[Provider]\nType=test\n");
  fixture_open (fx);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_autofree char *cmd = NULL;

  fixture_close (fx);
  g_ptr_array_unref (fx->events);
  g_free (fx->asked);
  cmd = g_strdup_printf ("rm -rf '%s'", fx->dir);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (fx->dir);
}

/* A balance the network just told (a USSD reply, read). */
static void
read_balance (Fixture *fx, SaldoLine *line, gint64 amount)
{
  g_autoptr(SaldoReading) reading = saldo_reading_new ();

  reading->time = fx->now;
  reading->source = g_strdup ("ussd");
  reading->kind = g_strdup ("balance");
  reading->raw_text = g_strdup ("Saldo");
  reading->error = g_strdup ("");
  reading->carrier = g_strdup ("claro-pe");
  reading->has_amount = TRUE;
  reading->amount_minor = amount;
  reading->currency = g_strdup ("PEN");
  saldo_line_manager_add_network_reading (fx->lines, line, reading);
}

static gboolean
has_event (Fixture *fx, const char *prefix)
{
  for (guint i = 0; i < fx->events->len; i++)
    if (g_str_has_prefix (fx->events->pdata[i], prefix))
      return TRUE;
  return FALSE;
}

static gboolean
keep_ticking (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until an event starting with prefix came (the
 * provider answers from the loop). */
static void
wait_event (Fixture *fx, const char *prefix)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  /* Wakes the loop up when nothing else would. */
  guint tick = g_timeout_add (100, keep_ticking, NULL);

  while (!has_event (fx, prefix) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  if (!has_event (fx, prefix)) {
    for (guint i = 0; i < fx->events->len; i++)
      g_test_message ("event: %s", (const char *) fx->events->pdata[i]);
    g_error ("no event %s", prefix);
  }
}

static guint
charges (Fixture *fx)
{
  GHashTableIter iter;
  gpointer       times;
  guint          total = 0;

  g_hash_table_iter_init (&iter, fx->provider->charges);
  while (g_hash_table_iter_next (&iter, NULL, &times))
    total += GPOINTER_TO_UINT (times);
  return total;
}

static SaldoTopupRecord *
topup (Fixture *fx, const char *id_text)
{
  g_autoptr(GError) error = NULL;
  SaldoTopupRecord *record = NULL;
  gint64            id;

  g_assert_true (saldo_topup_id_parse (id_text, &id, &error));
  g_assert_true (saldo_ledger_get (saldo_topup_manager_get_ledger (fx->topups), id, &record, &error));
  g_assert_no_error (error);
  return record;
}

static SaldoRuleObject *
add_rule (Fixture *fx, SaldoLine *line, gboolean confirm)
{
  g_autoptr(GError) error = NULL;
  GVariantDict     dict;
  SaldoRuleObject *rule;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "line", "o", saldo_line_get_object_path (line));
  g_variant_dict_insert (&dict, "kind", "s", "threshold");
  g_variant_dict_insert (&dict, "below", "x", (gint64) 500);
  g_variant_dict_insert (&dict, "amount", "x", (gint64) 1000);
  g_variant_dict_insert (&dict, "confirm", "b", confirm);
  g_variant_dict_insert (&dict, "provider", "s", "pay");
  rule = saldo_topup_manager_add_rule (fx->topups, g_variant_dict_end (&dict), &error);
  g_assert_no_error (error);
  g_assert_nonnull (rule);
  return rule;
}

/* A low balance tops up once; the next reading, risen, verifies it; the
 * balance low again right after is held back by the cooldown. */
static void
test_rule_tops_up_once_and_verifies (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoRuleObject) rule = NULL;
  g_autoptr(SaldoTopupRecord) record = NULL;
  g_autofree char *id = NULL;

  read_balance (fx, fx->claro, 2000);
  rule = add_rule (fx, fx->claro, FALSE);
  g_assert_cmpuint (fx->events->len, ==, 0);

  fx->now += 3600;
  read_balance (fx, fx->claro, 300);
  g_assert_true (has_event (fx, "low 300"));
  g_assert_true (has_event (fx, "started 1 1000 PEN"));
  wait_event (fx, "finished 1 succeeded");
  g_assert_cmpuint (charges (fx), ==, 1);

  fx->now += 600;
  read_balance (fx, fx->claro, 1280);
  g_assert_true (has_event (fx, "finished 1 verified"));
  id = g_strdup ("1");
  record = topup (fx, id);
  g_assert_cmpint (record->state, ==, SALDO_LEDGER_STATE_VERIFIED);
  g_assert_cmpint (record->balance_before, ==, 300);

  /* Spent again at once: the cooldown holds the rule back. */
  fx->now += 60;
  read_balance (fx, fx->claro, 100);
  g_assert_false (has_event (fx, "started 2"));
  g_assert_cmpuint (charges (fx), ==, 1);
}

/* The owner's own top-up passes the same limits: bad amounts, an unknown
 * provider, a line with no cap at all and one above the carrier's cap are
 * refused before anything is planned. */
static void
test_manual_top_up_limits (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autoptr(SaldoTopupRecord) record = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  SaldoLedgerQuery query = { 0 };

  /* Without a balance read the line's currency is not known. */
  g_assert_null (saldo_topup_manager_top_up (fx->topups, fx->other, 1000, NULL, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  read_balance (fx, fx->claro, 300);
  read_balance (fx, fx->other, 300);

  g_assert_null (saldo_topup_manager_top_up (fx->topups, fx->claro, 0, NULL, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* More than any sum of money can hold: refused, nothing overflows. */
  g_assert_null (saldo_topup_manager_top_up (fx->topups, fx->claro, G_MAXINT64, NULL, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (saldo_topup_manager_top_up (fx->topups, fx->claro, 1000, "nobody", &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* No carrier file, no saldo.conf default, no rule: no cap, no top-up. */
  g_assert_null (saldo_topup_manager_top_up (fx->topups, fx->other, 1000, NULL, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_LIMIT_REACHED);
  g_assert_true (g_str_has_prefix (error->message, "max-per-topup: "));
  g_clear_error (&error);
  /* Claro's file caps one top-up at S/ 50.00. */
  g_assert_null (saldo_topup_manager_top_up (fx->topups, fx->claro, 5001, NULL, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_LIMIT_REACHED);
  g_assert_true (g_str_has_prefix (error->message, "max-per-topup: "));
  g_clear_error (&error);
  g_assert_true (saldo_topup_manager_list (fx->topups, &query, &rows, &error));
  g_assert_cmpuint (rows->len, ==, 0);
  g_assert_cmpuint (fx->provider->requests, ==, 0);

  id = saldo_topup_manager_top_up (fx->topups, fx->claro, 5000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, "1");
  wait_event (fx, "finished 1 succeeded");
  record = topup (fx, id);
  g_assert_cmpint (record->origin, ==, SALDO_TOPUP_ORIGIN_MANUAL);
  g_assert_cmpuint (charges (fx), ==, 1);
}

/* A rule that asks: nothing is charged until the owner says yes; a no
 * closes the row; a question nobody answered in time expires. */
static void
test_confirmation (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoRuleObject) rule = NULL;
  g_autoptr(SaldoTopupRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  read_balance (fx, fx->claro, 2000);
  rule = add_rule (fx, fx->claro, TRUE);
  fx->now += 3600;
  read_balance (fx, fx->claro, 300);
  g_assert_nonnull (fx->asked);
  first = g_strdup (fx->asked);
  g_assert_cmpuint (fx->provider->requests, ==, 0);
  /* Asking once is enough: the next low reading does not ask again. */
  fx->now += 60;
  read_balance (fx, fx->claro, 290);
  g_assert_cmpstr (fx->asked, ==, first);

  g_assert_true (saldo_topup_manager_reject (fx->topups, first, &error));
  g_assert_no_error (error);
  record = topup (fx, first);
  g_assert_cmpint (record->state, ==, SALDO_LEDGER_STATE_FAILED);
  g_assert_false (saldo_topup_manager_confirm (fx->topups, first, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Asked again on a reading the next day; unanswered past
   * ConfirmationTimeout, it expires and a late yes is refused. */
  fx->now += 86400;
  read_balance (fx, fx->claro, 280);
  g_assert_cmpstr (fx->asked, !=, first);
  second = g_strdup (fx->asked);
  fx->now += 3601;
  g_assert_false (saldo_topup_manager_confirm (fx->topups, second, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_clear_pointer (&record, saldo_topup_record_free);
  record = topup (fx, second);
  g_assert_cmpint (record->state, ==, SALDO_LEDGER_STATE_EXPIRED);
  g_assert_true (has_event (fx, "finished 2 expired"));

  /* A yes in time sends it. */
  fx->now += 86400;
  read_balance (fx, fx->claro, 270);
  g_assert_cmpstr (fx->asked, ==, "3");
  g_assert_true (saldo_topup_manager_confirm (fx->topups, "3", &error));
  g_assert_no_error (error);
  wait_event (fx, "finished 3 succeeded");
  g_assert_cmpuint (charges (fx), ==, 1);
}

/* An answer lost on the way back leaves the top-up unknown and blocks the
 * line; the balance settles it once it has had time to arrive, and only a
 * USSD reading counts. */
static void
test_unknown_settled_by_the_balance (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoRuleObject) rule = NULL;
  g_autoptr(SaldoTopupRecord) record = NULL;

  fx->provider->answer = SALDO_TOP_UP_STATUS_UNKNOWN;
  read_balance (fx, fx->claro, 2000);
  rule = add_rule (fx, fx->claro, FALSE);
  fx->now += 3600;
  read_balance (fx, fx->claro, 300);
  wait_event (fx, "finished 1 unknown");
  /* Still low a minute later: the open top-up blocks another. */
  fx->now += 60;
  read_balance (fx, fx->claro, 300);
  g_assert_false (has_event (fx, "started 2"));

  /* Past UnknownSettleDelay, the risen balance settles it as a success. */
  fx->now += 1800;
  read_balance (fx, fx->claro, 1300);
  g_assert_true (has_event (fx, "finished 1 verified"));
  record = topup (fx, "1");
  g_assert_cmpint (record->state, ==, SALDO_LEDGER_STATE_VERIFIED);
  g_assert_cmpuint (charges (fx), ==, 1);
}

/* What nobody else can settle, the owner does; the ledger names them. */
static void
test_owner_resolves (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoTopupRecord) record = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  fx->provider->answer = SALDO_TOP_UP_STATUS_UNKNOWN;
  read_balance (fx, fx->claro, 300);
  id = saldo_topup_manager_top_up (fx->topups, fx->claro, 1000, NULL, &error);
  g_assert_no_error (error);
  wait_event (fx, "finished 1 unknown");
  g_assert_false (
    saldo_topup_manager_resolve (fx->topups, "x", SALDO_LEDGER_STATE_FAILED, 1000, NULL, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (saldo_topup_manager_resolve (fx->topups, id, SALDO_LEDGER_STATE_FAILED, 1000,
                                              "the card was never charged", &error));
  g_assert_no_error (error);
  g_assert_true (has_event (fx, "finished 1 failed"));
  record = topup (fx, id);
  g_assert_cmpint (record->state, ==, SALDO_LEDGER_STATE_FAILED);
  g_assert_true (
    saldo_ledger_list_events (saldo_topup_manager_get_ledger (fx->topups), record->id, &events, &error));
  g_assert_cmpint (((SaldoTopupEvent *) events->pdata[events->len - 1])->actor_uid, ==, 1000);
  /* Settled is settled. */
  g_assert_false (
    saldo_topup_manager_resolve (fx->topups, id, SALDO_LEDGER_STATE_SUCCEEDED, 1000, NULL, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
}

static guint
count_events (Fixture *fx, const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i < fx->events->len; i++)
    if (g_str_has_prefix (fx->events->pdata[i], prefix))
      n++;
  return n;
}

/* A rule that turned itself off after three failures and is turned on
 * again in the same second (the ledger dates its rows in whole seconds)
 * tries again: the failures before its owner's word do not count.  The
 * fake clock runs a day ahead of the system's here, as the ledger's clock
 * is the one that dated the failures. */
static void
test_reenabled_rule_tries_again (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoRuleObject) rule = NULL;
  g_autoptr(GError) error = NULL;
  GVariantDict dict;

  fx->now = g_get_real_time () / G_USEC_PER_SEC + 86400;
  fx->provider->answer = SALDO_TOP_UP_STATUS_FAILED;
  read_balance (fx, fx->claro, 300);
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "line", "o", saldo_line_get_object_path (fx->claro));
  g_variant_dict_insert (&dict, "kind", "s", "threshold");
  g_variant_dict_insert (&dict, "below", "x", (gint64) 500);
  g_variant_dict_insert (&dict, "amount", "x", (gint64) 1000);
  g_variant_dict_insert (&dict, "provider", "s", "pay");
  g_variant_dict_insert (&dict, "cooldown", "u", 0);
  rule = saldo_topup_manager_add_rule (fx->topups, g_variant_dict_end (&dict), &error);
  g_assert_no_error (error);
  wait_event (fx, "disabled ");
  g_assert_cmpuint (fx->provider->requests, ==, 3);
  g_assert_false (saldo_rule_object_get_record (rule)->enabled);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "enabled", "b", TRUE);
  g_assert_true (saldo_topup_manager_update_rule (fx->topups, rule, g_variant_dict_end (&dict), &error));
  g_assert_no_error (error);
  wait_event (fx, "finished 4 failed");
  g_assert_cmpuint (count_events (fx, "disabled "), ==, 1);
  g_assert_true (saldo_rule_object_get_record (rule)->enabled);
}

/* Rules and top-ups outlive a restart: a planned row that was to be sent
 * at once is closed, not sent late. */
static void
test_restart (Fixture *fx, gconstpointer data)
{
  g_autoptr(SaldoTopupRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  SaldoTopupPlan plan = { 0 };
  gint64         id;

  read_balance (fx, fx->claro, 300);
  g_object_unref (add_rule (fx, fx->claro, FALSE));
  wait_event (fx, "finished 1 succeeded");
  plan.line_id = saldo_line_get_id (fx->claro);
  plan.origin = SALDO_TOPUP_ORIGIN_MANUAL;
  plan.provider = "pay";
  plan.amount = 500;
  plan.currency = "PEN";
  plan.expires = fx->now + 3600;
  g_assert_true (
    saldo_ledger_create_planned (saldo_topup_manager_get_ledger (fx->topups), &plan, &id, &error));
  g_assert_no_error (error);

  fixture_close (fx);
  fixture_open (fx);
  g_assert_cmpuint (saldo_topup_manager_get_rules (fx->topups)->len, ==, 1);
  record = topup (fx, "2");
  g_assert_cmpint (record->state, ==, SALDO_LEDGER_STATE_EXPIRED);
  g_assert_cmpuint (fx->provider->requests, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
#define ADD(path, func) \
  g_test_add ("/topup-manager/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("rule-tops-up-once-and-verifies", test_rule_tops_up_once_and_verifies);
  ADD ("manual-top-up-limits", test_manual_top_up_limits);
  ADD ("confirmation", test_confirmation);
  ADD ("unknown-settled-by-the-balance", test_unknown_settled_by_the_balance);
  ADD ("owner-resolves", test_owner_resolves);
  ADD ("restart", test_restart);
  ADD ("re-enabled-rule-tries-again", test_reenabled_rule_tries_again);
#undef ADD
  return g_test_run ();
}
