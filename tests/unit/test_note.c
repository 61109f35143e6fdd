/* test_note.c: C2SP signed notes, checkpoints and Ed25519 cosignatures. The Ed25519 note vector
 * from Go's golang.org/x/mod/sumdb/note documentation is read from tests/vectors/signed-note
 * (key ID, key strings, the signed note byte for byte) with tampered variants of it; then round
 * trips, every single-bit flip of a signed note, malformed notes, limits, checkpoint parsing and
 * cosignatures checked against a message built here. Run from the repo root. */
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "verify/note.h"
#include "unit.h"

#define VECTORS "tests/vectors/signed-note/vectors.md"

/* ---- the vector file ---- */

/* s[0..n) as a malloc'ed string. */
static char *dup_n(const char *s, size_t n)
{
  char *d = malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

/* The first `code span` after label; NULL if there is none. */
static char *md_code_after(const char *md, const char *label)
{
  const char *p = strstr(md, label), *a = p ? strchr(p, '`') : NULL,
             *b = a ? strchr(a + 1, '`') : NULL;
  return b ? dup_n(a + 1, (size_t)(b - a - 1)) : NULL;
}

/* The last word of the line holding label, after its last "= " ("... = c74f20a3"). */
static char *md_value_after(const char *md, const char *label)
{
  const char *p = strstr(md, label);
  if (!p) return NULL;
  const char *eol = strchr(p, '\n'), *v = NULL;
  if (!eol) eol = p + strlen(p);
  for (const char *q = p; (q = strstr(q, "= ")) && q < eol; q++)
    v = q + 2;
  if (!v) return NULL;
  while (eol > v && (eol[-1] == ' ' || eol[-1] == '\r' || eol[-1] == '`'))
    eol--;
  while (*v == '`')
    v++;
  return dup_n(v, (size_t)(eol - v));
}

/* The first "double-quoted" string after label that starts its own (indented) line, with \n, \"
 * and \\ decoded: the label's line may quote other things, such as "\n". */
static char *md_quoted_after(const char *md, const char *label)
{
  const char *p = strstr(md, label), *a = NULL;
  for (const char *l = p ? strchr(p, '\n') : NULL; l && !a; l = strchr(l + 1, '\n')) {
    const char *q = l + 1 + strspn(l + 1, " \t");
    if (*q == '"') a = q;
  }
  if (!a) return NULL;
  char *out = malloc(strlen(a)), *o = out;
  for (const char *q = a + 1; out && *q && *q != '\n'; q++) {
    if (*q == '"') {
      *o = 0;
      return out;
    }
    if (*q == '\\' && q[1])
      q++, *o++ = *q == 'n' ? '\n' : *q;
    else
      *o++ = *q;
  }
  free(out);
  return NULL;
}

/* The body of the first fenced code block after label, each line with its newline. */
static char *md_fence_after(const char *md, const char *label)
{
  const char *p = strstr(md, label), *f = p ? strstr(p, "```") : NULL;
  const char *start = f ? strchr(f, '\n') : NULL;
  if (!start) return NULL;
  start++;
  for (const char *q = start; *q; q = strchr(q, '\n') + 1) {
    if (strncmp(q, "```", 3) == 0) return dup_n(start, (size_t)(q - start));
    if (!strchr(q, '\n')) break;
  }
  return NULL;
}

/* What the vector file gives. */
struct vec {
  char *md, *vkey, *skey, *key_id, *text, *signed_note;
};

static int vec_load(struct vec *v)
{
  memset(v, 0, sizeof *v);
  v->md = unit_read_file(VECTORS, NULL);
  if (!v->md) return 0;
  v->vkey = md_code_after(v->md, "verifier key:");
  v->skey = md_code_after(v->md, "signer key:");
  v->key_id = md_value_after(v->md, "key id =");
  v->text = md_quoted_after(v->md, "note text");
  v->signed_note = md_fence_after(v->md, "signed note");
  return v->vkey && v->skey && v->key_id && v->text && v->signed_note;
}

static void vec_free(struct vec *v)
{
  free(v->md);
  free(v->vkey);
  free(v->skey);
  free(v->key_id);
  free(v->text);
  free(v->signed_note);
}

/* ---- helpers ---- */

static int verify_str(const char *msg, const struct note_verifier *known, size_t n)
{
  return note_verify(msg, strlen(msg), known, n, NULL, NULL);
}

/* msg with the first occurrence of from replaced by to (malloc'ed); NULL if from is absent. */
static char *replace(const char *msg, const char *from, const char *to)
{
  const char *at = strstr(msg, from);
  if (!at) return NULL;
  size_t a = (size_t)(at - msg), f = strlen(from), t = strlen(to), n = strlen(msg);
  char *out = malloc(n - f + t + 1);
  memcpy(out, msg, a);
  memcpy(out + a, to, t);
  memcpy(out + a + t, at + f, n - a - f + 1);
  return out;
}

static void make_signer(struct note_signer *s, const char *name, uint8_t alg)
{
  uint8_t seed[32];
  randombytes_buf(seed, sizeof seed);
  CHECK(note_signer_init(s, name, alg, seed) == 0);
}

/* The base64 payload of the first signature line of msg, decoded into out; its length or -1. */
static long line_payload(const char *msg, uint8_t *out, size_t cap)
{
  const char *dash = strstr(msg, "\xE2\x80\x94 "), *sp = dash ? strchr(dash + 4, ' ') : NULL;
  const char *nl = sp ? strchr(sp, '\n') : NULL;
  size_t len = 0;
  if (!nl || sodium_base642bin(out, cap, sp + 1, (size_t)(nl - sp - 1), NULL, &len, NULL,
                               sodium_base64_VARIANT_ORIGINAL) != 0)
    return -1;
  return (long)len;
}

/* ---- the vector ---- */

static void test_vector_keys(void)
{
  struct vec v;
  CHECK(vec_load(&v));
  if (!v.signed_note) {
    vec_free(&v);
    return;
  }
  struct note_verifier ver, pub;
  struct note_signer sig;
  char out[NOTE_SKEY_MAX], hex[9];
  CHECK(strlen(v.key_id) == 8);
  CHECK(note_verifier_parse(&ver, v.vkey) == 0);
  CHECK(strcmp(ver.name, "PeterNeumann") == 0 && ver.alg == NOTE_ALG_ED25519);
  snprintf(hex, sizeof hex, "%08" PRIx32, ver.id);
  CHECK(strcmp(hex, v.key_id) == 0);
  CHECK(note_key_id(ver.name, NOTE_ALG_ED25519, ver.pub) == ver.id);
  CHECK(note_verifier_format(&ver, out, sizeof out) == (int)strlen(v.vkey));
  CHECK(strcmp(out, v.vkey) == 0);
  CHECK(note_signer_parse(&sig, v.skey) == 0);
  CHECK(sig.id == ver.id && strcmp(sig.name, ver.name) == 0);
  note_signer_public(&sig, &pub);
  CHECK(memcmp(pub.pub, ver.pub, 32) == 0 && pub.id == ver.id && pub.alg == ver.alg);
  CHECK(note_signer_format(&sig, out, sizeof out) == (int)strlen(v.skey));
  CHECK(strcmp(out, v.skey) == 0);
  CHECK(note_verifier_format(&ver, out, strlen(v.vkey)) == -1); /* no room for the NUL */
  note_signer_wipe(&sig);
  vec_free(&v);
}

static void test_vector_note(void)
{
  struct vec v;
  struct note_verifier ver;
  struct note_signer sig;
  struct note_check check;
  size_t n = 0, tlen = 0;
  CHECK(vec_load(&v));
  if (!v.signed_note || note_verifier_parse(&ver, v.vkey) || note_signer_parse(&sig, v.skey)) {
    CHECK(0);
    vec_free(&v);
    return;
  }
  char *msg = note_sign(v.text, strlen(v.text), &sig, 1, &n);
  CHECK(msg && n == strlen(v.signed_note) && memcmp(msg, v.signed_note, n) == 0);
  if (msg && strcmp(msg, v.signed_note) != 0) fprintf(stderr, "  signed:\n%s", msg);
  CHECK(note_verify(v.signed_note, strlen(v.signed_note), &ver, 1, &check, &tlen) == 1);
  CHECK(check.valid == 1 && check.timestamp == 0);
  CHECK(tlen == strlen(v.text) && memcmp(v.signed_note, v.text, tlen) == 0);
  char line[NOTE_LINE_MAX];
  int k = note_signature_line(&sig, v.text, strlen(v.text), line, sizeof line);
  CHECK(k > 0 && strcmp(v.signed_note + strlen(v.text) + 1, line) == 0);
  free(msg);
  note_signer_wipe(&sig);
  vec_free(&v);
}

/* The vector with one thing changed: each must fail. */
static void test_vector_tampered(void)
{
  struct vec v;
  struct note_verifier ver, other;
  CHECK(vec_load(&v));
  if (!v.signed_note || note_verifier_parse(&ver, v.vkey) != 0) {
    CHECK(0);
    vec_free(&v);
    return;
  }
  char *m;
  /* Changed text: the signature no longer covers it. */
  CHECK((m = replace(v.signed_note, "answer", "Answer")) &&
        verify_str(m, &ver, 1) == NOTE_BAD_SIGNATURE);
  free(m);
  /* Changed signature (a base64 digit in the Ed25519 part). */
  CHECK((m = replace(v.signed_note, "x08go/ZJkuBS9UG", "x08go/ZJkuBS9UH")) &&
        verify_str(m, &ver, 1) == NOTE_BAD_SIGNATURE);
  free(m);
  /* Changed key ID in the line: no known key has it. */
  CHECK((m = replace(v.signed_note, "x08go", "x18go")) &&
        verify_str(m, &ver, 1) == NOTE_UNVERIFIED);
  free(m);
  /* Changed key name in the line. */
  CHECK((m = replace(v.signed_note, "— PeterNeumann", "— PeterNeuman")) &&
        verify_str(m, &ver, 1) == NOTE_UNVERIFIED);
  free(m);
  /* A verifier under another name (so another key ID) with the same public key. */
  CHECK(note_verifier_init(&other, "PeterNeumann2", NOTE_ALG_ED25519, ver.pub) == 0);
  CHECK(verify_str(v.signed_note, &other, 1) == NOTE_UNVERIFIED);
  /* A verifier with the right name and key ID but another public key: the key is known by name
   * and ID, so its line must verify, and does not. */
  other = ver;
  other.pub[0] ^= 1;
  CHECK(verify_str(v.signed_note, &other, 1) == NOTE_BAD_SIGNATURE);
  /* Key strings with a wrong key ID, a wrong name, a wrong algorithm, bad base64. */
  CHECK((m = replace(v.vkey, "c74f20a3", "c74f20a4")) && note_verifier_parse(&other, m) == -1);
  free(m);
  CHECK((m = replace(v.vkey, "PeterNeumann", "PeterNeuman")) &&
        note_verifier_parse(&other, m) == -1);
  free(m);
  CHECK((m = replace(v.vkey, "+ARpc", "+AZpc")) && note_verifier_parse(&other, m) == -1);
  free(m);
  CHECK((m = replace(v.vkey, "+ARpc", "+Ahpc")) && note_verifier_parse(&other, m) == -1);
  free(m);
  CHECK((m = replace(v.vkey, "W", "")) && note_verifier_parse(&other, m) == -1);
  free(m);
  CHECK((m = replace(v.vkey, "c74f20a3", "C74F20A3")) && note_verifier_parse(&other, m) == 0);
  free(m);
  CHECK((m = replace(v.skey, "c74f20a3", "c74f20a4")) &&
        note_signer_parse(&(struct note_signer){0}, m) == -1);
  free(m);
  CHECK((m = replace(v.skey, "PRIVATE+KEY+", "")) &&
        note_signer_parse(&(struct note_signer){0}, m) == -1);
  free(m);
  CHECK(note_signer_parse(&(struct note_signer){0}, v.vkey) == -1);
  CHECK(note_verifier_parse(&other, v.skey) == -1);
  vec_free(&v);
}

/* Every single-bit change of the signed vector is refused. */
static void test_bit_flips(void)
{
  struct vec v;
  struct note_verifier ver;
  CHECK(vec_load(&v));
  if (!v.signed_note || note_verifier_parse(&ver, v.vkey) != 0) {
    CHECK(0);
    vec_free(&v);
    return;
  }
  size_t n = strlen(v.signed_note), accepted = 0;
  char *m = malloc(n);
  for (size_t i = 0; i < n; i++)
    for (int b = 0; b < 8; b++) {
      memcpy(m, v.signed_note, n);
      m[i] = (char)(m[i] ^ (1 << b));
      if (note_verify(m, n, &ver, 1, NULL, NULL) >= 0) {
        fprintf(stderr, "  accepted with byte %zu bit %d flipped\n", i, b);
        accepted++;
      }
    }
  CHECK(accepted == 0);
  free(m);
  vec_free(&v);
}

/* ---- round trips ---- */

static void test_key_strings(void)
{
  struct note_signer s, back;
  struct note_verifier v, vback;
  char sk[NOTE_SKEY_MAX], vk[NOTE_VKEY_MAX];
  for (int alg = NOTE_ALG_ED25519; alg <= NOTE_ALG_COSIGNATURE; alg += 3) {
    make_signer(&s, "example.com/log", (uint8_t)alg);
    note_signer_public(&s, &v);
    CHECK(note_signer_format(&s, sk, sizeof sk) > 0 && note_signer_parse(&back, sk) == 0);
    CHECK(memcmp(back.sk, s.sk, 64) == 0 && back.id == s.id && back.alg == alg);
    CHECK(note_verifier_format(&v, vk, sizeof vk) > 0 && note_verifier_parse(&vback, vk) == 0);
    CHECK(memcmp(&vback, &v, sizeof v) == 0);
    note_signer_wipe(&s);
    note_signer_wipe(&back);
  }
  uint8_t pub[32] = {0};
  char name[NOTE_NAME_MAX + 2];
  memset(name, 'n', sizeof name - 1);
  name[sizeof name - 1] = 0;
  CHECK(note_verifier_init(&v, name, NOTE_ALG_ED25519, pub) == -1); /* 256 bytes */
  name[NOTE_NAME_MAX] = 0;
  CHECK(note_verifier_init(&v, name, NOTE_ALG_ED25519, pub) == 0);
  CHECK(note_verifier_format(&v, vk, sizeof vk) == NOTE_VKEY_MAX - 1);
  CHECK(note_verifier_parse(&vback, vk) == 0 && vback.id == v.id);
  CHECK(note_verifier_init(&v, "a", 0x02, pub) == -1);
  CHECK(note_verifier_init(&v, "", NOTE_ALG_ED25519, pub) == -1);
  CHECK(note_verifier_init(&v, "a+b", NOTE_ALG_ED25519, pub) == -1);
  CHECK(note_signer_init(&s, "a b", NOTE_ALG_ED25519, pub) == -1);
  /* A well-formed key string of signature type 0x02, its key ID right: not supported. */
  uint8_t raw[33] = {0x02};
  char b64[64];
  sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
  snprintf(vk, sizeof vk, "a+%08" PRIx32 "+%s", note_key_id("a", 0x02, raw + 1), b64);
  CHECK(note_verifier_parse(&vback, vk) == -1);
  raw[0] = NOTE_ALG_ED25519;
  sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
  snprintf(vk, sizeof vk, "a+%08" PRIx32 "+%s", note_key_id("a", 0x01, raw + 1), b64);
  CHECK(note_verifier_parse(&vback, vk) == 0);
}

static void test_names(void)
{
  CHECK(note_name_valid("PeterNeumann"));
  CHECK(note_name_valid("example.com/log42"));
  CHECK(note_name_valid("caf\xC3\xA9"));
  CHECK(note_name_valid("\xE2\x80\x94"));
  CHECK(!note_name_valid(""));
  CHECK(!note_name_valid("a b"));
  CHECK(!note_name_valid("a+b"));
  CHECK(!note_name_valid("a\tb"));
  CHECK(!note_name_valid("a\nb"));
  CHECK(!note_name_valid("a\xC2\xA0z"));       /* U+00A0 NO-BREAK SPACE */
  CHECK(!note_name_valid("a\xE2\x80\x83z"));   /* U+2003 EM SPACE */
  CHECK(!note_name_valid("a\xE3\x80\x80z"));   /* U+3000 IDEOGRAPHIC SPACE */
  CHECK(!note_name_valid("a\xC3"));            /* cut short */
  CHECK(!note_name_valid("\xC0\xAF"));         /* overlong */
  CHECK(!note_name_valid("\xED\xA0\x80"));     /* a surrogate */
  CHECK(!note_name_valid("\xF4\x90\x80\x80")); /* above U+10FFFF */
}

static void test_sign_verify(void)
{
  struct note_signer a, b, c;
  struct note_verifier va, vb, vc;
  struct note_check checks[3];
  make_signer(&a, "a.example/log", NOTE_ALG_ED25519);
  make_signer(&b, "b.example/log", NOTE_ALG_ED25519);
  make_signer(&c, "c.example/log", NOTE_ALG_ED25519);
  note_signer_public(&a, &va);
  note_signer_public(&b, &vb);
  note_signer_public(&c, &vc);
  struct note_signer both[2] = {a, b};
  struct note_verifier known[3] = {va, vb, vc};
  const char *texts[] = {"hello\n", "\n", "a\n\nb\n", "a\n\n", "caf\xC3\xA9 \xE2\x80\x94 x\n"};
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    size_t n = 0, tlen = 0;
    char *msg = note_sign(texts[i], strlen(texts[i]), both, 2, &n);
    CHECK(msg && strlen(msg) == n);
    if (!msg) continue;
    CHECK(note_verify(msg, n, known, 3, checks, &tlen) == 2);
    CHECK(checks[0].valid && checks[1].valid && !checks[2].valid);
    CHECK(tlen == strlen(texts[i]) && memcmp(msg, texts[i], tlen) == 0);
    CHECK(note_verify(msg, n, &vb, 1, NULL, NULL) == 1);
    CHECK(note_verify(msg, n, &vc, 1, NULL, NULL) == NOTE_UNVERIFIED);
    CHECK(note_verify(msg, n, NULL, 0, NULL, NULL) == NOTE_UNVERIFIED);
    free(msg);
  }
  /* Adding a signature line to a signed note. */
  size_t n = 0;
  char *msg = note_sign("x\n", 2, &a, 1, &n), line[NOTE_LINE_MAX];
  int k = note_signature_line(&c, "x\n", 2, line, sizeof line);
  CHECK(msg && k > 0);
  char *two = malloc(n + (size_t)k + 1);
  memcpy(two, msg, n);
  memcpy(two + n, line, (size_t)k + 1);
  CHECK(verify_str(two, known, 3) == 2);
  CHECK(verify_str(two, &vc, 1) == 1);
  free(two);
  free(msg);
  note_signer_wipe(&a);
  note_signer_wipe(&b);
  note_signer_wipe(&c);
}

static void test_sign_rejects(void)
{
  struct note_signer s, w;
  make_signer(&s, "k", NOTE_ALG_ED25519);
  make_signer(&w, "w", NOTE_ALG_COSIGNATURE);
  const char *bad[] = {"", "no newline", "tab\there\n", "cr\r\n", "\xC3\n", "nul\0\n"};
  size_t lens[] = {0, 10, 9, 4, 2, 5};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    CHECK(note_sign(bad[i], lens[i], &s, 1, NULL) == NULL);
  CHECK(note_sign("ok\n", 3, &s, 0, NULL) == NULL);
  CHECK(note_sign("ok\n", 3, &w, 1, NULL) == NULL); /* a cosigner signs through note_cosign_line */
  char line[NOTE_LINE_MAX];
  CHECK(note_signature_line(&s, "ok\n", 3, line, 10) == -1);
  note_signer_wipe(&s);
  note_signer_wipe(&w);
}

/* Signed "hello\n" by k, and k's verifier. */
static char *hello_note(struct note_verifier *v)
{
  struct note_signer s;
  make_signer(&s, "k.example", NOTE_ALG_ED25519);
  note_signer_public(&s, v);
  char *msg = note_sign("hello\n", 6, &s, 1, NULL);
  note_signer_wipe(&s);
  return msg;
}

static void test_malformed(void)
{
  struct note_verifier v;
  char *msg = hello_note(&v), *m;
  if (!msg) {
    CHECK(0);
    return;
  }
  size_t n = strlen(msg);
  CHECK(verify_str(msg, &v, 1) == 1);
  CHECK(note_verify(msg, n - 1, &v, 1, NULL, NULL) == NOTE_MALFORMED); /* no final newline */
  CHECK((m = replace(msg, "\n\n", "\n")) &&
        verify_str(m, &v, 1) == NOTE_MALFORMED); /* no blank line */
  free(m);
  CHECK((m = replace(msg, "=\n", "\n")) && verify_str(m, &v, 1) == NOTE_MALFORMED); /* unpadded */
  free(m);
  CHECK((m = replace(msg, "k.example ", "k.example !")) && verify_str(m, &v, 1) == NOTE_MALFORMED);
  free(m);
  CHECK((m = replace(msg, "k.example ", "k.example  ")) && verify_str(m, &v, 1) == NOTE_MALFORMED);
  free(m);
  CHECK((m = replace(msg, "=\n", "=\n\n")) &&
        verify_str(m, &v, 1) == NOTE_MALFORMED); /* blank after */
  free(m);
  CHECK((m = replace(msg, "\xE2\x80\x94 ", "-- ")) && verify_str(m, &v, 1) == NOTE_MALFORMED);
  free(m);
  CHECK((m = replace(msg, "\xE2\x80\x94 ", "\xE2\x80\x94")) &&
        verify_str(m, &v, 1) == NOTE_MALFORMED);
  free(m);
  CHECK((m = replace(msg, "\xE2\x80\x94 k.example", "\xE2\x80\x94 ")) &&
        verify_str(m, &v, 1) == NOTE_MALFORMED);
  free(m);
  CHECK((m = replace(msg, "k.example", "k+example")) && verify_str(m, &v, 1) == NOTE_MALFORMED);
  free(m);
  CHECK((m = replace(msg, "hello", "hel\tlo")) && verify_str(m, &v, 1) == NOTE_MALFORMED);
  free(m);
  CHECK((m = replace(msg, "hello", "hel\xFFlo")) && verify_str(m, &v, 1) == NOTE_MALFORMED);
  free(m);
  CHECK((m = replace(msg, "\n\n", "\r\n\r\n")) && verify_str(m, &v, 1) == NOTE_MALFORMED);
  free(m);
  /* A line of a well-formed but short signature (4 bytes: a key ID alone). */
  CHECK((m = replace(msg, "\n\n", "\n\n\xE2\x80\x94 other AAAAAA==\n")) &&
        verify_str(m, &v, 1) == NOTE_MALFORMED);
  free(m);
  /* A NUL inside. */
  char *nul = malloc(n);
  memcpy(nul, msg, n);
  nul[2] = 0;
  CHECK(note_verify(nul, n, &v, 1, NULL, NULL) == NOTE_MALFORMED);
  free(nul);
  CHECK(note_verify("", 0, &v, 1, NULL, NULL) == NOTE_MALFORMED);
  CHECK(note_verify("\n\n", 2, &v, 1, NULL, NULL) == NOTE_MALFORMED);
  free(msg);
}

/* Lines by unknown keys are ignored, whatever they share with a known one; every line by a known
 * key must verify. */
static void test_unknown_signers(void)
{
  struct note_signer s, other;
  struct note_verifier v, known;
  char line[NOTE_LINE_MAX], bad[NOTE_LINE_MAX], buf[1024];
  make_signer(&s, "k.example", NOTE_ALG_ED25519);
  make_signer(&other, "k.example", NOTE_ALG_ED25519); /* same name, another key ID */
  note_signer_public(&s, &v);
  note_signer_public(&other, &known);
  char *msg = note_sign("hello\n", 6, &s, 1, NULL);
  int k = note_signature_line(&other, "hello\n", 6, line, sizeof line);
  int kb = note_signature_line(&s, "other\n", 6, bad, sizeof bad);
  CHECK(msg && k > 0 && kb > 0);
  if (!msg) return;
  CHECK(verify_str(msg, &known, 1) == NOTE_UNVERIFIED); /* signed by an unknown key only */
  snprintf(buf, sizeof buf, "%s%s", msg, line);
  CHECK(verify_str(buf, &v, 1) == 1);
  CHECK(verify_str(buf, &known, 1) == 1);
  struct note_verifier two[2] = {v, known};
  CHECK(verify_str(buf, two, 2) == 2);
  /* Same key ID, another name: unknown. */
  struct note_verifier renamed = known;
  strcpy(renamed.name, "j.example");
  CHECK(verify_str(buf, &renamed, 1) == NOTE_UNVERIFIED);
  /* An unknown line of well-formed base64 (5 bytes or more) but no valid signature. */
  snprintf(buf, sizeof buf, "%s\xE2\x80\x94 x.example AAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", msg);
  CHECK(verify_str(buf, &v, 1) == 1);
  /* A second line by the known key that does not verify rejects the note, before or after. */
  snprintf(buf, sizeof buf, "%s%s", msg, bad);
  CHECK(verify_str(buf, &v, 1) == NOTE_BAD_SIGNATURE);
  snprintf(buf, sizeof buf, "hello\n\n%s%s", bad, msg + 7);
  CHECK(verify_str(buf, &v, 1) == NOTE_BAD_SIGNATURE);
  /* The same valid line twice. */
  snprintf(buf, sizeof buf, "%s%s", msg, msg + 7);
  CHECK(verify_str(buf, &v, 1) == 1);
  free(msg);
  note_signer_wipe(&s);
  note_signer_wipe(&other);
}

static void test_limits(void)
{
  struct note_verifier v;
  struct note_signer s;
  char line[NOTE_LINE_MAX], unknown[NOTE_LINE_MAX];
  make_signer(&s, "k", NOTE_ALG_ED25519);
  note_signer_public(&s, &v);
  int k = note_signature_line(&s, "t\n", 2, line, sizeof line);
  struct note_signer u;
  make_signer(&u, "u", NOTE_ALG_ED25519);
  int ku = note_signature_line(&u, "t\n", 2, unknown, sizeof unknown);
  CHECK(k > 0 && ku > 0);
  /* NOTE_MAX_SIGNATURES lines pass, one more fails. */
  size_t cap = 3 + (size_t)k + (NOTE_MAX_SIGNATURES + 1) * (size_t)ku + 1;
  char *m = malloc(cap);
  strcpy(m, "t\n\n");
  strcat(m, line);
  for (int i = 1; i < NOTE_MAX_SIGNATURES; i++)
    strcat(m, unknown);
  CHECK(verify_str(m, &v, 1) == 1);
  strcat(m, unknown);
  CHECK(verify_str(m, &v, 1) == NOTE_MALFORMED);
  free(m);
  /* The size limit: a note of exactly NOTE_MAX_LEN bytes signs and verifies, one byte more not. */
  size_t tlen = NOTE_MAX_LEN - 1 - (size_t)k;
  char *text = malloc(tlen + 2);
  for (size_t i = 0; i < tlen + 1; i++)
    text[i] = i % 64 == 63 ? '\n' : 'a';
  text[tlen - 1] = '\n';
  size_t n = 0;
  char *msg = note_sign(text, tlen, &s, 1, &n);
  CHECK(msg && n == NOTE_MAX_LEN && note_verify(msg, n, &v, 1, NULL, NULL) == 1);
  free(msg);
  text[tlen - 1] = 'a';
  text[tlen] = '\n';
  CHECK(note_sign(text, tlen + 1, &s, 1, NULL) == NULL);
  char *big = malloc(tlen + 1 + 1 + (size_t)k + 1);
  memcpy(big, text, tlen + 1);
  big[tlen + 1] = '\n';
  memcpy(big + tlen + 2, line, (size_t)k);
  CHECK(note_verify(big, tlen + 2 + (size_t)k, &v, 1, NULL, NULL) == NOTE_MALFORMED);
  free(big);
  free(text);
  note_signer_wipe(&s);
  note_signer_wipe(&u);
}

/* ---- checkpoints ---- */

static void test_checkpoint_round_trip(void)
{
  uint8_t root[32];
  char body[512];
  struct note_checkpoint cp;
  uint64_t sizes[] = {0, 1, 20852163, UINT64_MAX};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    randombytes_buf(root, sizeof root);
    int n = note_checkpoint_format("example.com/log42", sizes[i], root, body, sizeof body);
    CHECK(n > 0 && note_checkpoint_parse(body, (size_t)n, &cp) == 0);
    CHECK(cp.size == sizes[i] && memcmp(cp.root, root, 32) == 0 && cp.ext_len == 0);
    CHECK(cp.origin == body && cp.origin_len == strlen("example.com/log42"));
  }
  CHECK(note_checkpoint_format("", 1, root, body, sizeof body) == -1);
  CHECK(note_checkpoint_format("a\nb", 1, root, body, sizeof body) == -1);
  CHECK(note_checkpoint_format("a", 1, root, body, 10) == -1);
  /* The example in c2sp.org/tlog-checkpoint. */
  const char *spec =
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  CHECK(note_checkpoint_parse(spec, strlen(spec), &cp) == 0 && cp.size == 20852163);
  CHECK(cp.origin_len == 27 && strncmp(cp.origin, "example.com/behind-the-sofa", 27) == 0);
  CHECK(cp.root[0] == 0x0A && cp.root[31] == 0x62);
  int n =
      note_checkpoint_format("example.com/behind-the-sofa", 20852163, cp.root, body, sizeof body);
  CHECK(n == (int)strlen(spec) && strcmp(body, spec) == 0);
}

/* A checkpoint with the given size and root lines (and extra text) parses. */
static int cp_ok(const char *size, const char *root, const char *extra)
{
  char body[512];
  struct note_checkpoint cp;
  snprintf(body, sizeof body, "o\n%s\n%s\n%s", size, root, extra);
  return note_checkpoint_parse(body, strlen(body), &cp) == 0;
}

static void test_checkpoint_parse(void)
{
  const char *r = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  struct note_checkpoint cp;
  CHECK(cp_ok("0", r, ""));
  CHECK(cp_ok("18446744073709551615", r, ""));
  CHECK(!cp_ok("18446744073709551616", r, ""));
  CHECK(!cp_ok("00", r, ""));
  CHECK(!cp_ok("01", r, ""));
  CHECK(!cp_ok("", r, ""));
  CHECK(!cp_ok("-1", r, ""));
  CHECK(!cp_ok("+1", r, ""));
  CHECK(!cp_ok("1 ", r, ""));
  CHECK(!cp_ok("0x10", r, ""));
  CHECK(!cp_ok("1", "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==", "")); /* 31 bytes */
  CHECK(!cp_ok("1", "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2IA", "")); /* 33 bytes */
  CHECK(!cp_ok("1", "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I", ""));  /* unpadded */
  CHECK(!cp_ok("1", "CsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=", "")); /* URL alphabet */
  CHECK(!cp_ok("1", "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=", "")); /* stray bits */
  /* bytes above 0x7F that libsodium's decoder alone would take for '/' (found by fuzzing) */
  CHECK(!cp_ok("1", "+6eUyMcbupmpmOPKDOW0h9HekgjZ4U/K4FdLWp\xd1\xb2GZ8=", ""));
  CHECK(cp_ok("1", "+6eUyMcbupmpmOPKDOW0h9HekgjZ4U/K4FdLWp//GZ8=", ""));
  CHECK(cp_ok("1", r, "ext one\next two\n"));
  CHECK(!cp_ok("1", r, "\n")); /* an empty extension line */
  CHECK(!cp_ok("1", r, "ext\n\n"));
  CHECK(!cp_ok("1", r, "ext")); /* not newline-terminated */
  CHECK(!cp_ok("1", r, "a\tb\n"));
  char body[128];
  snprintf(body, sizeof body, "o\n7\n%s\nx\ny\n", r);
  CHECK(note_checkpoint_parse(body, strlen(body), &cp) == 0);
  CHECK(cp.ext_len == 4 && strncmp(cp.ext, "x\ny\n", 4) == 0);
  snprintf(body, sizeof body, "\n7\n%s\n", r);
  CHECK(note_checkpoint_parse(body, strlen(body), &cp) == -1); /* empty origin */
  snprintf(body, sizeof body, "o\n7\n%s", r);
  CHECK(note_checkpoint_parse(body, strlen(body), &cp) == -1); /* no final newline */
  CHECK(note_checkpoint_parse("o\n7\n", 4, &cp) == -1);
}

/* ---- cosignatures ---- */

static void test_cosign(void)
{
  struct note_signer log, w;
  struct note_verifier vlog, vw, wrong;
  struct note_check checks[2];
  uint8_t root[32], payload[128];
  char body[256], line[NOTE_LINE_MAX];
  make_signer(&log, "example.com/log", NOTE_ALG_ED25519);
  make_signer(&w, "witness.example/w1", NOTE_ALG_COSIGNATURE);
  note_signer_public(&log, &vlog);
  note_signer_public(&w, &vw);
  randombytes_buf(root, sizeof root);
  int blen = note_checkpoint_format("example.com/log", 42, root, body, sizeof body);
  CHECK(blen > 0);
  const uint64_t ts = 1679315147;
  int k = note_cosign_line(&w, body, (size_t)blen, ts, line, sizeof line);
  CHECK(k > 0 && line[k - 1] == '\n');
  uint64_t got = 0;
  CHECK(note_cosig_verify(&vw, body, (size_t)blen, line, (size_t)k, &got) == 0 && got == ts);
  CHECK(note_cosig_verify(&vw, body, (size_t)blen, line, (size_t)k - 1, &got) == 0 && got == ts);
  /* The payload is keyid || timestamp || signature over "cosignature/v1\ntime T\n" || body. */
  CHECK(line_payload(line, payload, sizeof payload) == 76);
  CHECK(payload[0] == (vw.id >> 24) && payload[3] == (uint8_t)vw.id);
  CHECK(vw.id == note_key_id("witness.example/w1", 0x04, vw.pub));
  uint64_t t = 0;
  for (int i = 0; i < 8; i++)
    t = t << 8 | payload[4 + i];
  CHECK(t == ts);
  char msg[512];
  int mlen = snprintf(msg, sizeof msg, "cosignature/v1\ntime 1679315147\n%s", body);
  CHECK(crypto_sign_verify_detached(payload + 12, (const uint8_t *)msg, (size_t)mlen, vw.pub) == 0);
  /* In a signed checkpoint alongside the log's signature. */
  size_t n = 0;
  char *signed_cp = note_sign(body, (size_t)blen, &log, 1, &n);
  CHECK(signed_cp != NULL);
  char *full = malloc(n + (size_t)k + 1);
  memcpy(full, signed_cp, n);
  memcpy(full + n, line, (size_t)k + 1);
  struct note_verifier both[2] = {vlog, vw};
  CHECK(note_verify(full, n + (size_t)k, both, 2, checks, NULL) == 2);
  CHECK(checks[0].valid && checks[0].timestamp == 0 && checks[1].valid &&
        checks[1].timestamp == ts);
  CHECK(note_verify(full, n + (size_t)k, &vw, 1, NULL, NULL) == 1);
  /* The same Ed25519 key as a plain note key has another key ID: the line is not its. */
  CHECK(note_verifier_init(&wrong, vw.name, NOTE_ALG_ED25519, vw.pub) == 0 && wrong.id != vw.id);
  CHECK(note_verify(full, n + (size_t)k, &wrong, 1, NULL, NULL) == NOTE_UNVERIFIED);
  free(full);
  free(signed_cp);
  note_signer_wipe(&log);
  note_signer_wipe(&w);
}

static void test_cosign_rejects(void)
{
  struct note_signer w, plain;
  struct note_verifier vw, other;
  uint8_t root[32] = {1}, payload[128];
  char body[256], body2[256], line[NOTE_LINE_MAX], forged[NOTE_LINE_MAX];
  make_signer(&w, "w", NOTE_ALG_COSIGNATURE);
  make_signer(&plain, "p", NOTE_ALG_ED25519);
  note_signer_public(&w, &vw);
  int blen = note_checkpoint_format("o", 5, root, body, sizeof body);
  int blen2 = note_checkpoint_format("o", 6, root, body2, sizeof body2);
  int k = note_cosign_line(&w, body, (size_t)blen, 1000, line, sizeof line);
  CHECK(blen > 0 && blen2 > 0 && k > 0);
  /* Another checkpoint. */
  CHECK(note_cosig_verify(&vw, body2, (size_t)blen2, line, (size_t)k, NULL) == NOTE_BAD_SIGNATURE);
  /* A changed timestamp. */
  CHECK(line_payload(line, payload, sizeof payload) == 76);
  payload[11] ^= 1;
  char b64[128];
  sodium_bin2base64(b64, sizeof b64, payload, 76, sodium_base64_VARIANT_ORIGINAL);
  snprintf(forged, sizeof forged, "\xE2\x80\x94 w %s\n", b64);
  CHECK(note_cosig_verify(&vw, body, (size_t)blen, forged, strlen(forged), NULL) ==
        NOTE_BAD_SIGNATURE);
  /* A timestamp above 2^63 - 1. */
  payload[4] = 0x80;
  sodium_bin2base64(b64, sizeof b64, payload, 76, sodium_base64_VARIANT_ORIGINAL);
  snprintf(forged, sizeof forged, "\xE2\x80\x94 w %s\n", b64);
  CHECK(note_cosig_verify(&vw, body, (size_t)blen, forged, strlen(forged), NULL) ==
        NOTE_BAD_SIGNATURE);
  /* Another witness's key, a truncated line, a body that is not a checkpoint. */
  struct note_signer w2;
  make_signer(&w2, "w", NOTE_ALG_COSIGNATURE);
  note_signer_public(&w2, &other);
  CHECK(note_cosig_verify(&other, body, (size_t)blen, line, (size_t)k, NULL) == NOTE_UNVERIFIED);
  CHECK(note_cosig_verify(&vw, body, (size_t)blen, line, 20, NULL) == NOTE_MALFORMED);
  CHECK(note_cosig_verify(&vw, "text\n", 5, line, (size_t)k, NULL) == NOTE_MALFORMED);
  /* Producing: wrong key type, time out of range, not a checkpoint, no room. */
  CHECK(note_cosign_line(&plain, body, (size_t)blen, 1, line, sizeof line) == -1);
  CHECK(note_cosign_line(&w, body, (size_t)blen, (uint64_t)INT64_MAX + 1, line, sizeof line) == -1);
  CHECK(note_cosign_line(&w, body, (size_t)blen, (uint64_t)INT64_MAX, line, sizeof line) > 0);
  CHECK(note_cosign_line(&w, "text\n", 5, 1, line, sizeof line) == -1);
  CHECK(note_cosign_line(&w, body, (size_t)blen, 1, line, 50) == -1);
  /* A note_verify key of cosignature type over a note that is not a checkpoint. */
  k = note_cosign_line(&w, body, (size_t)blen, 1, line, sizeof line);
  char msg[512];
  snprintf(msg, sizeof msg, "text\n\n%s", line);
  CHECK(verify_str(msg, &vw, 1) == NOTE_MALFORMED);
  note_signer_wipe(&w);
  note_signer_wipe(&w2);
  note_signer_wipe(&plain);
}

int main(void)
{
  if (sodium_init() < 0) {
    fprintf(stderr, "sodium_init failed\n");
    return 1;
  }
  RUN(test_vector_keys);
  RUN(test_vector_note);
  RUN(test_vector_tampered);
  RUN(test_bit_flips);
  RUN(test_key_strings);
  RUN(test_names);
  RUN(test_sign_verify);
  RUN(test_sign_rejects);
  RUN(test_malformed);
  RUN(test_unknown_signers);
  RUN(test_limits);
  RUN(test_checkpoint_round_trip);
  RUN(test_checkpoint_parse);
  RUN(test_cosign);
  RUN(test_cosign_rejects);
  return UNIT_END();
}
