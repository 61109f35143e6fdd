/* mintprep.c: the ddc_id pool and the per-thread cache of opened signing keys (see
 * mintprep.h). A cached key is trusted for MINTPREP_KEY_TTL_US at most, and ddc_mint refuses
 * any key that is no longer the issuer's current one, so a rotation or retirement takes effect
 * for the next mint either way. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "db/certs.h"
#include "domain/mintprep.h"
#include "domain/signkey.h"
#include "timefmt.h"

#define MINTPREP_KEYS 16
#define MINTPREP_KEY_TTL_US (60LL * 1000000)

static pthread_mutex_t mintprep_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t mintprep_ids[MINTPREP_ID_BLOCK];
static int mintprep_next, mintprep_count;

enum ddc_err mintprep_id(int64_t *ddc)
{
  enum ddc_err e = DDC_ERR_OK;
  pthread_mutex_lock(&mintprep_mu);
  if (mintprep_next == mintprep_count) {
    mintprep_next = mintprep_count = 0;
    e = db_ddc_ids(MINTPREP_ID_BLOCK, mintprep_ids);
    if (e == DDC_ERR_OK) mintprep_count = MINTPREP_ID_BLOCK;
  }
  if (e == DDC_ERR_OK) *ddc = mintprep_ids[mintprep_next++];
  pthread_mutex_unlock(&mintprep_mu);
  return e;
}

struct mintprep_key {
  int64_t issuer, key_id, loaded_us;
  uint8_t sk[crypto_sign_SECRETKEYBYTES];
};

static _Thread_local struct mintprep_key mintprep_keys[MINTPREP_KEYS];
static _Thread_local unsigned mintprep_victim;

static struct mintprep_key *mintprep_find(int64_t issuer)
{
  for (int i = 0; i < MINTPREP_KEYS; i++)
    if (mintprep_keys[i].issuer == issuer) return &mintprep_keys[i];
  return NULL;
}

void mintprep_forget_key(int64_t issuer)
{
  struct mintprep_key *k = mintprep_find(issuer);
  if (k) sodium_memzero(k, sizeof *k);
}

/* Reads the issuer's current key from the database (making its first one if it has none) into a
 * cache slot. */
static enum ddc_err mintprep_load(const struct principal *who, struct mintprep_key *slot)
{
  int64_t key_id;
  uint8_t *sealed = NULL;
  size_t len = 0;
  enum ddc_err e = db_current_key(who->account_id, &key_id, &sealed, &len);
  if (e == DDC_ERR_OK && !key_id) {
    char *json = NULL;
    e = signkey_ensure(who, &json);
    free(json);
    if (e == DDC_ERR_OK) e = db_current_key(who->account_id, &key_id, &sealed, &len);
    if (e == DDC_ERR_OK && !key_id) e = DDC_ERR_SIGNING_KEY_RETIRED; /* retired at once */
  }
  if (e == DDC_ERR_OK && signkey_open(sealed, len, slot->sk) != 0) e = DDC_ERR_INTERNAL;
  free(sealed);
  if (e != DDC_ERR_OK) {
    sodium_memzero(slot, sizeof *slot);
    return e;
  }
  slot->issuer = who->account_id;
  slot->key_id = key_id;
  slot->loaded_us = timefmt_now();
  return DDC_ERR_OK;
}

enum ddc_err mintprep_key(const struct principal *who, int64_t *key_id,
                          uint8_t sk[crypto_sign_SECRETKEYBYTES])
{
  struct mintprep_key *k = mintprep_find(who->account_id);
  if (k && timefmt_now() - k->loaded_us > MINTPREP_KEY_TTL_US) {
    sodium_memzero(k, sizeof *k);
    k = NULL;
  }
  if (!k) {
    k = &mintprep_keys[mintprep_victim++ % MINTPREP_KEYS];
    sodium_memzero(k, sizeof *k);
    enum ddc_err e = mintprep_load(who, k);
    if (e != DDC_ERR_OK) return e;
  }
  *key_id = k->key_id;
  memcpy(sk, k->sk, crypto_sign_SECRETKEYBYTES);
  return DDC_ERR_OK;
}
