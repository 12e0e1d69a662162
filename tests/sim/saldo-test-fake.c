/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "saldo-test-fake.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static JsonNode *
parse_line (const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static char *
read_line (SaldoFake *fake)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (fake->out, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

SaldoFake *
saldo_fake_start (void)
{
  SaldoFake *fake = g_new0 (SaldoFake, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autoptr(JsonNode) ready = NULL;
  const char *script = g_test_get_filename (G_TEST_DIST, "sim", "fakeprovider.py", NULL);
  JsonObject *obj;

  fake->dir = saldo_test_make_dir ();
  fake->proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                 "/usr/bin/python3", script, "--dir", fake->dir, "--max-seconds", "300",
                                 NULL);
  g_assert_no_error (error);
  fake->in = g_object_ref (g_subprocess_get_stdin_pipe (fake->proc));
  fake->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (fake->proc));

  line = read_line (fake);
  ready = parse_line (line);
  obj = json_node_get_object (ready);
  fake->port = (guint) json_object_get_int_member (obj, "port");
  fake->plain_port = (guint) json_object_get_int_member (obj, "plain_port");
  fake->ca = g_strdup (json_object_get_string_member (obj, "ca"));
  fake->other_ca = g_strdup (json_object_get_string_member (obj, "other_ca"));
  g_assert_cmpuint (fake->port, >, 0);
  return fake;
}

void
saldo_fake_stop (SaldoFake *fake)
{
  if (fake == NULL)
    return;
  /* Closing stdin tells the server to exit. */
  g_output_stream_close (fake->in, NULL, NULL);
  g_subprocess_wait (fake->proc, NULL, NULL);
  g_object_unref (fake->in);
  g_object_unref (fake->out);
  g_object_unref (fake->proc);
  saldo_test_remove_dir (fake->dir);
  g_free (fake->dir);
  g_free (fake->ca);
  g_free (fake->other_ca);
  g_free (fake);
}

JsonNode *
saldo_fake_command (SaldoFake *fake, const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_strconcat (json, "\n", NULL);
  g_autofree char *reply = NULL;

  g_output_stream_write_all (fake->in, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_flush (fake->in, NULL, &error);
  g_assert_no_error (error);
  reply = read_line (fake);
  return parse_line (reply);
}

void
saldo_fake_fault (SaldoFake *fake, const char *json)
{
  g_autoptr(JsonNode) reply = saldo_fake_command (fake, json);

  g_assert_true (json_object_get_boolean_member_with_default (json_node_get_object (reply), "ok", FALSE));
}

guint
saldo_fake_charges (SaldoFake *fake, const char *reference)
{
  g_autoptr(JsonNode) state = saldo_fake_command (fake, "{\"op\": \"state\"}");
  JsonArray *charges = json_object_get_array_member (json_node_get_object (state), "charges");
  guint      n = 0;

  for (guint i = 0; i < json_array_get_length (charges); i++) {
    JsonObject *charge = json_array_get_object_element (charges, i);
    if (reference == NULL || g_strcmp0 (json_object_get_string_member (charge, "reference"), reference) == 0)
      n++;
  }
  return n;
}

gint64
saldo_fake_counter (SaldoFake *fake, const char *name)
{
  g_autoptr(JsonNode) state = saldo_fake_command (fake, "{\"op\": \"state\"}");
  JsonObject *counters = json_object_get_object_member (json_node_get_object (state), "counters");

  return json_object_get_int_member (counters, name);
}

char *
saldo_test_make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("saldo-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
saldo_test_remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      saldo_test_remove_dir (child);
    else
      g_unlink (child);
  }
  g_rmdir (path);
}

char *
saldo_test_write_file (const char *dir, const char *name, const char *contents, int mode)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

SaldoProvider *
saldo_test_new_provider (GType       type,
                         const char *id,
                         const char *keyfile,
                         const char *config_dir,
                         GError    **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(SaldoProvider) provider = g_object_new (type, "id", id, NULL);
  g_autoptr(GError) local_error = NULL;

  g_key_file_load_from_data (kf, keyfile, -1, G_KEY_FILE_NONE, &local_error);
  g_assert_no_error (local_error);
  if (!saldo_provider_configure (provider, kf, config_dir, error))
    return NULL;
  return g_steal_pointer (&provider);
}

static void
store_result (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
  g_main_context_wakeup (NULL);
}

SaldoTopUpResult *
saldo_test_top_up (SaldoProvider *provider, const SaldoTopUpRequest *req, GError **error)
{
  g_autoptr(GAsyncResult) res = NULL;

  saldo_provider_top_up_async (provider, req, NULL, store_result, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  return saldo_provider_top_up_finish (provider, res, error);
}

SaldoTopUpResult *
saldo_test_lookup (SaldoProvider *provider, const char *reference, GError **error)
{
  g_autoptr(GAsyncResult) res = NULL;

  saldo_provider_lookup_async (provider, reference, NULL, store_result, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  return saldo_provider_lookup_finish (provider, res, error);
}

SaldoProviderAccount *
saldo_test_account (SaldoProvider *provider, GError **error)
{
  g_autoptr(GAsyncResult) res = NULL;

  saldo_provider_account_async (provider, NULL, store_result, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  return saldo_provider_account_finish (provider, res, error);
}

char *
saldo_test_new_reference (void)
{
  static guint counter = 0;

  return g_strdup_printf ("ref-%d-%u-%08x", (int) getpid (), ++counter, g_random_int ());
}

void
saldo_test_assert_secret_free (const GError *error, const char *secret)
{
  if (error == NULL)
    return;
  g_assert_null (strstr (error->message, secret));
}
