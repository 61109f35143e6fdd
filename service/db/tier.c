/* tier.c: SQL of the platform tier, batch operations, the event feed and the URI. */
#include "db/tier.h"

const struct db_stmt db_tier_stmts[] = {
    {"rollup", "SELECT ddc_rollup($1, $2, $3, $4, $5, $6)"},
    {"recharge_batch", "SELECT ddc_recharge_batch($1, $2, $3, $4::jsonb)"},
    {"cert_batch", "SELECT ddc_cert_batch($1, $2, $3, $4, $5::jsonb)"},
    {"cert_uri_set", "SELECT ddc_cert_uri_set($1, $2, $3, $4)"},
    {"event_feed", "SELECT ddc_event_feed($1, $2, $3, $4, string_to_array($5, ','))"},
    {NULL, NULL},
};

enum ddc_err db_rollup(const char *role, int64_t actor, int64_t platform, const char *currency,
                       const char *from, const char *to, char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_int(&p, platform);
  db_p_str(&p, currency);
  db_p_str(&p, from);
  db_p_str(&p, to);
  return db_p_json("rollup", &p, 1, json, NULL);
}

enum ddc_err db_recharge_batch(const char *role, int64_t actor, int64_t actor_key,
                               const char *items, char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_id(&p, actor_key);
  db_p_str(&p, items);
  return db_p_json("recharge_batch", &p, 0, json, NULL);
}

enum ddc_err db_cert_batch(const char *role, int64_t actor, int64_t actor_key, const char *op,
                           const char *items, char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_id(&p, actor_key);
  db_p_str(&p, op);
  db_p_str(&p, items);
  return db_p_json("cert_batch", &p, 0, json, NULL);
}

enum ddc_err db_cert_uri_set(const char *role, int64_t actor, int64_t ddc, const char *uri,
                             char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_int(&p, ddc);
  db_p_str(&p, uri);
  return db_p_json("cert_uri_set", &p, 0, json, NULL);
}

enum ddc_err db_event_feed(const char *role, int64_t actor, int64_t after, int limit,
                           const char *types, char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_int(&p, after);
  db_p_int(&p, limit);
  db_p_str(&p, types);
  return db_p_json("event_feed", &p, 1, json, NULL);
}
