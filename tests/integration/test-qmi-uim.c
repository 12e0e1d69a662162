/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SaldoQmiUim against tests/sim/simqmi.py, a simulated QMI modem with an eUICC
 * on a pty, reached through the real qmi-proxy (libqmi spawns it).
 * The simulator is driven over its stdin/stdout line protocol.
 */
#include <unistd.h>

#include <glib/gstdio.h>
#include <libqmi-glib.h>

#include "saldo-qmi-uim.h"
#include "saldo-test-sim.h"

#define ISDR_AID     "A0000005591010FFFFFFFF8900000100"
#define TEST_EID     "89049032123451234512345678901235"
#define ICCID_WORK   "8944100000000000017"
#define ICCID_TRAVEL "89012608822220000009"

/* es10c-vectors.txt: GetProfilesInfo with isdpAid, chained over 64-byte R-APDUs */
#define PROFILES_R1                                                                                          \
  "BF2D819EA0819BE34C5A0A984401000000000010F74F10A0000005591010FFFFFFFF89000010009F7001019004576F726B910A4F" \
  "70657261746F72204192134F6162"
#define PROFILES_R2                                                                                          \
  "70657261746F72204120427573696E657373950102E34B5A0A981062802822020000904F10A0000005591010FFFFFFFF89000011" \
  "009F700100900654726176656122"
#define PROFILES_R3 "6C910B526F616D204D6F62696C65920F526F616D20476C6F62616C203547429501029000"
#define PROFILES_DER                                                                                         \
  "BF2D819EA0819BE34C5A0A984401000000000010F74F10A0000005591010FFFFFFFF89000010009F7001019004576F726B910A4F" \
  "70657261746F72204192134F70657261746F72204120427573696E657373950102E34B5A0A981062802822020000904F10A00000" \
  "05591010FFFFFFFF89000011009F700100900654726176656C910B526F616D204D6F62696C65920F526F616D20476C6F62616C20" \
  "354742950102"

typedef struct {
  SaldoTestSim sim;
  SaldoQmiUim *uim;
} Fixture;

/* ------------------------------------------------------------------------ */
/* Helpers */

static GBytes *
bytes_from_hex (const gchar *hex)
{
  gsize              len = strlen (hex);
  g_autofree guint8 *data = NULL;

  g_assert_cmpuint (len % 2, ==, 0);
  data = g_malloc (len / 2 + 1);
  for (gsize i = 0; i < len / 2; i++) {
    gint hi = g_ascii_xdigit_value (hex[2 * i]);
    gint lo = g_ascii_xdigit_value (hex[2 * i + 1]);

    g_assert_cmpint (hi, >=, 0);
    g_assert_cmpint (lo, >=, 0);
    data[i] = (guint8) (hi << 4 | lo);
  }
  return g_bytes_new_take (g_steal_pointer (&data), len / 2);
}

static gchar *
hex_from_bytes (GBytes *bytes)
{
  gsize         len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  GString      *hex = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%02X", data[i]);
  return g_string_free (hex, FALSE);
}

static void
store_result (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
}

static GAsyncResult *
wait_result (GAsyncResult **res)
{
  while (*res == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *res;
}

static SaldoQmiUim *
uim_new_sync (const gchar *path, GError **error)
{
  g_autoptr(GFile) port = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) res = NULL;

  saldo_qmi_uim_new_async (port, NULL, store_result, &res);
  return saldo_qmi_uim_new_finish (wait_result (&res), error);
}

static void
uim_close_sync (SaldoQmiUim *uim)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;

  saldo_qmi_uim_close_async (uim, NULL, store_result, &res);
  g_assert_true (saldo_qmi_uim_close_finish (uim, wait_result (&res), &error));
  g_assert_no_error (error);
}

static GPtrArray *
uim_slot_status_sync (SaldoQmiUim *uim, GError **error)
{
  g_autoptr(GAsyncResult) res = NULL;

  saldo_qmi_uim_get_slot_status_async (uim, NULL, store_result, &res);
  return saldo_qmi_uim_get_slot_status_finish (uim, wait_result (&res), error);
}

static gboolean
uim_open_channel_sync (SaldoQmiUim *uim, guint8 slot, const gchar *aid_hex, guint8 *channel, GError **error)
{
  g_autoptr(GBytes) aid = bytes_from_hex (aid_hex);
  g_autoptr(GAsyncResult) res = NULL;

  saldo_qmi_uim_open_channel_async (uim, slot, aid, NULL, store_result, &res);
  return saldo_qmi_uim_open_channel_finish (uim, wait_result (&res), channel, error);
}

static gboolean
uim_close_channel_sync (SaldoQmiUim *uim, guint8 slot, guint8 channel, GError **error)
{
  g_autoptr(GAsyncResult) res = NULL;

  saldo_qmi_uim_close_channel_async (uim, slot, channel, NULL, store_result, &res);
  return saldo_qmi_uim_close_channel_finish (uim, wait_result (&res), error);
}

/* Returns the response (data + SW) as upper-case hex. */
static gchar *
uim_apdu_sync (SaldoQmiUim *uim, guint8 channel, const gchar *apdu_hex)
{
  g_autoptr(GBytes) apdu = bytes_from_hex (apdu_hex);
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GError) error = NULL;

  saldo_qmi_uim_send_apdu_async (uim, 1, channel, apdu, NULL, store_result, &res);
  response = saldo_qmi_uim_send_apdu_finish (uim, wait_result (&res), &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);
  return hex_from_bytes (response);
}

static guint8
open_isdr (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  guint8 channel = 0;

  g_assert_true (uim_open_channel_sync (fx->uim, 1, ISDR_AID, &channel, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (channel, >=, 1);
  return channel;
}

/* ------------------------------------------------------------------------ */
/* Fixture: one simulator (own pty and link) and one transport per test */

static void
fixture_set_up (Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  const char *args[] = { "--chunk", "64", NULL };

  saldo_test_sim_start (&fx->sim, "simqmi.py", args);
  fx->uim = uim_new_sync (fx->sim.port_path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fx->uim);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer user_data)
{
  if (fx->uim != NULL) {
    uim_close_sync (fx->uim);
    g_clear_object (&fx->uim);
  }
  saldo_test_sim_stop (&fx->sim);
}

/* ------------------------------------------------------------------------ */
/* Tests */

static void
test_slot_status (Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GPtrArray) slots = NULL;
  g_autoptr(GError) error = NULL;
  SaldoQmiUimSlot *slot;

  slots = uim_slot_status_sync (fx->uim, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (slots->len, ==, 2);

  slot = g_ptr_array_index (slots, 0);
  g_assert_cmpuint (slot->physical_slot, ==, 1);
  g_assert_true (slot->card_present);
  g_assert_true (slot->is_euicc);
  g_assert_true (slot->active);
  g_assert_cmpuint (slot->logical_slot, ==, 1);
  g_assert_cmpstr (slot->eid, ==, TEST_EID);
  g_assert_cmpstr (slot->iccid, ==, ICCID_WORK);

  slot = g_ptr_array_index (slots, 1);
  g_assert_cmpuint (slot->physical_slot, ==, 2);
  g_assert_false (slot->card_present);
  g_assert_false (slot->is_euicc);
  g_assert_false (slot->active);
  g_assert_null (slot->eid);
  g_assert_null (slot->iccid);
}

typedef struct {
  const gchar *apdu;
  const gchar *response;
} ApduExchange;

static const ApduExchange exchanges[] = {
  /* GetEID */
  { "81E2910006BF3E035C015A", "BF3E125A1089049032123451234512345678901235"
                              "9000" },
  /* GetProfilesInfo, default tags, chained by hand */
  { "81E2910003BF2D00", PROFILES_R1 },
  { "81C0000062", PROFILES_R2 },
  { "81C0000022", PROFILES_R3 },
  /* GetProfilesInfo with a tag list (no isdpAid) */
  { "81E291000DBF2D0A5C085A9F709091929395",
    "BF2D79A077E33A5A0A984401000000000010F79F7001019004576F726B910A4F70657261746F72204192134F70657261746F7220"
    "4120427573696E6573739501613C" },
  { "81C000003C", "02E3395A0A981062802822020000909F700100900654726176656C910B526F616D204D6F62696C65920F526F61"
                  "6D20476C6F62616C203547429501029000" },
  /* GET RESPONSE with nothing pending */
  { "81C0000010", "6985" },
  /* CLA naming another channel than the one carrying it */
  { "82E2910006BF3E035C015A", "6881" },
};

static void
test_apdu_exchange (Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GString) chained = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  guint8 channel;

  channel = open_isdr (fx);
  g_assert_cmpuint (channel, ==, 1);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "channels_open"), ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (exchanges); i++) {
    g_autofree gchar *response = uim_apdu_sync (fx->uim, channel, exchanges[i].apdu);

    g_test_message ("C-APDU %s -> R-APDU %s", exchanges[i].apdu, response);
    g_assert_cmpstr (response, ==, exchanges[i].response);
    /* Rebuild the first chained answer: data without the status words */
    if (i >= 1 && i <= 3)
      g_string_append_len (chained, response, (gssize) strlen (response) - 4);
  }
  g_assert_cmpstr (chained->str, ==, PROFILES_DER);

  g_assert_true (uim_close_channel_sync (fx->uim, 1, channel, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "channels_opened"), ==, 1);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "channels_closed"), ==, 1);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "channels_open"), ==, 0);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "apdu_total"), ==, G_N_ELEMENTS (exchanges));
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "apdu_store_data"), ==, 4);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "apdu_get_response"), ==, 4);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "es10_get_eid"), ==, 1);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "es10_get_profiles_info"), ==, 2);
}

typedef struct {
  const gchar     *name;
  const gchar     *sim_refusal; /* argument of the simulator's refuse-channel */
  guint8           slot;
  const gchar     *aid;
  SaldoQmiUimError code;
  const gchar     *message_part; /* libqmi's text must survive conversion */
} OpenFailure;

static const OpenFailure open_failures[] = {
  { "access-denied", "access-denied", 1, ISDR_AID, SALDO_QMI_UIM_ERROR_ACCESS_DENIED, "AccessDenied" },
  { "not-supported", "not-supported", 1, ISDR_AID, SALDO_QMI_UIM_ERROR_NOT_SUPPORTED, "NotSupported" },
  { "internal", "internal", 1, ISDR_AID, SALDO_QMI_UIM_ERROR_INTERNAL, "Internal" },
  { "no-card", "none", 2, ISDR_AID, SALDO_QMI_UIM_ERROR_NO_CARD, "DeviceNotReady" },
  { "unknown-aid", "none", 1, "A0000000871002FF49FF0589", SALDO_QMI_UIM_ERROR_INTERNAL, "card status 6A82" },
};

static void
test_open_failure (Fixture *fx, gconstpointer user_data)
{
  const OpenFailure *t = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *refusal = g_strdup_printf ("refuse-channel %s", t->sim_refusal);
  guint8            channel = 0xFF;

  saldo_test_sim_command_ok (&fx->sim, refusal);
  g_assert_false (uim_open_channel_sync (fx->uim, t->slot, t->aid, &channel, &error));
  g_assert_error (error, SALDO_QMI_UIM_ERROR, (gint) t->code);
  g_test_message ("%s: %s", t->name, error->message);
  g_assert_nonnull (strstr (error->message, t->message_part));
  g_assert_cmpuint (channel, ==, 0xFF);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "channels_opened"), ==, 0);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "channels_open"), ==, 0);

  /* The transport keeps working once the card accepts again */
  saldo_test_sim_command_ok (&fx->sim, "refuse-channel none");
  channel = open_isdr (fx);
  g_assert_true (uim_close_channel_sync (fx->uim, 1, channel, NULL));
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "channels_opened"), ==,
                    saldo_test_sim_counter (&fx->sim, "channels_closed"));
}

static const gchar *sw_errors[] = { "6A82", "6985", "6A88" };

static void
test_sw_error (Fixture *fx, gconstpointer user_data)
{
  const gchar      *sw = *(const gchar *const *) user_data;
  g_autofree gchar *command = g_strdup_printf ("sw-error %s", sw);
  g_autofree gchar *failed = NULL;
  g_autofree gchar *ok = NULL;
  guint8            channel;

  channel = open_isdr (fx);
  saldo_test_sim_command_ok (&fx->sim, command);
  /* A card error is data for the caller, not a transport error */
  failed = uim_apdu_sync (fx->uim, channel, "81E2910006BF3E035C015A");
  g_assert_cmpstr (failed, ==, sw);
  ok = uim_apdu_sync (fx->uim, channel, "81E2910006BF3E035C015A");
  g_assert_cmpstr (ok, ==,
                   "BF3E125A1089049032123451234512345678901235"
                   "9000");
  g_assert_true (uim_close_channel_sync (fx->uim, 1, channel, NULL));
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "apdu_sw_error"), ==, 1);
}

static void
slot_status_changed_cb (SaldoQmiUim *uim, GPtrArray *slots, gpointer user_data)
{
  GPtrArray **out = user_data;

  g_assert_null (*out);
  *out = g_ptr_array_ref (slots);
}

static void
test_slot_status_indication (Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GPtrArray) indicated = NULL;
  g_autoptr(GPtrArray) asked = NULL;
  g_autoptr(GError) error = NULL;
  SaldoQmiUimSlot *slot;

  g_signal_connect (fx->uim, "slot-status-changed", G_CALLBACK (slot_status_changed_cb), &indicated);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "indications_sent"), ==, 0);
  saldo_test_sim_command_ok (&fx->sim, "switch-profile " ICCID_TRAVEL);
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "indications_sent"), ==, 1);

  while (indicated == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (indicated->len, ==, 2);
  slot = g_ptr_array_index (indicated, 0);
  g_assert_true (slot->active);
  g_assert_true (slot->is_euicc);
  g_assert_cmpstr (slot->iccid, ==, ICCID_TRAVEL);
  g_assert_cmpstr (slot->eid, ==, TEST_EID);

  asked = uim_slot_status_sync (fx->uim, &error);
  g_assert_no_error (error);
  slot = g_ptr_array_index (asked, 0);
  g_assert_cmpstr (slot->iccid, ==, ICCID_TRAVEL);
  g_signal_handlers_disconnect_by_data (fx->uim, &indicated);
}

static void
test_misuse_and_close (Fixture *fx, gconstpointer user_data)
{
  g_autoptr(GError) error = NULL;
  guint8 channel = 0;

  /* Closing a channel that is not open is a QMI error of its own */
  g_assert_false (uim_close_channel_sync (fx->uim, 1, 3, &error));
  g_assert_error (error, SALDO_QMI_UIM_ERROR, SALDO_QMI_UIM_ERROR_PROTOCOL);
  g_clear_error (&error);

  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "uim_clients"), ==, 1);
  uim_close_sync (fx->uim);
  /* Releasing the client reached the modem */
  g_assert_cmpuint (saldo_test_sim_counter (&fx->sim, "uim_clients"), ==, 0);

  g_assert_false (uim_open_channel_sync (fx->uim, 1, ISDR_AID, &channel, &error));
  g_assert_error (error, SALDO_QMI_UIM_ERROR, SALDO_QMI_UIM_ERROR_TRANSPORT);
  g_clear_object (&fx->uim);
}

typedef struct {
  const gchar *name;
  GQuark (*domain) (void);
  gint             code;
  gboolean         converted;
  SaldoQmiUimError expected;
} ConvertCase;

static const ConvertCase convert_cases[] = {
  { "access-denied", qmi_protocol_error_quark, QMI_PROTOCOL_ERROR_ACCESS_DENIED, TRUE,
    SALDO_QMI_UIM_ERROR_ACCESS_DENIED },
  { "not-supported", qmi_protocol_error_quark, QMI_PROTOCOL_ERROR_NOT_SUPPORTED, TRUE,
    SALDO_QMI_UIM_ERROR_NOT_SUPPORTED },
  { "invalid-command", qmi_protocol_error_quark, QMI_PROTOCOL_ERROR_INVALID_QMI_COMMAND, TRUE,
    SALDO_QMI_UIM_ERROR_NOT_SUPPORTED },
  { "internal", qmi_protocol_error_quark, QMI_PROTOCOL_ERROR_INTERNAL, TRUE, SALDO_QMI_UIM_ERROR_INTERNAL },
  { "uim-uninitialized", qmi_protocol_error_quark, QMI_PROTOCOL_ERROR_UIM_UNINITIALIZED, TRUE,
    SALDO_QMI_UIM_ERROR_NO_CARD },
  { "invalid-argument", qmi_protocol_error_quark, QMI_PROTOCOL_ERROR_INVALID_ARGUMENT, TRUE,
    SALDO_QMI_UIM_ERROR_PROTOCOL },
  { "timeout", qmi_core_error_quark, QMI_CORE_ERROR_TIMEOUT, TRUE, SALDO_QMI_UIM_ERROR_TRANSPORT },
  { "wrong-state", qmi_core_error_quark, QMI_CORE_ERROR_WRONG_STATE, TRUE, SALDO_QMI_UIM_ERROR_TRANSPORT },
  { "tlv-not-found", qmi_core_error_quark, QMI_CORE_ERROR_TLV_NOT_FOUND, TRUE, SALDO_QMI_UIM_ERROR_PROTOCOL },
  { "core-unsupported", qmi_core_error_quark, QMI_CORE_ERROR_UNSUPPORTED, TRUE,
    SALDO_QMI_UIM_ERROR_NOT_SUPPORTED },
  { "io-failed", g_io_error_quark, G_IO_ERROR_FAILED, TRUE, SALDO_QMI_UIM_ERROR_TRANSPORT },
  { "cancelled", g_io_error_quark, G_IO_ERROR_CANCELLED, FALSE, 0 },
  { "already-ours", saldo_qmi_uim_error_quark, SALDO_QMI_UIM_ERROR_NO_CARD, FALSE, 0 },
};

static void
test_error_convert (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (convert_cases); i++) {
    const ConvertCase *t = &convert_cases[i];
    g_autoptr(GError) error = g_error_new (t->domain (), t->code, "original text %s", t->name);
    g_autofree gchar *message = g_strdup (error->message);
    GQuark            domain = t->domain ();

    saldo_qmi_uim_error_convert (&error);
    g_test_message ("%s: %s", t->name, error->message);
    if (t->converted)
      g_assert_error (error, SALDO_QMI_UIM_ERROR, (gint) t->expected);
    else
      g_assert_error (error, domain, t->code);
    g_assert_cmpstr (error->message, ==, message);
  }
}

/* libqmi warns that a pty is neither qmi_wwan nor cdc-wdm in sysfs; that
 * is the point of a simulated port.  GLib 2.74 aborts on fatal warnings
 * before any test fatal handler could veto, so warnings are made non-fatal
 * and every other libqmi warning fails the test here instead. */
static void
qmi_log_handler (const gchar *log_domain, GLogLevelFlags log_level, const gchar *message, gpointer user_data)
{
  if ((log_level & G_LOG_LEVEL_WARNING) != 0 && strstr (message, "transport type") != NULL) {
    g_test_message ("expected libqmi warning: %s", message);
    return;
  }
  if ((log_level & G_LOG_LEVEL_WARNING) != 0)
    g_test_fail_printf ("unexpected libqmi warning: %s", message);
  g_log_default_handler (log_domain, log_level, message, user_data);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_handler ("Qmi", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION, qmi_log_handler,
                     NULL);

  g_test_add_func ("/qmi-uim/error-convert", test_error_convert);

  /* qmi-proxy only accepts root clients (peer credentials check) */
  if (geteuid () != 0) {
    g_test_message ("not root: qmi-proxy tests not added");
    return g_test_run ();
  }

  g_test_add ("/qmi-uim/slot-status", Fixture, NULL, fixture_set_up, test_slot_status, fixture_tear_down);
  g_test_add ("/qmi-uim/apdu/exchange", Fixture, NULL, fixture_set_up, test_apdu_exchange, fixture_tear_down);
  for (guint i = 0; i < G_N_ELEMENTS (open_failures); i++) {
    g_autofree gchar *path = g_strdup_printf ("/qmi-uim/open-channel/%s", open_failures[i].name);

    g_test_add (path, Fixture, &open_failures[i], fixture_set_up, test_open_failure, fixture_tear_down);
  }
  for (guint i = 0; i < G_N_ELEMENTS (sw_errors); i++) {
    g_autofree gchar *path = g_strdup_printf ("/qmi-uim/apdu/sw-error/%s", sw_errors[i]);

    g_test_add (path, Fixture, &sw_errors[i], fixture_set_up, test_sw_error, fixture_tear_down);
  }
  g_test_add ("/qmi-uim/slot-status/indication", Fixture, NULL, fixture_set_up, test_slot_status_indication,
              fixture_tear_down);
  g_test_add ("/qmi-uim/close", Fixture, NULL, fixture_set_up, test_misuse_and_close, fixture_tear_down);

  return g_test_run ();
}
