/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoStore"

#include "config.h"

#include "saldo-error.h"
#include "saldo-sql.h"

gboolean
saldo_sql_fail (sqlite3 *db, const char *where, const char *what, GError **error)
{
  g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE, "%s: %s failed: %s", where, what,
               sqlite3_errmsg (db));
  return FALSE;
}

gboolean
saldo_sql_exec (sqlite3 *db, const char *where, const char *sql, GError **error)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK) {
    g_set_error (error, SALDO_ERROR, SALDO_ERROR_DATABASE, "%s: %s", where,
                 message != NULL ? message : sqlite3_errmsg (db));
    sqlite3_free (message);
    return FALSE;
  }
  return TRUE;
}

gboolean
saldo_sql_prepare (sqlite3 *db, const char *where, const char *sql, sqlite3_stmt **stmt_out, GError **error)
{
  if (sqlite3_prepare_v2 (db, sql, -1, stmt_out, NULL) != SQLITE_OK)
    return saldo_sql_fail (db, where, "preparing a statement", error);
  return TRUE;
}

void
saldo_sql_bind_text_or_null (sqlite3_stmt *stmt, int index, const char *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

void
saldo_sql_bind_int64_if (sqlite3_stmt *stmt, int index, gboolean present, gint64 value)
{
  if (present)
    sqlite3_bind_int64 (stmt, index, value);
  else
    sqlite3_bind_null (stmt, index);
}

char *
saldo_sql_column_dup (sqlite3_stmt *stmt, int column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return g_strdup (text != NULL ? (const char *) text : "");
}

char *
saldo_sql_column_dup_nullable (sqlite3_stmt *stmt, int column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

/* ---- tables described once ---- */

#define FIELD(record, column, type) (*(type *) ((guint8 *) (record) + (column)->offset))

static void
append_names (GString *sql, const SaldoSqlTable *table, const char *suffix)
{
  for (gsize i = 0; i < table->n_columns; i++)
    g_string_append_printf (sql, "%s%s%s", i > 0 ? ", " : "", table->columns[i].name, suffix);
}

char *
saldo_sql_select (const SaldoSqlTable *table, const char *tail)
{
  GString *sql = g_string_new ("SELECT id, ");

  append_names (sql, table, "");
  g_string_append_printf (sql, " FROM %s %s", table->name, tail != NULL ? tail : "");
  return g_string_free (sql, FALSE);
}

gpointer
saldo_sql_read (const SaldoSqlTable *table, sqlite3_stmt *stmt)
{
  gpointer record = g_malloc0 (table->record_size);

  *(gint64 *) ((guint8 *) record + table->id_offset) = sqlite3_column_int64 (stmt, 0);
  for (gsize i = 0; i < table->n_columns; i++) {
    const SaldoSqlColumn *c = &table->columns[i];
    int                   at = (int) i + 1;

    switch (c->type) {
    case SALDO_SQL_TEXT:
      FIELD (record, c, char *) = saldo_sql_column_dup (stmt, at);
      break;
    case SALDO_SQL_INT64:
      FIELD (record, c, gint64) = sqlite3_column_int64 (stmt, at);
      break;
    case SALDO_SQL_INT:
      FIELD (record, c, gint) = sqlite3_column_int (stmt, at);
      break;
    case SALDO_SQL_UINT:
      FIELD (record, c, guint) = (guint) sqlite3_column_int64 (stmt, at);
      break;
    case SALDO_SQL_BOOL:
      FIELD (record, c, gboolean) = sqlite3_column_int (stmt, at) != 0;
      break;
    default:
      g_assert_not_reached ();
    }
  }
  return record;
}

static void
bind_column (sqlite3_stmt *stmt, int index, const SaldoSqlColumn *c, gconstpointer record)
{
  switch (c->type) {
  case SALDO_SQL_TEXT: {
    const char *text = FIELD (record, c, char *);

    sqlite3_bind_text (stmt, index, text != NULL ? text : "", -1, SQLITE_TRANSIENT);
    break;
  }
  case SALDO_SQL_INT64:
    sqlite3_bind_int64 (stmt, index, FIELD (record, c, gint64));
    break;
  case SALDO_SQL_INT:
    sqlite3_bind_int64 (stmt, index, FIELD (record, c, gint));
    break;
  case SALDO_SQL_UINT:
    sqlite3_bind_int64 (stmt, index, FIELD (record, c, guint));
    break;
  case SALDO_SQL_BOOL:
    sqlite3_bind_int (stmt, index, FIELD (record, c, gboolean) ? 1 : 0);
    break;
  default:
    g_assert_not_reached ();
  }
}

gboolean
saldo_sql_save (sqlite3             *db,
                const char          *where,
                const SaldoSqlTable *table,
                gpointer             record,
                const char          *and_where,
                const char          *what,
                GError             **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GString) sql = g_string_new (NULL);
  gint64 *id = (gint64 *) ((guint8 *) record + table->id_offset);

  if (*id == 0) {
    g_string_append_printf (sql, "INSERT INTO %s (", table->name);
    append_names (sql, table, "");
    g_string_append (sql, ") VALUES (");
    for (gsize i = 0; i < table->n_columns; i++)
      g_string_append_printf (sql, "%s?%" G_GSIZE_FORMAT, i > 0 ? ", " : "", i + 1);
    g_string_append (sql, ")");
  } else {
    g_string_append_printf (sql, "UPDATE %s SET ", table->name);
    for (gsize i = 0; i < table->n_columns; i++)
      g_string_append_printf (sql, "%s%s = ?%" G_GSIZE_FORMAT, i > 0 ? ", " : "", table->columns[i].name,
                              i + 1);
    g_string_append_printf (sql, " WHERE id = ?%" G_GSIZE_FORMAT "%s", table->n_columns + 1,
                            and_where != NULL ? and_where : "");
  }
  if (sqlite3_prepare_v2 (db, sql->str, -1, &stmt, NULL) != SQLITE_OK)
    return saldo_sql_fail (db, where, what, error);
  for (gsize i = 0; i < table->n_columns; i++)
    bind_column (stmt, (int) i + 1, &table->columns[i], record);
  if (*id != 0)
    sqlite3_bind_int64 (stmt, (int) table->n_columns + 1, *id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return saldo_sql_fail (db, where, what, error);
  if (*id == 0)
    *id = sqlite3_last_insert_rowid (db);
  return TRUE;
}

gpointer
saldo_sql_record_copy (const SaldoSqlTable *table, gconstpointer record)
{
  gpointer copy = g_memdup2 (record, table->record_size);

  for (gsize i = 0; i < table->n_columns; i++)
    if (table->columns[i].type == SALDO_SQL_TEXT)
      FIELD (copy, &table->columns[i], char *) = g_strdup (FIELD (record, &table->columns[i], char *));
  return copy;
}

void
saldo_sql_record_free (const SaldoSqlTable *table, gpointer record)
{
  if (record == NULL)
    return;
  for (gsize i = 0; i < table->n_columns; i++)
    if (table->columns[i].type == SALDO_SQL_TEXT)
      g_free (FIELD (record, &table->columns[i], char *));
  g_free (record);
}
