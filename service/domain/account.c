/* account.c: accounts and API keys. The rules (operators may do anything; issuers manage
 * themselves and their own holders; holders read themselves and revoke their own keys) are in
 * the ddc_account_* and ddc_api_key_* functions; this file checks the request's shape and makes
 * the key's secret, which never reaches the database (only its keyed hash does). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db/accounts.h"
#include "domain/account.h"

const char *role_name(enum role r)
{
  return r == ROLE_OPERATOR   ? "operator"
         : r == ROLE_ISSUER   ? "issuer"
         : r == ROLE_PLATFORM ? "platform"
                              : "holder";
}

int role_parse(const char *s, enum role *out)
{
  static const enum role all[] = {ROLE_OPERATOR, ROLE_ISSUER, ROLE_HOLDER, ROLE_PLATFORM};
  for (int i = 0; s && i < 4; i++)
    if (strcmp(s, role_name(all[i])) == 0) {
      *out = all[i];
      return 0;
    }
  return -1;
}

enum ddc_err account_create(const struct principal *who, const char *role, const char *name,
                            int64_t issuer_id, int64_t platform_id, char **json)
{
  enum role r;
  *json = NULL;
  if (role_parse(role, &r) != 0)
    return errors_refuse(DDC_ERR_INVALID_FIELD, "role",
                         "role must be operator, platform, issuer or holder");
  if (r == ROLE_HOLDER && !issuer_id && who->role != ROLE_ISSUER)
    return errors_refuse(DDC_ERR_MISSING_FIELD, "issuer_id", "a holder needs issuer_id");
  if (r != ROLE_HOLDER && issuer_id)
    return errors_refuse(DDC_ERR_INVALID_FIELD, "issuer_id", "only holders have an issuer_id");
  if (r != ROLE_ISSUER && platform_id)
    return errors_refuse(DDC_ERR_INVALID_FIELD, "platform_id", "only issuers have a platform_id");
  return db_account_create(role_name(who->role), who->account_id, role, name, issuer_id,
                           platform_id, json);
}

enum ddc_err account_get(const struct principal *who, int64_t id, char **json)
{
  return db_account_get(role_name(who->role), who->account_id, id, json);
}

enum ddc_err account_list(const struct principal *who, const char *role, int64_t after, int limit,
                          char **json)
{
  return db_account_list(role_name(who->role), who->account_id, role, after, limit, json);
}

enum ddc_err account_set_frozen(const struct principal *who, int64_t id, int frozen, char **json)
{
  return db_account_set_status(role_name(who->role), who->account_id, id,
                               frozen ? "frozen" : "active", json);
}

/* The key's answer with its secret added as the last member (base32 and '_': nothing to escape). */
static enum ddc_err apikey_with_secret(char **json, const char *key)
{
  size_t jl = strlen(*json), cap = jl + strlen(key) + 16;
  char *out = jl > 1 ? malloc(cap) : NULL;
  if (out) snprintf(out, cap, "%.*s,\"key\":\"%s\"}", (int)(jl - 1), *json, key);
  free(*json);
  *json = out;
  return out ? DDC_ERR_OK : DDC_ERR_INTERNAL;
}

enum ddc_err apikey_create(const struct principal *who, int64_t account_id, const char *name,
                           int32_t rps, int32_t rpd, char key[APIKEY_LEN + 1], char **json)
{
  enum ddc_err e = DDC_ERR_KEY_PREFIX_TAKEN;
  *json = NULL;
  for (int attempt = 0; attempt < 3 && e == DDC_ERR_KEY_PREFIX_TAKEN; attempt++) {
    char prefix[APIKEY_PREFIX_LEN + 1];
    uint8_t hash[APIKEY_HASH_BYTES];
    apikey_generate(key, prefix);
    apikey_hash(key, hash);
    e = db_apikey_create(role_name(who->role), who->account_id, who->key_id, account_id, name,
                         prefix, hash, rps, rpd, json);
  }
  if (e == DDC_ERR_OK) e = apikey_with_secret(json, key);
  if (e != DDC_ERR_OK) sodium_memzero(key, APIKEY_LEN + 1);
  return e;
}

enum ddc_err apikey_list(const struct principal *who, int64_t account_id, char **json)
{
  return db_apikey_list(role_name(who->role), who->account_id, account_id, APIKEY_LIST_MAX, json);
}

enum ddc_err apikey_revoke(const struct principal *who, int64_t key_id)
{
  return db_apikey_revoke(role_name(who->role), who->account_id, key_id);
}
