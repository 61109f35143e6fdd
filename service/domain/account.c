/* account.c: account and API-key rules. Operators may do anything; issuers manage themselves
 * and their own holders; holders read themselves and revoke their own keys. */
#include <sodium.h>
#include <string.h>
#include "domain/account.h"

const char *role_name(enum role r)
{
  return r == ROLE_OPERATOR ? "operator" : r == ROLE_ISSUER ? "issuer" : "holder";
}

int role_parse(const char *s, enum role *out)
{
  static const enum role all[] = {ROLE_OPERATOR, ROLE_ISSUER, ROLE_HOLDER};
  for (int i = 0; i < 3; i++)
    if (strcmp(s, role_name(all[i])) == 0) {
      *out = all[i];
      return 0;
    }
  return -1;
}

/* May who see account a? */
static int account_visible(const struct principal *who, const struct account_row *a)
{
  if (who->role == ROLE_OPERATOR || a->id == who->account_id) return 1;
  return who->role == ROLE_ISSUER && a->issuer_id == who->account_id;
}

enum ddc_err account_create(const struct principal *who, enum role role, const char *name,
                            int64_t issuer_id, struct account_row *out)
{
  if (who->role == ROLE_HOLDER) return DDC_ERR_FORBIDDEN;
  if (who->role == ROLE_ISSUER) {
    if (role != ROLE_HOLDER || (issuer_id && issuer_id != who->account_id))
      return DDC_ERR_FORBIDDEN;
    issuer_id = who->account_id;
  }
  return db_account_create(role_name(role), name, issuer_id, out);
}

enum ddc_err account_get(const struct principal *who, int64_t id, struct account_row *out)
{
  enum ddc_err e = db_account_get(id, out);
  if (e == DDC_ERR_OK && !account_visible(who, out)) return DDC_ERR_FORBIDDEN;
  return e;
}

enum ddc_err account_list(const struct principal *who, enum role role_filter, int64_t after,
                          int limit, struct account_row *out, int *n)
{
  int64_t scope_issuer = who->role == ROLE_ISSUER ? who->account_id : 0;
  int64_t scope_self = who->role == ROLE_HOLDER ? who->account_id : 0;
  return db_account_list(role_filter ? role_name(role_filter) : NULL, scope_issuer, scope_self,
                         after, limit, out, n);
}

enum ddc_err account_set_frozen(const struct principal *who, int64_t id, int frozen,
                                struct account_row *out)
{
  if (who->role == ROLE_HOLDER) return DDC_ERR_FORBIDDEN;
  return db_account_set_status(role_name(who->role), who->account_id, id,
                               frozen ? "frozen" : "active", out);
}

enum ddc_err apikey_create(const struct principal *who, int64_t account_id, const char *name,
                           int32_t rps, int32_t rpd, struct apikey_row *out,
                           char key[APIKEY_LEN + 1])
{
  if (who->role == ROLE_HOLDER) return DDC_ERR_FORBIDDEN;
  enum ddc_err e = DDC_ERR_KEY_PREFIX_TAKEN;
  for (int attempt = 0; attempt < 3 && e == DDC_ERR_KEY_PREFIX_TAKEN; attempt++) {
    char prefix[APIKEY_PREFIX_LEN + 1];
    uint8_t hash[APIKEY_HASH_BYTES];
    apikey_generate(key, prefix);
    apikey_hash(key, hash);
    e = db_apikey_create(role_name(who->role), who->account_id, who->key_id, account_id, name,
                         prefix, hash, rps, rpd, out);
  }
  if (e != DDC_ERR_OK) sodium_memzero(key, APIKEY_LEN + 1);
  return e;
}

enum ddc_err apikey_list(const struct principal *who, int64_t account_id, struct apikey_row *out,
                         int max, int *n)
{
  struct account_row owner;
  enum ddc_err e = db_apikey_list(account_id, &owner, out, max, n);
  if (e == DDC_ERR_OK && !account_visible(who, &owner)) return DDC_ERR_FORBIDDEN;
  return e;
}

enum ddc_err apikey_revoke(const struct principal *who, int64_t key_id, int64_t *account_id)
{
  return db_apikey_revoke(role_name(who->role), who->account_id, key_id, account_id);
}
