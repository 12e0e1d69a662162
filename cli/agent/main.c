/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "saldo-agent.h"

int
main (int argc, char **argv)
{
  g_autoptr(SaldoAgent) agent = NULL;
  const char *localedir = g_getenv ("SALDO_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* SALDO_LOCALEDIR: translations of a build tree, for tests. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : SALDO_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_application_name ("Saldo");

  agent = saldo_agent_new ();
  return g_application_run (G_APPLICATION (agent), argc, argv);
}
