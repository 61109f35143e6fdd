/* keys.c: master key file handling, subkey derivation (libsodium crypto_kdf) and sealing data
 * at rest with those subkeys (crypto_secretbox). */
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "keys.h"

int keys_master_load(const char *path, uint8_t key[KEYS_MASTER_BYTES], char *err, size_t errlen)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "cannot open %s: %s (run `ddcd init`)", path, strerror(errno));
    return -1;
  }
  struct stat st;
  ssize_t n = -1;
  if (fstat(fd, &st) == 0 && st.st_size == KEYS_MASTER_BYTES) n = read(fd, key, KEYS_MASTER_BYTES);
  close(fd);
  if (n != KEYS_MASTER_BYTES) {
    snprintf(err, errlen, "%s: must hold exactly %d bytes", path, KEYS_MASTER_BYTES);
    return -1;
  }
  return 0;
}

int keys_master_create(const char *path, char *err, size_t errlen)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) return 0;
  if (fd < 0) {
    snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
    return -1;
  }
  uint8_t key[KEYS_MASTER_BYTES];
  randombytes_buf(key, sizeof key);
  ssize_t n = write(fd, key, sizeof key);
  sodium_memzero(key, sizeof key);
  if (n != KEYS_MASTER_BYTES || fsync(fd) != 0) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    close(fd);
    unlink(path);
    return -1;
  }
  close(fd);
  return 1;
}

void keys_derive(const uint8_t master[KEYS_MASTER_BYTES], enum keys_purpose purpose,
                 uint8_t out[32])
{
  crypto_kdf_derive_from_key(out, 32, (uint64_t)purpose, "ddcdkeys", master);
}

static uint8_t keys_master[KEYS_MASTER_BYTES];

void keys_set_master(const uint8_t master[KEYS_MASTER_BYTES])
{
  memcpy(keys_master, master, KEYS_MASTER_BYTES);
}

uint8_t *keys_seal(enum keys_purpose purpose, const uint8_t *plain, size_t len, size_t *out_len)
{
  uint8_t k[32];
  uint8_t *box = malloc(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len);
  if (!box) return NULL;
  keys_derive(keys_master, purpose, k);
  randombytes_buf(box, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, plain, len, box, k);
  sodium_memzero(k, sizeof k);
  *out_len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
  return box;
}

uint8_t *keys_open(enum keys_purpose purpose, const uint8_t *box, size_t len, size_t *out_len)
{
  uint8_t k[32];
  if (len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return NULL;
  size_t n = len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
  uint8_t *plain = malloc(n + 1);
  if (!plain) return NULL;
  keys_derive(keys_master, purpose, k);
  int rc = crypto_secretbox_open_easy(plain, box + crypto_secretbox_NONCEBYTES,
                                      len - crypto_secretbox_NONCEBYTES, box, k);
  sodium_memzero(k, sizeof k);
  if (rc != 0) {
    free(plain);
    return NULL;
  }
  plain[n] = 0;
  *out_len = n;
  return plain;
}
