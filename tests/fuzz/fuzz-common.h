/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * Shared by the libFuzzer targets.  Parsers of hostile input log what they
 * refuse; at millions of inputs that is only noise, so logs go nowhere,
 * except criticals: a failed g_return_if_fail() is a bug, and aborts.
 */

#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) != 0) {
    g_log_writer_standard_streams (level, fields, n_fields, user_data);
    abort ();
  }
  return G_LOG_WRITER_HANDLED;
}

static inline void
fuzz_quiet_logs (void)
{
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
}

/* The initializer of a target that needs no other setup. */
#define FUZZ_QUIET_INITIALIZER                       \
  int LLVMFuzzerInitialize (int *argc, char ***argv) \
  {                                                  \
    fuzz_quiet_logs ();                              \
    return 0;                                        \
  }

/* A NUL-terminated copy of the input, cut at its first NUL, as a C string
 * reader would see it. */
static inline char *
fuzz_strndup (const guint8 *data, size_t size)
{
  return g_strndup ((const char *) data, size);
}

/* Overwrites @path with the input: no rename and no fsync (unlike
 * g_file_set_contents()), which would dominate a run of millions. */
static inline void
fuzz_write_file (const char *path, const guint8 *data, size_t size)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, data, size), ==, (gssize) size);
  close (fd);
}

/* A directory for the target's files, removed at exit, on tmpfs when
 * there is one. */
static inline char *
fuzz_make_dir (const char *name)
{
  g_autofree char *tmpl = g_strdup_printf ("saldo-fuzz-%s-XXXXXX", name);
  char            *dir = g_build_filename ("/dev/shm", tmpl, NULL);

  if (g_mkdtemp (dir) == NULL) {
    g_free (dir);
    dir = g_dir_make_tmp (tmpl, NULL);
  }
  g_assert_nonnull (dir);
  return dir;
}
