/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <gmodule.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "saldo-provider-builtin.h"
#include "saldo-provider-loader.h"
#include "saldo-test-fake.h"

/* Module files built from saldo-test-plugin.c with different ABI versions. */
#define PLUGIN_GOOD  "saldo-test-plugin-good." G_MODULE_SUFFIX
#define PLUGIN_MAJOR "saldo-test-plugin-abi-major." G_MODULE_SUFFIX
#define PLUGIN_MINOR "saldo-test-plugin-abi-minor." G_MODULE_SUFFIX

static char *
install_plugin (const char *built_name, const char *type_name)
{
  g_autofree char *dir = saldo_test_make_dir ();
  g_autofree char *dest = g_strdup_printf ("%s/saldo-provider-%s.%s", dir, type_name, G_MODULE_SUFFIX);
  g_autoptr(GFile) src = g_file_new_for_path (g_test_get_filename (G_TEST_BUILT, built_name, NULL));
  g_autoptr(GFile) dst = g_file_new_for_path (dest);
  g_autoptr(GError) error = NULL;

  g_file_copy (src, dst, G_FILE_COPY_NONE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&dir);
}

static void
test_abi_mismatch (void)
{
  const struct {
    const char *built;
    const char *message_part;
  } cases[] = {
    { PLUGIN_MAJOR, "built for provider ABI 2.0" },
    { PLUGIN_MINOR, "built for provider ABI 1.7" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *dir = install_plugin (cases[i].built, "testplug");
    g_autoptr(SaldoProviderLoader) loader = saldo_provider_loader_new (dir);
    g_autoptr(GError) error = NULL;
    GType type;

    type = saldo_provider_loader_lookup_type (loader, "testplug", &error);
    g_assert_cmpuint (type, ==, G_TYPE_INVALID);
    g_assert_error (error, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_ABI_MISMATCH);
    g_assert_nonnull (strstr (error->message, cases[i].message_part));
    g_assert_nonnull (strstr (error->message, "rebuild"));
    saldo_test_remove_dir (dir);
  }
}

static void
test_not_a_plugin (void)
{
  g_autofree char *dir = saldo_test_make_dir ();
  g_free (saldo_test_write_file (dir, "saldo-provider-junk." G_MODULE_SUFFIX, "not an ELF file", 0644));
  g_autoptr(SaldoProviderLoader) loader = saldo_provider_loader_new (dir);
  const struct {
    const char        *type_name;
    SaldoProviderError expected;
    const char        *message_part;
  } cases[] = {
    { "junk", SALDO_PROVIDER_ERROR_UNKNOWN_TYPE, "Cannot load provider plugin" },
    { "absent", SALDO_PROVIDER_ERROR_UNKNOWN_TYPE, "Unknown provider type" },
    { "../etc", SALDO_PROVIDER_ERROR_UNKNOWN_TYPE, "not a valid provider type" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;

    g_assert_cmpuint (saldo_provider_loader_lookup_type (loader, cases[i].type_name, &error), ==,
                      G_TYPE_INVALID);
    g_assert_error (error, SALDO_PROVIDER_ERROR, (gint) cases[i].expected);
    g_assert_nonnull (strstr (error->message, cases[i].message_part));
  }
  saldo_test_remove_dir (dir);
}

static void
test_good_plugin (void)
{
  g_autofree char *plugin_dir = install_plugin (PLUGIN_GOOD, "testplug");
  g_autofree char *config_dir = saldo_test_make_dir ();
  g_autofree char *providers_d = g_build_filename (config_dir, SALDO_PROVIDERS_SUBDIR, NULL);
  g_autoptr(SaldoProviderLoader) loader = saldo_provider_loader_new (plugin_dir);
  g_autoptr(GPtrArray) providers = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SaldoTopUpRequest) req = saldo_top_up_request_new ();
  g_autoptr(SaldoTopUpResult) result = NULL;
  g_autofree char *description = NULL;
  const char      *expected_errors[] = { "Type= is missing", "Unknown provider type “nosuch”", "Prefix" };

  g_assert_cmpint (g_mkdir (providers_d, 0755), ==, 0);
  g_free (saldo_test_write_file (providers_d, "zeta.conf", "[Provider]\nType=testplug\nPrefix=z-\n", 0644));
  g_free (saldo_test_write_file (providers_d, "alpha.conf", "[Provider]\nType=testplug\nPrefix=a-\n", 0644));
  g_free (saldo_test_write_file (providers_d, "b1-notype.conf", "[Provider]\nPrefix=x\n", 0644));
  g_free (saldo_test_write_file (providers_d, "b2-unknown.conf", "[Provider]\nType=nosuch\n", 0644));
  g_free (saldo_test_write_file (providers_d, "b3-noprefix.conf", "[Provider]\nType=testplug\n", 0644));
  g_free (saldo_test_write_file (providers_d, "README", "ignored", 0644));

  providers = saldo_provider_loader_load_dir (loader, config_dir, &errors, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (providers->len, ==, 2);
  g_assert_cmpstr (saldo_provider_get_id (g_ptr_array_index (providers, 0)), ==, "alpha");
  g_assert_cmpstr (saldo_provider_get_id (g_ptr_array_index (providers, 1)), ==, "zeta");
  g_assert_cmpstr (saldo_provider_get_type_name (g_ptr_array_index (providers, 0)), ==, "testplug");
  description = saldo_provider_describe (g_ptr_array_index (providers, 0));
  g_assert_cmpstr (description, ==, "testplug provider “alpha”");

  g_assert_cmpuint (errors->len, ==, G_N_ELEMENTS (expected_errors));
  for (guint i = 0; i < errors->len; i++) {
    GError *e = g_ptr_array_index (errors, i);
    g_assert_nonnull (strstr (e->message, expected_errors[i]));
  }

  req->reference = g_strdup ("loader-1");
  req->iccid = g_strdup ("8944110000000000001");
  req->amount = 500;
  req->currency = g_strdup ("GBP");
  result = saldo_test_top_up (g_ptr_array_index (providers, 1), req, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->status, ==, SALDO_TOP_UP_STATUS_SUCCEEDED);
  g_assert_cmpstr (result->transaction_id, ==, "z-loader-1");

  saldo_test_remove_dir (config_dir);
  saldo_test_remove_dir (plugin_dir);
}

static void
test_builtins (void)
{
  g_autoptr(SaldoProviderLoader) loader = saldo_provider_loader_new (NULL);
  const char *types[] = { "reloadly", "http", "command" };

  saldo_provider_loader_add_builtins (loader);
  for (guint i = 0; i < G_N_ELEMENTS (types); i++) {
    g_autoptr(GError) error = NULL;
    GType type = saldo_provider_loader_lookup_type (loader, types[i], &error);

    g_assert_no_error (error);
    g_assert_true (g_type_is_a (type, SALDO_TYPE_PROVIDER));
  }
}

static void
test_missing_dir (void)
{
  g_autoptr(SaldoProviderLoader) loader = saldo_provider_loader_new (NULL);
  g_autoptr(GPtrArray) providers = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GError) error = NULL;

  /* No providers.d at all is a valid setup with no providers. */
  providers = saldo_provider_loader_load_dir (loader, "/nonexistent/saldo", &errors, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (providers->len, ==, 0);
  g_assert_cmpuint (errors->len, ==, 0);
}

/* saldod reads providers.d as root: a file someone else could have
 * written is refused, with a message saying what to fix. */
static void
test_untrusted_files (void)
{
  g_autoptr(SaldoProviderLoader) loader = saldo_provider_loader_new (NULL);
  g_autofree char *config_dir = saldo_test_make_dir ();
  g_autofree char *providers_d = g_build_filename (config_dir, SALDO_PROVIDERS_SUBDIR, NULL);
  g_autofree char *foreign = NULL;
  g_autoptr(GPtrArray) providers = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GError) error = NULL;
  const char *config = "[Provider]\nType=command\nProgram=/bin/true\n";

  saldo_provider_loader_add_builtins (loader);
  g_assert_cmpint (g_mkdir (providers_d, 0755), ==, 0);
  g_free (saldo_test_write_file (providers_d, "a-good.conf", config, 0644));
  g_free (saldo_test_write_file (providers_d, "b-group-writable.conf", config, 0664));
  g_free (saldo_test_write_file (providers_d, "c-world-writable.conf", config, 0646));
  /* Another owner needs root to set up; CI runs the suite as root. */
  foreign = saldo_test_write_file (providers_d, "d-foreign.conf", config, 0644);
  if (geteuid () == 0)
    g_assert_cmpint (chown (foreign, 4242, 4242), ==, 0);

  providers = saldo_provider_loader_load_dir (loader, config_dir, &errors, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (providers->len, ==, 1);
  g_assert_cmpstr (saldo_provider_get_id (g_ptr_array_index (providers, 0)), ==, "a-good");
  g_assert_cmpuint (errors->len, ==, geteuid () == 0 ? 3 : 2);
  for (guint i = 0; i < 2; i++) {
    GError *e = g_ptr_array_index (errors, i);

    g_assert_error (e, SALDO_PROVIDER_ERROR, SALDO_PROVIDER_ERROR_INVALID_CONFIG);
    g_assert_nonnull (strstr (e->message, "writable by group or others"));
    g_assert_nonnull (strstr (e->message, "chmod go-w"));
  }
  if (geteuid () == 0)
    g_assert_nonnull (strstr (((GError *) g_ptr_array_index (errors, 2))->message, "owned by uid 4242"));
  saldo_test_remove_dir (config_dir);
}

static void
test_provider_ids (void)
{
  const struct {
    const char *id;
    gboolean    valid;
  } cases[] = {
    { "reloadly", TRUE }, { "My_Bank-2", TRUE }, { "", FALSE },
    { "a b", FALSE },     { "../x", FALSE },     { "a.b", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (saldo_provider_id_is_valid (cases[i].id), ==, cases[i].valid);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/provider/loader/abi-mismatch", test_abi_mismatch);
  g_test_add_func ("/provider/loader/not-a-plugin", test_not_a_plugin);
  g_test_add_func ("/provider/loader/good-plugin", test_good_plugin);
  g_test_add_func ("/provider/loader/builtins", test_builtins);
  g_test_add_func ("/provider/loader/missing-dir", test_missing_dir);
  g_test_add_func ("/provider/loader/provider-ids", test_provider_ids);
  g_test_add_func ("/provider/loader/untrusted-files", test_untrusted_files);
  return g_test_run ();
}
