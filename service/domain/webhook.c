/* webhook.c: webhook endpoints: checks, the secret and its sealing (see webhook.h). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/keys.h"
#include "db/webhooks.h"
#include "domain/webhook.h"
#include "webhook/sign.h"
#include "webhook/ssrf.h"
#include "webhook/worker.h"

/* An event type as ddcd names them (mint, revoke, key_added ...) or "*". */
static int webhook_event_name_ok(const char *s)
{
  size_t n = strlen(s);
  if (strcmp(s, "*") == 0) return 1;
  return n >= 1 && n <= 40 && s[0] >= 'a' && s[0] <= 'z' &&
         strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.") == n;
}

/* events as a PostgreSQL array literal into out; DDC_ERR_OK or a refusal naming the field. */
static enum ddc_err webhook_events(json_t *events, char *out, size_t cap)
{
  size_t i, used = 1;
  json_t *v;
  if (!json_is_array(events) || json_array_size(events) < 1 ||
      json_array_size(events) > WEBHOOK_EVENTS_MAX)
    return errors_refuse(DDC_ERR_INVALID_FIELD, "events",
                         "events must be an array of 1 to %d event types", WEBHOOK_EVENTS_MAX);
  strcpy(out, "{");
  json_array_foreach(events, i, v)
  {
    const char *s = json_string_value(v);
    if (!s || !webhook_event_name_ok(s))
      return errors_refuse(DDC_ERR_INVALID_FIELD, "events",
                           "events[%zu] must be an event type (mint, transfer, revoke, ...) or *",
                           i);
    used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "," : "", s);
  }
  snprintf(out + used, cap - used, "}");
  return DDC_ERR_OK;
}

/* Appends "secret" to the endpoint's JSON. */
static enum ddc_err webhook_with_secret(char **json, const char *secret)
{
  size_t jl = strlen(*json), cap = jl + strlen(secret) + 16;
  char *out = jl > 1 ? malloc(cap) : NULL;
  if (out) snprintf(out, cap, "%.*s,\"secret\":\"%s\"}", (int)(jl - 1), *json, secret);
  sodium_memzero(*json, jl);
  free(*json);
  *json = out;
  return out ? DDC_ERR_OK : DDC_ERR_INTERNAL;
}

enum ddc_err webhook_create(const struct principal *who, const char *url, json_t *events,
                            const char *secret, char **json)
{
  char pin[WEBHOOK_PIN_MAX], why[300], list[WEBHOOK_EVENTS_MAX * 48], text[WEBHOOK_SECRET_TEXT];
  uint8_t key[WEBHOOK_SECRET_MAX];
  size_t key_len = WEBHOOK_SECRET_BYTES, sealed_len;
  *json = NULL;
  if (webhook_url_check(url, (int)webhook_settings()->allow_private, pin, why, sizeof why) != 0)
    return errors_refuse(DDC_ERR_INVALID_FIELD, "url", "%s", why);
  enum ddc_err e = webhook_events(events, list, sizeof list);
  if (e != DDC_ERR_OK) return e;
  if (secret && webhook_secret_parse(secret, key, &key_len) != 0)
    return errors_refuse(DDC_ERR_INVALID_FIELD, "secret",
                         "secret must be whsec_ and the base64 of %d to %d bytes",
                         WEBHOOK_SECRET_MIN, WEBHOOK_SECRET_MAX);
  if (!secret) randombytes_buf(key, key_len);
  uint8_t *sealed = keys_seal(KEYS_WEBHOOK_SECRETS, key, key_len, &sealed_len);
  webhook_secret_text(key, key_len, text);
  sodium_memzero(key, sizeof key);
  e = sealed ? db_webhook_create(who->account_id, url, list, sealed, sealed_len,
                                 WEBHOOK_PER_ACCOUNT, json)
             : DDC_ERR_INTERNAL;
  free(sealed);
  if (e == DDC_ERR_OK) e = webhook_with_secret(json, text);
  sodium_memzero(text, sizeof text);
  return e;
}

enum ddc_err webhook_list(const struct principal *who, char **json)
{
  return db_webhook_list(who->account_id, json);
}

enum ddc_err webhook_op(const struct principal *who, const char *op, int64_t id, char **json)
{
  return db_webhook_op(op, role_name(who->role), who->account_id, id, json);
}

enum ddc_err webhook_deliveries(const struct principal *who, int64_t id, int64_t before, int limit,
                                char **json)
{
  return db_webhook_deliveries(role_name(who->role), who->account_id, id, before, limit, json);
}
