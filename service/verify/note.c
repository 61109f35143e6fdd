/* note.c: C2SP signed notes, tlog checkpoints and Ed25519 tlog cosignatures. Owns the byte forms:
 * key names and key IDs (signed-note), the verifier and signer key strings (Go's sumdb/note), the
 * signed note layout and its signature lines, the checkpoint body (tlog-checkpoint) and the
 * cosigned message "cosignature/v1\ntime <t>\n" || body (tlog-cosignature). */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "verify/note.h"

static const char note_dash[] = "\xE2\x80\x94 "; /* U+2014 EM DASH and a space */
#define NOTE_DASH_LEN 4
static const char note_private[] = "PRIVATE+KEY+";
#define NOTE_PRIVATE_LEN 12
#define NOTE_B64 sodium_base64_VARIANT_ORIGINAL
#define NOTE_COSIG_BYTES (8 + crypto_sign_BYTES) /* timestamp || Ed25519 signature */

/* ---- bytes and text ---- */

static uint32_t note_be32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t note_be64(const uint8_t *p)
{
  return (uint64_t)note_be32(p) << 32 | note_be32(p + 4);
}

static void note_put_be32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void note_put_be64(uint8_t *p, uint64_t v)
{
  note_put_be32(p, (uint32_t)(v >> 32));
  note_put_be32(p + 4, (uint32_t)v);
}

/* Standard padded base64 of in[0..n) and a NUL; the length, or -1 when cap is too small. */
static int note_b64(const uint8_t *in, size_t n, char *out, size_t cap)
{
  if (cap < sodium_base64_ENCODED_LEN(n, NOTE_B64)) return -1;
  sodium_bin2base64(out, cap, in, n, NOTE_B64);
  return (int)strlen(out);
}

/* Decodes s[0..n), canonical standard padded base64 and nothing else, into at most cap bytes of
 * out; the byte count, or -1. */
static long note_unb64(const char *s, size_t n, uint8_t *out, size_t cap)
{
  return codes_unbase64(s, n, out, cap);
}

/* The code point of the UTF-8 sequence at s (n > 0 bytes left), its length in *len; -1 when the
 * bytes are not well-formed UTF-8 (overlong, a surrogate, above U+10FFFF, cut short). */
static long note_utf8(const unsigned char *s, size_t n, size_t *len)
{
  unsigned c = s[0];
  size_t k;
  long cp, min;
  *len = 1;
  if (c < 0x80) return c;
  if (c >= 0xC2 && c <= 0xDF)
    k = 2, cp = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0)
    k = 3, cp = c & 0x0F, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4)
    k = 4, cp = c & 0x07, min = 0x10000;
  else
    return -1;
  if (n < k) return -1;
  for (size_t i = 1; i < k; i++) {
    if ((s[i] & 0xC0) != 0x80) return -1;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *len = k;
  return cp;
}

/* Unicode White_Space, as Go's unicode.IsSpace. */
static int note_is_space(long c)
{
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

/* 1 if s[0..n) is UTF-8 with no control character (below U+0020) other than, when newline is
 * set, '\n'. */
static int note_text_ok(const char *s, size_t n, int newline)
{
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0, k; i < n; i += k) {
    long c = note_utf8(u + i, n - i, &k);
    if (c < 0 || (c < 0x20 && !(newline && c == '\n'))) return 0;
  }
  return 1;
}

/* 1 if s[0..n) is a key name: non-empty UTF-8 without spaces, '+' or control characters. */
static int note_name_ok(const char *s, size_t n)
{
  const unsigned char *u = (const unsigned char *)s;
  if (n == 0) return 0;
  for (size_t i = 0, k; i < n; i += k) {
    long c = note_utf8(u + i, n - i, &k);
    if (c < 0x20 || c == '+' || note_is_space(c)) return 0;
  }
  return 1;
}

int note_name_valid(const char *name)
{
  return name && note_name_ok(name, strlen(name));
}

/* 1 if text can be signed: non-empty, newline-terminated, UTF-8, no other control character. */
static int note_signable(const char *text, size_t len)
{
  return text && len > 0 && len < NOTE_MAX_LEN && text[len - 1] == '\n' &&
         note_text_ok(text, len, 1);
}

/* ---- keys ---- */

uint32_t note_key_id(const char *name, uint8_t alg, const uint8_t pub[32])
{
  crypto_hash_sha256_state st;
  uint8_t sep[2] = {'\n', alg}, h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
  crypto_hash_sha256_update(&st, sep, sizeof sep);
  crypto_hash_sha256_update(&st, pub, 32);
  crypto_hash_sha256_final(&st, h);
  return note_be32(h);
}

static int note_alg_ok(uint8_t alg)
{
  return alg == NOTE_ALG_ED25519 || alg == NOTE_ALG_COSIGNATURE;
}

/* 1 if name and alg fit a key struct. */
static int note_key_ok(const char *name, uint8_t alg)
{
  return name && strlen(name) <= NOTE_NAME_MAX && note_name_valid(name) && note_alg_ok(alg);
}

int note_verifier_init(struct note_verifier *v, const char *name, uint8_t alg,
                       const uint8_t pub[32])
{
  if (!note_key_ok(name, alg)) return -1;
  memset(v, 0, sizeof *v);
  strcpy(v->name, name);
  v->alg = alg;
  memcpy(v->pub, pub, 32);
  v->id = note_key_id(name, alg, pub);
  return 0;
}

int note_signer_init(struct note_signer *s, const char *name, uint8_t alg, const uint8_t seed[32])
{
  uint8_t pub[crypto_sign_PUBLICKEYBYTES];
  if (!note_key_ok(name, alg)) return -1;
  memset(s, 0, sizeof *s);
  strcpy(s->name, name);
  s->alg = alg;
  crypto_sign_seed_keypair(pub, s->sk, seed);
  s->id = note_key_id(name, alg, pub);
  return 0;
}

void note_signer_public(const struct note_signer *s, struct note_verifier *v)
{
  memset(v, 0, sizeof *v);
  memcpy(v->name, s->name, sizeof v->name);
  v->alg = s->alg;
  v->id = s->id;
  memcpy(v->pub, s->sk + 32, 32); /* libsodium's secret key is seed || public key */
}

void note_signer_wipe(struct note_signer *s)
{
  sodium_memzero(s, sizeof *s);
}

/* ---- key strings ---- */

/* Splits "name+hexkeyid+base64(alg || key)" (a 32-byte key, a known alg); 0 or -1. The key ID is
 * left for the caller to check. */
static int note_key_split(const char *s, char name[NOTE_NAME_MAX + 1], uint32_t *id, uint8_t *alg,
                          uint8_t key[32])
{
  const char *p1 = strchr(s, '+'), *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
  char hex[9];
  uint8_t idb[4], raw[33];
  if (!p2 || p2 - p1 != 9) return -1;
  size_t n = (size_t)(p1 - s);
  memcpy(hex, p1 + 1, 8);
  hex[8] = 0;
  if (n > NOTE_NAME_MAX || !note_name_ok(s, n) || codes_unhex(hex, idb, 4) != 0) return -1;
  int ok = note_unb64(p2 + 1, strlen(p2 + 1), raw, sizeof raw) == sizeof raw && note_alg_ok(raw[0]);
  if (ok) {
    memcpy(name, s, n);
    name[n] = 0;
    *id = note_be32(idb);
    *alg = raw[0];
    memcpy(key, raw + 1, 32);
  }
  sodium_memzero(raw, sizeof raw);
  return ok ? 0 : -1;
}

int note_verifier_parse(struct note_verifier *v, const char *vkey)
{
  struct note_verifier t;
  memset(&t, 0, sizeof t);
  if (!vkey || note_key_split(vkey, t.name, &t.id, &t.alg, t.pub) != 0) return -1;
  if (t.id != note_key_id(t.name, t.alg, t.pub)) return -1;
  *v = t;
  return 0;
}

int note_signer_parse(struct note_signer *s, const char *skey)
{
  char name[NOTE_NAME_MAX + 1];
  uint8_t alg, seed[32];
  uint32_t id;
  if (!skey || strncmp(skey, note_private, NOTE_PRIVATE_LEN) != 0) return -1;
  if (note_key_split(skey + NOTE_PRIVATE_LEN, name, &id, &alg, seed) != 0) return -1;
  int rc = note_signer_init(s, name, alg, seed);
  sodium_memzero(seed, sizeof seed);
  if (rc == 0 && s->id != id) {
    note_signer_wipe(s);
    rc = -1;
  }
  return rc;
}

/* Writes prefix, name, '+', 8 hex digits, '+', base64(alg || key) and a NUL; the length or -1. */
static int note_key_format(const char *prefix, const char *name, uint32_t id, uint8_t alg,
                           const uint8_t key[32], char *out, size_t cap)
{
  uint8_t raw[33];
  char b64[sodium_base64_ENCODED_LEN(33, NOTE_B64)];
  raw[0] = alg;
  memcpy(raw + 1, key, 32);
  note_b64(raw, sizeof raw, b64, sizeof b64);
  int n = snprintf(out, cap, "%s%s+%08" PRIx32 "+%s", prefix, name, id, b64);
  sodium_memzero(raw, sizeof raw);
  sodium_memzero(b64, sizeof b64);
  return n < 0 || (size_t)n >= cap ? -1 : n;
}

int note_verifier_format(const struct note_verifier *v, char *out, size_t cap)
{
  return note_key_format("", v->name, v->id, v->alg, v->pub, out, cap);
}

int note_signer_format(const struct note_signer *s, char *out, size_t cap)
{
  return note_key_format(note_private, s->name, s->id, s->alg, s->sk, out, cap);
}

/* ---- signature lines ---- */

/* A signature line without its newline: "— name base64(keyid || sig)". */
struct note_line {
  const char *name;
  size_t name_len;
  uint32_t id;
  const uint8_t *sig; /* the bytes after the key ID */
  size_t sig_len;
};

/* Writes "— name base64(payload)\n" (payload at most 76 bytes) and a NUL; the length or -1. */
static int note_line_format(const char *name, const uint8_t *payload, size_t n, char *out,
                            size_t cap)
{
  char b64[sodium_base64_ENCODED_LEN(4 + NOTE_COSIG_BYTES, NOTE_B64)];
  if (note_b64(payload, n, b64, sizeof b64) < 0) return -1;
  int k = snprintf(out, cap, "%s%s %s\n", note_dash, name, b64);
  return k < 0 || (size_t)k >= cap ? -1 : k;
}

/* Parses line[0..n), decoding the base64 into buf (cap bytes, at least n); 0 or NOTE_MALFORMED. */
static int note_line_parse(const char *line, size_t n, uint8_t *buf, size_t cap,
                           struct note_line *out)
{
  if (n < NOTE_DASH_LEN || memcmp(line, note_dash, NOTE_DASH_LEN) != 0) return NOTE_MALFORMED;
  line += NOTE_DASH_LEN;
  n -= NOTE_DASH_LEN;
  const char *sp = memchr(line, ' ', n);
  if (!sp) return NOTE_MALFORMED;
  size_t name_len = (size_t)(sp - line);
  long got = note_unb64(sp + 1, n - name_len - 1, buf, cap);
  if (!note_name_ok(line, name_len) || got < 5) return NOTE_MALFORMED;
  *out = (struct note_line){.name = line,
                            .name_len = name_len,
                            .id = note_be32(buf),
                            .sig = buf + 4,
                            .sig_len = (size_t)got - 4};
  return 0;
}

/* 1 if the line names v: same key name and key ID. */
static int note_key_is(const struct note_verifier *v, const struct note_line *l)
{
  return v->id == l->id && strnlen(v->name, sizeof v->name) == l->name_len &&
         memcmp(v->name, l->name, l->name_len) == 0;
}

/* "cosignature/v1\ntime <t>\n" || body, malloc'ed; NULL when out of memory. */
static uint8_t *note_cosigned(uint64_t t, const char *body, size_t len, size_t *out_len)
{
  char head[48];
  int h = snprintf(head, sizeof head, "cosignature/v1\ntime %" PRIu64 "\n", t);
  uint8_t *m = malloc((size_t)h + len);
  if (!m) return NULL;
  memcpy(m, head, (size_t)h);
  memcpy(m + h, body, len);
  *out_len = (size_t)h + len;
  return m;
}

/* Checks sig[0..n) by v over the note text; 0 with the cosignature time in *t (0 for plain
 * Ed25519), or a note_status. */
static int note_sig_check(const struct note_verifier *v, const char *text, size_t len,
                          const uint8_t *sig, size_t n, uint64_t *t)
{
  struct note_checkpoint cp;
  size_t mlen;
  *t = 0;
  if (v->alg == NOTE_ALG_ED25519)
    return n == crypto_sign_BYTES &&
                   crypto_sign_verify_detached(sig, (const uint8_t *)text, len, v->pub) == 0
               ? 0
               : NOTE_BAD_SIGNATURE;
  if (v->alg != NOTE_ALG_COSIGNATURE || n != NOTE_COSIG_BYTES) return NOTE_BAD_SIGNATURE;
  if (note_checkpoint_parse(text, len, &cp) != 0) return NOTE_MALFORMED;
  *t = note_be64(sig);
  if (*t > (uint64_t)INT64_MAX) return NOTE_BAD_SIGNATURE;
  uint8_t *m = note_cosigned(*t, text, len, &mlen);
  if (!m) return NOTE_NOMEM;
  int ok = crypto_sign_verify_detached(sig + 8, m, mlen, v->pub) == 0;
  free(m);
  return ok ? 0 : NOTE_BAD_SIGNATURE;
}

/* ---- notes ---- */

int note_signature_line(const struct note_signer *s, const char *text, size_t len, char *line,
                        size_t cap)
{
  uint8_t payload[4 + crypto_sign_BYTES];
  if (!s || s->alg != NOTE_ALG_ED25519 || !note_name_valid(s->name) || !note_signable(text, len))
    return -1;
  note_put_be32(payload, s->id);
  crypto_sign_detached(payload + 4, NULL, (const uint8_t *)text, len, s->sk);
  return note_line_format(s->name, payload, sizeof payload, line, cap);
}

char *note_sign(const char *text, size_t len, const struct note_signer *signers, size_t n,
                size_t *out_len)
{
  if (!note_signable(text, len) || !signers || n == 0 || n > NOTE_MAX_SIGNATURES) return NULL;
  size_t cap = len + 1 + n * NOTE_LINE_MAX, pos = len + 1;
  char *out = malloc(cap);
  if (!out) return NULL;
  memcpy(out, text, len);
  out[len] = '\n';
  for (size_t i = 0; i < n; i++) {
    int k = note_signature_line(&signers[i], text, len, out + pos, cap - pos);
    if (k < 0 || pos + (size_t)k > NOTE_MAX_LEN) {
      free(out);
      return NULL;
    }
    pos += (size_t)k;
  }
  if (out_len) *out_len = pos;
  return out;
}

/* Where the signatures start: just after the last blank line; NULL if there is none. */
static const char *note_split(const char *msg, size_t len)
{
  for (size_t i = len; i >= 2; i--)
    if (msg[i - 2] == '\n' && msg[i - 1] == '\n') return msg + i;
  return NULL;
}

/* Checks one signature line against the known keys and marks in st each that verified; 0 or a
 * note_status. buf holds at least n bytes. */
static int note_verify_line(const char *text, size_t tlen, const char *line, size_t n,
                            const struct note_verifier *known, size_t nk, struct note_check *st,
                            uint8_t *buf)
{
  struct note_line l;
  int rc = note_line_parse(line, n, buf, n, &l);
  for (size_t i = 0; rc == 0 && i < nk; i++) {
    uint64_t t;
    if (!note_key_is(&known[i], &l)) continue;
    rc = note_sig_check(&known[i], text, tlen, l.sig, l.sig_len, &t);
    if (rc == 0 && !st[i].valid) st[i] = (struct note_check){.valid = 1, .timestamp = t};
  }
  return rc;
}

/* Checks every line of sigs[0..n) (non-empty, newline-terminated); 0 or a note_status. */
static int note_verify_lines(const char *text, size_t tlen, const char *sigs, size_t n,
                             const struct note_verifier *known, size_t nk, struct note_check *st)
{
  uint8_t *buf = malloc(n);
  if (!buf) return NOTE_NOMEM;
  int rc = 0, lines = 0;
  for (const char *p = sigs, *end = sigs + n; rc == 0 && p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (++lines > NOTE_MAX_SIGNATURES)
      rc = NOTE_MALFORMED;
    else
      rc = note_verify_line(text, tlen, p, (size_t)(nl - p), known, nk, st, buf);
    p = nl + 1;
  }
  free(buf);
  return rc;
}

int note_verify(const char *msg, size_t len, const struct note_verifier *known, size_t n,
                struct note_check *checks, size_t *text_len)
{
  if (checks) memset(checks, 0, n * sizeof *checks);
  if (!msg || (n && !known) || len > NOTE_MAX_LEN || !note_text_ok(msg, len, 1))
    return NOTE_MALFORMED;
  const char *sigs = note_split(msg, len);
  if (!sigs || sigs == msg + len || msg[len - 1] != '\n') return NOTE_MALFORMED;
  struct note_check *st = checks ? checks : calloc(n ? n : 1, sizeof *st);
  if (!st) return NOTE_NOMEM;
  size_t tlen = (size_t)(sigs - msg) - 1;
  int rc = note_verify_lines(msg, tlen, sigs, (size_t)(msg + len - sigs), known, n, st);
  int count = 0;
  for (size_t i = 0; i < n; i++)
    count += st[i].valid;
  if (rc != 0 && checks) memset(checks, 0, n * sizeof *checks);
  if (st != checks) free(st);
  if (rc != 0) return rc;
  if (count == 0) return NOTE_UNVERIFIED;
  if (text_len) *text_len = tlen;
  return count;
}

/* ---- checkpoints ---- */

int note_checkpoint_format(const char *origin, uint64_t size, const uint8_t root[NOTE_ROOT_BYTES],
                           char *out, size_t cap)
{
  char b64[sodium_base64_ENCODED_LEN(NOTE_ROOT_BYTES, NOTE_B64)];
  size_t on = origin ? strlen(origin) : 0;
  if (on == 0 || on > NOTE_MAX_LEN || !note_text_ok(origin, on, 0) || !root) return -1;
  note_b64(root, NOTE_ROOT_BYTES, b64, sizeof b64);
  int n = snprintf(out, cap, "%s\n%" PRIu64 "\n%s\n", origin, size, b64);
  return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* The newline-terminated line at *p (before end): its start, its length without the newline in
 * *n, and *p moved past it; NULL when none is left. */
static const char *note_next_line(const char **p, const char *end, size_t *n)
{
  const char *s = *p, *nl = s < end ? memchr(s, '\n', (size_t)(end - s)) : NULL;
  if (!nl) return NULL;
  *n = (size_t)(nl - s);
  *p = nl + 1;
  return s;
}

/* A tree size: decimal digits without leading zeros, at most UINT64_MAX; 0 or -1. */
static int note_size_parse(const char *s, size_t n, uint64_t *out)
{
  uint64_t v = 0;
  if (n == 0 || (s[0] == '0' && n > 1)) return -1;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return -1;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

int note_checkpoint_parse(const char *body, size_t len, struct note_checkpoint *cp)
{
  const char *p = body, *end = body + len, *size, *root;
  size_t on = 0, sn = 0, rn = 0, en;
  if (!body || len > NOTE_MAX_LEN || !note_text_ok(body, len, 1)) return -1;
  struct note_checkpoint t = {.origin = note_next_line(&p, end, &on)};
  size = note_next_line(&p, end, &sn);
  root = note_next_line(&p, end, &rn);
  if (!t.origin || !size || !root || on == 0 || note_size_parse(size, sn, &t.size) != 0) return -1;
  if (note_unb64(root, rn, t.root, NOTE_ROOT_BYTES) != NOTE_ROOT_BYTES) return -1;
  t.origin_len = on;
  t.ext = p;
  t.ext_len = (size_t)(end - p);
  while (note_next_line(&p, end, &en))
    if (en == 0) return -1; /* extension lines are non-empty */
  if (p != end) return -1;  /* and newline-terminated, as the whole body */
  *cp = t;
  return 0;
}

/* ---- cosignatures ---- */

int note_cosign_line(const struct note_signer *w, const char *body, size_t len, uint64_t timestamp,
                     char *line, size_t cap)
{
  struct note_checkpoint cp;
  uint8_t payload[4 + NOTE_COSIG_BYTES];
  size_t mlen;
  if (!w || w->alg != NOTE_ALG_COSIGNATURE || !note_name_valid(w->name)) return -1;
  if (timestamp > (uint64_t)INT64_MAX || note_checkpoint_parse(body, len, &cp) != 0) return -1;
  uint8_t *m = note_cosigned(timestamp, body, len, &mlen);
  if (!m) return -1;
  note_put_be32(payload, w->id);
  note_put_be64(payload + 4, timestamp);
  crypto_sign_detached(payload + 12, NULL, m, mlen, w->sk);
  free(m);
  return note_line_format(w->name, payload, sizeof payload, line, cap);
}

int note_cosig_verify(const struct note_verifier *w, const char *body, size_t len, const char *line,
                      size_t line_len, uint64_t *timestamp)
{
  struct note_line l;
  uint64_t t = 0;
  if (timestamp) *timestamp = 0;
  if (!w || w->alg != NOTE_ALG_COSIGNATURE || !line || line_len > NOTE_MAX_LEN)
    return NOTE_MALFORMED;
  if (line_len > 0 && line[line_len - 1] == '\n') line_len--;
  if (!note_text_ok(line, line_len, 0)) return NOTE_MALFORMED;
  uint8_t *buf = malloc(line_len + 1);
  if (!buf) return NOTE_NOMEM;
  int rc = note_line_parse(line, line_len, buf, line_len + 1, &l);
  if (rc == 0 && !note_key_is(w, &l)) rc = NOTE_UNVERIFIED;
  if (rc == 0) rc = note_sig_check(w, body, len, l.sig, l.sig_len, &t);
  free(buf);
  if (rc == 0 && timestamp) *timestamp = t;
  return rc;
}
