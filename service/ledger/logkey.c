/* logkey.c: making, storing and opening the log key (see logkey.h). */
#include <sodium.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/keys.h"
#include "db/ledger.h"
#include "ledger/logkey.h"
#include "log.h"

/* Makes a key and stores it unless another ddcd stored one first. */
static enum ddc_err logkey_make(const char *origin)
{
  uint8_t seed[32];
  struct note_signer s;
  struct note_verifier v;
  size_t sealed_len;
  randombytes_buf(seed, sizeof seed);
  if (note_signer_init(&s, origin, NOTE_ALG_ED25519, seed) != 0) return DDC_ERR_INTERNAL;
  note_signer_public(&s, &v);
  note_signer_wipe(&s);
  uint8_t *sealed = keys_seal(KEYS_LOG_KEY, seed, sizeof seed, &sealed_len);
  sodium_memzero(seed, sizeof seed);
  if (!sealed) return DDC_ERR_INTERNAL;
  enum ddc_err e = db_log_key_put(origin, v.pub, sealed, sealed_len);
  free(sealed);
  return e;
}

enum ddc_err logkey_load(const char *origin, struct note_signer *out)
{
  char name[NOTE_NAME_MAX + 1];
  uint8_t pub[32], *sealed = NULL, *seed = NULL;
  size_t sealed_len, seed_len = 0;
  enum ddc_err e = db_log_key_get(name, sizeof name, pub, &sealed, &sealed_len);
  if (e == DDC_ERR_NOT_FOUND && (e = logkey_make(origin)) == DDC_ERR_OK)
    e = db_log_key_get(name, sizeof name, pub, &sealed, &sealed_len);
  if (e == DDC_ERR_OK && strcmp(name, origin) != 0) {
    log_msg(LOG_ERROR, "log: the database's log is %s, not %s (DDC_LOG_ORIGIN)", name, origin);
    e = DDC_ERR_INTERNAL;
  }
  if (e == DDC_ERR_OK) seed = keys_open(KEYS_LOG_KEY, sealed, sealed_len, &seed_len);
  if (e == DDC_ERR_OK &&
      (seed_len != 32 || note_signer_init(out, origin, NOTE_ALG_ED25519, seed) != 0))
    e = DDC_ERR_INTERNAL;
  if (seed) sodium_memzero(seed, seed_len);
  free(seed);
  free(sealed);
  return e;
}

void logkey_verifier(const struct note_signer *s, char *out, size_t cap)
{
  struct note_verifier v;
  note_signer_public(s, &v);
  if (note_verifier_format(&v, out, cap) < 0 && cap) out[0] = 0;
}

/* The public key once read: a database's log key never changes. */
static struct {
  pthread_mutex_t mu;
  int known;
  struct note_verifier v;
} logkey_seen = {.mu = PTHREAD_MUTEX_INITIALIZER};

enum ddc_err logkey_public(struct note_verifier *v)
{
  char name[NOTE_NAME_MAX + 1];
  uint8_t pub[32], *sealed = NULL;
  size_t sealed_len;
  pthread_mutex_lock(&logkey_seen.mu);
  int known = logkey_seen.known;
  if (known) *v = logkey_seen.v;
  pthread_mutex_unlock(&logkey_seen.mu);
  if (known) return DDC_ERR_OK;
  enum ddc_err e = db_log_key_get(name, sizeof name, pub, &sealed, &sealed_len);
  free(sealed);
  if (e == DDC_ERR_OK && note_verifier_init(v, name, NOTE_ALG_ED25519, pub) != 0)
    e = DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) {
    pthread_mutex_lock(&logkey_seen.mu);
    logkey_seen.v = *v;
    logkey_seen.known = 1;
    pthread_mutex_unlock(&logkey_seen.mu);
  }
  return e;
}
