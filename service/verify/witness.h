/* witness.h: a C2SP tlog-witness (c2sp.org/tlog-witness) for one log: it checks each checkpoint
 * submitted with add-checkpoint against the log's key and the consistency proof from the last
 * checkpoint it cosigned, stores that checkpoint durably (a state file, replaced atomically and
 * fsync'ed before any answer), and cosigns it (c2sp.org/tlog-cosignature). Thread-safe: the check
 * and the update of the state are one step under a lock. */
#ifndef DDC_WITNESS_H
#define DDC_WITNESS_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "verify/note.h"

#define WITNESS_BODY_MAX (64 * 1024) /* largest add-checkpoint body accepted */
#define WITNESS_PROOF_MAX 63         /* consistency proof lines allowed by the protocol */

struct witness {
  char origin[NOTE_NAME_MAX + 1];
  struct note_verifier log; /* the log's key */
  struct note_signer key;   /* this witness's cosigning key */
  char state_path[1024];
  pthread_mutex_t mu;
  uint64_t size; /* the last checkpoint cosigned: 0 for none */
  uint8_t root[32];
};

/* What witness_add returns: the HTTP status and the body to send with it. */
struct witness_reply {
  int status;
  uint64_t size; /* the checkpoint's size, once parsed */
  const char *content_type;
  char body[NOTE_LINE_MAX + 64];
};

/* Sets w up for the log origin with verifier key log_vkey, cosigning with the key in key_file
 * (a signer key string of alg NOTE_ALG_COSIGNATURE) and keeping its state in state_path (read
 * when it exists). 0, or -1 with a reason in err. */
int witness_open(struct witness *w, const char *origin, const char *log_vkey, const char *key_file,
                 const char *state_path, char *err, size_t errlen);
void witness_close(struct witness *w);
/* Handles one add-checkpoint request body; now is the cosignature time (Unix seconds). */
void witness_add(struct witness *w, const char *body, size_t len, uint64_t now,
                 struct witness_reply *out);
/* Makes a new cosigning key named name in key_file (mode 0600, never overwritten) and writes its
 * verifier key into vkey (NOTE_VKEY_MAX bytes). 0, or -1 with a reason in err. */
int witness_keygen(const char *name, const char *key_file, char *vkey, char *err, size_t errlen);

#endif
