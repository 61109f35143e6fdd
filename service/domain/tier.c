/* tier.c: the platform tier, batch operations, the event feed and the URI: checks of what C
 * decides (operation names, the URI's form, the feed's type list), then one db_ call each. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "db/tier.h"
#include "domain/cert.h"
#include "domain/tier.h"

enum ddc_err tier_rollup(const struct principal *who, int64_t platform, const char *currency,
                         const char *from, const char *to, char **json)
{
  return db_rollup(role_name(who->role), who->account_id, platform, currency, from, to, json);
}

/* A batch's answer: a refusal ({"refused": n, ...}, nothing written) becomes BATCH_REFUSED. */
static enum ddc_err tier_batch_outcome(enum ddc_err e, char **json)
{
  if (e != DDC_ERR_OK || !strstr(*json, "\"refused\"")) return e;
  json_t *root = json_loads(*json, 0, NULL);
  int refused = json_is_integer(json_object_get(root, "refused"));
  json_decref(root);
  return refused ? DDC_ERR_BATCH_REFUSED : DDC_ERR_OK;
}

enum ddc_err tier_recharge_batch(const struct principal *who, const char *items, char **json)
{
  enum ddc_err e =
      db_recharge_batch(role_name(who->role), who->account_id, who->key_id, items, json);
  return tier_batch_outcome(e, json);
}

int tier_batch_op_known(const char *op)
{
  static const char *const ops[] = {"transfer", "burn", "freeze", "unfreeze", "revoke"};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (!strcmp(op, ops[i])) return 1;
  return 0;
}

enum ddc_err tier_cert_batch(const struct principal *who, const char *op, const char *items,
                             char **json)
{
  *json = NULL;
  if (!tier_batch_op_known(op)) return DDC_ERR_NOT_FOUND;
  enum ddc_err e =
      db_cert_batch(role_name(who->role), who->account_id, who->key_id, op, items, json);
  return tier_batch_outcome(e, json);
}

enum ddc_err tier_uri_set(const struct principal *who, int64_t ddc, const char *uri, char **json)
{
  *json = NULL;
  if (!cert_uri_ok(uri))
    return errors_refuse(DDC_ERR_INVALID_FIELD, "uri",
                         "uri must be an absolute URI (scheme:...) of at most 2048 printable "
                         "ASCII characters");
  return db_cert_uri_set(role_name(who->role), who->account_id, ddc, uri, json);
}

/* 1 if s is a comma-separated list of event type names ([a-z0-9_], 1..40 each). */
static int tier_types_ok(const char *s)
{
  size_t run = 0;
  if (strlen(s) > TIER_FEED_TYPES_MAX) return 0;
  for (; *s; s++) {
    if (*s == ',') {
      if (run == 0) return 0;
      run = 0;
    } else if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_') {
      if (++run > 40) return 0;
    } else
      return 0;
  }
  return run > 0;
}

enum ddc_err tier_events(const struct principal *who, int64_t after, int limit, const char *types,
                         char **json)
{
  *json = NULL;
  if (types && !tier_types_ok(types))
    return errors_refuse(DDC_ERR_INVALID_PARAMETER, "type",
                         "type must be event type names ([a-z0-9_]) separated by commas");
  return db_event_feed(role_name(who->role), who->account_id, after, limit, types, json);
}
