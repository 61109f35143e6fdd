/* keys.c: master key file handling and subkey derivation (libsodium crypto_kdf). */
#include <errno.h>
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
