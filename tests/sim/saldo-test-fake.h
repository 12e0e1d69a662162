/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "saldo-provider.h"

G_BEGIN_DECLS

/* A running tests/sim/fakeprovider.py and its line-based control channel. */
typedef struct {
  GSubprocess      *proc;
  GDataInputStream *out;
  GOutputStream    *in;
  char             *dir;
  guint             port;
  guint             plain_port;
  char             *ca;
  char             *other_ca;
} SaldoFake;

SaldoFake *saldo_fake_start (void);
void       saldo_fake_stop (SaldoFake *fake);
JsonNode  *saldo_fake_command (SaldoFake *fake, const char *json);
void       saldo_fake_fault (SaldoFake *fake, const char *json);
guint      saldo_fake_charges (SaldoFake *fake, const char *reference);
gint64     saldo_fake_counter (SaldoFake *fake, const char *name);

char             *saldo_test_make_dir (void);
void              saldo_test_remove_dir (const char *path);
char             *saldo_test_write_file (const char *dir, const char *name, const char *contents, int mode);
SaldoProvider    *saldo_test_new_provider (GType       type,
                                           const char *id,
                                           const char *keyfile,
                                           const char *config_dir,
                                           GError    **error);
SaldoTopUpResult *saldo_test_top_up (SaldoProvider *provider, const SaldoTopUpRequest *req, GError **error);
SaldoTopUpResult *saldo_test_lookup (SaldoProvider *provider, const char *reference, GError **error);
SaldoProviderAccount *saldo_test_account (SaldoProvider *provider, GError **error);
char                 *saldo_test_new_reference (void);
void                  saldo_test_assert_secret_free (const GError *error, const char *secret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoFake, saldo_fake_stop)

G_END_DECLS
