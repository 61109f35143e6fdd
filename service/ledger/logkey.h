/* logkey.h: the log's Ed25519 key, which signs every checkpoint. One per database, made by
 * `ddcd init` (or by the first ddcd that needs it); its seed is stored sealed with the
 * KEYS_LOG_KEY subkey of the master key. Its name is the log's origin. */
#ifndef DDC_LOGKEY_H
#define DDC_LOGKEY_H
#include <stddef.h>
#include "errors.h"
#include "verify/note.h"

/* The log key as a signer, made if the database has none. Fails when the stored key has another
 * name than origin (the origin of a log never changes). */
enum ddc_err logkey_load(const char *origin, struct note_signer *out);
/* The log's public key as stored (for verifying without the secret); NOT_FOUND before init. */
enum ddc_err logkey_public(struct note_verifier *v);
/* Its C2SP verifier key, "name+keyid+base64", into out (NOTE_VKEY_MAX bytes). */
void logkey_verifier(const struct note_signer *s, char *out, size_t cap);

#endif
