/* did.h: the names of issuers in W3C DIDs (did:web): an issuer's DID from the public URL and its
 * id, the id of one of its keys as a verification method, and the DID of a claimed domain.
 * Pure string functions, callable from any thread. */
#ifndef DDC_DID_H
#define DDC_DID_H
#include <stddef.h>
#include <stdint.h>

#define DID_MAX 400 /* room for any DID or verification-method id these functions write */

/* did:web:<host>[:<path segment>...]:issuers:<issuer_id> for the public URL base
 * (http(s)://host[:port][/path], no final '/'): a port's ':' is written %3A, as are '[' ']' of
 * an IPv6 host (%5B %5D), and each '/' of the path becomes ':'. It resolves (did:web) to
 * https://host[:port][/path]/issuers/<issuer_id>/did.json. Returns 0, or -1 (base not such a URL
 * or out too small). */
int did_issuer(const char *base, int64_t issuer_id, char out[DID_MAX]);
/* <did>#<key_id>, the verification method of the issuer key key_id. 0 or -1 (too long). */
int did_vm(const char *did, int64_t key_id, char out[DID_MAX]);
/* did:web:<domain> (a port written %3A), resolving to https://<domain>/.well-known/did.json.
 * 0 or -1. */
int did_domain(const char *domain, char out[DID_MAX]);
/* The key id after '#' in vm when vm is <did>#<digits> exactly: 0 with *key_id set, or -1. */
int did_vm_key(const char *vm, const char *did, int64_t *key_id);

#endif
