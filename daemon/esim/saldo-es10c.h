/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SALDO_ES10C_ERROR (saldo_es10c_error_quark ())

typedef enum {
  SALDO_ES10C_ERROR_MALFORMED,              /* not valid BER or not the expected structure */
  SALDO_ES10C_ERROR_INVALID_ICCID,          /* BCD that is not an ICCID */
  SALDO_ES10C_ERROR_INCORRECT_INPUT_VALUES, /* profileInfoListError incorrectInputValues(1) */
  SALDO_ES10C_ERROR_UNDEFINED,              /* profileInfoListError undefinedError(127) */
  SALDO_ES10C_ERROR_CARD_ERROR,             /* profileInfoListError with another code */
} SaldoEs10cError;

/* SGP.22 tags (identifier octets as a big-endian number). */
#define SALDO_ES10C_TAG_PROFILE_INFO_LIST     0xBF2D
#define SALDO_ES10C_TAG_GET_EUICC_DATA        0xBF3E
#define SALDO_ES10C_TAG_TAG_LIST              0x5C
#define SALDO_ES10C_TAG_PROFILE_INFO_LIST_OK  0xA0
#define SALDO_ES10C_TAG_PROFILE_INFO_LIST_ERR 0x81
#define SALDO_ES10C_TAG_PROFILE_INFO          0xE3
#define SALDO_ES10C_TAG_ICCID                 0x5A
#define SALDO_ES10C_TAG_EID                   0x5A
#define SALDO_ES10C_TAG_ISDP_AID              0x4F
#define SALDO_ES10C_TAG_PROFILE_STATE         0x9F70
#define SALDO_ES10C_TAG_NICKNAME              0x90
#define SALDO_ES10C_TAG_SERVICE_PROVIDER      0x91
#define SALDO_ES10C_TAG_PROFILE_NAME          0x92
#define SALDO_ES10C_TAG_ICON_TYPE             0x93
#define SALDO_ES10C_TAG_ICON                  0x94
#define SALDO_ES10C_TAG_PROFILE_CLASS         0x95

typedef enum {
  SALDO_PROFILE_STATE_DISABLED = 0,
  SALDO_PROFILE_STATE_ENABLED = 1,
} SaldoProfileState;

typedef enum {
  SALDO_PROFILE_CLASS_TEST = 0,
  SALDO_PROFILE_CLASS_PROVISIONING = 1,
  SALDO_PROFILE_CLASS_OPERATIONAL = 2,
} SaldoProfileClass;

typedef struct {
  char             *iccid;     /* decimal digits, never NULL in parser output */
  gboolean          has_state; /* FALSE if absent or a value SGP.22 does not define */
  SaldoProfileState state;
  char             *nickname;         /* valid UTF-8 or NULL */
  char             *service_provider; /* valid UTF-8 or NULL */
  char             *profile_name;     /* valid UTF-8 or NULL */
  gboolean          has_class;        /* FALSE if absent or unknown value */
  SaldoProfileClass profile_class;
  char             *isdp_aid; /* upper-case hex or NULL */
} SaldoEuiccProfile;

/* What the profiles parser tolerated instead of failing. */
typedef struct {
  guint skipped_without_iccid; /* ProfileInfo entries dropped: no ICCID to key them */
  guint sanitized_strings;     /* text fields that were not valid UTF-8 */
  guint unknown_tags;          /* ProfileInfo members we do not read */
} SaldoEs10cParseStats;

GQuark saldo_es10c_error_quark (void);

SaldoEuiccProfile *saldo_euicc_profile_new (void);
void               saldo_euicc_profile_free (SaldoEuiccProfile *profile);

const char *saldo_profile_state_to_string (SaldoProfileState state);
const char *saldo_profile_class_to_string (SaldoProfileClass profile_class);

char *saldo_iccid_from_bcd (const guint8 *bcd, gsize len, GError **error);

GBytes *saldo_es10c_build_get_eid (void);
GBytes *saldo_es10c_build_get_profiles_info (gboolean with_tag_list);

gboolean saldo_es10c_parse_get_eid (const guint8 *data, gsize len, char **eid_out, GError **error);
gboolean
saldo_es10c_parse_profiles_info (const guint8 *data, gsize len, GPtrArray **profiles_out, GError **error);
gboolean saldo_es10c_parse_profiles_info_full (const guint8         *data,
                                               gsize                 len,
                                               GPtrArray           **profiles_out,
                                               SaldoEs10cParseStats *stats,
                                               GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoEuiccProfile, saldo_euicc_profile_free)

G_END_DECLS
