/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A simulated modem control port for C tests: tests/sim/simqmi.py or
 * tests/sim/simmbim.py run as a child on a pty linked at port_path, driven by
 * one command per line on its stdin. */
typedef struct {
  GSubprocess      *proc;
  GOutputStream    *in;
  GDataInputStream *out;
  char             *tmpdir;
  char             *port_path;
} SaldoTestSim;

/* args: extra arguments after --link PATH, NULL-terminated (may be NULL) */
void  saldo_test_sim_start (SaldoTestSim *sim, const char *script, const char *const *args);
char *saldo_test_sim_command (SaldoTestSim *sim, const char *command);
void  saldo_test_sim_command_ok (SaldoTestSim *sim, const char *command);
guint saldo_test_sim_counter (SaldoTestSim *sim, const char *name);
/* Closes stdin (the simulator removes its link and exits) and cleans up. */
void saldo_test_sim_stop (SaldoTestSim *sim);

G_END_DECLS
