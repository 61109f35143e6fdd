/* note.h: C2SP signed notes (c2sp.org/signed-note, as Go's golang.org/x/mod/sumdb/note) with
 * Ed25519 keys, transparency log checkpoints (c2sp.org/tlog-checkpoint) and Ed25519 witness
 * cosignatures (c2sp.org/tlog-cosignature). Key IDs are uint32 values, the big-endian reading of
 * the 4 bytes on the wire. The crypto needs sodium_init() to have run. */
#ifndef DDC_NOTE_H
#define DDC_NOTE_H
#include <stddef.h>
#include <stdint.h>

#define NOTE_ALG_ED25519 0x01     /* signed-note Ed25519 signature over the note text */
#define NOTE_ALG_COSIGNATURE 0x04 /* tlog-cosignature/v1: timestamped Ed25519 over a checkpoint */

#define NOTE_NAME_MAX 255          /* longest key name a key struct holds, in bytes */
#define NOTE_MAX_LEN (1024 * 1024) /* largest signed note accepted or produced, in bytes */
#define NOTE_MAX_SIGNATURES 100    /* most signature lines accepted (Go's limit; C2SP asks 16) */
#define NOTE_ROOT_BYTES 32         /* a checkpoint's root hash */

/* Room for a key string and its NUL: name, '+', 8 hex digits, '+', base64 of 33 bytes (44). */
#define NOTE_VKEY_MAX (NOTE_NAME_MAX + 55)
#define NOTE_SKEY_MAX (12 + NOTE_VKEY_MAX) /* "PRIVATE+KEY+" and the rest */
/* Room for a signature line this module writes and its NUL: em dash (3 bytes), space, name,
 * space, base64 of at most 4 + 8 + 64 bytes (104), newline. */
#define NOTE_LINE_MAX (NOTE_NAME_MAX + 111)

/* What note_verify and note_cosig_verify return when they fail. */
enum note_status {
  NOTE_MALFORMED = -1,     /* not a well-formed note, line, checkpoint or argument */
  NOTE_BAD_SIGNATURE = -2, /* a line by a known key (name and key ID match) does not verify */
  NOTE_UNVERIFIED = -3,    /* well formed, but no line is by a known key */
  NOTE_NOMEM = -4
};

/* A public key: the name, the signature type (NOTE_ALG_*), the key ID and the Ed25519 key. */
struct note_verifier {
  char name[NOTE_NAME_MAX + 1];
  uint8_t alg;
  uint32_t id;
  uint8_t pub[32];
};

/* A private key: as note_verifier, with libsodium's 64-byte secret key (seed || public key).
 * Clear it with note_signer_wipe. */
struct note_signer {
  char name[NOTE_NAME_MAX + 1];
  uint8_t alg;
  uint32_t id;
  uint8_t sk[64];
};

/* What note_verify found for one known key: valid is 1 when a line by it verified; timestamp is
 * that line's cosignature time (0 for NOTE_ALG_ED25519). */
struct note_check {
  int valid;
  uint64_t timestamp;
};

/* A parsed checkpoint body; origin and ext point into the parsed text. ext holds the extension
 * lines with their newlines (ext_len 0 when there are none). */
struct note_checkpoint {
  const char *origin;
  size_t origin_len;
  uint64_t size;
  uint8_t root[NOTE_ROOT_BYTES];
  const char *ext;
  size_t ext_len;
};

/* ---- keys ---- */

/* 1 if name is a key name: non-empty UTF-8 without Unicode spaces, '+' or control characters. */
int note_name_valid(const char *name);
/* SHA-256(name || 0x0A || alg || pub)[:4], big-endian. */
uint32_t note_key_id(const char *name, uint8_t alg, const uint8_t pub[32]);
/* Fills v or s for name and alg (NOTE_ALG_ED25519 or NOTE_ALG_COSIGNATURE); 0, or -1 when the
 * name is invalid or longer than NOTE_NAME_MAX or alg is neither. */
int note_verifier_init(struct note_verifier *v, const char *name, uint8_t alg,
                       const uint8_t pub[32]);
int note_signer_init(struct note_signer *s, const char *name, uint8_t alg, const uint8_t seed[32]);
/* The verifier that goes with s. */
void note_signer_public(const struct note_signer *s, struct note_verifier *v);
void note_signer_wipe(struct note_signer *s);

/* "name+hexkeyid+base64(alg || public key)". Parsing takes hex digits in either case and
 * checks the key ID against the name and key; 0 or -1. Formatting writes lowercase hex and
 * returns the length, or -1 when cap is too small. */
int note_verifier_parse(struct note_verifier *v, const char *vkey);
int note_verifier_format(const struct note_verifier *v, char *out, size_t cap);
/* "PRIVATE+KEY+name+hexkeyid+base64(alg || 32-byte seed)", as the verifier key. */
int note_signer_parse(struct note_signer *s, const char *skey);
int note_signer_format(const struct note_signer *s, char *out, size_t cap);

/* ---- notes ---- */

/* The signed note: text, a blank line, one "— name base64(keyid || signature)\n" line per signer
 * (each NOTE_ALG_ED25519), in order. text must be non-empty, end in a newline, be valid UTF-8
 * and hold no control character but newline. Malloc'ed and NUL-terminated, its length in *len
 * (len may be NULL); NULL when the text, a signer or the result's size (NOTE_MAX_LEN) is wrong. */
char *note_sign(const char *text, size_t len, const struct note_signer *signers, size_t n,
                size_t *out_len);
/* One NOTE_ALG_ED25519 signature line for text (rules as note_sign), newline included; append it
 * to a signed note of that text to add a signature. Returns the length, or -1. */
int note_signature_line(const struct note_signer *s, const char *text, size_t len, char *line,
                        size_t cap);
/* Opens the signed note msg[0..len) against the known keys. A line whose name and key ID match
 * no known key is ignored; every line that matches one must verify (a NOTE_ALG_COSIGNATURE key
 * also needs the text to be a checkpoint). Returns how many known keys signed (at least 1), with
 * the text's length (it starts at msg) in *text_len and checks[i] filled for known[i] (either may
 * be NULL); or a note_status. Malformed: over NOTE_MAX_LEN, invalid UTF-8, a control character
 * but newline, no blank line before the signatures, no final newline, a line not "— name b64",
 * a name that is invalid, base64 that is not canonical padded standard base64, fewer than 5
 * bytes, or more than NOTE_MAX_SIGNATURES lines. */
int note_verify(const char *msg, size_t len, const struct note_verifier *known, size_t n,
                struct note_check *checks, size_t *text_len);

/* ---- checkpoints ---- */

/* Writes "origin\nsize\nbase64(root)\n" and a NUL; returns the length, or -1 when origin is
 * empty, not UTF-8 or holds a control character, or cap is too small. */
int note_checkpoint_format(const char *origin, uint64_t size, const uint8_t root[NOTE_ROOT_BYTES],
                           char *out, size_t cap);
/* Parses a checkpoint body (a note's text): a non-empty origin, the size in decimal without
 * leading zeros ("0" for an empty tree), the root as base64 of exactly 32 bytes, then any
 * non-empty extension lines, all newline-terminated. 0, or -1. */
int note_checkpoint_parse(const char *body, size_t len, struct note_checkpoint *cp);

/* ---- cosignatures ---- */

/* The line "— name base64(keyid || timestamp (8 bytes big-endian) || signature)\n" in which the
 * NOTE_ALG_COSIGNATURE witness w signs "cosignature/v1\ntime <timestamp>\n" || body, body being
 * a checkpoint (note_checkpoint_parse). timestamp is Unix seconds, at most 2^63 - 1. Returns
 * the length, or -1. */
int note_cosign_line(const struct note_signer *w, const char *body, size_t len, uint64_t timestamp,
                     char *line, size_t cap);
/* Checks one cosignature line (its final newline optional) by witness w over the checkpoint
 * body. 0 with the time in *timestamp (may be NULL), NOTE_UNVERIFIED when the line is by
 * another key, or NOTE_MALFORMED / NOTE_BAD_SIGNATURE / NOTE_NOMEM. */
int note_cosig_verify(const struct note_verifier *w, const char *body, size_t len, const char *line,
                      size_t line_len, uint64_t *timestamp);

#endif
