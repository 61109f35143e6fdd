/* routes.c: every route of ddcd, in one table: method, path pattern, handler, roles, body, query
 * parameters. main.c hands it to server_start; http/ knows no handler. */
#include "api/api.h"
#include "http/routes.h"

#define ANY ROLE_ANY
#define OP ROLE_OPERATOR
#define OP_ISS (ROLE_OPERATOR | ROLE_ISSUER)
#define ISS ROLE_ISSUER
#define HOLDER ROLE_HOLDER
/* the platform tier: platforms act on their own issuers where operators act on any */
#define PLAT ROLE_PLATFORM
#define OP_PLAT (ROLE_OPERATOR | ROLE_PLATFORM)
#define OP_PLAT_ISS (ROLE_OPERATOR | ROLE_PLATFORM | ROLE_ISSUER)
#define OP_ISS_HOLDER (ROLE_OPERATOR | ROLE_ISSUER | ROLE_HOLDER)

static const char *const accounts_list_query[] = {"role", "limit", "cursor", NULL};
static const char *const issuer_query[] = {"issuer_id", NULL};
static const char *const inclusion_query[] = {"index", "size", NULL};
static const char *const consistency_query[] = {"from", "to", NULL};
static const char *const content_query[] = {"content_hash", NULL};
static const char *const anchors_query[] = {"limit", "cursor", NULL};
static const char *const journal_query[] = {"currency", "limit", "cursor", NULL};
static const char *const statement_query[] = {"currency", "from", "to", NULL};
static const char *const batches_query[] = {"kind", "mode", "dry_run", NULL};
static const char *const lang_query[] = {"lang", NULL};
static const char *const page_query[] = {"limit", "cursor", NULL};
static const char *const holder_query[] = {"holder", NULL};
static const char *const events_query[] = {"after", "limit", "type", NULL};
static const char *const certs_query[] = {"issuer_id",   "owner_id",  "status",       "kind",
                                          "limit",       "cursor",    "external_ref", "q",
                                          "issued_from", "issued_to", "order",        NULL};

const struct route api_routes[] = {
    {"GET", "/", api_web_index, 0, BODY_NONE, lang_query},
    {"GET", "/c/{code}", api_web_cert, 0, BODY_NONE, lang_query},
    {"GET", "/c/{code}/qr.svg", api_web_qr, 0, BODY_NONE, NULL},
    {"GET", "/static/{file*}", api_web_static, 0, BODY_NONE, NULL},
    {"GET", "/console", api_web_console, 0, BODY_NONE, lang_query},
    {"POST", "/v1/session", api_session_create, 0, BODY_JSON, NULL},
    {"GET", "/v1/session", api_session_get, ANY, BODY_NONE, NULL},
    {"DELETE", "/v1/session", api_session_delete, ANY, BODY_NONE, NULL},
    {"GET", "/healthz", api_healthz, 0, BODY_NONE, NULL},
    {"GET", "/readyz", api_readyz, 0, BODY_NONE, NULL},
    {"GET", "/metrics", api_metrics, 0, BODY_NONE, NULL},
    {"GET", "/v1/log/key", api_log_key, 0, BODY_NONE, NULL},
    {"GET", "/v1/log/checkpoint", api_log_checkpoint, 0, BODY_NONE, NULL},
    {"GET", "/v1/log/witnesses", api_log_witnesses, 0, BODY_NONE, NULL},
    {"GET", "/v1/log/proof/inclusion", api_log_inclusion, 0, BODY_NONE, inclusion_query},
    {"GET", "/v1/log/proof/consistency", api_log_consistency, 0, BODY_NONE, consistency_query},
    {"GET", "/v1/log/tile/{tile*}", api_log_tile, 0, BODY_NONE, NULL},
    {"GET", "/v1/verify", api_verify_by_content, 0, BODY_NONE, content_query},
    {"POST", "/v1/verify", api_verify_post, 0, BODY_JSON, NULL},
    {"GET", "/v1/verify/{code}", api_verify_code, 0, BODY_NONE, holder_query},
    {"GET", "/v1/verify/{code}/bundle", api_verify_bundle_get, 0, BODY_NONE, NULL},
    /* W3C credentials, DID documents, the issuer profile (api/credentials.c) */
    {"GET", "/.well-known/ddc-log", api_well_known_log, 0, BODY_NONE, NULL},
    {"GET", "/contexts/ddc/v1", api_vc_context, 0, BODY_NONE, NULL},
    {"GET", "/issuers/{id}/did.json", api_did_issuer, 0, BODY_NONE, NULL},
    {"GET", "/v1/verify/{code}/vc", api_vc_code, 0, BODY_NONE, NULL},
    {"GET", "/v1/certificates/{ddc_id}/vc", api_certs_vc, ANY, BODY_NONE, NULL},
    {"PUT", "/v1/accounts/{id}/profile", api_profile_put, OP_ISS, BODY_JSON, NULL},
    {"PUT", "/v1/accounts/{id}/domain", api_domain_put, OP_ISS, BODY_JSON, NULL},
    {"GET", "/v1/accounts/{id}/domain/did.json", api_did_domain, OP_ISS, BODY_NONE, NULL},
    {"POST", "/v1/accounts/{id}/domain/check", api_domain_check, OP_ISS, BODY_JSON_OPTIONAL, NULL},
    {"GET", "/v1/chain/anchors", api_chain_anchors, 0, BODY_NONE, anchors_query},
    {"GET", "/v1/status/{issuer_id}/{purpose}/{list}", api_status_get, 0, BODY_NONE, NULL},
    {"POST", "/v1/accounts", api_accounts_create, OP_PLAT_ISS, BODY_JSON, NULL},
    {"GET", "/v1/accounts", api_accounts_list, ANY, BODY_NONE, accounts_list_query},
    {"GET", "/v1/accounts/{id}", api_accounts_get, ANY, BODY_NONE, NULL},
    {"POST", "/v1/accounts/{id}/freeze", api_accounts_freeze, OP_PLAT_ISS, BODY_JSON_OPTIONAL,
     NULL},
    {"POST", "/v1/accounts/{id}/unfreeze", api_accounts_unfreeze, OP_PLAT_ISS, BODY_JSON_OPTIONAL,
     NULL},
    {"POST", "/v1/accounts/{id}/api-keys", api_keys_create, OP_PLAT_ISS, BODY_JSON, NULL},
    {"GET", "/v1/accounts/{id}/api-keys", api_keys_list, ANY, BODY_NONE, NULL},
    {"DELETE", "/v1/api-keys/{id}", api_keys_delete, ANY, BODY_NONE, NULL},
    {"GET", "/v1/prices", api_prices_list, ANY, BODY_NONE, issuer_query},
    {"PUT", "/v1/prices/{operation}", api_prices_set, OP_PLAT, BODY_JSON, NULL},
    {"DELETE", "/v1/prices/{operation}", api_prices_delete, OP_PLAT, BODY_NONE, issuer_query},
    {"POST", "/v1/accounts/{id}/recharges", api_recharges_create, OP_PLAT_ISS, BODY_JSON, NULL},
    {"POST", "/v1/recharges/batch", api_recharges_batch, OP_PLAT, BODY_JSON, NULL},
    {"GET", "/v1/accounts/{id}/rollup", api_rollup_get, ANY, BODY_NONE, statement_query},
    {"GET", "/v1/events", api_events_list, OP_PLAT_ISS, BODY_NONE, events_query},
    {"POST", "/v1/certificates/batch/{op}", api_certs_batch, OP_ISS_HOLDER, BODY_JSON, NULL},
    {"PUT", "/v1/certificates/{ddc_id}/uri", api_certs_uri_put, OP_ISS, BODY_JSON, NULL},
    {"GET", "/v1/accounts/{id}/balance", api_balance_get, ANY, BODY_NONE, NULL},
    {"GET", "/v1/accounts/{id}/journal", api_journal_list, ANY, BODY_NONE, journal_query},
    {"GET", "/v1/accounts/{id}/statement", api_statement_get, ANY, BODY_NONE, statement_query},
    {"POST", "/v1/accounts/{id}/operators", api_operators_set, ANY, BODY_JSON, NULL},
    {"GET", "/v1/accounts/{id}/operators", api_operators_list, ANY, BODY_NONE, NULL},
    {"POST", "/v1/accounts/{id}/approvals", api_approvals_set, OP_ISS, BODY_JSON, NULL},
    {"GET", "/v1/accounts/{id}/approvals", api_approvals_list, ANY, BODY_NONE, NULL},
    {"PUT", "/v1/accounts/{id}/holder-key", api_holder_key_put, HOLDER, BODY_JSON, NULL},
    {"GET", "/v1/accounts/{id}/holder-key", api_holder_key_get, ANY, BODY_NONE, NULL},
    {"POST", "/v1/accounts/{id}/keys", api_signing_keys_create, OP_ISS, BODY_JSON_OPTIONAL, NULL},
    {"GET", "/v1/accounts/{id}/keys", api_signing_keys_list, ANY, BODY_NONE, NULL},
    {"POST", "/v1/accounts/{id}/keys/{key_id}/retire", api_signing_keys_retire, OP_ISS,
     BODY_JSON_OPTIONAL, NULL},
    {"POST", "/v1/certificates", api_certs_create, ISS, BODY_JSON, NULL},
    {"GET", "/v1/certificates", api_certs_list, ANY, BODY_NONE, certs_query},
    {"GET", "/v1/certificates/{ddc_id}", api_certs_get, ANY, BODY_NONE, NULL},
    {"GET", "/v1/certificates/{ddc_id}/document", api_certs_document, ANY, BODY_NONE, NULL},
    {"GET", "/v1/certificates/{ddc_id}/events", api_certs_events, ANY, BODY_NONE, NULL},
    {"GET", "/v1/certificates/{ddc_id}/proof", api_certs_proof, ANY, BODY_NONE, NULL},
    {"POST", "/v1/certificates/{ddc_id}/transfer", api_certs_transfer, ANY, BODY_JSON, NULL},
    {"POST", "/v1/certificates/{ddc_id}/approve", api_certs_approve, ANY, BODY_JSON, NULL},
    {"POST", "/v1/certificates/{ddc_id}/freeze", api_certs_freeze, OP_ISS, BODY_JSON_OPTIONAL,
     NULL},
    {"POST", "/v1/certificates/{ddc_id}/unfreeze", api_certs_unfreeze, OP_ISS, BODY_JSON_OPTIONAL,
     NULL},
    {"POST", "/v1/certificates/{ddc_id}/revoke", api_certs_revoke, OP_ISS, BODY_JSON, NULL},
    {"POST", "/v1/certificates/{ddc_id}/burn", api_certs_burn, ANY, BODY_JSON_OPTIONAL, NULL},
    /* cross-operator transfer, the source side */
    {"POST", "/v1/certificates/{ddc_id}/export", api_certs_export, ANY, BODY_JSON, NULL},
    {"POST", "/v1/certificates/{ddc_id}/export/cancel", api_certs_export_cancel, ANY,
     BODY_JSON_OPTIONAL, NULL},
    /* editions (DDC-1155) */
    {"POST", "/v1/editions", api_editions_create, ISS, BODY_JSON, NULL},
    {"GET", "/v1/editions/{ddc_id}/balances", api_editions_balances, ANY, BODY_NONE, page_query},
    {"POST", "/v1/editions/{ddc_id}/transfer", api_editions_transfer, ANY, BODY_JSON, NULL},
    {"POST", "/v1/editions/{ddc_id}/burn", api_editions_burn, ANY, BODY_JSON, NULL},
    {"POST", "/v1/editions/{ddc_id}/mint-more", api_editions_mint_more, ISS, BODY_JSON, NULL},
    {"GET", "/v1/accounts/{id}/editions", api_account_editions, ANY, BODY_NONE, page_query},
    {"POST", "/v1/batches", api_batches_create, ISS, BODY_STREAM, batches_query},
    {"GET", "/v1/batches/{id}", api_batches_get, OP_ISS, BODY_NONE, NULL},
    {"GET", "/v1/batches/{id}/progress", api_batches_progress, OP_ISS, BODY_NONE, NULL},
    {"POST", "/v1/batches/{id}/cancel", api_batches_cancel, OP_ISS, BODY_JSON_OPTIONAL, NULL},
    {"GET", "/v1/batches/{id}/errors", api_batches_errors, OP_ISS, BODY_NONE, NULL},
    {"GET", "/v1/batches/{id}/certificates", api_batches_certificates, OP_ISS, BODY_NONE, NULL},
    {"POST", "/v1/webhooks", api_webhooks_create, ANY, BODY_JSON, NULL},
    {"GET", "/v1/webhooks", api_webhooks_list, ANY, BODY_NONE, NULL},
    {"GET", "/v1/webhooks/{id}", api_webhooks_get, ANY, BODY_NONE, NULL},
    {"DELETE", "/v1/webhooks/{id}", api_webhooks_delete, ANY, BODY_NONE, NULL},
    {"POST", "/v1/webhooks/{id}/enable", api_webhooks_enable, ANY, BODY_JSON_OPTIONAL, NULL},
    {"GET", "/v1/webhooks/{id}/deliveries", api_webhooks_deliveries, ANY, BODY_NONE, page_query},
    /* cross-operator transfer: pins, and the routes a pinned peer calls (signed, no API key) */
    {"POST", "/v1/peers", api_peers_create, OP, BODY_JSON, NULL},
    {"GET", "/v1/peers", api_peers_list, OP, BODY_NONE, NULL},
    {"POST", "/v1/peer/imports", api_peer_imports_create, ROUTE_PEER, BODY_JSON, NULL},
    {"GET", "/v1/peer/imports/{source_keyid}/{export_id}", api_peer_imports_get, ROUTE_PEER,
     BODY_NONE, NULL},
    {"POST", "/v1/peer/imports/{source_keyid}/{export_id}/close", api_peer_imports_close,
     ROUTE_PEER, BODY_JSON_OPTIONAL, NULL},
};
const int api_routes_count = sizeof api_routes / sizeof api_routes[0];
