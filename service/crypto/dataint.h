/* dataint.h: W3C Data Integrity proofs with the eddsa-jcs-2022 cryptosuite (VC Data Integrity
 * 1.0, vc-di-eddsa), and Multikey encoding of Ed25519 public keys (Controlled Identifiers 1.0).
 * Pure code (libsodium, jansson, jcs.c): the outside verifier links it without libpq. Every
 * function is reentrant; any thread may call them. */
#ifndef DDC_DATAINT_H
#define DDC_DATAINT_H
#include <jansson.h>
#include <stddef.h>

/* "z" + base58btc(0xed 0x01 || 32-byte key) is 48 characters; room to spare. */
#define DATAINT_MULTIKEY_MAX 64
#define DATAINT_CRYPTOSUITE "eddsa-jcs-2022"

/* The Multikey form of an Ed25519 public key: "z" + base58btc(0xed01 || pk). */
void dataint_multikey(const unsigned char pk[32], char out[DATAINT_MULTIKEY_MAX]);
/* The Ed25519 public key a Multikey string holds: 0, or -1 when it is not one. */
int dataint_multikey_decode(const char *multikey, unsigned char pk[32]);

/* base58btc (the Bitcoin alphabet). Encode: the length written (NUL-terminated), or -1 when out
 * (cap bytes) is too small. Decode: the byte count, or -1 on a bad character or overflow. */
int dataint_base58_encode(const unsigned char *in, size_t len, char *out, size_t cap);
int dataint_base58_decode(const char *in, unsigned char *out, size_t cap);

/* The 64 bytes an eddsa-jcs-2022 signature covers: SHA-256(JCS(proof config)) followed by
 * SHA-256(JCS(document)). document must hold no "proof"; proof_config no "proofValue". 0 or -1
 * (a value JCS cannot write). */
int dataint_hash_data(const json_t *document, const json_t *proof_config, unsigned char out[64]);

/* A copy of unsecured (which must hold no "proof") with "proof" = a DataIntegrityProof of
 * cryptosuite eddsa-jcs-2022, proofPurpose assertionMethod, verificationMethod vm, created (RFC
 * 3339 text), the document's "@context" when it has one (as the cryptosuite says), and proofValue
 * "z" + base58btc of the Ed25519 signature by sk (libsodium's 64-byte secret key). Ed25519 is
 * deterministic: the same input gives the same bytes. NULL on failure. */
json_t *dataint_sign(const json_t *unsecured, const char *vm, const char *created,
                     const unsigned char sk[64]);

/* Checks the single proof of secured: a DataIntegrityProof, cryptosuite eddsa-jcs-2022, its
 * "@context" (when present) equal to the document's, and the signature by pk over the hash data.
 * 0, or -1 with the reason in why (whylen bytes). */
int dataint_verify(const json_t *secured, const unsigned char pk[32], char *why, size_t whylen);

#endif
