/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The set of carrier definitions: shipped files overridden by the admin's.
 * All file I/O of the carrier code lives here; parsing is in saldo-carrier.c.
 */

#include "saldo-carrier-db.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#define CARRIER_FILE_SUFFIX ".conf"

struct _SaldoCarrierDb {
  GObject parent_instance;

  GPtrArray  *carriers; /* SaldoCarrier*, enabled only, sorted by id */
  GHashTable *by_id;    /* id → CarrierEntry* (disabled ones too, carrier NULL) */
  GPtrArray  *errors;   /* GError* */
  GPtrArray  *warnings; /* char*, NULL-terminated */
};

G_DEFINE_TYPE (SaldoCarrierDb, saldo_carrier_db, G_TYPE_OBJECT)

typedef struct {
  SaldoCarrier *carrier; /* NULL when the winning file says Disabled=true */
  char         *origin;
} CarrierEntry;

static void
carrier_entry_free (CarrierEntry *entry)
{
  g_clear_object (&entry->carrier);
  g_free (entry->origin);
  g_free (entry);
}

static void
saldo_carrier_db_finalize (GObject *object)
{
  SaldoCarrierDb *self = SALDO_CARRIER_DB (object);

  g_clear_pointer (&self->carriers, g_ptr_array_unref);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->errors, g_ptr_array_unref);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);

  G_OBJECT_CLASS (saldo_carrier_db_parent_class)->finalize (object);
}

static void
saldo_carrier_db_class_init (SaldoCarrierDbClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = saldo_carrier_db_finalize;
}

static void
saldo_carrier_db_init (SaldoCarrierDb *self)
{
  self->carriers = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) carrier_entry_free);
  self->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->warnings, NULL);
}

static void
db_add_error (SaldoCarrierDb *self, const char *path, GError *error)
{
  g_prefix_error (&error, "%s: ", path);
  g_ptr_array_add (self->errors, error);
}

static void
db_add_warning (SaldoCarrierDb *self, char *warning)
{
  /* keep the array NULL-terminated so it can be handed out as a strv */
  g_ptr_array_insert (self->warnings, self->warnings->len - 1, warning);
}

static GKeyFile *
db_read_keyfile (const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  GStatBuf         st;
  gsize            len = 0;

  /* a FIFO or a huge file in the config dir must not wedge the daemon */
  if (g_stat (path, &st) != 0) {
    int saved_errno = errno;

    g_set_error (error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_FILE, "cannot read: %s",
                 g_strerror (saved_errno));
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    g_set_error_literal (error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_FILE, "not a regular file");
    return NULL;
  }
  if (st.st_size > SALDO_CARRIER_DB_MAX_FILE_SIZE) {
    g_set_error (error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_FILE, "larger than %u bytes",
                 (guint) SALDO_CARRIER_DB_MAX_FILE_SIZE);
    return NULL;
  }

  if (!g_file_get_contents (path, &contents, &len, &local_error)) {
    g_set_error (error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_FILE, "cannot read: %s",
                 local_error->message);
    return NULL;
  }
  if (!g_key_file_load_from_data (kf, contents, len, G_KEY_FILE_NONE, &local_error)) {
    g_set_error (error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_FILE, "not a valid key file: %s",
                 local_error->message);
    return NULL;
  }

  return g_steal_pointer (&kf);
}

static void
db_set_entry (SaldoCarrierDb *self, const char *id, SaldoCarrier *carrier, const char *path)
{
  CarrierEntry *entry = g_new0 (CarrierEntry, 1);

  entry->carrier = carrier;
  entry->origin = g_strdup (path);
  g_hash_table_replace (self->by_id, g_strdup (id), entry);
}

static void
db_load_file (SaldoCarrierDb *self, const char *path, const char *id)
{
  g_autoptr(GKeyFile) kf = NULL;
  g_autoptr(SaldoCarrier) carrier = NULL;
  GError  *error = NULL;
  gboolean disabled;

  if (!saldo_carrier_id_is_valid (id)) {
    g_set_error (&error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_ID,
                 "file name is not a valid carrier id (letters, digits, - and _, up to 64)");
    db_add_error (self, path, error);
    return;
  }

  kf = db_read_keyfile (path, &error);
  if (kf == NULL) {
    db_add_error (self, path, error);
    return;
  }

  disabled = saldo_carrier_keyfile_is_disabled (kf, &error);
  if (error != NULL) {
    db_add_error (self, path, error);
    return;
  }
  if (disabled) {
    /* the fallback is what unknown lines run on; it can be replaced, not removed */
    if (g_str_equal (id, SALDO_CARRIER_GENERIC_ID)) {
      g_set_error (&error, SALDO_CARRIER_ERROR, SALDO_CARRIER_ERROR_INVALID_VALUE,
                   "key “Disabled”: the generic fallback cannot be disabled");
      db_add_error (self, path, error);
      return;
    }
    db_set_entry (self, id, NULL, path);
    return;
  }

  carrier = saldo_carrier_new_from_keyfile (id, kf, &error);
  if (carrier == NULL) {
    db_add_error (self, path, error);
    return;
  }

  for (const char *const *k = saldo_carrier_get_unknown_keys (carrier); *k != NULL; k++)
    db_add_warning (self, g_strdup_printf ("%s: unknown key “%s” ignored", path, *k));

  db_set_entry (self, id, g_steal_pointer (&carrier), path);
}

static gint
compare_file_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
db_load_dir (SaldoCarrierDb *self, const char *dir_path)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GError     *error = NULL;
  const char *name;

  dir = g_dir_open (dir_path, 0, &error);
  if (dir == NULL) {
    /* the admin directory normally does not exist */
    if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      g_error_free (error);
      return;
    }
    db_add_error (self, dir_path, error);
    return;
  }

  while ((name = g_dir_read_name (dir)) != NULL) {
    /* dot files are editor and package-manager leftovers */
    if (name[0] == '.' || !g_str_has_suffix (name, CARRIER_FILE_SUFFIX))
      continue;
    g_ptr_array_add (names, g_strdup (name));
  }
  /* readdir order is arbitrary: sort so errors and warnings are reproducible */
  g_ptr_array_sort (names, compare_file_names);

  for (guint i = 0; i < names->len; i++) {
    const char      *file_name = g_ptr_array_index (names, i);
    g_autofree char *path = g_build_filename (dir_path, file_name, NULL);
    g_autofree char *id = g_strndup (file_name, strlen (file_name) - strlen (CARRIER_FILE_SUFFIX));

    db_load_file (self, path, id);
  }
}

static gint
carrier_compare_by_id (gconstpointer a, gconstpointer b)
{
  SaldoCarrier *ca = *(SaldoCarrier *const *) a;
  SaldoCarrier *cb = *(SaldoCarrier *const *) b;

  return strcmp (saldo_carrier_get_id (ca), saldo_carrier_get_id (cb));
}

SaldoCarrierDb *
saldo_carrier_db_new_from_dirs (const char *const *dirs)
{
  g_autoptr(SaldoCarrierDb) self = g_object_new (SALDO_TYPE_CARRIER_DB, NULL);
  GHashTableIter iter;
  CarrierEntry  *entry;

  for (guint i = 0; dirs != NULL && dirs[i] != NULL; i++)
    db_load_dir (self, dirs[i]);

  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry)) {
    if (entry->carrier != NULL)
      g_ptr_array_add (self->carriers, g_object_ref (entry->carrier));
  }
  /* lookup walks this order and keeps the first best match: ties go to the smallest id */
  g_ptr_array_sort (self->carriers, carrier_compare_by_id);

  return g_steal_pointer (&self);
}

GPtrArray *
saldo_carrier_db_get_errors (SaldoCarrierDb *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER_DB (self), NULL);
  return self->errors;
}

const char *const *
saldo_carrier_db_get_warnings (SaldoCarrierDb *self)
{
  g_return_val_if_fail (SALDO_IS_CARRIER_DB (self), NULL);
  return (const char *const *) self->warnings->pdata;
}

SaldoCarrier *
saldo_carrier_db_get (SaldoCarrierDb *self, const char *id)
{
  CarrierEntry *entry;

  g_return_val_if_fail (SALDO_IS_CARRIER_DB (self), NULL);

  if (id == NULL)
    return NULL;
  entry = g_hash_table_lookup (self->by_id, id);
  return entry != NULL ? entry->carrier : NULL;
}

SaldoCarrier *
saldo_carrier_db_get_generic (SaldoCarrierDb *self)
{
  return saldo_carrier_db_get (self, SALDO_CARRIER_GENERIC_ID);
}

const char *
saldo_carrier_db_get_origin (SaldoCarrierDb *self, const char *id)
{
  CarrierEntry *entry;

  g_return_val_if_fail (SALDO_IS_CARRIER_DB (self), NULL);

  if (id == NULL)
    return NULL;
  entry = g_hash_table_lookup (self->by_id, id);
  return entry != NULL && entry->carrier != NULL ? entry->origin : NULL;
}

GPtrArray *
saldo_carrier_db_list (SaldoCarrierDb *self)
{
  GPtrArray *list;

  g_return_val_if_fail (SALDO_IS_CARRIER_DB (self), NULL);

  list = g_ptr_array_new_full (self->carriers->len, g_object_unref);
  for (guint i = 0; i < self->carriers->len; i++)
    g_ptr_array_add (list, g_object_ref (g_ptr_array_index (self->carriers, i)));
  return list;
}

typedef struct {
  gsize    iccid_len; /* length of the longest matching ICCID prefix, 0 if none */
  gboolean spn;
  gboolean mcc_mnc;
} MatchScore;

static gint
match_score_compare (const MatchScore *a, const MatchScore *b)
{
  if (a->iccid_len != b->iccid_len)
    return a->iccid_len > b->iccid_len ? 1 : -1;
  if (a->spn != b->spn)
    return a->spn ? 1 : -1;
  if (a->mcc_mnc != b->mcc_mnc)
    return a->mcc_mnc ? 1 : -1;
  return 0;
}

/* SPNs come from the SIM padded with spaces and in any case */
static char *
spn_normalize (const char *spn)
{
  g_autofree char *copy = g_strdup (spn);

  return g_utf8_casefold (g_strstrip (copy), -1);
}

/* A carrier matches when every kind of rule it lists matches the line. */
static gboolean
carrier_match (SaldoCarrier *carrier,
               const char   *mcc_mnc,
               const char   *iccid,
               const char   *spn_folded,
               MatchScore   *score)
{
  const char *const *mcc_mncs = saldo_carrier_get_mcc_mnc (carrier);
  const char *const *prefixes = saldo_carrier_get_iccid_prefixes (carrier);
  const char *const *spns = saldo_carrier_get_spns (carrier);

  memset (score, 0, sizeof (*score));

  if (!saldo_carrier_has_match_rules (carrier))
    return FALSE;

  if (mcc_mncs[0] != NULL) {
    if (mcc_mnc == NULL || !g_strv_contains (mcc_mncs, mcc_mnc))
      return FALSE;
    score->mcc_mnc = TRUE;
  }

  if (prefixes[0] != NULL) {
    if (iccid == NULL)
      return FALSE;
    for (guint i = 0; prefixes[i] != NULL; i++) {
      if (g_str_has_prefix (iccid, prefixes[i]))
        score->iccid_len = MAX (score->iccid_len, strlen (prefixes[i]));
    }
    if (score->iccid_len == 0)
      return FALSE;
  }

  if (spns[0] != NULL) {
    if (spn_folded == NULL)
      return FALSE;
    for (guint i = 0; spns[i] != NULL && !score->spn; i++) {
      g_autofree char *folded = g_utf8_casefold (spns[i], -1);

      score->spn = g_str_equal (folded, spn_folded);
    }
    if (!score->spn)
      return FALSE;
  }

  return TRUE;
}

SaldoCarrier *
saldo_carrier_db_lookup (SaldoCarrierDb *self, const char *mcc_mnc, const char *iccid, const char *spn)
{
  g_autofree char *spn_folded = NULL;
  SaldoCarrier    *best = NULL;
  MatchScore       best_score = {
          0,
  };

  g_return_val_if_fail (SALDO_IS_CARRIER_DB (self), NULL);

  if (spn != NULL)
    spn_folded = spn_normalize (spn);
  if (spn_folded != NULL && *spn_folded == '\0')
    g_clear_pointer (&spn_folded, g_free);
  if (mcc_mnc != NULL && *mcc_mnc == '\0')
    mcc_mnc = NULL;
  if (iccid != NULL && *iccid == '\0')
    iccid = NULL;

  for (guint i = 0; i < self->carriers->len; i++) {
    SaldoCarrier *carrier = g_ptr_array_index (self->carriers, i);
    MatchScore    score;

    if (!carrier_match (carrier, mcc_mnc, iccid, spn_folded, &score))
      continue;
    /* strictly better only: on a tie the earlier (smaller) id stays */
    if (best == NULL || match_score_compare (&score, &best_score) > 0) {
      best = carrier;
      best_score = score;
    }
  }

  return best != NULL ? best : saldo_carrier_db_get_generic (self);
}
