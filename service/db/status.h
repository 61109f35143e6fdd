/* status.h: SQL of the issuers' Bitstring Status Lists (sql/functions/status.sql): drawing
 * entries for batch chunks, the backfill of old certificates, the lists waiting to be published,
 * a list's set bits, storing a publication and reading the newest. Each runs on the calling
 * thread's connection; the publishing steps inside the caller's transaction. */
#ifndef DDC_DB_STATUS_H
#define DDC_DB_STATUS_H
#include <stddef.h>
#include <stdint.h>
#include "db/pg.h"
#include "errors.h"

extern const struct db_stmt db_status_stmts[];

#define DB_STATUS_LIST_SIZE 131072 /* entries in a list (bits), 16 KiB */
#define DB_STATUS_PURPOSES 2       /* revocation, suspension: in this order below */
extern const char *const db_status_purposes[DB_STATUS_PURPOSES];

/* n entries of issuer's lists for a batch chunk (autocommit): lists[i], indexes[i]. */
enum ddc_err db_status_reserve(int64_t issuer, int n, int32_t *lists, int32_t *indexes);
/* Gives up to limit certificates minted before status lists their entries; how many, or -1. */
int db_status_backfill(int limit);
/* Up to max lists waiting to be published (any ddcd may take them). */
enum ddc_err db_status_dirty(int64_t *issuers, int32_t *lists, int max, int *n);
/* In a transaction: locks the issuer's account row (before anything else: see status.c) and
 * the list against other publishers, and takes it off the waiting ones; DDC_ERR_NOT_FOUND when
 * the issuer has no such list. */
enum ddc_err db_status_lock(int64_t issuer, int32_t list);
/* The list's bits for each purpose, set into bits[purpose] (DB_STATUS_LIST_SIZE / 8 bytes each,
 * zeroed by the caller; bit 0 is the most significant bit of byte 0): revoked, burned and moved
 * (gone to another operator for good) set revocation, frozen sets suspension; exporting sets
 * none (a lock that a refusal or a cancel lifts, and revocation is never undone). */
enum ddc_err db_status_bits(int64_t issuer, int32_t list, uint8_t *bits[DB_STATUS_PURPOSES]);
/* The SHA-256 (hex) of the bitstring last published for each purpose ("" when none). */
enum ddc_err db_status_last(int64_t issuer, int32_t list, char hex[DB_STATUS_PURPOSES][65]);
/* Stores a credential (its JCS text) and logs it (ddc_status_publish). */
enum ddc_err db_status_publish(int64_t issuer, int32_t list, const char *purpose,
                               const char *credential, const char *bits_sha256_hex,
                               const char *valid_from);
/* The newest credential of a list and purpose (malloc'ed in *credential) and its SHA-256 in hex;
 * DDC_ERR_NOT_FOUND when never published. *exists tells whether the list exists at all. */
enum ddc_err db_status_get(int64_t issuer, int32_t list, const char *purpose, char **credential,
                           char sha256_hex[65], int *exists);
/* The issuer of certificate code and, per purpose, the newest logged publication of its list: a
 * JSON array of {purpose, list, index, canonical, leaf_index} (malloc'ed; "[]" when none). */
enum ddc_err db_status_for_cert(const char *code, char **json);

#endif
