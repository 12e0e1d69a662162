/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * libFuzzer target for providers.d files: the input is written to
 * providers.d/fuzz.conf and loaded the way saldod loads it, with every
 * provider type saldod has built in or as a module (reloadly, http,
 * command, ussd-voucher).  Beside the file are a secret ("secret", mode
 * 0600), a CA file ("ca.pem") and a voucher file ("vouchers"), so
 * configurations that name them get past those checks.
 *
 * The file gives a configured provider of the type it names, or a
 * provider error; never both.
 */

#include <string.h>

#include "fuzz-common.h"
#include "command/saldo-provider-command.h"
#include "http/saldo-provider-http.h"
#include "reloadly/saldo-provider-reloadly.h"
#include "saldo-provider-loader.h"
#include "saldo-provider-ussd-voucher.h"

static char                *dir;
static char                *path;
static SaldoProviderLoader *loader;

static const char *const aside[] = { "secret", "ca.pem", "vouchers" };

static void
remove_files (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (aside); i++) {
    g_autofree char *file = g_build_filename (dir, aside[i], NULL);

    g_unlink (file);
  }
  g_unlink (path);
  g_rmdir (dir);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  static const char *const contents[] = {
    "s3cr3t-hmac-key\n",
    "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    "123456789012 10.00\n",
  };

  fuzz_quiet_logs ();
  dir = fuzz_make_dir ("providers.d");
  path = g_build_filename (dir, "fuzz.conf", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (aside); i++) {
    g_autofree char *file = g_build_filename (dir, aside[i], NULL);

    fuzz_write_file (file, (const guint8 *) contents[i], strlen (contents[i]));
  }
  atexit (remove_files);

  loader = saldo_provider_loader_new (NULL);
  saldo_provider_loader_add_builtin (loader, SALDO_TYPE_PROVIDER_RELOADLY);
  saldo_provider_loader_add_builtin (loader, SALDO_TYPE_PROVIDER_HTTP);
  saldo_provider_loader_add_builtin (loader, SALDO_TYPE_PROVIDER_COMMAND);
  saldo_provider_loader_add_builtin (loader, SALDO_TYPE_PROVIDER_USSD_VOUCHER);
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(SaldoProvider) provider = NULL;
  g_autoptr(GError) error = NULL;

  if (size > 64 * 1024)
    return 0;
  fuzz_write_file (path, data, size);
  provider = saldo_provider_loader_load_file (loader, path, &error);
  if (provider != NULL) {
    g_autofree char *description = saldo_provider_describe (provider);

    g_assert_no_error (error);
    g_assert_cmpstr (saldo_provider_get_id (provider), ==, "fuzz");
    g_assert_true (saldo_provider_is_configured (provider));
    g_assert_nonnull (saldo_provider_get_type_name (provider));
    g_assert_nonnull (description);
  } else {
    g_assert_nonnull (error);
    g_assert_true (error->domain == SALDO_PROVIDER_ERROR);
  }
  return 0;
}
