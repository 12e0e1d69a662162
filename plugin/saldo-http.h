/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _SaldoHttp SaldoHttp;

typedef enum {
  SALDO_HTTP_FLAGS_NONE = 0,
  /* The request may be repeated safely: retried with backoff on transport
   * errors and 5xx replies. Never set for a request that may charge. */
  SALDO_HTTP_FLAGS_IDEMPOTENT = 1 << 0,
} SaldoHttpFlags;

typedef struct {
  long    status; /* HTTP status code */
  GBytes *body;
} SaldoHttpResponse;

SaldoHttp *saldo_http_new (void);
void       saldo_http_free (SaldoHttp *http);
gboolean   saldo_http_configure (SaldoHttp *http, GKeyFile *kf, const char *config_dir, GError **error);
void       saldo_http_set_retry_delay (SaldoHttp *http, guint msec);
gboolean   saldo_http_check_url (const char *url, GError **error);
SaldoHttpResponse *saldo_http_request (SaldoHttp         *http,
                                       const char        *method,
                                       const char        *url,
                                       const char *const *headers,
                                       const char        *body,
                                       SaldoHttpFlags     flags,
                                       gboolean          *out_maybe_sent,
                                       GCancellable      *cancellable,
                                       GError           **error);
void               saldo_http_response_free (SaldoHttpResponse *response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaldoHttpResponse, saldo_http_response_free)

G_END_DECLS
