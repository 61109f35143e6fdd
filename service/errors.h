/* errors.h: the one registry of error codes. Each code fixes its HTTP status and title;
 * domain functions return these codes and the HTTP layer renders them as problem+json. */
#ifndef DDC_ERRORS_H
#define DDC_ERRORS_H

#define DDC_ERRORS(X)                                                                              \
  X(OK, "ok", 200, "OK")                                                                           \
  X(BAD_JSON, "bad_json", 400, "Malformed JSON")                                                   \
  X(JSON_DUPLICATE_KEY, "json_duplicate_key", 400, "Duplicate key in JSON object")                 \
  X(JSON_TOO_DEEP, "json_too_deep", 400, "JSON nested too deeply")                                 \
  X(MISSING_FIELD, "missing_field", 400, "A required field is missing")                            \
  X(INVALID_FIELD, "invalid_field", 400, "A field has an invalid value")                           \
  X(UNKNOWN_FIELD, "unknown_field", 400, "The request has a field this operation does not take")   \
  X(MALFORMED_ROW, "malformed_row", 400, "A row of the upload cannot be read")                     \
  X(INVALID_PARAMETER, "invalid_parameter", 400, "A parameter has an invalid value")               \
  X(UNKNOWN_PARAMETER, "unknown_parameter", 400,                                                   \
    "The request has a parameter this route does not take")                                        \
  X(BAD_HEADER, "bad_header", 400, "A header has an invalid value")                                \
  X(UNAUTHORIZED, "unauthorized", 401, "Missing or invalid API key")                               \
  X(INSUFFICIENT_FUNDS, "insufficient_funds", 402, "The balance does not cover the price")         \
  X(FORBIDDEN, "forbidden", 403, "This account may not do that")                                   \
  X(ACCOUNT_FROZEN, "account_frozen", 403, "The account is frozen")                                \
  X(CSRF_REJECTED, "csrf_rejected", 403,                                                           \
    "A session's state-changing request lacks its CSRF token or comes from another site")          \
  X(CROSS_ISSUER_NOT_APPROVED, "cross_issuer_not_approved", 403,                                   \
    "The receiving side's issuer has not approved certificates of this issuer")                    \
  X(HOLDER_SIGNATURE_REQUIRED, "holder_signature_required", 403,                                   \
    "The owner registered a holder key: its signature is required")                                \
  X(HOLDER_SIGNATURE_INVALID, "holder_signature_invalid", 403,                                     \
    "The holder signature does not verify")                                                        \
  X(HOLDER_SIGNATURE_EXPIRED, "holder_signature_expired", 403,                                     \
    "The holder signature's deadline has passed")                                                  \
  X(NOT_FOUND, "not_found", 404, "No such resource")                                               \
  X(ROUTE_NOT_FOUND, "route_not_found", 404, "No such route")                                      \
  X(METHOD_NOT_ALLOWED, "method_not_allowed", 405, "Method not allowed on this route")             \
  X(OPERATOR_NOT_FREEZABLE, "operator_not_freezable", 409, "Operator accounts cannot be frozen")   \
  X(ISSUER_NOT_FOUND, "issuer_not_found", 409, "The named issuer does not exist")                  \
  X(KEY_PREFIX_TAKEN, "key_prefix_taken", 409, "API key prefix already in use; retry")             \
  X(WRONG_ACCOUNT_ROLE, "wrong_account_role", 409,                                                 \
    "The account does not have the role this needs")                                               \
  X(RECHARGE_REFERENCE_CONFLICT, "recharge_reference_conflict", 409,                               \
    "The reference was used for a different recharge")                                             \
  X(BALANCE_LIMIT, "balance_limit", 409, "The balance would exceed 2^53 minor units")              \
  X(EXTERNAL_REF_TAKEN, "external_ref_taken", 409,                                                 \
    "The issuer already has a certificate with this external_ref")                                 \
  X(DUPLICATE_ROW, "duplicate_row", 409, "The external_ref is on an earlier row of the same file") \
  X(BATCH_FINAL, "batch_final", 409, "The batch has already finished")                             \
  X(CERTIFICATE_FROZEN, "certificate_frozen", 409, "The certificate is frozen")                    \
  X(CERTIFICATE_NOT_FROZEN, "certificate_not_frozen", 409, "The certificate is not frozen")        \
  X(CERTIFICATE_FINAL, "certificate_final", 409, "The certificate is revoked or burned")           \
  X(RECIPIENT_INVALID, "recipient_invalid", 409, "That account cannot take this role")             \
  X(HOLDER_KEY_NOT_SET, "holder_key_not_set", 409, "The owner has not registered a holder key")    \
  X(NONCE_REUSED, "nonce_reused", 409, "The holder signature's nonce was already used")            \
  X(KEY_RETIRED, "key_retired", 409, "The signing key is retired")                                 \
  X(DOMAIN_NOT_CLAIMED, "domain_not_claimed", 409, "The issuer has not claimed a domain")          \
  X(DOMAIN_CHANGED, "domain_changed", 409,                                                         \
    "The claimed domain changed while it was being checked")                                       \
  X(DOMAIN_CHECK_FAILED, "domain_check_failed", 422,                                               \
    "The domain does not serve the issuer's DID document over HTTPS")                              \
  X(SIGNING_KEY_RETIRED, "signing_key_retired", 409,                                               \
    "The issuer's signing key changed while the request ran; retry")                               \
  X(IS_EDITION, "is_edition", 409, "The certificate is an edition: move its units instead")        \
  X(INSUFFICIENT_UNITS, "insufficient_units", 409, "The holder does not hold that many units")     \
  X(EDITION_NOT_MINTABLE, "edition_not_mintable", 409, "The edition's supply is fixed")            \
  X(SUPPLY_LIMIT, "supply_limit", 409, "The supply would exceed 2^53 units")                       \
  X(PRICE_BELOW_FLOOR, "price_below_floor", 409,                                                   \
    "The price is below the floor the operator set for the platform")                              \
  X(URI_ALREADY_SET, "uri_already_set", 409, "The certificate's URI is set; it is written once")   \
  X(CERTIFICATE_EXPORTING, "certificate_exporting", 409,                                           \
    "The certificate is being exported to another operator: it is locked")                         \
  X(CERTIFICATE_MOVED, "certificate_moved", 409, "The certificate moved to another operator")      \
  X(PEER_NOT_FOUND, "peer_not_found", 409, "No peer operator is pinned under that name")           \
  X(EXPORT_NOT_PENDING, "export_not_pending", 409, "The certificate has no export pending")        \
  X(EXPORT_DEADLINE_NOT_PASSED, "export_deadline_not_passed", 409,                                 \
    "The export may be cancelled only after its deadline")                                         \
  X(EXPORT_COMPLETED, "export_completed", 409,                                                     \
    "The export was completed: the certificate moved to the other operator")                       \
  X(BATCH_REFUSED, "batch_refused", 422, "Items of the batch were refused; nothing was applied")   \
  X(WEBHOOK_LIMIT, "webhook_limit", 409, "The account has as many webhooks as it may have")        \
  X(PEER_EXISTS, "peer_exists", 409, "A peer with this name or log key is pinned already")         \
  X(PEER_UNKNOWN, "peer_unknown", 401, "No pinned peer has the key that signed this request")      \
  X(PEER_SIGNATURE_INVALID, "peer_signature_invalid", 401,                                         \
    "DDC-Peer-Signature is missing, malformed or does not verify")                                 \
  X(PEER_SIGNATURE_EXPIRED, "peer_signature_expired", 401,                                         \
    "DDC-Peer-Signature was made more than 300 seconds from now")                                  \
  X(PACKET_INVALID, "packet_invalid", 422, "The transfer packet was refused")                      \
  X(PACKET_REPLAYED, "packet_replayed", 409, "This export was imported already")                   \
  X(EXPORT_CLOSED, "export_closed", 409, "This export was closed here: it is never imported")      \
  X(IMPORT_NOT_FOUND, "import_not_found", 404, "No import of this export here")                    \
  X(URI_TOO_LONG, "uri_too_long", 414, "Request path too long")                                    \
  X(LENGTH_REQUIRED, "length_required", 411, "Content-Length required")                            \
  X(BODY_TOO_LARGE, "body_too_large", 413, "Request body too large")                               \
  X(UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", 415, "Unsupported Content-Type")             \
  X(IDEMPOTENCY_KEY_REUSED, "idempotency_key_reused", 422,                                         \
    "The Idempotency-Key was used with a different request")                                       \
  X(RATE_LIMITED, "rate_limited", 429, "Rate limit exceeded")                                      \
  X(INTERNAL, "internal", 500, "Internal error")                                                   \
  X(DB_UNAVAILABLE, "db_unavailable", 503, "Database unavailable")                                 \
  X(PEER_UNREACHABLE, "peer_unreachable", 503,                                                     \
    "The peer operator did not answer; the export stays locked")                                   \
  X(SCHEMA_OUTDATED, "schema_outdated", 503, "Database schema is not the one this ddcd needs")     \
  X(SHUTTING_DOWN, "shutting_down", 503, "The service is shutting down")

enum ddc_err {
#define DDC_ERR_ENUM(name, code, status, title) DDC_ERR_##name,
  DDC_ERRORS(DDC_ERR_ENUM)
#undef DDC_ERR_ENUM
      DDC_ERR_COUNT
};

struct ddc_error_info {
  const char *code;  /* stable machine-readable code, e.g. "invalid_field" */
  unsigned status;   /* HTTP status it always maps to */
  const char *title; /* short human summary */
};

const struct ddc_error_info *errors_info(enum ddc_err e);

/* The detail of the last rule failure on this thread (the database names what failed and why):
 * a sentence and a JSON object of extra problem members, such as {"field":"to"}. */
void errors_set_detail(enum ddc_err e, const char *detail, const char *extra_json);
/* The detail recorded for e since the last errors_clear, or NULL; *extra_json gets the members
 * ("" when none). */
const char *errors_detail(enum ddc_err e, const char **extra_json);
void errors_clear(void);
/* Records a refusal of the field named (NULL: of the request as a whole; a name made of a
 * client's metadata keys is escaped and cut short to fit) with a printf-style detail, and returns
 * e: how domain code says which field was wrong. */
enum ddc_err errors_refuse(enum ddc_err e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
