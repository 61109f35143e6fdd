/* fuzz_peersig.c: DDC-Peer-Signature header values and signed statements from hostile bytes.
 * Any input must be refused or accepted without a crash; a header value that parses formats back
 * to a value that parses the same, and no statement verifies unless signed by the key. */
#include <inttypes.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/jcs.h"
#include "peer/peersig.h"

static struct note_verifier known;

static void fuzz_setup(void)
{
  uint8_t seed[32] = {7};
  struct note_signer s;
  if (sodium_init() < 0) abort();
  note_signer_init(&s, "a.example/log", NOTE_ALG_ED25519, seed);
  note_signer_public(&s, &known);
  note_signer_wipe(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int ready;
  if (!ready) fuzz_setup(), ready = 1;
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = 0;
  struct peersig_header h, again;
  if (peersig_parse(text, &h) == PEERSIG_OK) {
    char kid[9];
    peersig_keyid_hex(h.keyid, kid);
    if (h.keyid == known.id)
      (void)peersig_verify(&h, &known, "POST", "/v1/peer/imports", data, size, "b.example/log",
                           h.created);
    if (peersig_parse(text, &again) != PEERSIG_OK || again.keyid != h.keyid ||
        again.created != h.created || memcmp(again.sig, h.sig, 64) != 0)
      abort();
  }
  json_t *j = jcs_load(text, size, NULL);
  if (j && peersig_statement_verify(j, &known) == PEERSIG_OK) abort(); /* nobody has the key */
  json_decref(j);
  free(text);
  return 0;
}
