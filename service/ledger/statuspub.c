/* statuspub.c: the status-list publisher (see statuspub.h). */
#include "ledger/statuspub.h"
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bgthread.h"
#include "crypto/codes.h"
#include "db/certs.h"
#include "db/status.h"
#include "domain/did.h"
#include "domain/signkey.h"
#include "domain/statuslist.h"
#include "log.h"
#include "timefmt.h"

#define STATUSPUB_BYTES (DB_STATUS_LIST_SIZE / 8)
#define STATUSPUB_DIRTY_MAX 64       /* lists taken per round */
#define STATUSPUB_BACKFILL_ROWS 5000 /* old certificates given entries per transaction */

static struct {
  struct bgthread bg;
  unsigned interval_ms;
  char base[256];   /* written once, before ready is set */
  atomic_int ready; /* base is set: lists may be published */
} pub = {.bg = BGTHREAD_INIT};

void statuspub_url(int64_t issuer, const char *purpose, int32_t list, char *out, size_t cap)
{
  snprintf(out, cap, "%s/v1/status/%lld/%s/%d", pub.base, (long long)issuer, purpose, (int)list);
}

/* Signs and stores the credential of one purpose's bits, with the issuer's current key. */
static enum ddc_err statuspub_one(int64_t issuer, int32_t list, int purpose, const uint8_t *bits,
                                  const char *bits_hex)
{
  int64_t key_id;
  uint8_t *sealed, sk[crypto_sign_SECRETKEYBYTES];
  size_t sealed_len, len;
  char did[DID_MAX], vm[DID_MAX], url[512], now[TIMEFMT_LEN + 1];
  enum ddc_err e = db_current_key(issuer, &key_id, &sealed, &sealed_len);
  if (e == DDC_ERR_OK && !key_id) e = DDC_ERR_SIGNING_KEY_RETIRED; /* none left to sign with */
  if (e == DDC_ERR_OK && signkey_open(sealed, sealed_len, sk) != 0) e = DDC_ERR_INTERNAL;
  free(sealed);
  if (e != DDC_ERR_OK) return e;
  const char *name = db_status_purposes[purpose];
  statuspub_url(issuer, name, list, url, sizeof url);
  timefmt_format(timefmt_now(), now);
  struct statuslist_info info = {url, did, vm, name, now};
  char *text = did_issuer(pub.base, issuer, did) == 0 && did_vm(did, key_id, vm) == 0
                   ? statuslist_credential(&info, bits, STATUSPUB_BYTES, sk, &len)
                   : NULL;
  sodium_memzero(sk, sizeof sk);
  e = text ? db_status_publish(issuer, list, name, text, bits_hex, now) : DDC_ERR_INTERNAL;
  free(text);
  return e;
}

/* Inside the list's transaction: each purpose whose bits differ from the last published. */
static enum ddc_err statuspub_changed(int64_t issuer, int32_t list, uint8_t *bits[])
{
  char last[DB_STATUS_PURPOSES][65], hex[65];
  uint8_t h[32];
  enum ddc_err e = db_status_bits(issuer, list, bits);
  if (e == DDC_ERR_OK) e = db_status_last(issuer, list, last);
  for (int k = 0; e == DDC_ERR_OK && k < DB_STATUS_PURPOSES; k++) {
    crypto_hash_sha256(h, bits[k], STATUSPUB_BYTES);
    codes_hex(h, 32, hex);
    if (strcmp(hex, last[k]) != 0) e = statuspub_one(issuer, list, k, bits[k], hex);
  }
  return e;
}

enum ddc_err statuspub_publish(int64_t issuer, int32_t list)
{
  if (!atomic_load(&pub.ready)) return DDC_ERR_SHUTTING_DOWN; /* not started, or starting */
  uint8_t *bits[DB_STATUS_PURPOSES] = {calloc(1, STATUSPUB_BYTES), calloc(1, STATUSPUB_BYTES)};
  enum ddc_err e = bits[0] && bits[1] ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK && db_tx_begin() != 0) e = DDC_ERR_DB_UNAVAILABLE;
  if (e == DDC_ERR_OK) {
    e = db_status_lock(issuer, list);
    if (e == DDC_ERR_OK) e = statuspub_changed(issuer, list, bits);
    if (e == DDC_ERR_OK && db_tx_commit() != 0) e = DDC_ERR_DB_UNAVAILABLE;
    if (e != DDC_ERR_OK) db_tx_rollback();
  }
  free(bits[0]);
  free(bits[1]);
  return e;
}

/* One round: the backfill, then every dirty list. */
static void statuspub_round(void)
{
  int64_t issuers[STATUSPUB_DIRTY_MAX];
  int32_t lists[STATUSPUB_DIRTY_MAX];
  int n = 0;
  for (int i = 0; i < 20 && !bgthread_stopping(&pub.bg); i++)
    if (db_status_backfill(STATUSPUB_BACKFILL_ROWS) <= 0) break;
  if (db_status_dirty(issuers, lists, STATUSPUB_DIRTY_MAX, &n) != DDC_ERR_OK) return;
  for (int i = 0; i < n && !bgthread_stopping(&pub.bg); i++) {
    enum ddc_err e = statuspub_publish(issuers[i], lists[i]);
    if (e != DDC_ERR_OK && e != DDC_ERR_NOT_FOUND)
      log_msg(LOG_WARN, "status lists: issuer %lld list %d not published (%s); retrying",
              (long long)issuers[i], (int)lists[i], errors_info(e)->code);
  }
  if (n == STATUSPUB_DIRTY_MAX) bgthread_poke(&pub.bg); /* more may wait */
}

static void *statuspub_main(void *arg)
{
  (void)arg;
  while (!bgthread_wait(&pub.bg, pub.interval_ms)) {
    db_reset();
    statuspub_round();
  }
  return NULL;
}

int statuspub_start(const struct config *c, const char *base)
{
  pub.interval_ms = c->anchor_interval_ms;
  snprintf(pub.base, sizeof pub.base, "%s", c->public_url[0] ? c->public_url : base);
  atomic_store(&pub.ready, 1);
  return bgthread_start(&pub.bg, statuspub_main, NULL);
}

void statuspub_poke(void)
{
  bgthread_poke(&pub.bg);
}

void statuspub_stop(void)
{
  bgthread_stop(&pub.bg);
}
