/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "SaldoProviderLoader"

#include "saldo-provider-loader.h"

#include <errno.h>
#include <fcntl.h>
#include <gmodule.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "saldo-trusted-path.h"

/* Maps Type= names to provider GTypes: built-in classes first, then a
 * module named saldo-provider-TYPE.so in the plugin directory. Modules are
 * made resident because the GTypes they register can never be unloaded. */

struct _SaldoProviderLoader {
  GObject parent_instance;

  char       *plugin_dir;
  GHashTable *types; /* type name -> GType */
};

G_DEFINE_TYPE (SaldoProviderLoader, saldo_provider_loader, G_TYPE_OBJECT)

static void
saldo_provider_loader_finalize (GObject *object)
{
  SaldoProviderLoader *self = SALDO_PROVIDER_LOADER (object);

  g_free (self->plugin_dir);
  g_hash_table_unref (self->types);
  G_OBJECT_CLASS (saldo_provider_loader_parent_class)->finalize (object);
}

static void
saldo_provider_loader_class_init (SaldoProviderLoaderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = saldo_provider_loader_finalize;
}

static void
saldo_provider_loader_init (SaldoProviderLoader *self)
{
  self->types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

SaldoProviderLoader *
saldo_provider_loader_new (const char *plugin_dir)
{
  SaldoProviderLoader *self = g_object_new (SALDO_TYPE_PROVIDER_LOADER, NULL);

  self->plugin_dir = g_strdup (plugin_dir);
  return self;
}

static gboolean
name_is_valid (const char *name, gboolean allow_upper)
{
  gsize len = name != NULL ? strlen (name) : 0;

  if (len == 0 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    char c = name[i];
    if (!(g_ascii_islower (c) || g_ascii_isdigit (c) || c == '-' ||
          (allow_upper && (g_ascii_isupper (c) || c == '_'))))
      return FALSE;
  }
  return TRUE;
}

gboolean
saldo_provider_id_is_valid (const char *id)
{
  return name_is_valid (id, TRUE);
}

void
saldo_provider_loader_add_builtin (SaldoProviderLoader *self, GType type)
{
  g_autoptr(GTypeClass) klass = NULL;
  const char *type_name;

  g_return_if_fail (SALDO_IS_PROVIDER_LOADER (self));
  g_return_if_fail (g_type_is_a (type, SALDO_TYPE_PROVIDER));

  klass = g_type_class_ref (type);
  type_name = SALDO_PROVIDER_CLASS (klass)->type_name;
  g_return_if_fail (type_name != NULL);
  g_hash_table_replace (self->types, g_strdup (type_name), GSIZE_TO_POINTER (type));
}

static GType
check_provider_type (const char *path, GType type, GError **error)
{
  g_autoptr(GTypeClass) klass = NULL;

  if (type == G_TYPE_INVALID || !g_type_is_a (type, SALDO_TYPE_PROVIDER) || G_TYPE_IS_ABSTRACT (type)) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_UNKNOWN_TYPE,
                 "Provider plugin %s does not provide a SaldoProvider class", path);
    return G_TYPE_INVALID;
  }
  klass = g_type_class_ref (type);
  if (SALDO_PROVIDER_CLASS (klass)->type_name == NULL ||
      !name_is_valid (SALDO_PROVIDER_CLASS (klass)->type_name, FALSE)) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_UNKNOWN_TYPE,
                 "Provider plugin %s has no valid type name", path);
    return G_TYPE_INVALID;
  }
  return type;
}

GType
saldo_provider_loader_load_module (SaldoProviderLoader *self, const char *path, GError **error)
{
  GModule *module;
  gpointer abi_sym = NULL;
  gpointer type_sym = NULL;
  guint32  abi;
  GType    type;
  g_autoptr(GTypeClass) klass = NULL;

  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_UNKNOWN_TYPE,
                 "Cannot load provider plugin %s: %s", path, g_module_error ());
    return G_TYPE_INVALID;
  }
  if (!g_module_symbol (module, SALDO_PROVIDER_PLUGIN_ABI_SYMBOL, &abi_sym) || abi_sym == NULL ||
      !g_module_symbol (module, SALDO_PROVIDER_PLUGIN_TYPE_SYMBOL, &type_sym) || type_sym == NULL) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_ABI_MISMATCH,
                 "%s is not a Saldo provider plugin (it lacks %s or %s)", path,
                 SALDO_PROVIDER_PLUGIN_ABI_SYMBOL, SALDO_PROVIDER_PLUGIN_TYPE_SYMBOL);
    g_module_close (module);
    return G_TYPE_INVALID;
  }
  abi = *(const guint32 *) abi_sym;
  /* Checked before running any of the module's code: a class struct of
   * another layout would corrupt memory as soon as it is initialised. */
  if ((abi >> 16) != SALDO_PROVIDER_ABI_MAJOR || (abi & 0xffff) > SALDO_PROVIDER_ABI_MINOR) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_ABI_MISMATCH,
                 "Provider plugin %s was built for provider ABI %u.%u, but saldod "
                 "supports %u.0–%u.%u; rebuild the plugin against this version of Saldo",
                 path, abi >> 16, abi & 0xffff, SALDO_PROVIDER_ABI_MAJOR, SALDO_PROVIDER_ABI_MAJOR,
                 SALDO_PROVIDER_ABI_MINOR);
    g_module_close (module);
    return G_TYPE_INVALID;
  }
  g_module_make_resident (module);
  type = check_provider_type (path, ((GType (*) (void)) type_sym) (), error);
  if (type == G_TYPE_INVALID)
    return G_TYPE_INVALID;
  klass = g_type_class_ref (type);
  g_hash_table_replace (self->types, g_strdup (SALDO_PROVIDER_CLASS (klass)->type_name),
                        GSIZE_TO_POINTER (type));
  g_debug ("loaded provider plugin %s (type %s)", path, SALDO_PROVIDER_CLASS (klass)->type_name);
  return type;
}

GType
saldo_provider_loader_lookup_type (SaldoProviderLoader *self, const char *type_name, GError **error)
{
  g_autofree char *basename = NULL;
  g_autofree char *path = NULL;
  gpointer         found;
  GType            type;

  g_return_val_if_fail (SALDO_IS_PROVIDER_LOADER (self), G_TYPE_INVALID);

  if (!name_is_valid (type_name, FALSE)) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_UNKNOWN_TYPE,
                 "“%s” is not a valid provider type", type_name != NULL ? type_name : "");
    return G_TYPE_INVALID;
  }
  found = g_hash_table_lookup (self->types, type_name);
  if (found != NULL)
    return (GType) GPOINTER_TO_SIZE (found);

  basename = g_strdup_printf ("saldo-provider-%s.%s", type_name, G_MODULE_SUFFIX);
  path = self->plugin_dir != NULL ? g_build_filename (self->plugin_dir, basename, NULL) : NULL;
  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS)) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_UNKNOWN_TYPE,
                 "Unknown provider type “%s”: it is not built in and there is no %s in %s", type_name,
                 basename, self->plugin_dir != NULL ? self->plugin_dir : "(no plugin dir)");
    return G_TYPE_INVALID;
  }
  type = saldo_provider_loader_load_module (self, path, error);
  if (type == G_TYPE_INVALID)
    return G_TYPE_INVALID;
  found = g_hash_table_lookup (self->types, type_name);
  if (found == NULL) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_UNKNOWN_TYPE,
                 "Provider plugin %s does not implement type “%s”", path, type_name);
    return G_TYPE_INVALID;
  }
  return (GType) GPOINTER_TO_SIZE (found);
}

SaldoProvider *
saldo_provider_loader_new_provider (SaldoProviderLoader *self,
                                    const char          *id,
                                    GKeyFile            *kf,
                                    const char          *config_dir,
                                    GError             **error)
{
  g_autofree char *type_name = NULL;
  g_autoptr(SaldoProvider) provider = NULL;
  GType type;

  if (!saldo_provider_id_is_valid (id)) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "“%s” is not a valid provider name (use letters, digits, ‘-’ and ‘_’)", id);
    return NULL;
  }
  type_name = g_key_file_get_string (kf, SALDO_PROVIDER_GROUP, "Type", NULL);
  if (type_name == NULL) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "Provider “%s”: Type= is missing from [%s]", id, SALDO_PROVIDER_GROUP);
    return NULL;
  }
  type = saldo_provider_loader_lookup_type (self, type_name, error);
  if (type == G_TYPE_INVALID)
    return NULL;
  provider = g_object_new (type, "id", id, NULL);
  if (!saldo_provider_configure (provider, kf, config_dir, error))
    return NULL;
  return g_steal_pointer (&provider);
}

/* A provider file is a few lines: anything above this is not one. */
#define SALDO_PROVIDER_FILE_MAX (64 * 1024)

static GString *
read_config (int fd, const char *path, GError **error)
{
  g_autoptr(GString) contents = g_string_new (NULL);
  char buf[4096];

  for (;;) {
    ssize_t n = read (fd, buf, sizeof buf);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int errsv = errno;

      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG, "%s: %s", path,
                   g_strerror (errsv));
      return NULL;
    }
    if (n == 0)
      return g_steal_pointer (&contents);
    g_string_append_len (contents, buf, n);
    if (contents->len > SALDO_PROVIDER_FILE_MAX) {
      g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                   "%s: larger than %u bytes; refused", path, SALDO_PROVIDER_FILE_MAX);
      return NULL;
    }
  }
}

/* PATH is CONFIG_DIR/providers.d/NAME.conf; relative secret paths are taken
 * from the providers.d directory. */
SaldoProvider *
saldo_provider_loader_load_file (SaldoProviderLoader *self, const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *basename = g_path_get_basename (path);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *id = NULL;
  g_autoptr(GString) contents = NULL;
  struct stat st;
  int         fd;

  if (!g_str_has_suffix (basename, ".conf")) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "%s: provider files must be named NAME.conf", path);
    return NULL;
  }
  id = g_strndup (basename, strlen (basename) - strlen (".conf"));
  /* Checked and read through one descriptor: the file that passed the
   * ownership check is the file that is loaded. */
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    int errsv = errno;

    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG, "%s: %s", path,
                 g_strerror (errsv));
    return NULL;
  }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    close (fd);
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG,
                 "%s: not a regular file; refused", path);
    return NULL;
  }
  if (!saldo_trusted_check_stat (path, &st, error)) {
    close (fd);
    g_prefix_error (error, "refused: ");
    return NULL;
  }
  contents = read_config (fd, path, error);
  close (fd);
  if (contents == NULL)
    return NULL;
  if (!g_key_file_load_from_data (kf, contents->str, contents->len, G_KEY_FILE_NONE, &local_error)) {
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG, "%s: %s", path,
                 local_error->message);
    return NULL;
  }
  return saldo_provider_loader_new_provider (self, id, kf, dir, error);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* Loads every CONFIG_DIR/providers.d/ *.conf. One broken file must not take
 * the working providers down with it, so per-file problems go to
 * OUT_ERRORS (GError*s) and only an unreadable directory fails. */
GPtrArray *
saldo_provider_loader_load_dir (SaldoProviderLoader *self,
                                const char          *config_dir,
                                GPtrArray          **out_errors,
                                GError             **error)
{
  g_autofree char *dir_path = g_build_filename (config_dir, SALDO_PROVIDERS_SUBDIR, NULL);
  g_autoptr(GPtrArray) providers = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *name;

  dir = g_dir_open (dir_path, 0, &local_error);
  if (dir == NULL) {
    if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      if (out_errors != NULL)
        *out_errors = g_steal_pointer (&errors);
      return g_steal_pointer (&providers);
    }
    g_set_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG, "Cannot read %s: %s",
                 dir_path, local_error->message);
    return NULL;
  }
  while ((name = g_dir_read_name (dir)) != NULL) {
    if (g_str_has_suffix (name, ".conf") && name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  }
  /* Sorted so logs and D-Bus listings are stable across restarts. */
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++) {
    g_autofree char *path = g_build_filename (dir_path, g_ptr_array_index (names, i), NULL);
    GError          *file_error = NULL;
    SaldoProvider   *provider = saldo_provider_loader_load_file (self, path, &file_error);

    if (provider != NULL)
      g_ptr_array_add (providers, provider);
    else
      g_ptr_array_add (errors, file_error);
  }
  if (out_errors != NULL)
    *out_errors = g_steal_pointer (&errors);
  return g_steal_pointer (&providers);
}
