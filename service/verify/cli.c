/* cli.c: `ddcd verify BUNDLE.json [--log-key KEY] [--witness-key KEY ...]
 * [--witness-quorum K]`: checks a proof bundle offline, with no database and no network, and
 * prints each check. The log key to trust is --log-key (a C2SP verifier key, as GET /v1/log/key
 * serves it); without it, the bundle's own, which proves integrity but not whose log it is. With
 * witness keys (type 4, c2sp.org/tlog-cosignature), the checkpoint must carry cosignatures by K
 * of them (default a majority) to count as anchored. With --rpc NAME=URL (once per chain), the
 * bundle's anchor on the chain NAME is also asked of that chain (eth_call anchoredAt on its
 * contract), with the header lines --rpc-header NAME:Header=value gives (a gateway's x-api-key);
 * --rpc URL names no chain: the bundle's only anchor, or the one named default. The output says
 * which chains hold it; --json prints the verdict as JSON instead of lines. Exit 0: every check
 * passed against
 * --log-key and the certificate is valid; 1: a check failed; 3: every check passed but the
 * certificate is not valid (revoked, frozen, burned, expired, not yet valid or not yet anchored);
 * 4: every check passed but no --log-key was given, so the log could be anyone's; 2: usage or
 * unreadable input.
 * `ddcd verify CRED.json --did-doc FILE [--status-list FILE ...] [--bundle FILE] [--log-key KEY]
 * ...`: a W3C Verifiable Credential instead (verify/vc.h): its proof against the issuer's DID
 * document, its status bits in the status list credentials, and with the certificate's bundle the
 * log's checks against --log-key. Exit codes as above; 4 also when no bundle was given.
 * An imported certificate's bundle (another operator's ddcd exported it here) carries its
 * source's bundle, judged under the source's log key that this log's imported event names, or
 * under --peer-key KEY [--peer-witness-key KEY ...] [--peer-witness-quorum K] when the verifier
 * pins the source itself; the provenance is printed. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "chain/rpc.h"
#include "verify/bundle.h"
#include "verify/chainproof.h"
#include "verify/cli.h"
#include "verify/note.h"
#include "verify/vc.h"

static int verify_usage(const char *why)
{
  if (why) fprintf(stderr, "ddcd verify: %s\n", why);
  fprintf(stderr, "usage: ddcd verify BUNDLE.json [--log-key KEY] [--witness-key KEY ...]"
                  " [--witness-quorum K] [--rpc [NAME=]URL ...]\n"
                  "       [--rpc-header [NAME:]Header=value ...] [--json]\n"
                  "       [--peer-key KEY [--peer-witness-key KEY ...] [--peer-witness-quorum K]]\n"
                  "       ddcd verify CRED.json --did-doc FILE [--status-list FILE ...]"
                  " [--bundle FILE] [--log-key KEY] [--witness-key KEY ...]\n");
  return 2;
}

#define VERIFY_RPCS_MAX 16

/* The files a credential is checked with: --did-doc, --status-list (up to 3), --bundle; the
 * chains to ask (--rpc, --rpc-header); --json. */
struct verify_files {
  const char *did_doc, *lists[4], *bundle;
  int n_lists;
  struct chainproof_rpc rpcs[VERIFY_RPCS_MAX];
  int n_rpcs, json;
};

/* --rpc [NAME=]URL: one more chain to ask, each name once. 0 or an exit code. */
static int verify_arg_rpc(struct verify_files *f, const char *v)
{
  struct chainproof_rpc *r = &f->rpcs[f->n_rpcs];
  if (f->n_rpcs == VERIFY_RPCS_MAX) return verify_usage("too many --rpc");
  if (chainproof_rpc_parse(v, r) != 0)
    return verify_usage("--rpc is not NAME=URL or URL (http:// or https://)");
  for (int i = 0; i < f->n_rpcs; i++)
    if (!strcmp(f->rpcs[i].name, r->name)) return verify_usage("--rpc names a chain twice");
  f->n_rpcs++;
  return 0;
}

/* --rpc-header [NAME:]Header=value, after the --rpc it is for. 0 or an exit code. */
static int verify_arg_header(struct verify_files *f, const char *v)
{
  char name[CHAINPROOF_NAME_MAX], line[CHAINPROOF_HEADER_MAX];
  if (chainproof_header_parse(v, name, line) != 0)
    return verify_usage("--rpc-header is not [NAME:]Header=value");
  for (int i = 0; i < f->n_rpcs; i++) {
    struct chainproof_rpc *r = &f->rpcs[i];
    if (strcmp(r->name, name)) continue;
    if (r->n_headers == CHAINPROOF_HEADERS_MAX) return verify_usage("too many --rpc-header");
    memcpy(r->headers[r->n_headers++], line, sizeof line);
    return 0;
  }
  return verify_usage("--rpc-header names no chain an --rpc before it gave");
}

/* The source operator's keys an imported certificate's bundle is checked against. */
struct verify_peer {
  struct bundle_trust t;
  struct note_verifier log, w[BUNDLE_WITNESSES_MAX];
  long quorum;
};

/* One --peer-* option with its value v; 1 taken, 0 not a peer option, or an exit code. */
static int verify_peer_arg(const char *a, const char *v, struct verify_peer *p)
{
  struct bundle_trust *t = &p->t;
  char *end;
  if (!v || strncmp(a, "--peer-", 7) != 0) return 0;
  if (!strcmp(a, "--peer-key")) {
    if (note_verifier_parse(&p->log, v) != 0 || p->log.alg != NOTE_ALG_ED25519)
      return verify_usage("--peer-key is not a C2SP Ed25519 verifier key");
    t->log = &p->log;
  } else if (!strcmp(a, "--peer-witness-key")) {
    if (t->n_witnesses == BUNDLE_WITNESSES_MAX || note_verifier_parse(&p->w[t->n_witnesses], v) ||
        p->w[t->n_witnesses].alg != NOTE_ALG_COSIGNATURE)
      return verify_usage("--peer-witness-key is not a C2SP cosignature verifier key");
    t->n_witnesses++;
  } else if (!strcmp(a, "--peer-witness-quorum")) {
    p->quorum = strtol(v, &end, 10);
    if (*end || p->quorum < 1 || (size_t)p->quorum > BUNDLE_WITNESSES_MAX)
      return verify_usage("--peer-witness-quorum is not a positive integer");
  } else
    return 0;
  return 1;
}

/* The pinned source's trust (NULL without --peer-key); 0 or an exit code. */
static int verify_peer_trust(struct verify_peer *p, struct bundle_trust *t)
{
  if (!p->t.log) return p->t.n_witnesses || p->quorum ? verify_usage("--peer-key is missing") : 0;
  if ((size_t)p->quorum > p->t.n_witnesses)
    return verify_usage("--peer-witness-quorum is more than the peer witness keys given");
  p->t.witnesses = p->w;
  p->t.quorum = p->quorum ? (unsigned)p->quorum : (unsigned)(p->t.n_witnesses / 2 + 1);
  t->peer = &p->t;
  return 0;
}

/* Reads the options into t (keys in log and w) and f; the file to check in *file. 0 or an exit
 * code. */
static int verify_args(int argc, char **argv, const char **file, struct bundle_trust *t,
                       struct note_verifier *log, struct note_verifier *w, struct verify_files *f,
                       struct verify_peer *peer)
{
  long quorum = 0;
  int rc;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int pa = verify_peer_arg(a, v, peer);
    if (pa > 1) return pa;
    if (pa == 1) {
      i++;
    } else if (!strcmp(a, "--log-key") && v) {
      if (note_verifier_parse(log, v) != 0 || log->alg != NOTE_ALG_ED25519)
        return verify_usage("--log-key is not a C2SP Ed25519 verifier key");
      t->log = log, i++;
    } else if (!strcmp(a, "--witness-key") && v) {
      if (t->n_witnesses == BUNDLE_WITNESSES_MAX ||
          note_verifier_parse(&w[t->n_witnesses], v) != 0 ||
          w[t->n_witnesses].alg != NOTE_ALG_COSIGNATURE)
        return verify_usage("--witness-key is not a C2SP cosignature verifier key");
      t->n_witnesses++, i++;
    } else if (!strcmp(a, "--rpc") && v) {
      if ((rc = verify_arg_rpc(f, v))) return rc;
      i++;
    } else if (!strcmp(a, "--rpc-header") && v) {
      if ((rc = verify_arg_header(f, v))) return rc;
      i++;
    } else if (!strcmp(a, "--json")) {
      f->json = 1;
    } else if (!strcmp(a, "--did-doc") && v) {
      f->did_doc = v, i++;
    } else if (!strcmp(a, "--bundle") && v) {
      f->bundle = v, i++;
    } else if (!strcmp(a, "--status-list") && v && f->n_lists < 3) {
      f->lists[f->n_lists++] = v, i++;
    } else if (!strcmp(a, "--witness-quorum") && v) {
      char *end;
      quorum = strtol(v, &end, 10), i++;
      if (*end || quorum < 1) return verify_usage("--witness-quorum is not a positive integer");
    } else if (!*file && a[0] != '-')
      *file = a;
    else
      return verify_usage(NULL);
  }
  if (!*file) return verify_usage(NULL);
  if ((size_t)quorum > t->n_witnesses)
    return verify_usage("--witness-quorum is more than the witness keys given");
  t->witnesses = w;
  t->quorum = quorum ? (unsigned)quorum : (unsigned)(t->n_witnesses / 2 + 1);
  return verify_peer_trust(peer, t);
}

/* One check chain_anchor_on_chain for the chain r: its anchor in anchors (a private copy) asked of
 * it, the answer kept in the anchor's "_asked" (held, not_held, unreachable) for the verdict's
 * "chains". 0, or -1 when r names no chain and the bundle has several anchors, none of them
 * default (reported). */
static int verify_ask(json_t *checks, json_t *anchors, const struct chainproof_rpc *r)
{
  char detail[512];
  json_t *a = chainproof_find(anchors, r->name);
  int st = 0;
  if (!a && !*r->name && json_array_size(anchors) > 1) {
    verify_usage("--rpc URL names no chain, and the bundle has an anchor on several: give "
                 "--rpc NAME=URL for each");
    return -1;
  }
  if (!a && *r->name)
    snprintf(detail, sizeof detail, "the bundle has no anchor on %s", r->name);
  else if (!a)
    snprintf(detail, sizeof detail, "the bundle has no chain anchor");
  else
    st = chainproof_on_chain(a, r, detail, sizeof detail);
  json_array_append_new(checks, json_pack("{s:s, s:b, s:s, s:s}", "name", "chain_anchor_on_chain",
                                          "ok", st == 1, "detail", detail, "chain",
                                          a          ? chainproof_name(a)
                                          : *r->name ? r->name
                                                     : "default"));
  if (a)
    json_object_set_new(a, "_asked",
                        json_string(st == 1   ? "held"
                                    : st == 0 ? "not_held"
                                              : "unreachable"));
  return 0;
}

/* The verdict's "chains": per anchor in the bundle, {name, chain_id, block_number, tree_size,
 * on_chain: held, not_held, unreachable or not_asked}. */
static json_t *verify_chains(json_t *anchors)
{
  json_t *out = json_array(), *a;
  size_t i;
  json_array_foreach(anchors, i, a)
  {
    const char *asked = json_string_value(json_object_get(a, "_asked"));
    json_array_append_new(out, json_pack("{s:s, s:O?, s:O?, s:O?, s:s}", "name", chainproof_name(a),
                                         "chain_id", json_object_get(a, "chain_id"), "block_number",
                                         json_object_get(a, "block_number"), "tree_size",
                                         json_object_get(a, "tree_size"), "on_chain",
                                         asked ? asked : "not_asked"));
  }
  return out;
}

/* --rpc: the checks chain_anchor_on_chain, one per chain asked, and the verdict's "chains".
 * 0, or 2 when an --rpc cannot be matched with an anchor (reported). */
static int verify_on_chain(json_t *verdict, json_t *bundle, const struct verify_files *f)
{
  json_t *own = chainproof_anchors(bundle), *anchors = json_deep_copy(own);
  json_decref(own);
  int rc = 0;
  if (f->n_rpcs && rpc_global_init() != 0) {
    fprintf(stderr, "ddcd verify: libcurl failed to initialise\n");
    rc = 2;
  }
  for (int i = 0; !rc && i < f->n_rpcs; i++)
    if (verify_ask(json_object_get(verdict, "checks"), anchors, &f->rpcs[i]) != 0) rc = 2;
  json_object_set_new(verdict, "chains", verify_chains(anchors));
  json_decref(anchors);
  return rc;
}

/* The line saying which chains hold it. */
static void verify_print_chains(json_t *verdict)
{
  json_t *chains = json_object_get(verdict, "chains"), *c;
  size_t i;
  if (!json_array_size(chains)) return;
  printf("chains:");
  json_array_foreach(chains, i, c)
  {
    const char *st = json_string_value(json_object_get(c, "on_chain"));
    printf("%s %s (chain %" JSON_INTEGER_FORMAT ") %s", i ? ";" : "",
           json_string_value(json_object_get(c, "name")),
           json_integer_value(json_object_get(c, "chain_id")),
           !strcmp(st, "held")        ? "holds it"
           : !strcmp(st, "not_held")  ? "does not hold it"
           : !strcmp(st, "not_asked") ? "not asked"
                                      : "could not be asked");
  }
  printf("\n");
}

/* A JSON object from file, or NULL (reported). */
static json_t *verify_load(const char *file)
{
  json_error_t err;
  json_t *o = json_load_file(file, JSON_REJECT_DUPLICATES, &err);
  if (json_is_object(o)) return o;
  fprintf(stderr, "ddcd verify: %s: %s\n", file, o ? "not a JSON object" : err.text);
  json_decref(o);
  return NULL;
}

/* The credential's verdict; NULL when a file cannot be read (reported). */
static json_t *verify_credential(const json_t *cred, const struct verify_files *f,
                                 const struct bundle_trust *t)
{
  json_t *doc = f->did_doc ? verify_load(f->did_doc) : NULL, *lists[4] = {0}, *v = NULL;
  struct vc_inputs in = {.did_doc = doc, .trust = t};
  int ok = doc != NULL;
  if (!f->did_doc) verify_usage("a credential needs --did-doc, the issuer's DID document");
  for (int i = 0; ok && i < f->n_lists; i++)
    ok = (in.lists[i] = lists[i] = verify_load(f->lists[i])) != NULL;
  if (ok && f->bundle) ok = (in.bundle = verify_load(f->bundle)) != NULL;
  if (ok) v = vc_verdict(cred, &in);
  json_decref(doc);
  json_decref(in.bundle);
  for (int i = 0; i < 4; i++)
    json_decref(lists[i]);
  return v;
}

/* An imported certificate's source, as the verdict names it. */
static void verify_print_provenance(json_t *verdict, const struct bundle_trust *t)
{
  json_t *p = json_object_get(verdict, "imported_from");
  if (!json_is_object(p)) return;
  const char *peer = json_string_value(json_object_get(p, "peer"));
  const char *code = json_string_value(json_object_get(p, "code"));
  printf("imported from: %s, code %s, ddc_id %" JSON_INTEGER_FORMAT " (%s)\n", peer ? peer : "?",
         code ? code : "?", json_integer_value(json_object_get(p, "ddc_id")),
         t->peer ? "checked in its log under --peer-key"
                 : "checked in its log under the source log key this log's imported event names");
}

/* Prints each check and the result; the exit code. */
static int verify_print(json_t *verdict, const struct bundle_trust *t, int as_json)
{
  int failed = 0;
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(verdict, "checks"), i, c)
  {
    int ok = json_is_true(json_object_get(c, "ok"));
    failed |= !ok;
    if (!as_json)
      printf("%s %s: %s\n", ok ? "\u2713" : "\u2717", json_string_value(json_object_get(c, "name")),
             json_string_value(json_object_get(c, "detail")));
  }
  const char *result = json_string_value(json_object_get(verdict, "result"));
  if (as_json) {
    json_dumpf(verdict, stdout, JSON_INDENT(2));
    printf("\n");
  } else {
    verify_print_chains(verdict);
    verify_print_provenance(verdict, t);
    printf("result: %s%s\n", result,
           !strcmp(result, "not_checked_in_log") ? " (no --bundle: the log was not consulted)"
           : t->log                              ? ""
                                                 : " (trusting the bundle's own log key)");
  }
  return failed                                  ? 1
         : !strcmp(result, "not_checked_in_log") ? 4
         : strcmp(result, "valid")               ? 3
         : t->log                                ? 0
                                                 : 4;
}

int verify_cli(int argc, char **argv)
{
  const char *file = NULL;
  struct note_verifier v, w[BUNDLE_WITNESSES_MAX];
  struct bundle_trust t = {0};
  static struct verify_files f; /* the --rpc-header lines make it large */
  memset(&f, 0, sizeof f);
  struct verify_peer peer = {0};
  int rc = verify_args(argc, argv, &file, &t, &v, w, &f, &peer);
  if (rc) return rc;
  json_t *input = verify_load(file), *verdict = NULL;
  if (!input) return 2;
  int cred = json_object_get(input, "@context") != NULL;
  if (cred)
    verdict = verify_credential(input, &f, &t);
  else
    verdict = bundle_verdict(input, &t);
  if (verdict && !cred) rc = verify_on_chain(verdict, input, &f);
  json_decref(input);
  if (!verdict) return 2;
  if (!rc) rc = verify_print(verdict, &t, f.json);
  json_decref(verdict);
  return rc;
}
