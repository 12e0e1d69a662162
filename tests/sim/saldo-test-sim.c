/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <glib/gstdio.h>
#include <string.h>

#include "saldo-test-sim.h"

void
saldo_test_sim_start (SaldoTestSim *sim, const char *script, const char *const *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *ready = NULL;

  memset (sim, 0, sizeof *sim);
  sim->tmpdir = g_dir_make_tmp ("saldo-test-sim-XXXXXX", &error);
  g_assert_no_error (error);
  sim->port_path = g_build_filename (sim->tmpdir, "cdc-wdm0", NULL);

  g_ptr_array_add (argv, g_strdup ("/usr/bin/python3"));
  g_ptr_array_add (argv, g_test_build_filename (G_TEST_DIST, "sim", script, NULL));
  g_ptr_array_add (argv, g_strdup ("--link"));
  g_ptr_array_add (argv, g_strdup (sim->port_path));
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  sim->proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  sim->in = g_object_ref (g_subprocess_get_stdin_pipe (sim->proc));
  sim->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sim->proc));

  ready = g_data_input_stream_read_line (sim->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ready);
  g_assert_true (g_str_has_prefix (ready, "READY "));
  g_assert_cmpstr (ready + strlen ("READY "), ==, sim->port_path);
}

char *
saldo_test_sim_command (SaldoTestSim *sim, const char *command)
{
  g_autofree char *line = g_strdup_printf ("%s\n", command);
  g_autoptr(GError) error = NULL;
  char *reply;

  g_output_stream_write_all (sim->in, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  reply = g_data_input_stream_read_line (sim->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  return reply;
}

void
saldo_test_sim_command_ok (SaldoTestSim *sim, const char *command)
{
  g_autofree char *reply = saldo_test_sim_command (sim, command);

  g_assert_cmpstr (reply, ==, "OK");
}

guint
saldo_test_sim_counter (SaldoTestSim *sim, const char *name)
{
  g_autofree char *reply = saldo_test_sim_command (sim, "counters");
  g_auto(GStrv) words = NULL;
  gsize name_len = strlen (name);

  g_assert_true (g_str_has_prefix (reply, "OK "));
  words = g_strsplit (reply + 3, " ", -1);
  for (guint i = 0; words[i] != NULL; i++) {
    if (strncmp (words[i], name, name_len) == 0 && words[i][name_len] == '=')
      return (guint) g_ascii_strtoull (words[i] + name_len + 1, NULL, 10);
  }
  g_test_fail_printf ("simulator has no counter %s", name);
  return G_MAXUINT;
}

void
saldo_test_sim_stop (SaldoTestSim *sim)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_close (sim->in, NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (sim->proc, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&sim->in);
  g_clear_object (&sim->out);
  g_clear_object (&sim->proc);
  g_assert_false (g_file_test (sim->port_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_rmdir (sim->tmpdir), ==, 0);
  g_clear_pointer (&sim->port_path, g_free);
  g_clear_pointer (&sim->tmpdir, g_free);
}
