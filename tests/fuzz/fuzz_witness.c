/* fuzz_witness.c: add-checkpoint request bodies from hostile bytes, against a witness at size 0
 * with a throwaway state file. Every answer is one of the protocol's statuses; nothing crashes. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "verify/witness.h"

static struct witness w;

static void fuzz_setup(void)
{
  char dir[] = "/tmp/ddcd-fuzz-witness.XXXXXX", key[128], state[128], vkey[NOTE_VKEY_MAX], err[256];
  uint8_t seed[32] = {1};
  struct note_signer log;
  struct note_verifier lv;
  if (sodium_init() < 0 || !mkdtemp(dir)) abort();
  snprintf(key, sizeof key, "%s/w.key", dir);
  snprintf(state, sizeof state, "%s/w.state", dir);
  note_signer_init(&log, "example.org/log", NOTE_ALG_ED25519, seed);
  note_signer_public(&log, &lv);
  note_verifier_format(&lv, vkey, sizeof vkey);
  char wkey[NOTE_VKEY_MAX];
  if (witness_keygen("witness.example", key, wkey, err, sizeof err) != 0 ||
      witness_open(&w, "example.org/log", vkey, key, state, err, sizeof err) != 0)
    abort();
  unlink(key);
  rmdir(dir); /* fails while a state file exists; none is written without a valid signature */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int ready;
  if (!ready) fuzz_setup(), ready = 1;
  if (size > WITNESS_BODY_MAX) return 0;
  struct witness_reply out;
  witness_add(&w, (const char *)data, size, 1700000000, &out);
  static const int ok[] = {200, 400, 403, 404, 409, 422};
  int known = 0;
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    known |= out.status == ok[i];
  if (!known || out.status == 200) abort(); /* no log signature can be forged here */
  return 0;
}
