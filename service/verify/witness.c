/* witness.c: the tlog-witness checks, the durable state and the cosignature (see witness.h). The
 * state file holds the body of the last checkpoint cosigned ("origin\nsize\nroot\n"). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "crypto/codes.h"
#include "verify/merkle.h"
#include "verify/witness.h"

/* Reads a small file whole into buf (NUL-terminated); its length, or -1. */
static ssize_t witness_read(const char *path, char *buf, size_t cap)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, cap - 1);
  close(fd);
  if (n < 0 || (size_t)n == cap - 1) return -1;
  buf[n] = '\0';
  return n;
}

static int witness_load_key(struct witness *w, const char *key_file, char *err, size_t errlen)
{
  char buf[NOTE_SKEY_MAX + 8];
  ssize_t n = witness_read(key_file, buf, sizeof buf);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
    buf[--n] = '\0';
  int ok = n > 0 && note_signer_parse(&w->key, buf) == 0 && w->key.alg == NOTE_ALG_COSIGNATURE;
  sodium_memzero(buf, sizeof buf);
  if (!ok)
    snprintf(err, errlen, "%s: not a witness key (PRIVATE+KEY+name+id+key of type 4)", key_file);
  return ok ? 0 : -1;
}

static int witness_load_state(struct witness *w, char *err, size_t errlen)
{
  char buf[NOTE_NAME_MAX + 128];
  struct note_checkpoint cp;
  ssize_t n = witness_read(w->state_path, buf, sizeof buf);
  if (n < 0 && errno == ENOENT) return 0;
  if (n < 0 || note_checkpoint_parse(buf, (size_t)n, &cp) != 0 ||
      cp.origin_len != strlen(w->origin) || memcmp(cp.origin, w->origin, cp.origin_len) != 0) {
    snprintf(err, errlen, "%s: unreadable, or not a checkpoint of %s", w->state_path, w->origin);
    return -1;
  }
  w->size = cp.size;
  memcpy(w->root, cp.root, 32);
  return 0;
}

int witness_open(struct witness *w, const char *origin, const char *log_vkey, const char *key_file,
                 const char *state_path, char *err, size_t errlen)
{
  memset(w, 0, sizeof *w);
  pthread_mutex_init(&w->mu, NULL);
  if (!note_name_valid(origin) || strlen(origin) > NOTE_NAME_MAX) {
    snprintf(err, errlen, "--origin: not a valid log origin");
    return -1;
  }
  snprintf(w->origin, sizeof w->origin, "%s", origin);
  if (note_verifier_parse(&w->log, log_vkey) != 0 || w->log.alg != NOTE_ALG_ED25519) {
    snprintf(err, errlen, "--log-key: not an Ed25519 verifier key (name+keyid+base64)");
    return -1;
  }
  if (snprintf(w->state_path, sizeof w->state_path, "%s", state_path) >=
      (int)sizeof w->state_path) {
    snprintf(err, errlen, "--state: path too long");
    return -1;
  }
  if (witness_load_key(w, key_file, err, errlen) != 0) return -1;
  return witness_load_state(w, err, errlen);
}

void witness_close(struct witness *w)
{
  note_signer_wipe(&w->key);
  pthread_mutex_destroy(&w->mu);
}

/* Writes the state through a temporary file, fsync, rename and a directory fsync. 0 or -1. */
static int witness_save(struct witness *w, const char *body, size_t len)
{
  char tmp[sizeof w->state_path + 8], dir[sizeof w->state_path];
  snprintf(tmp, sizeof tmp, "%s.tmp", w->state_path);
  snprintf(dir, sizeof dir, "%s", w->state_path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  int ok = write(fd, body, len) == (ssize_t)len && fsync(fd) == 0;
  ok = close(fd) == 0 && ok && rename(tmp, w->state_path) == 0;
  int dfd = ok ? open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  if (dfd >= 0) {
    ok = fsync(dfd) == 0;
    close(dfd);
  }
  return ok && dfd >= 0 ? 0 : -1;
}

/* The request: "old N\n", proof lines, "\n", the signed note. 0 or -1 (malformed). */
static int witness_parse(const char *body, size_t len, uint64_t *old, uint8_t (*proof)[32],
                         size_t *n, const char **note)
{
  const char *p = body, *end = body + len;
  char *num_end;
  if (len < 7 || memcmp(p, "old ", 4) != 0 || p[4] < '0' || p[4] > '9' ||
      (p[4] == '0' && p[5] != '\n'))
    return -1;
  errno = 0;
  unsigned long long v = strtoull(p + 4, &num_end, 10);
  if (errno || num_end >= end || *num_end != '\n') return -1;
  *old = v;
  p = num_end + 1;
  for (*n = 0; p < end && *p != '\n'; (*n)++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl || *n == WITNESS_PROOF_MAX || codes_unbase64(p, (size_t)(nl - p), proof[*n], 32) != 32)
      return -1;
    p = nl + 1;
  }
  if (p >= end) return -1;
  *note = p + 1;
  return 0;
}

static void witness_status(struct witness_reply *out, int status, const char *msg)
{
  out->status = status;
  out->content_type = "text/plain; charset=utf-8";
  snprintf(out->body, sizeof out->body, "%s\n", msg);
}

/* The checks that need the stored state, the update and the cosignature; under w->mu. */
static void witness_advance(struct witness *w, uint64_t old, const uint8_t (*proof)[32], size_t n,
                            const char *text, size_t text_len, const struct note_checkpoint *cp,
                            uint64_t now, struct witness_reply *out)
{
  struct merkle_span spans[WITNESS_PROOF_MAX];
  for (size_t i = 0; i < n; i++)
    spans[i] = MERKLE_SPAN(proof[i]);
  if (old != w->size || (old == cp->size && memcmp(w->root, cp->root, 32) != 0)) {
    out->status = 409;
    out->content_type = "text/x.tlog.size";
    snprintf(out->body, sizeof out->body, "%" PRIu64 "\n", w->size);
    return;
  }
  if (old == 0 ? n != 0
               : merkle_verify_consistency(old, cp->size, spans, n, MERKLE_SPAN(w->root),
                                           MERKLE_SPAN(cp->root)) != 0)
    return witness_status(out, 422, "the consistency proof does not verify");
  if (witness_save(w, text, text_len) != 0)
    return witness_status(out, 500, "the witness could not store its state");
  w->size = cp->size;
  memcpy(w->root, cp->root, 32);
  int m = note_cosign_line(&w->key, text, text_len, now, out->body, sizeof out->body);
  if (m < 0) return witness_status(out, 500, "the witness could not cosign");
  out->status = 200;
  out->content_type = "text/plain; charset=utf-8";
}

void witness_add(struct witness *w, const char *body, size_t len, uint64_t now,
                 struct witness_reply *out)
{
  uint8_t proof[WITNESS_PROOF_MAX][32];
  uint64_t old;
  size_t n, text_len;
  const char *note, *sep;
  struct note_checkpoint cp;
  out->size = 0;
  if (witness_parse(body, len, &old, proof, &n, &note) != 0)
    return witness_status(out, 400, "malformed add-checkpoint request");
  size_t note_len = len - (size_t)(note - body);
  sep = note_len > 1 ? memmem(note, note_len, "\n\n", 2) : NULL;
  if (!sep || note_checkpoint_parse(note, (size_t)(sep - note) + 1, &cp) != 0)
    return witness_status(out, 400, "malformed checkpoint");
  out->size = cp.size;
  if (cp.origin_len != strlen(w->origin) || memcmp(cp.origin, w->origin, cp.origin_len) != 0)
    return witness_status(out, 404, "unknown log origin");
  if (note_verify(note, note_len, &w->log, 1, NULL, &text_len) < 1)
    return witness_status(out, 403, "no valid signature by the log's key");
  if (old > cp.size) return witness_status(out, 400, "old size is larger than the checkpoint's");
  pthread_mutex_lock(&w->mu);
  witness_advance(w, old, (const uint8_t(*)[32])proof, n, note, text_len, &cp, now, out);
  pthread_mutex_unlock(&w->mu);
}

int witness_keygen(const char *name, const char *key_file, char *vkey, char *err, size_t errlen)
{
  uint8_t seed[32];
  struct note_signer s;
  struct note_verifier v;
  char skey[NOTE_SKEY_MAX];
  randombytes_buf(seed, sizeof seed);
  int rc = note_signer_init(&s, name, NOTE_ALG_COSIGNATURE, seed);
  sodium_memzero(seed, sizeof seed);
  if (rc != 0) {
    snprintf(err, errlen, "--name: not a valid key name");
    return -1;
  }
  note_signer_public(&s, &v);
  note_verifier_format(&v, vkey, NOTE_VKEY_MAX);
  int len = note_signer_format(&s, skey, sizeof skey);
  note_signer_wipe(&s);
  int fd = len > 0 ? open(key_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
  int ok =
      fd >= 0 && write(fd, skey, (size_t)len) == len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
  if (fd >= 0) ok = close(fd) == 0 && ok;
  sodium_memzero(skey, sizeof skey);
  if (!ok) snprintf(err, errlen, "%s: %s", key_file, fd < 0 ? strerror(errno) : "write failed");
  return ok ? 0 : -1;
}
