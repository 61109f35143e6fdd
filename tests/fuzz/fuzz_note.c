/* fuzz_note.c: signed notes, checkpoints, verifier keys and cosignature lines from hostile bytes.
 * Any input must be refused or accepted without a crash; whatever parses as a checkpoint formats
 * back to the same bytes. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "verify/note.h"

static struct note_verifier known[2];

static void fuzz_setup(void)
{
  uint8_t seed[32] = {1};
  struct note_signer s;
  if (sodium_init() < 0) abort();
  note_signer_init(&s, "example.org/log", NOTE_ALG_ED25519, seed);
  note_signer_public(&s, &known[0]);
  seed[0] = 2;
  note_signer_init(&s, "witness.example", NOTE_ALG_COSIGNATURE, seed);
  note_signer_public(&s, &known[1]);
  note_signer_wipe(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int ready;
  if (!ready) fuzz_setup(), ready = 1;
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  struct note_check checks[2];
  size_t text_len;
  note_verify(text, size, known, 2, checks, &text_len);
  struct note_checkpoint cp;
  if (note_checkpoint_parse(text, size, &cp) == 0 && cp.ext_len == 0) {
    char origin[NOTE_NAME_MAX + 1], again[NOTE_NAME_MAX + 128];
    if (cp.origin_len <= NOTE_NAME_MAX) {
      memcpy(origin, cp.origin, cp.origin_len);
      origin[cp.origin_len] = '\0';
      int n = note_checkpoint_format(origin, cp.size, cp.root, again, sizeof again);
      if (n >= 0 && ((size_t)n != size || memcmp(again, text, size) != 0)) abort();
    }
  }
  struct note_verifier v;
  note_verifier_parse(&v, text);
  note_cosig_verify(&known[1], "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 48, text,
                    size, NULL);
  free(text);
  return 0;
}
