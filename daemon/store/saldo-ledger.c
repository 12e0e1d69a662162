/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoLedger"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "saldo-error.h"
#include "saldo-daemon-enums.h"
#include "saldo-enum.h"
#include "saldo-ledger.h"
#include "saldo-provider.h"
#include "saldo-sql.h"

struct _SaldoLedger {
  GObject          parent_instance;
  SaldoStore      *store;
  sqlite3         *db;
  int              last_step_rc; /* extended code of the last failed update */
  SaldoLedgerClock clock;
  gpointer         clock_data;
};

G_DEFINE_TYPE (SaldoLedger, saldo_ledger, G_TYPE_OBJECT)

/* "changed": after every committed change, for those who show the ledger
 * (the exports) and would otherwise have to poll it. */
static guint changed_signal;


#define REFERENCE_PREFIX       "saldo-"
#define REFERENCE_RANDOM_CHARS 20

/* Index = SaldoLedgerState; these strings are what the database holds. */
const char *
saldo_topup_origin_to_string (SaldoTopupOrigin origin)
{
  return saldo_enum_to_string (SALDO_TYPE_TOPUP_ORIGIN, origin);
}

/* The whole state machine.  Anything not listed here is refused, so a bug
 * elsewhere cannot, say, turn a failed top-up back into a sent one. */
static gboolean
transition_is_legal (SaldoLedgerState from, SaldoLedgerState to)
{
  switch (from) {
  case SALDO_LEDGER_STATE_PLANNED:
    return to == SALDO_LEDGER_STATE_INTENT || to == SALDO_LEDGER_STATE_FAILED ||
           to == SALDO_LEDGER_STATE_EXPIRED;
  case SALDO_LEDGER_STATE_INTENT:
  case SALDO_LEDGER_STATE_SENT:
    return to == SALDO_LEDGER_STATE_SENT || to == SALDO_LEDGER_STATE_SUCCEEDED ||
           to == SALDO_LEDGER_STATE_FAILED || to == SALDO_LEDGER_STATE_UNKNOWN;
  case SALDO_LEDGER_STATE_UNKNOWN:
    return to == SALDO_LEDGER_STATE_SENT || to == SALDO_LEDGER_STATE_SUCCEEDED ||
           to == SALDO_LEDGER_STATE_FAILED;
  case SALDO_LEDGER_STATE_SUCCEEDED:
    return to == SALDO_LEDGER_STATE_VERIFIED || to == SALDO_LEDGER_STATE_DISPUTED;
  case SALDO_LEDGER_STATE_DISPUTED:
    return to == SALDO_LEDGER_STATE_VERIFIED;
  case SALDO_LEDGER_STATE_FAILED:
  case SALDO_LEDGER_STATE_VERIFIED:
  case SALDO_LEDGER_STATE_EXPIRED:
  default:
    return FALSE;
  }
}

static gint64
ledger_now (SaldoLedger *self)
{
  if (self->clock != NULL)
    return self->clock (self->clock_data);
  return g_get_real_time () / G_USEC_PER_SEC;
}

void
saldo_ledger_set_clock (SaldoLedger *self, SaldoLedgerClock clock, gpointer data)
{
  g_return_if_fail (SALDO_IS_LEDGER (self));
  self->clock = clock;
  self->clock_data = data;
}

gint64
saldo_ledger_now (SaldoLedger *self)
{
  g_return_val_if_fail (SALDO_IS_LEDGER (self), 0);
  return ledger_now (self);
}

/* ---- records ---- */

SaldoTopupRecord *
saldo_topup_record_copy (const SaldoTopupRecord *record)
{
  SaldoTopupRecord *copy = g_memdup2 (record, sizeof (*record));

  copy->reference = g_strdup (record->reference);
  copy->iccid = g_strdup (record->iccid);
  copy->provider = g_strdup (record->provider);
  copy->currency = g_strdup (record->currency);
  copy->phone = g_strdup (record->phone);
  copy->country = g_strdup (record->country);
  copy->operator_id = g_strdup (record->operator_id);
  copy->ussd_template = g_strdup (record->ussd_template);
  copy->provider_transaction_id = g_strdup (record->provider_transaction_id);
  copy->delivered_currency = g_strdup (record->delivered_currency);
  copy->requested_currency = g_strdup (record->requested_currency);
  copy->message = g_strdup (record->message);
  copy->error = g_strdup (record->error);
  copy->failure = g_strdup (record->failure);
  return copy;
}

void
saldo_topup_record_free (SaldoTopupRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->reference);
  g_free (record->iccid);
  g_free (record->provider);
  g_free (record->currency);
  g_free (record->phone);
  g_free (record->country);
  g_free (record->operator_id);
  g_free (record->ussd_template);
  g_free (record->provider_transaction_id);
  g_free (record->delivered_currency);
  g_free (record->requested_currency);
  g_free (record->message);
  g_free (record->error);
  g_free (record->failure);
  g_free (record);
}

void
saldo_topup_record_to_rule_row (const SaldoTopupRecord *record, SaldoLedgerRow *row)
{
  row->rule_id = record->rule_id;
  row->iccid = record->iccid;
  row->amount = record->amount;
  row->currency = record->currency;
  row->state = record->state;
  /* A top-up is spent when its request leaves (a planned row confirmed the
   * next day counts on that day), planned when it was planned. */
  row->created = record->sent_at > 0 ? record->sent_at : record->created;
  row->finished = record->finished;
  row->provider_fault = saldo_topup_failure_needs_attention (record->failure);
}

const char *
saldo_topup_failure_token (const GError *error)
{
  const char *reason;

  if (error == NULL)
    return "";
  reason = saldo_provider_attention_reason (error);
  if (reason != NULL)
    return reason;
  return saldo_provider_failure_to_string (saldo_provider_failure_classify (error));
}

gboolean
saldo_topup_failure_needs_attention (const char *token)
{
  return g_strcmp0 (token, "insufficient-funds") == 0 || g_strcmp0 (token, "credentials-rejected") == 0 ||
         g_strcmp0 (token, "payment-declined") == 0 || g_strcmp0 (token, "payment-expired") == 0;
}

void
saldo_topup_event_free (SaldoTopupEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->kind);
  g_free (event->from_state);
  g_free (event->to_state);
  g_free (event->detail);
  g_free (event);
}

void
saldo_topup_receipt_init (SaldoTopupReceipt *receipt)
{
  memset (receipt, 0, sizeof (*receipt));
  receipt->delivered_amount = -1;
  receipt->requested_amount = -1;
}

void
saldo_ledger_rows_free (SaldoLedgerRows *rows)
{
  if (rows == NULL)
    return;
  g_free (rows->rows);
  if (rows->strings != NULL)
    g_string_chunk_free (rows->strings);
  g_free (rows);
}

/* ---- SQLite helpers ---- */

static gboolean
ledger_fail (SaldoLedger *self, const char *what, GError **error)
{
  return saldo_sql_fail (self->db, "top-up ledger", what, error);
}

static gboolean
ledger_exec (SaldoLedger *self, const char *sql, GError **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return ledger_fail (self, sql, error);
  return TRUE;
}

static gboolean
ledger_prepare (SaldoLedger *self, const char *sql, sqlite3_stmt **stmt_out, GError **error)
{
  return saldo_sql_prepare (self->db, "top-up ledger", sql, stmt_out, error);
}

/* IMMEDIATE takes the write lock up front, so the state we read inside the
 * transaction is still the state when we write. */
static gboolean
ledger_begin (SaldoLedger *self, GError **error)
{
  return ledger_exec (self, "BEGIN IMMEDIATE", error);
}

static gboolean
ledger_commit (SaldoLedger *self, GError **error)
{
  if (!ledger_exec (self, "COMMIT", error)) {
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    return FALSE;
  }
  g_signal_emit (self, changed_signal, 0);
  return TRUE;
}

static void
ledger_rollback (SaldoLedger *self)
{
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

/* actor_uid: the uid of the person who caused the event, or -1 (saldod) */
static gboolean
append_event_by (SaldoLedger *self,
                 gint64       topup_id,
                 gint64       now,
                 const char  *kind,
                 const char  *from_state,
                 const char  *to_state,
                 const char  *detail,
                 gint64       actor_uid,
                 GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!ledger_prepare (self,
                       "INSERT INTO topup_events (topup_id, time, kind, from_state, to_state, detail,"
                       " actor_uid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                       &stmt, error))
    return FALSE;
  if (actor_uid >= 0)
    sqlite3_bind_int64 (stmt, 7, actor_uid);
  else
    sqlite3_bind_null (stmt, 7);
  sqlite3_bind_int64 (stmt, 1, topup_id);
  sqlite3_bind_int64 (stmt, 2, now);
  sqlite3_bind_text (stmt, 3, kind, -1, SQLITE_STATIC);
  saldo_sql_bind_text_or_null (stmt, 4, from_state);
  sqlite3_bind_text (stmt, 5, to_state, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, detail != NULL ? detail : "", -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return ledger_fail (self, "recording a top-up event", error);
  return TRUE;
}

static gboolean
append_event (SaldoLedger *self,
              gint64       topup_id,
              gint64       now,
              const char  *kind,
              const char  *from_state,
              const char  *to_state,
              const char  *detail,
              GError     **error)
{
  return append_event_by (self, topup_id, now, kind, from_state, to_state, detail, -1, error);
}

/* Reads the row's state inside the caller's transaction. */
static gboolean
read_state (SaldoLedger *self, gint64 id, SaldoLedgerState *state_out, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!ledger_prepare (self, "SELECT state FROM topups WHERE id = ?1", &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_NOT_FOUND, "no top-up %" G_GINT64_FORMAT, id);
    return FALSE;
  }
  if (rc != SQLITE_ROW)
    return ledger_fail (self, "reading a top-up's state", error);
  if (!saldo_ledger_state_from_string ((const char *) sqlite3_column_text (stmt, 0), state_out)) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE,
                 "top-up %" G_GINT64_FORMAT " has an unknown state “%s”", id,
                 (const char *) sqlite3_column_text (stmt, 0));
    return FALSE;
  }
  return TRUE;
}

typedef void (*BindExtra) (sqlite3_stmt *stmt, gconstpointer data);

#define SAME_STATE (-1)

typedef struct {
  guint         expected_mask; /* states the caller accepts the row to be in */
  int           to;            /* a SaldoLedgerState or SAME_STATE */
  const char   *set_sql;       /* extra ", col = ?5 ..." assignments, or NULL */
  BindExtra     bind;
  gconstpointer bind_data;
  const char   *kind;
  const char   *detail;
  gint64        actor_uid; /* 0 or more: the person who asked for it */
  gboolean      by_person;
} Transition;

/* One transaction: check the row's current state, update it conditionally on
 * that state, append the event.  ?1 id, ?2 old state, ?3 new state, ?4 now;
 * extra assignments use ?5 onwards. */
static gboolean
ledger_transition (SaldoLedger *self, gint64 id, const Transition *t, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = NULL;
  SaldoLedgerState from;
  SaldoLedgerState to;
  gint64           now = ledger_now (self);

  sql = g_strdup_printf ("UPDATE topups SET state = ?3, updated = ?4%s"
                         " WHERE id = ?1 AND state = ?2",
                         t->set_sql != NULL ? t->set_sql : "");
  if (!ledger_prepare (self, sql, &stmt, error))
    return FALSE;
  if (!ledger_begin (self, error))
    return FALSE;
  if (!read_state (self, id, &from, error)) {
    ledger_rollback (self);
    return FALSE;
  }
  to = t->to == SAME_STATE ? from : (SaldoLedgerState) t->to;
  if ((t->expected_mask & SALDO_LEDGER_STATE_BIT (from)) == 0 ||
      (t->to != SAME_STATE && !transition_is_legal (from, to))) {
    ledger_rollback (self);
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                 "top-up %" G_GINT64_FORMAT " is %s: it cannot become %s (%s)", id,
                 saldo_ledger_state_to_string (from), saldo_ledger_state_to_string (to), t->kind);
    return FALSE;
  }
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_text (stmt, 2, saldo_ledger_state_to_string (from), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, saldo_ledger_state_to_string (to), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, now);
  if (t->bind != NULL)
    t->bind (stmt, t->bind_data);
  if (sqlite3_step (stmt) != SQLITE_DONE) {
    self->last_step_rc = sqlite3_extended_errcode (self->db);
    ledger_fail (self, "updating a top-up", error);
    ledger_rollback (self);
    return FALSE;
  }
  /* Cannot happen under the write lock; checked so a change of locking can
   * never turn into a silent overwrite. */
  if (sqlite3_changes (self->db) != 1) {
    ledger_rollback (self);
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                 "top-up %" G_GINT64_FORMAT " changed under us", id);
    return FALSE;
  }
  if (!append_event_by (self, id, now, t->kind, saldo_ledger_state_to_string (from),
                        saldo_ledger_state_to_string (to), t->detail, t->by_person ? t->actor_uid : -1,
                        error)) {
    ledger_rollback (self);
    return FALSE;
  }
  return ledger_commit (self, error);
}

/* ---- creating and moving rows ---- */

SaldoLedger *
saldo_ledger_new (SaldoStore *store)
{
  SaldoLedger *self;

  g_return_val_if_fail (SALDO_IS_STORE (store), NULL);
  self = g_object_new (SALDO_TYPE_LEDGER, NULL);
  self->store = g_object_ref (store);
  self->db = saldo_store_get_handle (store);
  return self;
}

static gboolean
invalid (GError **error, const char *what)
{
  g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT, "invalid top-up: %s", what);
  return FALSE;
}

static gboolean
currency_is_valid (const char *currency)
{
  return currency != NULL && strlen (currency) == 3 && g_ascii_isupper (currency[0]) &&
         g_ascii_isupper (currency[1]) && g_ascii_isupper (currency[2]);
}

gboolean
saldo_ledger_create_planned (SaldoLedger *self, const SaldoTopupPlan *plan, gint64 *id_out, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) line = NULL;
  gint64 now = ledger_now (self);
  gint64 id;
  int    rc;

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);

  if (plan->amount <= 0)
    return invalid (error, "the amount must be positive");
  if (!saldo_amount_is_valid (plan->amount))
    return invalid (error, "the amount is too large");
  if (!currency_is_valid (plan->currency))
    return invalid (error, "the currency must be an ISO 4217 code");
  if (plan->provider == NULL || *plan->provider == '\0')
    return invalid (error, "no provider");
  if (plan->rule_id < 0 || (plan->origin == SALDO_TOPUP_ORIGIN_RULE) != (plan->rule_id > 0))
    return invalid (error, "a rule top-up needs its rule id, a manual one none");

  if (!ledger_prepare (self, "SELECT 1 FROM lines WHERE id = ?1", &line, error) ||
      !ledger_prepare (self,
                       "INSERT INTO topups (line_id, rule_id, origin, provider, amount, currency,"
                       " phone, country, operator_id, ussd_template, state, created, updated,"
                       " balance_before, expires)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'planned', ?11, ?11, ?12,"
                       " ?13)",
                       &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (line, 1, plan->line_id);
  rc = sqlite3_step (line);
  if (rc == SQLITE_DONE) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_NOT_FOUND, "no line %" G_GINT64_FORMAT, plan->line_id);
    return FALSE;
  }
  if (rc != SQLITE_ROW)
    return ledger_fail (self, "looking up the line", error);

  sqlite3_bind_int64 (stmt, 1, plan->line_id);
  if (plan->rule_id > 0)
    sqlite3_bind_int64 (stmt, 2, plan->rule_id);
  else
    sqlite3_bind_null (stmt, 2);
  sqlite3_bind_text (stmt, 3, saldo_topup_origin_to_string (plan->origin), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, plan->provider, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, plan->amount);
  sqlite3_bind_text (stmt, 6, plan->currency, -1, SQLITE_TRANSIENT);
  saldo_sql_bind_text_or_null (stmt, 7, plan->phone);
  saldo_sql_bind_text_or_null (stmt, 8, plan->country);
  saldo_sql_bind_text_or_null (stmt, 9, plan->operator_id);
  saldo_sql_bind_text_or_null (stmt, 10, plan->ussd_template);
  sqlite3_bind_int64 (stmt, 11, now);
  if (plan->has_balance_before)
    sqlite3_bind_int64 (stmt, 12, plan->balance_before);
  else
    sqlite3_bind_null (stmt, 12);
  sqlite3_bind_int64 (stmt, 13, plan->expires > 0 ? plan->expires : 0);

  if (!ledger_begin (self, error))
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_DONE) {
    ledger_fail (self, "recording a planned top-up", error);
    ledger_rollback (self);
    return FALSE;
  }
  id = sqlite3_last_insert_rowid (self->db);
  if (!append_event (self, id, now, "created", NULL, "planned", saldo_topup_origin_to_string (plan->origin),
                     error)) {
    ledger_rollback (self);
    return FALSE;
  }
  if (!ledger_commit (self, error))
    return FALSE;
  if (id_out != NULL)
    *id_out = id;
  return TRUE;
}

/* 20 characters of base32 from the kernel's CSPRNG: 100 bits, so two
 * references never collide in practice and cannot be guessed. */
static gboolean
make_reference (char **reference_out, GError **error)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  guint8            bytes[REFERENCE_RANDOM_CHARS];
  gsize             got = 0;
  GString          *reference;

  while (got < sizeof (bytes)) {
    ssize_t n = getrandom (bytes + got, sizeof (bytes) - got, 0);

    if (n < 0) {
      int saved = errno;

      if (saved == EINTR)
        continue;
      g_set_error (error, SALDO_ERROR, SALDO_ERROR_FAILED,
                   "cannot get random bytes for a top-up reference: %s", g_strerror (saved));
      return FALSE;
    }
    got += (gsize) n;
  }
  reference = g_string_new (REFERENCE_PREFIX);
  /* 256 is a multiple of 32, so the low five bits are uniform. */
  for (gsize i = 0; i < sizeof (bytes); i++)
    g_string_append_c (reference, alphabet[bytes[i] & 31]);
  *reference_out = g_string_free (reference, FALSE);
  return TRUE;
}

static void
bind_reference (sqlite3_stmt *stmt, gconstpointer data)
{
  sqlite3_bind_text (stmt, 5, data, -1, SQLITE_STATIC);
}

gboolean
saldo_ledger_record_intent (SaldoLedger *self, gint64 id, char **reference_out, GError **error)
{
  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);

  /* A collision is astronomically unlikely; if the UNIQUE constraint ever
   * fires, a fresh reference is drawn rather than failing the top-up. */
  for (guint tries = 0;; tries++) {
    g_autofree char *reference = NULL;
    g_autoptr(GError) local_error = NULL;
    Transition t = {
      .expected_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_PLANNED),
      .to = SALDO_LEDGER_STATE_INTENT,
      .set_sql = ", reference = ?5",
      .bind = bind_reference,
      .kind = "intent",
    };

    if (!make_reference (&reference, error))
      return FALSE;
    t.bind_data = reference;
    t.detail = reference;
    self->last_step_rc = SQLITE_OK;
    if (ledger_transition (self, id, &t, &local_error)) {
      if (reference_out != NULL)
        *reference_out = g_steal_pointer (&reference);
      return TRUE;
    }
    if (tries >= 2 || self->last_step_rc != SQLITE_CONSTRAINT_UNIQUE) {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  }
}

static void
bind_error_text (sqlite3_stmt *stmt, gconstpointer data)
{
  sqlite3_bind_text (stmt, 5, data, -1, SQLITE_STATIC);
}

gboolean
saldo_ledger_cancel (SaldoLedger *self, gint64 id, const char *reason, GError **error)
{
  Transition t = {
    .expected_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_PLANNED),
    .to = SALDO_LEDGER_STATE_FAILED,
    .set_sql = ", finished = ?4, error = ?5",
    .bind = bind_error_text,
    .bind_data = reason != NULL ? reason : "cancelled",
    .kind = "cancelled",
    .detail = reason,
  };

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);
  return ledger_transition (self, id, &t, error);
}

gboolean
saldo_ledger_mark_sent (SaldoLedger     *self,
                        gint64           id,
                        SaldoLedgerState expected,
                        const char      *detail,
                        GError         **error)
{
  /* A first send comes from intent; anything else re-sends the same
   * reference, which only reconcile does after a NOT_FOUND lookup. */
  Transition t = {
    .expected_mask = SALDO_LEDGER_STATE_BIT (expected),
    .to = SALDO_LEDGER_STATE_SENT,
    .set_sql = ", attempts = attempts + 1, next_check = 0, sent_at = ?4, provider_pending = 0",
    .kind = expected == SALDO_LEDGER_STATE_INTENT ? "sent" : "resent",
    .detail = detail,
  };

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);
  return ledger_transition (self, id, &t, error);
}

static void
bind_receipt (sqlite3_stmt *stmt, gconstpointer data)
{
  const SaldoTopupReceipt *receipt = data;

  saldo_sql_bind_text_or_null (stmt, 5, receipt->provider_transaction_id);
  saldo_sql_bind_int64_if (stmt, 6, receipt->delivered_amount >= 0, receipt->delivered_amount);
  saldo_sql_bind_text_or_null (stmt, 7, receipt->delivered_currency);
  saldo_sql_bind_int64_if (stmt, 8, receipt->requested_amount >= 0, receipt->requested_amount);
  saldo_sql_bind_text_or_null (stmt, 9, receipt->requested_currency);
  saldo_sql_bind_text_or_null (stmt, 10, receipt->message);
  saldo_sql_bind_text_or_null (stmt, 11, receipt->error);
  sqlite3_bind_int64 (stmt, 12, receipt->next_check);
  sqlite3_bind_int (stmt, 13, receipt->pending ? 1 : 0);
  saldo_sql_bind_text_or_null (stmt, 14, receipt->failure);
}

gboolean
saldo_ledger_mark_result (SaldoLedger             *self,
                          gint64                   id,
                          SaldoLedgerState         expected,
                          SaldoLedgerState         state,
                          const SaldoTopupReceipt *receipt,
                          const char              *detail,
                          GError                 **error)
{
  SaldoTopupReceipt empty;
  /* Fields the provider did not report keep what an earlier answer said;
   * a success clears the error left by an earlier unknown outcome. */
  Transition t = {
    .expected_mask = SALDO_LEDGER_STATE_BIT (expected),
    .to = state,
    .set_sql = ", finished = CASE WHEN ?3 IN ('succeeded', 'failed') AND finished = 0"
               "   THEN ?4 ELSE finished END,"
               " provider_transaction_id = COALESCE (?5, provider_transaction_id),"
               " delivered_amount = COALESCE (?6, delivered_amount),"
               " delivered_currency = COALESCE (?7, delivered_currency),"
               " requested_amount = COALESCE (?8, requested_amount),"
               " requested_currency = COALESCE (?9, requested_currency),"
               " message = COALESCE (?10, message),"
               " error = COALESCE (?11, CASE WHEN ?3 = 'succeeded' THEN '' ELSE error END),"
               " next_check = ?12, provider_pending = ?13,"
               " failure = COALESCE (?14, CASE WHEN ?3 = 'succeeded' THEN '' ELSE failure END)",
    .bind = bind_receipt,
    .kind = "result",
    .detail = detail,
  };

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);

  if (state != SALDO_LEDGER_STATE_SUCCEEDED && state != SALDO_LEDGER_STATE_FAILED &&
      state != SALDO_LEDGER_STATE_UNKNOWN)
    return invalid (error, "a result is succeeded, failed or unknown");
  /* Only a request can have a result: planned → failed is cancel's. */
  if (expected != SALDO_LEDGER_STATE_INTENT && expected != SALDO_LEDGER_STATE_SENT &&
      expected != SALDO_LEDGER_STATE_UNKNOWN) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                 "top-up %" G_GINT64_FORMAT ": a %s top-up has no provider result", id,
                 saldo_ledger_state_to_string (expected));
    return FALSE;
  }
  if (receipt == NULL) {
    saldo_topup_receipt_init (&empty);
    receipt = &empty;
  }
  t.bind_data = receipt;
  return ledger_transition (self, id, &t, error);
}

typedef struct {
  gint64   next_check;
  gboolean pending;
} LookupNote;

static void
bind_lookup_note (sqlite3_stmt *stmt, gconstpointer data)
{
  const LookupNote *note = data;

  sqlite3_bind_int64 (stmt, 5, note->next_check);
  sqlite3_bind_int (stmt, 6, note->pending ? 1 : 0);
}

gboolean
saldo_ledger_note_lookup (SaldoLedger     *self,
                          gint64           id,
                          SaldoLedgerState expected,
                          gint64           next_check,
                          gboolean         provider_pending,
                          const char      *detail,
                          GError         **error)
{
  LookupNote note = { next_check, provider_pending };
  /* "Still processing" is sticky: a later lookup that fails to reach the
   * provider does not make it forget that it has the top-up. */
  Transition t = {
    .expected_mask = SALDO_LEDGER_STATE_BIT (expected),
    .to = SAME_STATE,
    .set_sql = ", lookups = lookups + 1, next_check = ?5,"
               " provider_pending = MAX (provider_pending, ?6)",
    .bind = bind_lookup_note,
    .bind_data = &note,
    .kind = "lookup",
    .detail = detail,
  };

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);
  if (expected != SALDO_LEDGER_STATE_INTENT && expected != SALDO_LEDGER_STATE_SENT &&
      expected != SALDO_LEDGER_STATE_UNKNOWN)
    return invalid (error, "only a top-up in flight is looked up");
  return ledger_transition (self, id, &t, error);
}

typedef struct {
  gboolean    has_balance;
  gint64      balance;
  const char *error;
} BalanceAfter;

static void
bind_balance_after (sqlite3_stmt *stmt, gconstpointer data)
{
  const BalanceAfter *after = data;

  if (after->has_balance)
    sqlite3_bind_int64 (stmt, 5, after->balance);
  else
    sqlite3_bind_null (stmt, 5);
  saldo_sql_bind_text_or_null (stmt, 6, after->error);
}

gboolean
saldo_ledger_mark_verified (SaldoLedger *self, gint64 id, gint64 balance_after, GError **error)
{
  BalanceAfter     after = { TRUE, balance_after, NULL };
  g_autofree char *detail = g_strdup_printf ("balance after: %" G_GINT64_FORMAT, balance_after);
  Transition       t = {
          .expected_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_SUCCEEDED) |
                           SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_DISPUTED),
          .to = SALDO_LEDGER_STATE_VERIFIED,
          .set_sql = ", balance_after = ?5, error = COALESCE (?6, '')",
          .bind = bind_balance_after,
          .bind_data = &after,
          .kind = "verified",
          .detail = detail,
  };

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);
  return ledger_transition (self, id, &t, error);
}

gboolean
saldo_ledger_mark_disputed (SaldoLedger *self,
                            gint64       id,
                            gboolean     has_balance_after,
                            gint64       balance_after,
                            const char  *reason,
                            GError     **error)
{
  BalanceAfter after = { has_balance_after, balance_after,
                         reason != NULL ? reason : "the balance did not rise" };
  Transition   t = {
      .expected_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_SUCCEEDED),
      .to = SALDO_LEDGER_STATE_DISPUTED,
      .set_sql = ", balance_after = COALESCE (?5, balance_after), error = ?6",
      .bind = bind_balance_after,
      .bind_data = &after,
      .kind = "disputed",
      .detail = after.error,
  };

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);
  return ledger_transition (self, id, &t, error);
}

static void
bind_resolution (sqlite3_stmt *stmt, gconstpointer data)
{
  sqlite3_bind_text (stmt, 5, data, -1, SQLITE_STATIC);
}

gboolean
saldo_ledger_resolve (SaldoLedger     *self,
                      gint64           id,
                      SaldoLedgerState state,
                      guint32          actor_uid,
                      const char      *note,
                      GError         **error)
{
  g_autofree char *detail = NULL;
  /* Only rows whose outcome is open; a reference stays as it was. */
  Transition t = {
    .expected_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_INTENT) |
                     SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_SENT) |
                     SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_UNKNOWN),
    .to = state,
    .set_sql = ", finished = CASE WHEN finished = 0 THEN ?4 ELSE finished END,"
               " error = CASE WHEN ?3 = 'failed' THEN ?5 ELSE '' END,"
               " next_check = 0, provider_pending = 0",
    .bind = bind_resolution,
    .kind = "resolved",
    .actor_uid = actor_uid,
    .by_person = TRUE,
  };

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);
  if (state != SALDO_LEDGER_STATE_SUCCEEDED && state != SALDO_LEDGER_STATE_FAILED)
    return invalid (error, "a top-up is resolved as succeeded or failed");
  detail = g_strdup_printf ("resolved as %s by uid %u%s%s", saldo_ledger_state_to_string (state), actor_uid,
                            note != NULL && *note != '\0' ? ": " : "", note != NULL ? note : "");
  t.bind_data = detail;
  t.detail = detail;
  return ledger_transition (self, id, &t, error);
}

gboolean
saldo_ledger_settle (SaldoLedger *self, gint64 id, SaldoLedgerState state, const char *reason, GError **error)
{
  Transition t = {
    .expected_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_UNKNOWN),
    .to = state,
    .set_sql = ", finished = CASE WHEN finished = 0 THEN ?4 ELSE finished END,"
               " error = CASE WHEN ?3 = 'failed' THEN ?5 ELSE '' END, next_check = 0",
    .bind = bind_resolution,
    .bind_data = reason,
    .kind = "settled",
    .detail = reason,
  };

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);
  if (state != SALDO_LEDGER_STATE_SUCCEEDED && state != SALDO_LEDGER_STATE_FAILED)
    return invalid (error, "an unknown top-up settles as succeeded or failed");
  if (reason == NULL)
    return invalid (error, "a settled top-up needs its reason");
  return ledger_transition (self, id, &t, error);
}

/* planned → expired: closed unsent, without the owner's no */
static gboolean
close_planned (SaldoLedger *self, gint64 id, const char *kind, const char *reason, GError **error)
{
  Transition t = {
    .expected_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_PLANNED),
    .to = SALDO_LEDGER_STATE_EXPIRED,
    .set_sql = ", finished = ?4, error = ?5",
    .bind = bind_resolution,
    .bind_data = reason,
    .kind = kind,
    .detail = reason,
  };

  return ledger_transition (self, id, &t, error);
}

gboolean
saldo_ledger_withdraw (SaldoLedger *self, gint64 id, const char *reason, GError **error)
{
  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);
  if (reason == NULL)
    return invalid (error, "a withdrawn top-up needs its reason");
  return close_planned (self, id, "withdrawn", reason, error);
}

gboolean
saldo_ledger_expire_planned (SaldoLedger *self,
                             GPtrArray  **expired_out,
                             gint64      *next_expiry_out,
                             GError     **error)
{
  g_autoptr(GPtrArray) planned = NULL;
  g_autoptr(GPtrArray) expired = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_topup_record_free);
  SaldoLedgerQuery query = { .state_mask = SALDO_LEDGER_STATE_BIT (SALDO_LEDGER_STATE_PLANNED) };
  gint64           now = ledger_now (self);
  gint64           next = 0;

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);
  if (!saldo_ledger_list (self, &query, &planned, error))
    return FALSE;
  for (guint i = 0; i < planned->len; i++) {
    SaldoTopupRecord *row = planned->pdata[i];
    g_autoptr(GError) local_error = NULL;
    const char *reason = "not confirmed in time";

    if (row->expires <= 0)
      continue;
    if (row->expires > now) {
      next = next == 0 ? row->expires : MIN (next, row->expires);
      continue;
    }
    /* Confirmed or rejected meanwhile: that answer stands. */
    if (!close_planned (self, row->id, "expired", reason, &local_error)) {
      if (g_error_matches (local_error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT))
        continue;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
    row->state = SALDO_LEDGER_STATE_EXPIRED;
    row->finished = now;
    g_free (row->error);
    row->error = g_strdup (reason);
    g_ptr_array_add (expired, saldo_topup_record_copy (row));
  }
  if (expired_out != NULL)
    *expired_out = g_steal_pointer (&expired);
  if (next_expiry_out != NULL)
    *next_expiry_out = next;
  return TRUE;
}

/* ---- reading ---- */

#define RECORD_COLUMNS                                                                    \
  "t.id, t.reference, t.line_id, l.iccid, t.rule_id, t.origin, t.provider, t.amount,"     \
  " t.currency, t.phone, t.country, t.operator_id, t.ussd_template, t.state, t.created,"  \
  " t.updated, t.finished, t.provider_transaction_id, t.delivered_amount,"                \
  " t.delivered_currency, t.requested_amount, t.requested_currency, t.balance_before,"    \
  " t.balance_after, t.message, t.error, t.attempts, t.lookups, t.next_check, t.expires," \
  " t.sent_at, t.provider_pending, t.failure"                                             \
  " FROM topups t JOIN lines l ON l.id = t.line_id"

static SaldoTopupRecord *
record_from_row (sqlite3_stmt *stmt)
{
  SaldoTopupRecord *record = g_new0 (SaldoTopupRecord, 1);
  int               c = 0;

  record->id = sqlite3_column_int64 (stmt, c++);
  record->reference = saldo_sql_column_dup_nullable (stmt, c++);
  record->line_id = sqlite3_column_int64 (stmt, c++);
  record->iccid = saldo_sql_column_dup (stmt, c++);
  record->rule_id = sqlite3_column_int64 (stmt, c++);
  record->origin = g_strcmp0 ((const char *) sqlite3_column_text (stmt, c++), "rule") == 0
                     ? SALDO_TOPUP_ORIGIN_RULE
                     : SALDO_TOPUP_ORIGIN_MANUAL;
  record->provider = saldo_sql_column_dup (stmt, c++);
  record->amount = sqlite3_column_int64 (stmt, c++);
  record->currency = saldo_sql_column_dup (stmt, c++);
  record->phone = saldo_sql_column_dup_nullable (stmt, c++);
  record->country = saldo_sql_column_dup_nullable (stmt, c++);
  record->operator_id = saldo_sql_column_dup_nullable (stmt, c++);
  record->ussd_template = saldo_sql_column_dup_nullable (stmt, c++);
  /* The CHECK constraint keeps unknown names out of the table. */
  if (!saldo_ledger_state_from_string ((const char *) sqlite3_column_text (stmt, c++), &record->state))
    record->state = SALDO_LEDGER_STATE_UNKNOWN;
  record->created = sqlite3_column_int64 (stmt, c++);
  record->updated = sqlite3_column_int64 (stmt, c++);
  record->finished = sqlite3_column_int64 (stmt, c++);
  record->provider_transaction_id = saldo_sql_column_dup_nullable (stmt, c++);
  record->delivered_amount = sqlite3_column_type (stmt, c) != SQLITE_NULL ? sqlite3_column_int64 (stmt, c)
                                                                          : -1;
  c++;
  record->delivered_currency = saldo_sql_column_dup_nullable (stmt, c++);
  record->requested_amount = sqlite3_column_type (stmt, c) != SQLITE_NULL ? sqlite3_column_int64 (stmt, c)
                                                                          : -1;
  c++;
  record->requested_currency = saldo_sql_column_dup_nullable (stmt, c++);
  record->has_balance_before = sqlite3_column_type (stmt, c) != SQLITE_NULL;
  record->balance_before = sqlite3_column_int64 (stmt, c++);
  record->has_balance_after = sqlite3_column_type (stmt, c) != SQLITE_NULL;
  record->balance_after = sqlite3_column_int64 (stmt, c++);
  record->message = saldo_sql_column_dup (stmt, c++);
  record->error = saldo_sql_column_dup (stmt, c++);
  record->attempts = (guint) sqlite3_column_int64 (stmt, c++);
  record->lookups = (guint) sqlite3_column_int64 (stmt, c++);
  record->next_check = sqlite3_column_int64 (stmt, c++);
  record->expires = sqlite3_column_int64 (stmt, c++);
  record->sent_at = sqlite3_column_int64 (stmt, c++);
  record->provider_pending = sqlite3_column_int64 (stmt, c++) != 0;
  record->failure = saldo_sql_column_dup (stmt, c++);
  return record;
}

static gboolean
get_one (SaldoLedger       *self,
         const char        *where,
         gint64             id,
         const char        *reference,
         SaldoTopupRecord **record_out,
         GError           **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = g_strconcat ("SELECT " RECORD_COLUMNS " WHERE ", where, NULL);
  int              rc;

  if (!ledger_prepare (self, sql, &stmt, error))
    return FALSE;
  if (reference != NULL)
    sqlite3_bind_text (stmt, 1, reference, -1, SQLITE_STATIC);
  else
    sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE) {
    if (reference != NULL)
      g_set_error (error, SALDO_ERROR, SALDO_ERROR_NOT_FOUND, "no top-up with reference %s", reference);
    else
      g_set_error (error, SALDO_ERROR, SALDO_ERROR_NOT_FOUND, "no top-up %" G_GINT64_FORMAT, id);
    return FALSE;
  }
  if (rc != SQLITE_ROW)
    return ledger_fail (self, "reading a top-up", error);
  *record_out = record_from_row (stmt);
  return TRUE;
}

gboolean
saldo_ledger_get (SaldoLedger *self, gint64 id, SaldoTopupRecord **record_out, GError **error)
{
  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);
  return get_one (self, "t.id = ?1", id, NULL, record_out, error);
}

gboolean
saldo_ledger_get_by_reference (SaldoLedger       *self,
                               const char        *reference,
                               SaldoTopupRecord **record_out,
                               GError           **error)
{
  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);
  if (reference == NULL)
    return invalid (error, "no reference");
  return get_one (self, "t.reference = ?1", 0, reference, record_out, error);
}

gboolean
saldo_ledger_list (SaldoLedger *self, const SaldoLedgerQuery *query, GPtrArray **records_out, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_topup_record_free);
  g_autoptr(GString) sql = g_string_new ("SELECT " RECORD_COLUMNS " WHERE (?1 = 0 OR t.line_id = ?1)"
                                          " AND (?2 IS NULL OR t.provider = ?2)"
                                          " AND (?3 = 0 OR t.id < ?3)"
                                          " AND (?5 = 0 OR t.created >= ?5)");
  int rc;

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);

  if (query->state_mask != 0) {
    const char *sep = "";

    /* The names come from the enum itself, never from the caller. */
    g_string_append (sql, " AND t.state IN (");
    for (guint i = 0; i < 32; i++) {
      const char *name = saldo_ledger_state_to_string (i);

      if (name != NULL && (query->state_mask & SALDO_LEDGER_STATE_BIT (i))) {
        g_string_append_printf (sql, "%s'%s'", sep, name);
        sep = ", ";
      }
    }
    g_string_append (sql, ")");
  }
  g_string_append (sql, " ORDER BY t.id DESC LIMIT ?4");
  if (!ledger_prepare (self, sql->str, &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, query->line_id);
  saldo_sql_bind_text_or_null (stmt, 2, query->provider);
  sqlite3_bind_int64 (stmt, 3, query->before_id);
  sqlite3_bind_int64 (stmt, 4, query->limit > 0 ? (gint64) query->limit : -1);
  sqlite3_bind_int64 (stmt, 5, query->since);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (records, record_from_row (stmt));
  if (rc != SQLITE_DONE)
    return ledger_fail (self, "listing top-ups", error);
  *records_out = g_steal_pointer (&records);
  return TRUE;
}

gboolean
saldo_ledger_list_events (SaldoLedger *self, gint64 topup_id, GPtrArray **events_out, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_topup_event_free);
  int rc;

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);

  if (!ledger_prepare (self,
                       "SELECT id, topup_id, time, kind, from_state, to_state, detail, actor_uid"
                       " FROM topup_events WHERE topup_id = ?1 ORDER BY id",
                       &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, topup_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    SaldoTopupEvent *event = g_new0 (SaldoTopupEvent, 1);

    event->id = sqlite3_column_int64 (stmt, 0);
    event->topup_id = sqlite3_column_int64 (stmt, 1);
    event->time = sqlite3_column_int64 (stmt, 2);
    event->kind = saldo_sql_column_dup (stmt, 3);
    event->from_state = saldo_sql_column_dup_nullable (stmt, 4);
    event->to_state = saldo_sql_column_dup (stmt, 5);
    event->detail = saldo_sql_column_dup (stmt, 6);
    event->actor_uid = sqlite3_column_type (stmt, 7) != SQLITE_NULL ? sqlite3_column_int64 (stmt, 7) : -1;
    g_ptr_array_add (events, event);
  }
  if (rc != SQLITE_DONE)
    return ledger_fail (self, "listing top-up events", error);
  *events_out = g_steal_pointer (&events);
  return TRUE;
}

static void
tally_row_free (gpointer data)
{
  SaldoLedgerTallyRow *row = data;

  g_free (row->currency);
  g_free (row);
}

gboolean
saldo_ledger_tally (SaldoLedger *self, gboolean waiting_now, GPtrArray **rows_out, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (tally_row_free);
  int rc;

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);

  if (!ledger_prepare (self,
                       waiting_now
                         ? "SELECT line_id, state, currency, COUNT (*), SUM (amount), MIN (entered) FROM"
                           " (SELECT t.line_id, t.state, t.currency, t.amount,"
                           "   (SELECT MAX (e.time) FROM topup_events e WHERE e.topup_id = t.id"
                           "    AND e.to_state = t.state AND e.from_state IS NOT t.state) AS entered"
                           "  FROM topups t WHERE t.state IN ('planned', 'intent', 'sent', 'unknown'))"
                           " GROUP BY line_id, state, currency ORDER BY line_id"
                         : "SELECT t.line_id, r.state, t.currency, COUNT (*), SUM (t.amount), 0 FROM"
                           " (SELECT DISTINCT topup_id, to_state AS state FROM topup_events) r"
                           " JOIN topups t ON t.id = r.topup_id"
                           " GROUP BY t.line_id, r.state, t.currency ORDER BY t.line_id",
                       &stmt, error))
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    SaldoLedgerTallyRow *row = g_new0 (SaldoLedgerTallyRow, 1);

    g_ptr_array_add (rows, row);
    row->line_id = sqlite3_column_int64 (stmt, 0);
    if (!saldo_ledger_state_from_string ((const char *) sqlite3_column_text (stmt, 1), &row->state)) {
      g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE, "top-up ledger: unknown state '%s'",
                   sqlite3_column_text (stmt, 1));
      return FALSE;
    }
    row->currency = saldo_sql_column_dup (stmt, 2);
    row->count = (guint64) sqlite3_column_int64 (stmt, 3);
    row->amount = sqlite3_column_int64 (stmt, 4);
    row->since = sqlite3_column_int64 (stmt, 5);
  }
  if (rc != SQLITE_DONE)
    return ledger_fail (self, "counting top-ups", error);
  *rows_out = g_steal_pointer (&rows);
  return TRUE;
}

gboolean
saldo_ledger_to_rule_rows (SaldoLedger *self, gint64 since, SaldoLedgerRows **rows_out, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(SaldoLedgerRows) rows = g_new0 (SaldoLedgerRows, 1);
  g_autoptr(GArray) array = g_array_new (FALSE, TRUE, sizeof (SaldoLedgerRow));
  int rc;

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);

  /* In-flight rows count against limits however old they are. */
  if (!ledger_prepare (self,
                       "SELECT " RECORD_COLUMNS
                       " WHERE (CASE WHEN t.sent_at > 0 THEN t.sent_at ELSE t.created END) >= ?1"
                       " OR t.state IN ('intent', 'sent', 'unknown')"
                       " ORDER BY t.id",
                       &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, since);
  rows->strings = g_string_chunk_new (256);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    g_autoptr(SaldoTopupRecord) record = record_from_row (stmt);
    SaldoLedgerRow row;

    saldo_topup_record_to_rule_row (record, &row);
    row.iccid = g_string_chunk_insert_const (rows->strings, record->iccid);
    row.currency = g_string_chunk_insert_const (rows->strings, record->currency);
    g_array_append_val (array, row);
  }
  if (rc != SQLITE_DONE)
    return ledger_fail (self, "reading the ledger for the rules", error);
  rows->n_rows = array->len;
  rows->rows = (SaldoLedgerRow *) g_array_free (g_steal_pointer (&array), FALSE);
  *rows_out = g_steal_pointer (&rows);
  return TRUE;
}

/* ---- vouchers ---- */

static char *
voucher_hash (const char *pin)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, pin, -1);
}

gboolean
saldo_ledger_claim_voucher (SaldoLedger *self, gint64 topup_id, const char *pin, GError **error)
{
  g_autoptr(sqlite3_stmt) find = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autofree char *hash = NULL;
  SaldoLedgerState state;
  gint64           now = ledger_now (self);
  int              rc;

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);
  if (pin == NULL || *pin == '\0')
    return invalid (error, "empty voucher PIN");
  hash = voucher_hash (pin);
  if (!ledger_prepare (self, "SELECT topup_id FROM used_vouchers WHERE pin_sha256 = ?1", &find, error) ||
      !ledger_prepare (self,
                       "INSERT INTO used_vouchers (pin_sha256, topup_id, time)"
                       " VALUES (?1, ?2, ?3)",
                       &insert, error))
    return FALSE;
  sqlite3_bind_text (find, 1, hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 1, hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (insert, 2, topup_id);
  sqlite3_bind_int64 (insert, 3, now);

  if (!ledger_begin (self, error))
    return FALSE;
  if (!read_state (self, topup_id, &state, error)) {
    ledger_rollback (self);
    return FALSE;
  }
  rc = sqlite3_step (find);
  if (rc == SQLITE_ROW) {
    gint64 owner = sqlite3_column_int64 (find, 0);

    ledger_rollback (self);
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT,
                 "this voucher PIN was already used by top-up %" G_GINT64_FORMAT
                 "; a PIN is never dialled twice",
                 owner);
    return FALSE;
  }
  if (rc != SQLITE_DONE || sqlite3_step (insert) != SQLITE_DONE) {
    ledger_fail (self, "recording a used voucher", error);
    ledger_rollback (self);
    return FALSE;
  }
  /* The PIN itself is never stored, not even in the audit trail. */
  if (!append_event (self, topup_id, now, "voucher", saldo_ledger_state_to_string (state),
                     saldo_ledger_state_to_string (state), "voucher PIN claimed", error)) {
    ledger_rollback (self);
    return FALSE;
  }
  return ledger_commit (self, error);
}

gboolean
saldo_ledger_voucher_is_used (SaldoLedger *self, const char *pin, gboolean *used_out, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *hash = NULL;
  int              rc;

  g_return_val_if_fail (SALDO_IS_LEDGER (self), FALSE);
  if (pin == NULL || *pin == '\0')
    return invalid (error, "empty voucher PIN");
  hash = voucher_hash (pin);
  if (!ledger_prepare (self, "SELECT 1 FROM used_vouchers WHERE pin_sha256 = ?1", &stmt, error))
    return FALSE;
  sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return ledger_fail (self, "looking up a voucher", error);
  *used_out = rc == SQLITE_ROW;
  return TRUE;
}

/* ---- receipts ---- */

static const char *const receipt_header[] = {
  "id",
  "reference",
  "iccid",
  "origin",
  "rule_id",
  "provider",
  "state",
  "amount_minor",
  "currency",
  "requested_amount_minor",
  "requested_currency",
  "delivered_amount_minor",
  "delivered_currency",
  "provider_transaction_id",
  "balance_before_minor",
  "balance_after_minor",
  "created",
  "finished",
  "attempts",
  "message",
  "error",
  NULL,
};

const char *const *
saldo_ledger_receipt_header (void)
{
  return receipt_header;
}

static char *
format_time (gint64 t)
{
  g_autoptr(GDateTime) dt = NULL;

  if (t <= 0)
    return g_strdup ("");
  dt = g_date_time_new_from_unix_utc (t);
  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("");
}

static char *
format_optional (gboolean present, gint64 value)
{
  return present ? g_strdup_printf ("%" G_GINT64_FORMAT, value) : g_strdup ("");
}

/* Provider-supplied text could start a spreadsheet formula. */
static char *
neutralise (const char *text)
{
  if (text == NULL)
    return g_strdup ("");
  if (text[0] != '\0' && strchr ("=+-@\t\r", text[0]) != NULL)
    return g_strconcat ("'", text, NULL);
  return g_strdup (text);
}

GStrv
saldo_ledger_receipt_fields (const SaldoTopupRecord *record)
{
  GPtrArray *f = g_ptr_array_new ();

  g_ptr_array_add (f, g_strdup_printf ("%" G_GINT64_FORMAT, record->id));
  g_ptr_array_add (f, g_strdup (record->reference != NULL ? record->reference : ""));
  g_ptr_array_add (f, g_strdup (record->iccid));
  g_ptr_array_add (f, g_strdup (saldo_topup_origin_to_string (record->origin)));
  g_ptr_array_add (f, format_optional (record->rule_id > 0, record->rule_id));
  g_ptr_array_add (f, g_strdup (record->provider));
  g_ptr_array_add (f, g_strdup (saldo_ledger_state_to_string (record->state)));
  g_ptr_array_add (f, g_strdup_printf ("%" G_GINT64_FORMAT, record->amount));
  g_ptr_array_add (f, g_strdup (record->currency));
  g_ptr_array_add (f, format_optional (record->requested_amount >= 0, record->requested_amount));
  g_ptr_array_add (f, neutralise (record->requested_currency));
  g_ptr_array_add (f, format_optional (record->delivered_amount >= 0, record->delivered_amount));
  g_ptr_array_add (f, neutralise (record->delivered_currency));
  g_ptr_array_add (f, neutralise (record->provider_transaction_id));
  g_ptr_array_add (f, format_optional (record->has_balance_before, record->balance_before));
  g_ptr_array_add (f, format_optional (record->has_balance_after, record->balance_after));
  g_ptr_array_add (f, format_time (record->created));
  g_ptr_array_add (f, format_time (record->finished));
  g_ptr_array_add (f, g_strdup_printf ("%u", record->attempts));
  g_ptr_array_add (f, neutralise (record->message));
  g_ptr_array_add (f, neutralise (record->error));
  g_assert (f->len == G_N_ELEMENTS (receipt_header) - 1);
  g_ptr_array_add (f, NULL);
  return (GStrv) g_ptr_array_free (f, FALSE);
}

char *
saldo_ledger_csv_line (const char *const *fields)
{
  GString *line = g_string_new (NULL);

  for (guint i = 0; fields[i] != NULL; i++) {
    const char *f = fields[i];

    if (i > 0)
      g_string_append_c (line, ',');
    if (strpbrk (f, ",\"\r\n") != NULL) {
      g_string_append_c (line, '"');
      for (const char *p = f; *p != '\0'; p++) {
        if (*p == '"')
          g_string_append_c (line, '"');
        g_string_append_c (line, *p);
      }
      g_string_append_c (line, '"');
    } else {
      g_string_append (line, f);
    }
  }
  return g_string_free (line, FALSE);
}

static void
saldo_ledger_finalize (GObject *object)
{
  SaldoLedger *self = SALDO_LEDGER (object);

  g_clear_object (&self->store);
  G_OBJECT_CLASS (saldo_ledger_parent_class)->finalize (object);
}

static void
saldo_ledger_class_init (SaldoLedgerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = saldo_ledger_finalize;
  changed_signal = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 0);
}

static void
saldo_ledger_init (SaldoLedger *self)
{
}
