/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoStore"

#include "config.h"

#include "saldo-error.h"
#include "saldo-rule-store.h"
#include "saldo-sql.h"

/* The rules table: one entry per persisted field of SaldoRuleRecord. */
static const SaldoSqlColumn rule_columns[] = {
  { "line_id", SALDO_SQL_INT64, G_STRUCT_OFFSET (SaldoRuleRecord, line_id) },
  { "kind", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoRuleRecord, kind) },
  { "enabled", SALDO_SQL_BOOL, G_STRUCT_OFFSET (SaldoRuleRecord, enabled) },
  { "confirm", SALDO_SQL_BOOL, G_STRUCT_OFFSET (SaldoRuleRecord, confirm) },
  { "provider", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoRuleRecord, provider) },
  { "amount", SALDO_SQL_INT64, G_STRUCT_OFFSET (SaldoRuleRecord, amount) },
  { "currency", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoRuleRecord, currency) },
  { "below", SALDO_SQL_INT64, G_STRUCT_OFFSET (SaldoRuleRecord, below) },
  { "days_before", SALDO_SQL_UINT, G_STRUCT_OFFSET (SaldoRuleRecord, days_before) },
  { "day", SALDO_SQL_INT, G_STRUCT_OFFSET (SaldoRuleRecord, day) },
  { "hour", SALDO_SQL_UINT, G_STRUCT_OFFSET (SaldoRuleRecord, hour) },
  { "max_per_topup", SALDO_SQL_INT64, G_STRUCT_OFFSET (SaldoRuleRecord, max_per_topup) },
  { "max_per_day", SALDO_SQL_INT64, G_STRUCT_OFFSET (SaldoRuleRecord, max_per_day) },
  { "max_per_month", SALDO_SQL_INT64, G_STRUCT_OFFSET (SaldoRuleRecord, max_per_month) },
  { "max_attempts_24h", SALDO_SQL_UINT, G_STRUCT_OFFSET (SaldoRuleRecord, max_attempts_24h) },
  { "cooldown", SALDO_SQL_UINT, G_STRUCT_OFFSET (SaldoRuleRecord, cooldown) },
  { "created", SALDO_SQL_INT64, G_STRUCT_OFFSET (SaldoRuleRecord, created) },
  { "rearmed_at", SALDO_SQL_INT64, G_STRUCT_OFFSET (SaldoRuleRecord, rearmed_at) },
  { "disabled_reason", SALDO_SQL_TEXT, G_STRUCT_OFFSET (SaldoRuleRecord, disabled_reason) },
};

static const SaldoSqlTable rules_table = {
  "rules",
  G_STRUCT_OFFSET (SaldoRuleRecord, id),
  rule_columns,
  G_N_ELEMENTS (rule_columns),
  sizeof (SaldoRuleRecord),
};


SaldoRuleRecord *
saldo_rule_record_new (void)
{
  SaldoRuleRecord *record = g_new0 (SaldoRuleRecord, 1);

  record->kind = g_strdup ("threshold");
  record->enabled = TRUE;
  record->provider = g_strdup ("");
  record->currency = g_strdup ("");
  record->cooldown = 300;
  record->disabled_reason = g_strdup ("");
  return record;
}

SaldoRuleRecord *
saldo_rule_record_copy (const SaldoRuleRecord *record)
{
  return saldo_sql_record_copy (&rules_table, record);
}

void
saldo_rule_record_free (SaldoRuleRecord *record)
{
  saldo_sql_record_free (&rules_table, record);
}

static gboolean
fail (SaldoStore *store, const char *what, GError **error)
{
  return saldo_sql_fail (saldo_store_get_handle (store), "rules", what, error);
}

gboolean
saldo_store_load_rules (SaldoStore *store, GPtrArray **rules_out, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) saldo_rule_record_free);
  g_autofree char *sql = saldo_sql_select (&rules_table, "WHERE removed = 0 ORDER BY id");
  int              rc;

  if (sqlite3_prepare_v2 (saldo_store_get_handle (store), sql, -1, &stmt, NULL) != SQLITE_OK)
    return fail (store, "loading rules", error);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rules, saldo_sql_read (&rules_table, stmt));
  if (rc != SQLITE_DONE)
    return fail (store, "loading rules", error);
  *rules_out = g_steal_pointer (&rules);
  return TRUE;
}

gboolean
saldo_store_save_rule (SaldoStore *store, SaldoRuleRecord *r, GError **error)
{
  return saldo_sql_save (saldo_store_get_handle (store), "rules", &rules_table, r, " AND removed = 0",
                         "saving a rule", error);
}

gboolean
saldo_store_remove_rule (SaldoStore *store, gint64 id, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (sqlite3_prepare_v2 (saldo_store_get_handle (store),
                          "UPDATE rules SET removed = 1, enabled = 0 WHERE id = ?1", -1, &stmt,
                          NULL) != SQLITE_OK)
    return fail (store, "removing a rule", error);
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return fail (store, "removing a rule", error);
  return TRUE;
}
