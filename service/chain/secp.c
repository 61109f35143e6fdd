/* secp.c: secp256k1 keys, addresses and recoverable signatures over libsecp256k1. One context,
 * made once and used read-only by every thread (allowed for signing and verifying). */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdio.h>
#include <string.h>
#include "chain/keccak.h"
#include "chain/secp.h"
#include "crypto/codes.h"

static secp256k1_context *secp_ctx;
static pthread_once_t secp_once = PTHREAD_ONCE_INIT;

static void secp_make(void)
{
  secp_ctx = secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
}

static const secp256k1_context *secp_context(void)
{
  pthread_once(&secp_once, secp_make);
  return secp_ctx;
}

int secp_key_parse(const char *text, uint8_t key[SECP_KEY])
{
  while (isspace((unsigned char)*text))
    text++;
  if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text += 2;
  size_t n = 0;
  while (isxdigit((unsigned char)text[n]))
    n++;
  for (const char *p = text + n; *p; p++)
    if (!isspace((unsigned char)*p)) return -1;
  char hex[2 * SECP_KEY + 1];
  if (n != 2 * SECP_KEY) return -1;
  memcpy(hex, text, n);
  hex[n] = 0;
  if (codes_unhex(hex, key, SECP_KEY) != 0) return -1;
  return secp256k1_ec_seckey_verify(secp_context(), key) == 1 ? 0 : -1;
}

int secp_key_load(const char *path, uint8_t key[SECP_KEY], char *err, size_t errlen)
{
  char buf[256];
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    return -1;
  }
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  int rc = secp_key_parse(buf, key);
  memset(buf, 0, sizeof buf);
  if (rc != 0) snprintf(err, errlen, "%s does not hold a secp256k1 key in hex", path);
  return rc;
}

/* The address of a parsed public key. */
static void secp_pub_address(const secp256k1_pubkey *pub, uint8_t addr[SECP_ADDR])
{
  uint8_t ser[65], h[KECCAK_HASH];
  size_t len = sizeof ser;
  secp256k1_ec_pubkey_serialize(secp_context(), ser, &len, pub, SECP256K1_EC_UNCOMPRESSED);
  keccak256(ser + 1, 64, h);
  memcpy(addr, h + 12, SECP_ADDR);
}

int secp_address(const uint8_t key[SECP_KEY], uint8_t addr[SECP_ADDR])
{
  secp256k1_pubkey pub;
  if (secp256k1_ec_pubkey_create(secp_context(), &pub, key) != 1) return -1;
  secp_pub_address(&pub, addr);
  return 0;
}

int secp_sign(const uint8_t key[SECP_KEY], const uint8_t hash[32], struct secp_sig *sig)
{
  secp256k1_ecdsa_recoverable_signature rs;
  uint8_t compact[64];
  if (secp256k1_ecdsa_sign_recoverable(secp_context(), &rs, hash, key, NULL, NULL) != 1) return -1;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(secp_context(), compact, &sig->recid,
                                                          &rs);
  memcpy(sig->r, compact, 32);
  memcpy(sig->s, compact + 32, 32);
  return 0;
}

int secp_recover(const uint8_t hash[32], const struct secp_sig *sig, uint8_t addr[SECP_ADDR])
{
  secp256k1_ecdsa_recoverable_signature rs;
  secp256k1_pubkey pub;
  uint8_t compact[64];
  memcpy(compact, sig->r, 32);
  memcpy(compact + 32, sig->s, 32);
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(secp_context(), &rs, compact,
                                                          sig->recid) != 1 ||
      secp256k1_ecdsa_recover(secp_context(), &pub, &rs, hash) != 1)
    return -1;
  secp_pub_address(&pub, addr);
  return 0;
}

void secp_address_hex(const uint8_t addr[SECP_ADDR], char *out)
{
  out[0] = '0';
  out[1] = 'x';
  codes_hex(addr, SECP_ADDR, out + 2);
}

int secp_address_parse(const char *text, uint8_t addr[SECP_ADDR])
{
  if (text[0] != '0' || (text[1] != 'x' && text[1] != 'X') || strlen(text) != 2 + 2 * SECP_ADDR)
    return -1;
  return codes_unhex(text + 2, addr, SECP_ADDR);
}
