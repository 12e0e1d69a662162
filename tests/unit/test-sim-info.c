/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "saldo-error.h"
#include "saldo-sim-info.h"

typedef struct {
  const char *raw;
  const char *expected; /* NULL: rejected */
} IccidCase;

static const IccidCase iccid_cases[] = {
  { "8951100000000000011", "8951100000000000011" },
  { "89511000000000000118", "89511000000000000118" },
  { "8944100000000000017F", "8944100000000000017" },
  { "8944100000000000017f", "8944100000000000017" },
  { "895110000000000001122", "895110000000000001122" },
  { "", NULL },
  { "ZZZ", NULL },
  { "1234567", NULL },
  { "8951F00000000000011", NULL },     /* filler inside */
  { "7951100000000000011", NULL },     /* not a telecom ICCID */
  { "89511000000000000112233", NULL }, /* too long */
  { "89 51100000000000011", NULL },
};

static void
test_iccid_normalize (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (iccid_cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *iccid = saldo_iccid_normalize (iccid_cases[i].raw, &error);

    g_test_message ("case %u: '%s'", i, iccid_cases[i].raw);
    g_assert_cmpstr (iccid, ==, iccid_cases[i].expected);
    if (iccid_cases[i].expected == NULL)
      g_assert_error (error, SALDO_ERROR, SALDO_ERROR_INVALID_ARGUMENT);
    else
      g_assert_no_error (error);
  }
  g_assert_null (saldo_iccid_normalize (NULL, NULL));
}

static void
test_operator_code (void)
{
  g_assert_true (saldo_operator_code_valid ("71610"));
  g_assert_true (saldo_operator_code_valid ("310260"));
  g_assert_false (saldo_operator_code_valid ("7161"));
  g_assert_false (saldo_operator_code_valid ("7161A"));
  g_assert_false (saldo_operator_code_valid (""));
  g_assert_false (saldo_operator_code_valid (NULL));
}

static void
test_sim_info_equal (void)
{
  g_autoptr(SaldoSimInfo) a = saldo_sim_info_new ();
  g_autoptr(SaldoSimInfo) b = saldo_sim_info_new ();

  a->iccid = g_strdup ("8951100000000000011");
  b->iccid = g_strdup ("8951100000000000011");
  g_assert_true (saldo_sim_info_equal (a, b));
  b->imsi = g_strdup ("716100000000001");
  g_assert_false (saldo_sim_info_equal (a, b));
  g_assert_false (saldo_sim_info_equal (a, NULL));
  g_assert_true (saldo_sim_info_equal (NULL, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sim-info/iccid-normalize", test_iccid_normalize);
  g_test_add_func ("/sim-info/operator-code", test_operator_code);
  g_test_add_func ("/sim-info/equal", test_sim_info_equal);
  return g_test_run ();
}
