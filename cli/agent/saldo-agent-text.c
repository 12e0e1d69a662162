/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "saldo-agent-text.h"

/* Action keys the agent reads back from ActionInvoked. */
#define ACTION_CONFIRM "confirm"
#define ACTION_REJECT  "reject"

static SaldoNotification *
notification (const char *icon, SaldoUrgency urgency, char *summary, char *body)
{
  SaldoNotification *n = saldo_notification_new (summary, body);

  n->icon = icon;
  n->urgency = urgency;
  g_free (summary);
  g_free (body);
  return n;
}

SaldoNotification *
saldo_agent_text_low_balance (const char *line, const char *balance, const char *below)
{
  /* TRANSLATORS: %s is a line, e.g. "Claro PE (…0011)". */
  char *summary = g_strdup_printf (_ ("Low balance: %s"), line);
  char *body;

  if (below != NULL)
    /* TRANSLATORS: amounts, e.g. "S/ 2.00 left, below S/ 5.00." */
    body = g_strdup_printf (_ ("%s left, below %s."), balance, below);
  else
    /* TRANSLATORS: an amount, e.g. "S/ 2.00 left." */
    body = g_strdup_printf (_ ("%s left."), balance);
  return notification ("dialog-warning", SALDO_URGENCY_NORMAL, summary, body);
}

SaldoNotification *
saldo_agent_text_expiry (const char *line, const char *balance, const char *date, guint days_left)
{
  char            *summary = g_strdup_printf (_ ("Balance expires soon: %s"), line);
  g_autofree char *when = NULL;
  char            *body;

  if (days_left == 0)
    when = g_strdup (_ ("today"));
  else
    /* TRANSLATORS: how far away the expiry date is. */
    when = g_strdup_printf (ngettext ("in %u day", "in %u days", days_left), days_left);
  if (balance != NULL)
    /* TRANSLATORS: "S/ 5.00 expires on 30/12/2026 (in 3 days). Top up …" */
    body = g_strdup_printf (_ ("%s expires on %s (%s). Top up before then to keep it."), balance, date, when);
  else
    body = g_strdup_printf (_ ("The balance expires on %s (%s). Top up before then to keep it."), date, when);
  return notification ("dialog-warning", SALDO_URGENCY_NORMAL, summary, body);
}

SaldoNotification *
saldo_agent_text_topup_started (const char *line, const char *amount, const char *provider)
{
  char *summary = g_strdup_printf (_ ("Topping up %s"), line);
  char *body;

  if (provider != NULL)
    /* TRANSLATORS: "S/ 20.00 through reloadly. …" (a provider's id). */
    body = g_strdup_printf (_ ("%s through %s. Saldo reads the balance afterwards to check that it arrived."),
                            amount, provider);
  else
    body = g_strdup_printf (_ ("%s. Saldo reads the balance afterwards to check that it arrived."), amount);

  return notification ("dialog-information", SALDO_URGENCY_LOW, summary, body);
}

SaldoNotification *
saldo_agent_text_topup_finished (const char      *line,
                                 const char      *status,
                                 const char      *amount,
                                 const char      *balance_after,
                                 const char      *error,
                                 SaldoTopUpOrigin origin)
{
  const char *next;

  if (g_str_equal (status, "succeeded"))
    return notification ("dialog-information", SALDO_URGENCY_LOW,
                         g_strdup_printf (_ ("Top-up sent: %s"), line),
                         g_strdup_printf (_ ("The provider accepted %s. Saldo reads the balance to check "
                                             "that it arrived."),
                                          amount));
  if (g_str_equal (status, "verified"))
    return notification ("dialog-information", SALDO_URGENCY_LOW,
                         g_strdup_printf (_ ("Top-up arrived: %s"), line),
                         balance_after != NULL
                           /* TRANSLATORS: "S/ 20.00 arrived; the balance is now S/ 22.00." */
                           ? g_strdup_printf (_ ("%s arrived; the balance is now %s."), amount, balance_after)
                           : g_strdup_printf (_ ("%s arrived."), amount));
  if (g_str_equal (status, "failed")) {
    g_autofree char *reason = g_strdup (error != NULL ? error : "");

    /* The sentence ends with our own full stop. */
    while (g_str_has_suffix (reason, ".") || g_str_has_suffix (reason, " "))
      reason[strlen (reason) - 1] = '\0';
    if (origin == SALDO_TOPUP_ORIGIN_A_RULE)
      next = _ ("The rule tries again later; three failures in a row turn it off.");
    else if (origin == SALDO_TOPUP_ORIGIN_A_RULE_WAITS)
      next = _ ("The rule waits until the provider works again.");
    else if (origin == SALDO_TOPUP_ORIGIN_MANUAL)
      next = _ ("Nothing is retried by itself.");
    else
      next = "";
    return notification ("dialog-error", SALDO_URGENCY_CRITICAL,
                         g_strdup_printf (_ ("Top-up failed: %s"), line),
                         *reason != '\0'
                           /* TRANSLATORS: "The top-up of S/ 20.00 was not made: <provider's reason>. <what next>" */
                           ? g_strdup_printf (_ ("The top-up of %s was not made: %s. %s"), amount, reason,
                                              next)
                           : g_strdup_printf (_ ("The top-up of %s was not made. %s"), amount, next));
  }
  if (g_str_equal (status, "unknown"))
    return notification ("dialog-warning", SALDO_URGENCY_NORMAL,
                         g_strdup_printf (_ ("Top-up outcome unknown: %s"), line),
                         g_strdup_printf (_ ("The provider did not confirm the top-up of %s. Saldo asks it "
                                             "again "
                                             "by the same reference and never pays twice; nothing to do for "
                                             "now."),
                                          amount));
  if (g_str_equal (status, "disputed"))
    return notification ("dialog-error", SALDO_URGENCY_CRITICAL,
                         g_strdup_printf (_ ("Top-up not seen on the line: %s"), line),
                         g_strdup_printf (_ (
                                            "The provider reported %s as sent, but the balance did not rise. "
                                            "Automatic top-ups of this line are paused: check with the "
                                            "provider "
                                            "(receipts: saldoctl history)."),
                                          amount));
  return NULL;
}

char *
saldo_agent_text_why_threshold (const char *balance, const char *below)
{
  return g_strdup_printf (_ ("The balance is %s, below %s."), balance, below);
}

char *
saldo_agent_text_why_data (const char *data_left, const char *below)
{
  /* TRANSLATORS: "100.0 MiB of data left, below 500.0 MiB." */
  return g_strdup_printf (_ ("%s of data left, below %s."), data_left, below);
}

char *
saldo_agent_text_why_keep_alive (const char *expiry_date)
{
  if (expiry_date != NULL)
    return g_strdup_printf (_ ("The balance expires on %s."), expiry_date);
  return g_strdup (_ ("Carriers cut lines that go without a top-up for too long."));
}

char *
saldo_agent_text_why_schedule (void)
{
  return g_strdup (_ ("It is the rule's scheduled top-up."));
}

char *
saldo_agent_text_not_authorized (void)
{
  return g_strdup (_ ("Not authorised; the request is still open."));
}

char *
saldo_agent_text_answer_failed (const char *message)
{
  return g_strdup_printf (_ ("Could not answer: %s."), message);
}

SaldoNotification *
saldo_agent_text_confirmation (const char *line,
                               const char *id,
                               const char *amount,
                               const char *provider,
                               const char *why,
                               const char *problem)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GStrvBuilder) actions = g_strv_builder_new ();
  g_autofree char   *label = NULL;
  SaldoNotification *n;

  if (problem != NULL)
    g_string_append_printf (body, "%s\n", problem);
  if (why != NULL)
    g_string_append_printf (body, "%s ", why);
  if (provider != NULL)
    /* TRANSLATORS: "Saldo asks before spending S/ 20.00 through reloadly." */
    g_string_append_printf (body, _ ("Saldo asks before spending %s through %s."), amount, provider);
  else
    g_string_append_printf (body, _ ("Saldo asks before spending %s."), amount);
  n = notification ("dialog-question", SALDO_URGENCY_NORMAL,
                    /* TRANSLATORS: %s is a line, e.g. "Claro PE (…0011)". */
                    g_strdup_printf (_ ("Top up %s?"), line), g_strdup (body->str));
  /* Servers without buttons: say how to answer instead. */
  g_string_append_c (body, '\n');
  /* TRANSLATORS: %s are a top-up's id, e.g. 12. */
  g_string_append_printf (body, _ ("Answer with “saldoctl topup confirm %s” or “saldoctl topup reject %s”."),
                          id, id);
  n->body_without_actions = g_strdup (body->str);
  /* It waits for an answer: no timeout. */
  n->timeout_ms = 0;
  g_strv_builder_add (actions, ACTION_CONFIRM);
  /* TRANSLATORS: a button; %s is an amount, e.g. "Top up S/ 20.00". */
  label = g_strdup_printf (_ ("Top up %s"), amount);
  g_strv_builder_add (actions, label);
  g_strv_builder_add (actions, ACTION_REJECT);
  /* TRANSLATORS: a button that declines a top-up. */
  g_strv_builder_add (actions, _ ("Not now"));
  n->actions = g_strv_builder_end (actions);
  return n;
}

SaldoNotification *
saldo_agent_text_rule_disabled (const char *line, gint64 rule_number, const char *reason)
{
  g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, rule_number);

  return notification ("dialog-error", SALDO_URGENCY_CRITICAL,
                       g_strdup_printf (_ ("Automatic top-up off: %s"), line),
                       /* TRANSLATORS: "Rule 3 turned itself off: <saldod's reason>. Turn it …" */
                       g_strdup_printf (_ ("Rule %s turned itself off: %s. Turn it back on with "
                                           "“saldoctl rules enable %s” once the cause is fixed."),
                                        number, reason, number));
}

SaldoNotification *
saldo_agent_text_deactivation (const char *line, const char *date, guint days_left)
{
  g_autofree char *when = days_left == 0
                            ? g_strdup (_ ("today"))
                            : g_strdup_printf (ngettext ("in %u day", "in %u days", days_left), days_left);

  return notification ("dialog-warning", SALDO_URGENCY_CRITICAL,
                       /* TRANSLATORS: %s is a line, e.g. "Claro PE (…0011)". */
                       g_strdup_printf (_ ("Line about to be cut off: %s"), line),
                       /* TRANSLATORS: "… on 30/12/2026 (in 5 days). …" */
                       g_strdup_printf (_ ("Without a recharge the carrier deactivates it on %s (%s). "
                                           "Top up before then to keep the number."),
                                        date, when));
}

/* What the owner must fix, from the provider's Attention. */
static const char *
attention_words (const char *attention)
{
  if (g_strcmp0 (attention, "insufficient-funds") == 0)
    return _ ("Its account has run out of funds.");
  if (g_strcmp0 (attention, "credentials-rejected") == 0)
    return _ ("It refuses Saldo's credentials.");
  if (g_strcmp0 (attention, "payment-declined") == 0)
    return _ ("Its payment method was declined.");
  if (g_strcmp0 (attention, "payment-expired") == 0)
    return _ ("Its payment method has expired.");
  return _ ("It needs you.");
}

SaldoNotification *
saldo_agent_text_provider_attention (const char *provider, const char *attention, const char *error)
{
  g_autoptr(GString) body = g_string_new (attention_words (attention));

  if (error != NULL && *error != '\0')
    g_string_append_printf (body, " (%s)", error);
  g_string_append_c (body, ' ');
  /* TRANSLATORS: %s is a provider's id, e.g. "reloadly". */
  g_string_append_printf (body,
                          _ ("Automatic top-ups through it wait until it works again; after "
                             "fixing it, “saldoctl providers check %s” tells Saldo."),
                          provider);
  return notification ("dialog-error", SALDO_URGENCY_CRITICAL,
                       /* TRANSLATORS: %s is a provider's id, e.g. "reloadly". */
                       g_strdup_printf (_ ("Top-up provider needs you: %s"), provider), g_strdup (body->str));
}

SaldoNotification *
saldo_agent_text_provider_warning (const char *provider, const char *warning, const char *expires)
{
  char *body;

  if (g_strcmp0 (warning, "payment-expired") == 0)
    /* TRANSLATORS: %s is a month, e.g. "2026-09" */
    body = g_strdup_printf (_ ("Its payment method expired at the end of %s: replace it and update "
                               "PaymentExpires= in the provider's file."),
                            expires);
  else if (g_strcmp0 (warning, "payment-expires-soon") == 0)
    body = g_strdup_printf (_ ("Its payment method expires at the end of %s: replace it in time."), expires);
  else
    body = g_strdup (_ ("Its funds are running low: add funds before the next top-up fails."));
  return notification ("dialog-warning", SALDO_URGENCY_NORMAL,
                       /* TRANSLATORS: %s is a provider's id, e.g. "reloadly". */
                       g_strdup_printf (_ ("Top-up provider: %s"), provider), body);
}
