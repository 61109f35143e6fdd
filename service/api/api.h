/* api.h: every HTTP handler. Handlers parse and validate, call one domain function, render. */
#ifndef DDC_API_H
#define DDC_API_H
#include <jansson.h>
#include "http/body.h"
#include "http/request.h"
#include "http/routes.h"

/* health.c */
void api_healthz(struct req *r);
void api_readyz(struct req *r);
void api_metrics(struct req *r);
/* accounts.c */
void api_accounts_create(struct req *r);
void api_accounts_get(struct req *r);
void api_accounts_list(struct req *r);
void api_accounts_freeze(struct req *r);
void api_accounts_unfreeze(struct req *r);
/* api_keys.c */
void api_keys_create(struct req *r);
void api_keys_list(struct req *r);
void api_keys_delete(struct req *r);
/* prices.c */
void api_prices_list(struct req *r);
void api_prices_set(struct req *r);
void api_prices_delete(struct req *r);
/* billing.c */
void api_recharges_create(struct req *r);
void api_balance_get(struct req *r);
void api_journal_list(struct req *r);
void api_statement_get(struct req *r);
void api_rollup_get(struct req *r);
/* batch_ops.c */
void api_recharges_batch(struct req *r);
void api_certs_batch(struct req *r);
void api_certs_uri_put(struct req *r);
/* events.c */
void api_events_list(struct req *r);
/* certificates.c */
void api_certs_create(struct req *r);
void api_certs_get(struct req *r);
void api_certs_list(struct req *r);
void api_certs_document(struct req *r);
void api_certs_events(struct req *r);
/* cert_ops.c */
struct lifecycle_holder_sig;
/* A body's holder_signature member, checked, into *hs: 1, or 0 when absent, -1 (400 queued). */
int api_holder_sig(struct req *r, json_t *body, struct lifecycle_holder_sig *hs);
/* body_checked(fields) plus its holder_signature: *sig is hs or NULL; NULL with a 400 queued. */
json_t *api_body_signed(struct req *r, const struct field_spec *fields,
                        struct lifecycle_holder_sig *hs, const struct lifecycle_holder_sig **sig);
void api_certs_transfer(struct req *r);
void api_certs_approve(struct req *r);
void api_certs_freeze(struct req *r);
void api_certs_unfreeze(struct req *r);
void api_certs_revoke(struct req *r);
void api_certs_burn(struct req *r);
/* cross-operator transfer, the source side (api/exports.c) */
void api_certs_export(struct req *r);
void api_certs_export_cancel(struct req *r);
/* editions.c */
void api_editions_create(struct req *r);
void api_editions_balances(struct req *r);
void api_editions_transfer(struct req *r);
void api_editions_burn(struct req *r);
void api_editions_mint_more(struct req *r);
void api_account_editions(struct req *r);
/* approvals.c */
void api_operators_set(struct req *r);
void api_operators_list(struct req *r);
void api_approvals_set(struct req *r);
void api_approvals_list(struct req *r);
void api_holder_key_put(struct req *r);
void api_holder_key_get(struct req *r);
/* sessions.c */
void api_session_create(struct req *r);
void api_session_get(struct req *r);
void api_session_delete(struct req *r);
/* signing_keys.c */
void api_signing_keys_create(struct req *r);
void api_signing_keys_list(struct req *r);
void api_signing_keys_retire(struct req *r);
/* status.c */
void api_status_get(struct req *r);
/* ledger.c */
void api_log_key(struct req *r);
void api_log_checkpoint(struct req *r);
void api_log_witnesses(struct req *r);
void api_log_inclusion(struct req *r);
void api_log_consistency(struct req *r);
void api_log_tile(struct req *r);
/* verify.c */
void api_verify_code(struct req *r);
void api_verify_bundle_get(struct req *r);
void api_verify_by_content(struct req *r);
void api_verify_post(struct req *r);
void api_certs_proof(struct req *r);
/* batches.c */
void api_batches_create(struct req *r);
void api_batches_get(struct req *r);
void api_batches_progress(struct req *r);
void api_batches_cancel(struct req *r);
void api_batches_errors(struct req *r);
void api_batches_certificates(struct req *r);
/* webhooks.c */
void api_webhooks_create(struct req *r);
void api_webhooks_list(struct req *r);
void api_webhooks_get(struct req *r);
void api_webhooks_delete(struct req *r);
void api_webhooks_enable(struct req *r);
void api_webhooks_deliveries(struct req *r);
/* peers.c: the pins, and the check of peer-signed requests (installed with routes_peer_install) */
struct peer_pin;
void api_peers_create(struct req *r);
void api_peers_list(struct req *r);
int api_peer_check(struct req *r);
void api_peer_imports_create(struct req *r);
void api_peer_imports_get(struct req *r);
void api_peer_imports_close(struct req *r);
/* The pin that signed the request this thread answers (after api_peer_check passed). */
const struct peer_pin *api_peer_caller(void);
/* web.c */
void api_web_init(const char *public_url); /* "" : the page URL comes from the Host header */
/* The public URL (no final '/'): DDC_PUBLIC_URL, else http:// and a well-formed Host header, else
 * http://127.0.0.1:8080. */
void api_public_base(struct req *r, char *out, size_t cap);
void api_web_index(struct req *r);
void api_web_cert(struct req *r);
void api_web_console(struct req *r); /* the issuer's console, web/console/ */
void api_web_qr(struct req *r);
void api_web_static(struct req *r);
/* credentials.c */
void api_vc_code(struct req *r);
void api_certs_vc(struct req *r);
void api_vc_context(struct req *r);
void api_did_issuer(struct req *r);
void api_did_domain(struct req *r);
void api_domain_put(struct req *r);
void api_domain_check(struct req *r);
void api_profile_put(struct req *r);
void api_well_known_log(struct req *r);
/* chain.c */
void api_chain_anchors(struct req *r);

/* Every route of ddcd (api/routes.c), for server_start. */
extern const struct route api_routes[];
extern const int api_routes_count;

#endif
