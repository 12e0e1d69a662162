/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "saldo-error.h"
#include "saldo-ledger.h"
#include "saldo-rule.h"

#define ICCID_A "8951101234567890123"
#define ICCID_B "8951109876543210987"

typedef struct {
  char        *dir;
  char        *path;
  SaldoStore  *store;
  SaldoLedger *ledger;
  gint64       line_a;
  gint64       line_b;
} Fixture;

static gint64
add_line (SaldoStore *store, const char *iccid)
{
  g_autoptr(SaldoLineRecord) line = saldo_line_record_new ();
  g_autoptr(GError) error = NULL;

  line->iccid = g_strdup (iccid);
  line->first_seen = line->last_seen = 1700000000;
  g_assert_true (saldo_store_save_line (store, line, &error));
  g_assert_no_error (error);
  return line->id;
}

static void
fixture_open (Fixture *fx)
{
  g_autoptr(GError) error = NULL;

  fx->store = saldo_store_open (fx->path, &error);
  g_assert_no_error (error);
  fx->ledger = saldo_ledger_new (fx->store);
}

static void
fixture_close (Fixture *fx)
{
  g_clear_object (&fx->ledger);
  g_clear_object (&fx->store);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fx->dir = g_dir_make_tmp ("saldo-ledger-XXXXXX", &error);
  g_assert_no_error (error);
  fx->path = g_build_filename (fx->dir, "saldo.db", NULL);
  fixture_open (fx);
  fx->line_a = add_line (fx->store, ICCID_A);
  fx->line_b = add_line (fx->store, ICCID_B);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  fixture_close (fx);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++) {
    g_autofree char *p = g_strconcat (fx->path, suffixes[i], NULL);
    g_unlink (p);
  }
  g_rmdir (fx->dir);
  g_free (fx->path);
  g_free (fx->dir);
}

static gint64
plan (Fixture *fx, gint64 line_id, gint64 rule_id, gint64 amount)
{
  SaldoTopupPlan p = {
    .line_id = line_id,
    .rule_id = rule_id,
    .origin = rule_id > 0 ? SALDO_TOPUP_ORIGIN_RULE : SALDO_TOPUP_ORIGIN_MANUAL,
    .provider = "rl",
    .amount = amount,
    .currency = "PEN",
    .phone = "+51987654321",
    .country = "PE",
  };
  g_autoptr(GError) error = NULL;
  gint64 id = 0;

  g_assert_true (saldo_ledger_create_planned (fx->ledger, &p, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static SaldoTopupRecord *
get (Fixture *fx, gint64 id)
{
  g_autoptr(GError) error = NULL;
  SaldoTopupRecord *record = NULL;

  g_assert_true (saldo_ledger_get (fx->ledger, id, &record, &error));
  g_assert_no_error (error);
  return record;
}

static SaldoLedgerState
state_of (Fixture *fx, gint64 id)
{
  g_autoptr(SaldoTopupRecord) record = get (fx, id);

  return record->state;
}

static guint
count_events (Fixture *fx, gint64 id)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (saldo_ledger_list_events (fx->ledger, id, &events, &error));
  g_assert_no_error (error);
  return events->len;
}

/* ---- operations, so paths and the legality matrix can be tables ---- */

typedef enum {
  OP_INTENT,
  OP_CANCEL,
  OP_SEND, /* mark_sent, expecting the row's current state */
  OP_SUCCEEDED,
  OP_FAILED,
  OP_UNKNOWN,
  OP_LOOKUP, /* note_lookup */
  OP_VERIFIED,
  OP_DISPUTED,
  OP_WITHDRAW, /* planned → expired */
  OP_RESOLVE,  /* the owner says it succeeded */
  OP_SETTLE,   /* the balance says it failed */
  N_OPS,
  OP_END = -1,
} Op;

static const char *const op_names[] = {
  "intent", "cancel",   "send",     "succeeded", "failed",  "unknown",
  "lookup", "verified", "disputed", "withdraw",  "resolve", "settle",
};

static gboolean
apply (Fixture *fx, gint64 id, Op op, GError **error)
{
  SaldoLedgerState  current = state_of (fx, id);
  SaldoTopupReceipt receipt;

  saldo_topup_receipt_init (&receipt);
  switch (op) {
  case OP_INTENT:
    return saldo_ledger_record_intent (fx->ledger, id, NULL, error);
  case OP_CANCEL:
    return saldo_ledger_cancel (fx->ledger, id, "owner declined", error);
  case OP_SEND:
    return saldo_ledger_mark_sent (fx->ledger, id, current, "test", error);
  case OP_SUCCEEDED:
    receipt.provider_transaction_id = "tx-1";
    receipt.delivered_amount = 1000;
    receipt.delivered_currency = "PEN";
    receipt.requested_amount = 270;
    receipt.requested_currency = "USD";
    receipt.message = "SUCCESSFUL";
    return saldo_ledger_mark_result (fx->ledger, id, current, SALDO_LEDGER_STATE_SUCCEEDED, &receipt, "ok",
                                     error);
  case OP_FAILED:
    receipt.error = "declined";
    return saldo_ledger_mark_result (fx->ledger, id, current, SALDO_LEDGER_STATE_FAILED, &receipt, "no",
                                     error);
  case OP_UNKNOWN:
    receipt.error = "timed out";
    receipt.next_check = 1234;
    return saldo_ledger_mark_result (fx->ledger, id, current, SALDO_LEDGER_STATE_UNKNOWN, &receipt, "?",
                                     error);
  case OP_LOOKUP:
    return saldo_ledger_note_lookup (fx->ledger, id, current, 5678, TRUE, "still processing", error);
  case OP_VERIFIED:
    return saldo_ledger_mark_verified (fx->ledger, id, 1500, error);
  case OP_DISPUTED:
    return saldo_ledger_mark_disputed (fx->ledger, id, TRUE, 500, "balance did not rise", error);
  case OP_WITHDRAW:
    return saldo_ledger_withdraw (fx->ledger, id, "no longer wanted", error);
  case OP_RESOLVE:
    return saldo_ledger_resolve (fx->ledger, id, SALDO_LEDGER_STATE_SUCCEEDED, 1000,
                                 "the shop says it went through", error);
  case OP_SETTLE:
    return saldo_ledger_settle (fx->ledger, id, SALDO_LEDGER_STATE_FAILED, "the balance did not rise", error);
  case N_OPS:
  case OP_END:
  default:
    g_assert_not_reached ();
  }
}

static void
apply_ok (Fixture *fx, gint64 id, Op op)
{
  g_autoptr(GError) error = NULL;

  if (!apply (fx, id, op, &error))
    g_test_message ("op %s on top-up %" G_GINT64_FORMAT " refused", op_names[op], id);
  g_assert_no_error (error);
}

static void
test_state_names (void)
{
  /* The ledger's stored names are the policy's names. */
  for (int s = SALDO_LEDGER_STATE_PLANNED; s <= SALDO_LEDGER_STATE_EXPIRED; s++) {
    SaldoLedgerState parsed;

    g_assert_cmpstr (saldo_ledger_state_to_string (s), ==, saldo_ledger_state_to_string (s));
    g_assert_true (saldo_ledger_state_from_string (saldo_ledger_state_to_string (s), &parsed));
    g_assert_cmpint (parsed, ==, s);
  }
  g_assert_false (saldo_ledger_state_from_string ("refunded", &(SaldoLedgerState){ 0 }));
}

static void
test_schema (Fixture *fx, gconstpointer data)
{
  sqlite3    *db = saldo_store_get_handle (fx->store);
  const char *tables[] = { "topups", "topup_events", "used_vouchers" };

  g_assert_cmpint (saldo_store_get_schema_version (fx->store), >=, 3);
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++) {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", tables[i]);
    g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  }
}

static void
test_legal_paths (Fixture *fx, gconstpointer data)
{
  const struct {
    Op               ops[10];
    SaldoLedgerState final;
    gboolean         finished;
    const char      *kinds; /* event kinds, comma separated */
    guint            attempts;
  } cases[] = {
    { { OP_INTENT, OP_SEND, OP_SUCCEEDED, OP_VERIFIED, OP_END },
      SALDO_LEDGER_STATE_VERIFIED,
      TRUE,
      "created,intent,sent,result,verified",
      1 },
    { { OP_INTENT, OP_SEND, OP_FAILED, OP_END },
      SALDO_LEDGER_STATE_FAILED,
      TRUE,
      "created,intent,sent,result",
      1 },
    { { OP_INTENT, OP_SEND, OP_UNKNOWN, OP_LOOKUP, OP_SEND, OP_SUCCEEDED, OP_DISPUTED, OP_VERIFIED, OP_END },
      SALDO_LEDGER_STATE_VERIFIED,
      TRUE,
      "created,intent,sent,result,lookup,resent,result,disputed,verified",
      2 },
    { { OP_CANCEL, OP_END }, SALDO_LEDGER_STATE_FAILED, TRUE, "created,cancelled", 0 },
    { { OP_INTENT, OP_SEND, OP_UNKNOWN, OP_LOOKUP, OP_FAILED, OP_END },
      SALDO_LEDGER_STATE_FAILED,
      TRUE,
      "created,intent,sent,result,lookup,result",
      1 },
    { { OP_INTENT, OP_SUCCEEDED, OP_END }, SALDO_LEDGER_STATE_SUCCEEDED, TRUE, "created,intent,result", 0 },
    { { OP_INTENT, OP_SEND, OP_SEND, OP_UNKNOWN, OP_END },
      SALDO_LEDGER_STATE_UNKNOWN,
      FALSE,
      "created,intent,sent,resent,result",
      2 },
    { { OP_INTENT, OP_LOOKUP, OP_SEND, OP_SUCCEEDED, OP_DISPUTED, OP_END },
      SALDO_LEDGER_STATE_DISPUTED,
      TRUE,
      "created,intent,lookup,sent,result,disputed",
      1 },
    { { OP_INTENT, OP_SEND, OP_UNKNOWN, OP_SETTLE, OP_END },
      SALDO_LEDGER_STATE_FAILED,
      TRUE,
      "created,intent,sent,result,settled",
      1 },
    { { OP_INTENT, OP_SEND, OP_UNKNOWN, OP_RESOLVE, OP_VERIFIED, OP_END },
      SALDO_LEDGER_STATE_VERIFIED,
      TRUE,
      "created,intent,sent,result,resolved,verified",
      1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gint64 id = plan (fx, fx->line_a, 0, 1000);
    g_autoptr(SaldoTopupRecord) record = NULL;
    g_autoptr(GPtrArray) events = NULL;
    g_autoptr(GString) kinds = g_string_new (NULL);
    g_autoptr(GError) error = NULL;
    const char *prev_to = NULL;

    for (guint k = 0; cases[i].ops[k] != OP_END; k++)
      apply_ok (fx, id, cases[i].ops[k]);
    record = get (fx, id);
    g_assert_cmpint (record->state, ==, cases[i].final);
    g_assert_cmpint (record->finished > 0, ==, cases[i].finished);
    g_assert_cmpuint (record->attempts, ==, cases[i].attempts);
    g_assert_true ((record->reference == NULL) ==
                   (cases[i].ops[0] == OP_CANCEL || cases[i].ops[0] == OP_WITHDRAW));

    g_assert_true (saldo_ledger_list_events (fx->ledger, id, &events, &error));
    g_assert_no_error (error);
    for (guint e = 0; e < events->len; e++) {
      SaldoTopupEvent *event = g_ptr_array_index (events, e);

      g_string_append_printf (kinds, "%s%s", e > 0 ? "," : "", event->kind);
      g_assert_cmpint (event->topup_id, ==, id);
      /* The events chain: each starts where the previous one ended. */
      g_assert_cmpstr (event->from_state, ==, prev_to);
      prev_to = event->to_state;
    }
    g_assert_cmpstr (kinds->str, ==, cases[i].kinds);
    g_assert_cmpstr (prev_to, ==, saldo_ledger_state_to_string (record->state));
  }
}

/* How each state is reached, for the matrix below. */
static const Op reach[][6] = {
  [SALDO_LEDGER_STATE_PLANNED] = { OP_END },
  [SALDO_LEDGER_STATE_INTENT] = { OP_INTENT, OP_END },
  [SALDO_LEDGER_STATE_SENT] = { OP_INTENT, OP_SEND, OP_END },
  [SALDO_LEDGER_STATE_SUCCEEDED] = { OP_INTENT, OP_SEND, OP_SUCCEEDED, OP_END },
  [SALDO_LEDGER_STATE_FAILED] = { OP_INTENT, OP_SEND, OP_FAILED, OP_END },
  [SALDO_LEDGER_STATE_UNKNOWN] = { OP_INTENT, OP_SEND, OP_UNKNOWN, OP_END },
  [SALDO_LEDGER_STATE_VERIFIED] = { OP_INTENT, OP_SEND, OP_SUCCEEDED, OP_VERIFIED, OP_END },
  [SALDO_LEDGER_STATE_DISPUTED] = { OP_INTENT, OP_SEND, OP_SUCCEEDED, OP_DISPUTED, OP_END },
  [SALDO_LEDGER_STATE_EXPIRED] = { OP_WITHDRAW, OP_END },
};

/* legal[state][op], written out independently of the ledger's own table:
 *              intent cancel send succ fail unkn lookup verif disp withdr resolve settle */
static const gboolean legal[][N_OPS] = {
  [SALDO_LEDGER_STATE_PLANNED] = { 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 },
  [SALDO_LEDGER_STATE_INTENT] = { 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0 },
  [SALDO_LEDGER_STATE_SENT] = { 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0 },
  [SALDO_LEDGER_STATE_SUCCEEDED] = { 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0 },
  [SALDO_LEDGER_STATE_FAILED] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
  [SALDO_LEDGER_STATE_UNKNOWN] = { 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1 },
  [SALDO_LEDGER_STATE_VERIFIED] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
  [SALDO_LEDGER_STATE_DISPUTED] = { 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 },
  [SALDO_LEDGER_STATE_EXPIRED] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
};

static void
test_transition_matrix (Fixture *fx, gconstpointer data)
{
  for (int s = SALDO_LEDGER_STATE_PLANNED; s <= SALDO_LEDGER_STATE_EXPIRED; s++) {
    for (int op = 0; op < N_OPS; op++) {
      gint64 id = plan (fx, fx->line_a, 0, 1000);
      g_autoptr(SaldoTopupRecord) before = NULL;
      g_autoptr(SaldoTopupRecord) after = NULL;
      g_autoptr(GError) error = NULL;
      guint    events_before;
      gboolean ok;

      for (guint k = 0; reach[s][k] != OP_END; k++)
        apply_ok (fx, id, reach[s][k]);
      g_assert_cmpint (state_of (fx, id), ==, s);
      before = get (fx, id);
      events_before = count_events (fx, id);

      ok = apply (fx, id, op, &error);
      g_test_message ("%s + %s: %s", saldo_ledger_state_to_string (s), op_names[op],
                      ok ? "ok" : error->message);
      g_assert_cmpint (ok, ==, legal[s][op]);
      after = get (fx, id);
      if (ok) {
        g_assert_no_error (error);
        g_assert_cmpuint (count_events (fx, id), ==, events_before + 1);
      } else {
        /* Refused: nothing about the row changed and no event was written. */
        g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
        g_assert_cmpint (after->state, ==, before->state);
        g_assert_cmpint (after->updated, ==, before->updated);
        g_assert_cmpuint (after->attempts, ==, before->attempts);
        g_assert_cmpstr (after->reference, ==, before->reference);
        g_assert_cmpuint (count_events (fx, id), ==, events_before);
      }
    }
  }
}

static void
test_expected_state_mismatch (Fixture *fx, gconstpointer data)
{
  gint64 id = plan (fx, fx->line_a, 0, 1000);
  g_autoptr(GError) error = NULL;

  apply_ok (fx, id, OP_INTENT);
  apply_ok (fx, id, OP_SEND);
  /* A caller that still believes the row is at intent must not move it. */
  g_assert_false (saldo_ledger_mark_sent (fx->ledger, id, SALDO_LEDGER_STATE_INTENT, NULL, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (saldo_ledger_mark_result (fx->ledger, id, SALDO_LEDGER_STATE_UNKNOWN,
                                            SALDO_LEDGER_STATE_SUCCEEDED, NULL, NULL, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* Not a result state. */
  g_assert_false (saldo_ledger_mark_result (fx->ledger, id, SALDO_LEDGER_STATE_SENT,
                                            SALDO_LEDGER_STATE_VERIFIED, NULL, NULL, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpint (state_of (fx, id), ==, SALDO_LEDGER_STATE_SENT);

  g_assert_false (saldo_ledger_mark_sent (fx->ledger, 9999, SALDO_LEDGER_STATE_INTENT, NULL, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_NOT_FOUND);
}

static void
test_receipt_fields_kept (Fixture *fx, gconstpointer data)
{
  gint64 id = plan (fx, fx->line_a, 7, 1000);
  g_autoptr(SaldoTopupRecord) record = NULL;
  SaldoTopupReceipt receipt;
  g_autoptr(GError) error = NULL;

  apply_ok (fx, id, OP_INTENT);
  apply_ok (fx, id, OP_SEND);
  saldo_topup_receipt_init (&receipt);
  receipt.provider_transaction_id = "tx-42";
  receipt.error = "timed out";
  receipt.next_check = 4242;
  g_assert_true (saldo_ledger_mark_result (fx->ledger, id, SALDO_LEDGER_STATE_SENT,
                                           SALDO_LEDGER_STATE_UNKNOWN, &receipt, NULL, &error));
  g_assert_no_error (error);
  record = get (fx, id);
  g_assert_cmpstr (record->error, ==, "timed out");
  g_assert_cmpint (record->next_check, ==, 4242);
  g_assert_cmpint (record->finished, ==, 0);
  g_clear_pointer (&record, saldo_topup_record_free);

  /* The later answer adds amounts; the earlier transaction id stays, the
   * error of the open outcome is cleared by the success. */
  saldo_topup_receipt_init (&receipt);
  receipt.delivered_amount = 1000;
  receipt.delivered_currency = "PEN";
  g_assert_true (saldo_ledger_mark_result (fx->ledger, id, SALDO_LEDGER_STATE_UNKNOWN,
                                           SALDO_LEDGER_STATE_SUCCEEDED, &receipt, NULL, &error));
  g_assert_no_error (error);
  record = get (fx, id);
  g_assert_cmpstr (record->provider_transaction_id, ==, "tx-42");
  g_assert_cmpint (record->delivered_amount, ==, 1000);
  g_assert_cmpstr (record->delivered_currency, ==, "PEN");
  g_assert_cmpint (record->requested_amount, ==, -1);
  g_assert_cmpstr (record->error, ==, "");
  g_assert_cmpint (record->finished, >, 0);
  g_assert_cmpint (record->rule_id, ==, 7);
  g_assert_cmpint (record->origin, ==, SALDO_TOPUP_ORIGIN_RULE);
  g_assert_cmpstr (record->iccid, ==, ICCID_A);
  g_clear_pointer (&record, saldo_topup_record_free);

  g_assert_true (saldo_ledger_mark_verified (fx->ledger, id, 2500, &error));
  g_assert_no_error (error);
  record = get (fx, id);
  g_assert_true (record->has_balance_after);
  g_assert_cmpint (record->balance_after, ==, 2500);
}

static void
test_events_in_same_transaction (Fixture *fx, gconstpointer data)
{
  sqlite3 *db = saldo_store_get_handle (fx->store);
  gint64   id = plan (fx, fx->line_a, 0, 1000);
  g_autoptr(GError) error = NULL;

  apply_ok (fx, id, OP_INTENT);
  /* Make the event insert fail: the state change must be rolled back with it. */
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TEMP TRIGGER fail_sent BEFORE INSERT ON topup_events"
                                 " WHEN NEW.kind = 'sent'"
                                 " BEGIN SELECT RAISE (ABORT, 'disk full, say'); END",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  g_assert_false (saldo_ledger_mark_sent (fx->ledger, id, SALDO_LEDGER_STATE_INTENT, NULL, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE);
  g_clear_error (&error);
  g_assert_cmpint (state_of (fx, id), ==, SALDO_LEDGER_STATE_INTENT);
  g_assert_cmpuint (count_events (fx, id), ==, 2);
  g_assert_true (sqlite3_get_autocommit (db));

  g_assert_cmpint (sqlite3_exec (db, "DROP TRIGGER fail_sent", NULL, NULL, NULL), ==, SQLITE_OK);
  apply_ok (fx, id, OP_SEND);
  g_assert_cmpint (state_of (fx, id), ==, SALDO_LEDGER_STATE_SENT);
  g_assert_cmpuint (count_events (fx, id), ==, 3);
}

static void
test_append_only (Fixture *fx, gconstpointer data)
{
  sqlite3    *db = saldo_store_get_handle (fx->store);
  gint64      id = plan (fx, fx->line_a, 0, 1000);
  const char *refused[] = {
    "UPDATE topup_events SET detail = 'rewritten'",
    "DELETE FROM topup_events",
    "DELETE FROM topups",
    "UPDATE topups SET reference = 'saldo-OTHER'",
    "UPDATE topups SET state = 'refunded'",
    "UPDATE topups SET reference = NULL",
  };

  apply_ok (fx, id, OP_INTENT);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++) {
    g_test_message ("%s", refused[i]);
    g_assert_cmpint (sqlite3_exec (db, refused[i], NULL, NULL, NULL), !=, SQLITE_OK);
  }
  g_assert_cmpint (state_of (fx, id), ==, SALDO_LEDGER_STATE_INTENT);
  g_assert_cmpuint (count_events (fx, id), ==, 2);
}

static gboolean
reference_well_formed (const char *reference)
{
  if (!g_str_has_prefix (reference, "saldo-") || strlen (reference) != 26)
    return FALSE;
  for (const char *p = reference + 6; *p != '\0'; p++)
    if (!(g_ascii_isupper (*p) || (*p >= '2' && *p <= '7')))
      return FALSE;
  return TRUE;
}

static void
test_references_unique (Fixture *fx, gconstpointer data)
{
  sqlite3 *db = saldo_store_get_handle (fx->store);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *sql = NULL;
  gint64           other;

  for (guint i = 0; i < 200; i++) {
    gint64 id = plan (fx, fx->line_a, 0, 100 + i);
    char  *reference = NULL;
    g_autoptr(SaldoTopupRecord) record = NULL;
    g_autoptr(SaldoTopupRecord) by_ref = NULL;

    g_assert_true (saldo_ledger_record_intent (fx->ledger, id, &reference, &error));
    g_assert_no_error (error);
    g_assert_true (reference_well_formed (reference));
    g_assert_false (g_hash_table_contains (seen, reference));
    record = get (fx, id);
    g_assert_cmpstr (record->reference, ==, reference);
    g_assert_true (saldo_ledger_get_by_reference (fx->ledger, reference, &by_ref, &error));
    g_assert_no_error (error);
    g_assert_cmpint (by_ref->id, ==, id);
    if (first == NULL)
      first = g_strdup (reference);
    g_hash_table_add (seen, reference);
  }
  /* The database itself refuses a second row with the same reference. */
  other = plan (fx, fx->line_a, 0, 1);
  sql = g_strdup_printf ("UPDATE topups SET state = 'intent', reference = '%s' WHERE id = %" G_GINT64_FORMAT,
                         first, other);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_CONSTRAINT_UNIQUE);

  g_assert_false (saldo_ledger_get_by_reference (fx->ledger, "saldo-NOSUCHREFERENCE2345",
                                                 &(SaldoTopupRecord *){ NULL }, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_NOT_FOUND);
}

static void
test_vouchers (Fixture *fx, gconstpointer data)
{
  sqlite3    *db = saldo_store_get_handle (fx->store);
  const char *pin = "1234567890123456";
  gint64      first = plan (fx, fx->line_a, 0, 1000);
  gint64      second = plan (fx, fx->line_b, 0, 1000);
  g_autoptr(GError) error = NULL;
  gboolean      used = TRUE;
  sqlite3_stmt *stmt = NULL;
  guint         rows = 0;

  g_assert_true (saldo_ledger_voucher_is_used (fx->ledger, pin, &used, &error));
  g_assert_no_error (error);
  g_assert_false (used);
  g_assert_true (saldo_ledger_claim_voucher (fx->ledger, first, pin, &error));
  g_assert_no_error (error);
  g_assert_true (saldo_ledger_voucher_is_used (fx->ledger, pin, &used, &error));
  g_assert_true (used);

  /* The same PIN again, for any top-up, is refused. */
  g_assert_false (saldo_ledger_claim_voucher (fx->ledger, second, pin, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (saldo_ledger_claim_voucher (fx->ledger, first, pin, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (saldo_ledger_claim_voucher (fx->ledger, second, "6543210987654321", &error));
  g_assert_no_error (error);
  g_assert_false (saldo_ledger_claim_voucher (fx->ledger, 9999, "1111", &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (saldo_ledger_claim_voucher (fx->ledger, first, "", &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Only hashes are kept: the PIN appears in no column of any table. */
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT pin_sha256 FROM used_vouchers UNION ALL"
                                       " SELECT detail FROM topup_events",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW) {
    g_assert_null (strstr ((const char *) sqlite3_column_text (stmt, 0), pin));
    rows++;
  }
  sqlite3_finalize (stmt);
  g_assert_cmpuint (rows, >, 2);
}

static void
test_rule_rows (Fixture *fx, gconstpointer data)
{
  sqlite3 *db = saldo_store_get_handle (fx->store);
  const struct {
    gint64   line;
    gint64   rule_id;
    gint64   amount;
    Op       ops[5];
    gint64   age;    /* seconds in the past */
    gboolean listed; /* with since = now - 1 day */
  } cases[] = {
    { 1, 3, 500, { OP_INTENT, OP_SEND, OP_SUCCEEDED, OP_END }, 60, TRUE },
    { 2, 0, 700, { OP_INTENT, OP_SEND, OP_FAILED, OP_END }, 120, TRUE },
    { 1, 3, 900, { OP_END }, 10, TRUE },
    /* old but in flight: still counts */
    { 1, 4, 300, { OP_INTENT, OP_SEND, OP_UNKNOWN, OP_END }, 40 * 86400, TRUE },
    { 2, 0, 200, { OP_INTENT, OP_END }, 40 * 86400, TRUE },
    /* old and done: outside the window */
    { 1, 3, 100, { OP_INTENT, OP_SEND, OP_SUCCEEDED, OP_VERIFIED, OP_END }, 40 * 86400, FALSE },
  };
  g_autoptr(SaldoLedgerRows) rows = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 ids[G_N_ELEMENTS (cases)];
  gsize  n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *sql = NULL;

    ids[i] = plan (fx, cases[i].line == 1 ? fx->line_a : fx->line_b, cases[i].rule_id, cases[i].amount);
    for (guint k = 0; cases[i].ops[k] != OP_END; k++)
      apply_ok (fx, ids[i], cases[i].ops[k]);
    /* sent 5 s after it was planned */
    sql = g_strdup_printf ("UPDATE topups SET created = %" G_GINT64_FORMAT ", sent_at = CASE WHEN"
                           " sent_at > 0 THEN %" G_GINT64_FORMAT " ELSE 0 END WHERE id = %" G_GINT64_FORMAT,
                           now - cases[i].age, now - cases[i].age + 5, ids[i]);
    g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  }
  g_assert_true (saldo_ledger_to_rule_rows (fx->ledger, now - 86400, &rows, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(SaldoTopupRecord) record = get (fx, ids[i]);
    const SaldoLedgerRow *row;

    if (!cases[i].listed)
      continue;
    g_assert_cmpuint (n, <, rows->n_rows);
    row = &rows->rows[n++];
    g_assert_cmpint (row->rule_id, ==, cases[i].rule_id);
    g_assert_cmpstr (row->iccid, ==, cases[i].line == 1 ? ICCID_A : ICCID_B);
    g_assert_cmpint (row->amount, ==, cases[i].amount);
    g_assert_cmpstr (row->currency, ==, "PEN");
    g_assert_cmpint (row->state, ==, record->state);
    /* the engine's time of a top-up is when its request left */
    g_assert_cmpint (row->created, ==, now - cases[i].age + (record->sent_at > 0 ? 5 : 0));
    g_assert_cmpint (row->finished, ==, record->finished);
    g_assert_cmpint (row->finished > 0, ==,
                     record->state == SALDO_LEDGER_STATE_SUCCEEDED ||
                       record->state == SALDO_LEDGER_STATE_FAILED);
  }
  g_assert_cmpuint (n, ==, rows->n_rows);
}

static void
test_list_paging (Fixture *fx, gconstpointer data)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) failed = NULL;
  g_autoptr(GError) error = NULL;
  SaldoLedgerQuery q = { .line_id = fx->line_a };
  gint64           before = 0;
  guint            seen = 0;

  for (guint i = 0; i < 25; i++) {
    gint64 id = plan (fx, i % 3 == 0 ? fx->line_b : fx->line_a, 0, 100 + i);

    if (i % 4 == 0)
      apply_ok (fx, id, OP_CANCEL);
  }
  g_assert_true (saldo_ledger_list (fx->ledger, &q, &all, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 16);
  for (guint i = 1; i < all->len; i++)
    g_assert_cmpint (((SaldoTopupRecord *) all->pdata[i - 1])->id, >,
                     ((SaldoTopupRecord *) all->pdata[i])->id);

  /* Pages of 5 walk the same rows, newest first, without gaps or overlap. */
  q.limit = 5;
  for (;;) {
    g_autoptr(GPtrArray) page = NULL;

    q.before_id = before;
    g_assert_true (saldo_ledger_list (fx->ledger, &q, &page, &error));
    g_assert_no_error (error);
    if (page->len == 0)
      break;
    g_assert_cmpuint (page->len, <=, 5);
    for (guint i = 0; i < page->len; i++) {
      SaldoTopupRecord *r = page->pdata[i];

      g_assert_cmpint (r->id, ==, ((SaldoTopupRecord *) all->pdata[seen])->id);
      g_assert_cmpint (r->line_id, ==, fx->line_a);
      seen++;
      before = r->id;
    }
  }
  g_assert_cmpuint (seen, ==, all->len);

  q = (SaldoLedgerQuery){ .state_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_FAILED) };
  g_assert_true (saldo_ledger_list (fx->ledger, &q, &failed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (failed->len, ==, 7);
  for (guint i = 0; i < failed->len; i++)
    g_assert_cmpint (((SaldoTopupRecord *) failed->pdata[i])->state, ==, SALDO_LEDGER_STATE_FAILED);
}

static void
test_invalid_plans (Fixture *fx, gconstpointer data)
{
  const struct {
    gint64           line;
    gint64           rule_id;
    SaldoTopupOrigin origin;
    const char      *provider;
    gint64           amount;
    const char      *currency;
    int              code;
  } cases[] = {
    { 1, 0, SALDO_TOPUP_ORIGIN_MANUAL, "rl", 0, "PEN", SALDO_ERROR_INVALID_ARGUMENT },
    { 1, 0, SALDO_TOPUP_ORIGIN_MANUAL, "rl", -5, "PEN", SALDO_ERROR_INVALID_ARGUMENT },
    { 1, 0, SALDO_TOPUP_ORIGIN_MANUAL, "rl", 100, "pen", SALDO_ERROR_INVALID_ARGUMENT },
    { 1, 0, SALDO_TOPUP_ORIGIN_MANUAL, "rl", 100, NULL, SALDO_ERROR_INVALID_ARGUMENT },
    { 1, 0, SALDO_TOPUP_ORIGIN_MANUAL, "", 100, "PEN", SALDO_ERROR_INVALID_ARGUMENT },
    { 1, 0, SALDO_TOPUP_ORIGIN_RULE, "rl", 100, "PEN", SALDO_ERROR_INVALID_ARGUMENT },
    { 1, 5, SALDO_TOPUP_ORIGIN_MANUAL, "rl", 100, "PEN", SALDO_ERROR_INVALID_ARGUMENT },
    { 999, 0, SALDO_TOPUP_ORIGIN_MANUAL, "rl", 100, "PEN", SALDO_ERROR_NOT_FOUND },
  };
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  SaldoLedgerQuery q = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    SaldoTopupPlan p = {
      .line_id = cases[i].line == 1 ? fx->line_a : cases[i].line,
      .rule_id = cases[i].rule_id,
      .origin = cases[i].origin,
      .provider = cases[i].provider,
      .amount = cases[i].amount,
      .currency = cases[i].currency,
    };
    gint64 id = 0;

    g_assert_false (saldo_ledger_create_planned (fx->ledger, &p, &id, &error));
    g_assert_error (error, SALDO_ERROR, cases[i].code);
    g_clear_error (&error);
  }
  g_assert_true (saldo_ledger_list (fx->ledger, &q, &all, &error));
  g_assert_cmpuint (all->len, ==, 0);
  g_assert_false (saldo_ledger_get (fx->ledger, 1, &(SaldoTopupRecord *){ NULL }, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_NOT_FOUND);
}

static void
test_receipts_csv (Fixture *fx, gconstpointer data)
{
  const struct {
    const char *fields[4];
    const char *line;
  } cases[] = {
    { { "a", "b", "c", NULL }, "a,b,c" },
    { { "x,y", "say \"hi\"", "", NULL }, "\"x,y\",\"say \"\"hi\"\"\"," },
    { { "two\nlines", "cr\r", NULL }, "\"two\nlines\",\"cr\r\"" },
    { { NULL }, "" },
  };
  gint64 id = plan (fx, fx->line_a, 2, 1000);
  g_autoptr(SaldoTopupRecord) record = NULL;
  g_auto(GStrv) fields = NULL;
  SaldoTopupReceipt receipt;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *line = saldo_ledger_csv_line (cases[i].fields);
    g_assert_cmpstr (line, ==, cases[i].line);
  }

  apply_ok (fx, id, OP_INTENT);
  apply_ok (fx, id, OP_SEND);
  saldo_topup_receipt_init (&receipt);
  receipt.provider_transaction_id = "=HYPERLINK(\"x\")";
  receipt.delivered_amount = 990;
  receipt.delivered_currency = "PEN";
  receipt.message = "ok, delivered";
  g_assert_true (saldo_ledger_mark_result (fx->ledger, id, SALDO_LEDGER_STATE_SENT,
                                           SALDO_LEDGER_STATE_SUCCEEDED, &receipt, NULL, &error));
  g_assert_no_error (error);
  record = get (fx, id);
  fields = saldo_ledger_receipt_fields (record);
  g_assert_cmpuint (g_strv_length (fields), ==, g_strv_length ((GStrv) saldo_ledger_receipt_header ()));
  g_assert_cmpint (g_ascii_strtoll (fields[0], NULL, 10), ==, id);
  g_assert_cmpstr (fields[1], ==, record->reference);
  g_assert_cmpstr (fields[2], ==, ICCID_A);
  g_assert_cmpstr (fields[3], ==, "rule");
  g_assert_cmpstr (fields[4], ==, "2");
  g_assert_cmpstr (fields[6], ==, "succeeded");
  g_assert_cmpstr (fields[7], ==, "1000");
  g_assert_cmpstr (fields[9], ==, "");
  g_assert_cmpstr (fields[11], ==, "990");
  /* a formula from the provider is defused */
  g_assert_cmpstr (fields[13], ==, "'=HYPERLINK(\"x\")");
  g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$", fields[16], 0, 0));
  g_assert_cmpstr (fields[19], ==, "ok, delivered");
}

static void
test_reopen_keeps_everything (Fixture *fx, gconstpointer data)
{
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;
  SaldoLedgerQuery q = { 0 };
  gint64           a = plan (fx, fx->line_a, 0, 1000);
  gint64           b = plan (fx, fx->line_b, 9, 2000);
  guint            events_a, events_b;
  gboolean         used = FALSE;

  apply_ok (fx, a, OP_INTENT);
  apply_ok (fx, a, OP_SEND);
  apply_ok (fx, a, OP_UNKNOWN);
  apply_ok (fx, b, OP_INTENT);
  apply_ok (fx, b, OP_SEND);
  apply_ok (fx, b, OP_SUCCEEDED);
  g_assert_true (saldo_ledger_claim_voucher (fx->ledger, b, "9999", &error));
  g_assert_no_error (error);
  events_a = count_events (fx, a);
  events_b = count_events (fx, b);
  g_assert_true (saldo_ledger_list (fx->ledger, &q, &before, &error));

  fixture_close (fx);
  fixture_open (fx);

  g_assert_true (saldo_ledger_list (fx->ledger, &q, &after, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, before->len);
  for (guint i = 0; i < after->len; i++) {
    g_auto(GStrv) f1 = saldo_ledger_receipt_fields (before->pdata[i]);
    g_auto(GStrv) f2 = saldo_ledger_receipt_fields (after->pdata[i]);
    SaldoTopupRecord *r1 = before->pdata[i];
    SaldoTopupRecord *r2 = after->pdata[i];

    g_assert_true (g_strv_equal ((const char *const *) f1, (const char *const *) f2));
    g_assert_cmpint (r1->next_check, ==, r2->next_check);
    g_assert_cmpstr (r1->phone, ==, r2->phone);
    g_assert_cmpstr (r1->country, ==, r2->country);
  }
  g_assert_cmpuint (count_events (fx, a), ==, events_a);
  g_assert_cmpuint (count_events (fx, b), ==, events_b);
  g_assert_true (saldo_ledger_voucher_is_used (fx->ledger, "9999", &used, &error));
  g_assert_true (used);
  /* and the rows keep moving after the restart */
  apply_ok (fx, a, OP_SEND);
  apply_ok (fx, a, OP_SUCCEEDED);
}

static gint64
fake_clock (gpointer data)
{
  return *(gint64 *) data;
}

static gint64
plan_expiring (Fixture *fx, gint64 rule_id, gint64 expires)
{
  SaldoTopupPlan p = {
    .line_id = fx->line_a,
    .rule_id = rule_id,
    .origin = SALDO_TOPUP_ORIGIN_RULE,
    .provider = "rl",
    .amount = 1000,
    .currency = "PEN",
    .expires = expires,
  };
  g_autoptr(GError) error = NULL;
  gint64 id = 0;

  g_assert_true (saldo_ledger_create_planned (fx->ledger, &p, &id, &error));
  g_assert_no_error (error);
  return id;
}

/* A planned row nobody confirms expires, once, at its time; a confirmed
 * one is not touched. */
static void
test_planned_rows_expire (Fixture *fx, gconstpointer data)
{
  gint64 now = 1700000000;
  g_autoptr(GPtrArray) expired = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoTopupRecord) record = NULL;
  gint64 soon, later, confirmed, forever, next = -1;

  saldo_ledger_set_clock (fx->ledger, fake_clock, &now);
  soon = plan_expiring (fx, 1, now + 60);
  later = plan_expiring (fx, 2, now + 3600);
  confirmed = plan_expiring (fx, 3, now + 60);
  forever = plan_expiring (fx, 4, 0);
  apply_ok (fx, confirmed, OP_INTENT);

  g_assert_true (saldo_ledger_expire_planned (fx->ledger, &expired, &next, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (expired->len, ==, 0);
  g_assert_cmpint (next, ==, now + 60);
  g_clear_pointer (&expired, g_ptr_array_unref);

  now += 60;
  g_assert_true (saldo_ledger_expire_planned (fx->ledger, &expired, &next, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (expired->len, ==, 1);
  g_assert_cmpint (((SaldoTopupRecord *) expired->pdata[0])->id, ==, soon);
  g_assert_cmpint (next, ==, now - 60 + 3600);
  g_assert_cmpint (state_of (fx, soon), ==, SALDO_LEDGER_STATE_EXPIRED);
  g_assert_cmpint (state_of (fx, later), ==, SALDO_LEDGER_STATE_PLANNED);
  g_assert_cmpint (state_of (fx, confirmed), ==, SALDO_LEDGER_STATE_INTENT);
  g_assert_cmpint (state_of (fx, forever), ==, SALDO_LEDGER_STATE_PLANNED);
  record = get (fx, soon);
  g_assert_cmpint (record->finished, ==, now);
  g_assert_null (record->reference);
  g_assert_true (saldo_ledger_list_events (fx->ledger, soon, &events, &error));
  g_assert_cmpstr (((SaldoTopupEvent *) events->pdata[events->len - 1])->kind, ==, "expired");
  g_clear_pointer (&expired, g_ptr_array_unref);
  /* Nothing expires twice. */
  g_assert_true (saldo_ledger_expire_planned (fx->ledger, &expired, NULL, &error));
  g_assert_cmpuint (expired->len, ==, 0);
  /* An expired row cannot be sent any more. */
  g_assert_false (saldo_ledger_record_intent (fx->ledger, soon, NULL, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
}

/* The owner's resolution names them; saldod's own events name nobody. */
static void
test_resolution_records_uid (Fixture *fx, gconstpointer data)
{
  gint64 id = plan (fx, fx->line_a, 0, 1000);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoTopupRecord) record = NULL;
  SaldoTopupEvent *last;

  apply_ok (fx, id, OP_INTENT);
  apply_ok (fx, id, OP_SEND);
  record = get (fx, id);
  g_assert_cmpint (record->sent_at, >, 0);
  apply_ok (fx, id, OP_UNKNOWN);
  g_assert_false (saldo_ledger_resolve (fx->ledger, id, SALDO_LEDGER_STATE_VERIFIED, 1000, NULL, &error));
  g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (saldo_ledger_resolve (fx->ledger, id, SALDO_LEDGER_STATE_FAILED, 1000,
                                       "the provider refunded it", &error));
  g_assert_no_error (error);
  g_clear_pointer (&record, saldo_topup_record_free);
  record = get (fx, id);
  g_assert_cmpint (record->state, ==, SALDO_LEDGER_STATE_FAILED);
  g_assert_nonnull (strstr (record->error, "uid 1000"));
  g_assert_true (saldo_ledger_list_events (fx->ledger, id, &events, &error));
  last = events->pdata[events->len - 1];
  g_assert_cmpstr (last->kind, ==, "resolved");
  g_assert_cmpint (last->actor_uid, ==, 1000);
  g_assert_nonnull (strstr (last->detail, "refunded"));
  g_assert_cmpint (((SaldoTopupEvent *) events->pdata[0])->actor_uid, ==, -1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ledger/state-names", test_state_names);
#define ADD(path, func) g_test_add ("/ledger/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("schema", test_schema);
  ADD ("legal-paths", test_legal_paths);
  ADD ("transition-matrix", test_transition_matrix);
  ADD ("expected-state-mismatch", test_expected_state_mismatch);
  ADD ("receipt-fields-kept", test_receipt_fields_kept);
  ADD ("events-in-same-transaction", test_events_in_same_transaction);
  ADD ("append-only", test_append_only);
  ADD ("references-unique", test_references_unique);
  ADD ("vouchers", test_vouchers);
  ADD ("rule-rows", test_rule_rows);
  ADD ("list-paging", test_list_paging);
  ADD ("invalid-plans", test_invalid_plans);
  ADD ("receipts-csv", test_receipts_csv);
  ADD ("reopen-keeps-everything", test_reopen_keeps_everything);
  ADD ("planned-rows-expire", test_planned_rows_expire);
  ADD ("resolution-records-uid", test_resolution_records_uid);
#undef ADD
  return g_test_run ();
}
