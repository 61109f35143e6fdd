/* cli.c: `ddcd verify BUNDLE.json [--log-key KEY] [--witness-key KEY ...]
 * [--witness-quorum K]`: checks a proof bundle offline, with no database and no network, and
 * prints each check. The log key to trust is --log-key (a C2SP verifier key, as GET /v1/log/key
 * serves it); without it, the bundle's own, which proves integrity but not whose log it is. With
 * witness keys (type 4, c2sp.org/tlog-cosignature), the checkpoint must carry cosignatures by K
 * of them (default a majority) to count as anchored. With --rpc URL, the bundle's chain anchor is
 * also asked of the chain (eth_call anchoredAt on its contract). Exit 0: every check passed against
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
                  " [--witness-quorum K] [--rpc URL]\n"
                  "                   [--peer-key KEY [--peer-witness-key KEY ...]"
                  " [--peer-witness-quorum K]]\n"
                  "       ddcd verify CRED.json --did-doc FILE [--status-list FILE ...]"
                  " [--bundle FILE] [--log-key KEY] [--witness-key KEY ...]\n");
  return 2;
}

/* The files a credential is checked with: --did-doc, --status-list (up to 3), --bundle. */
struct verify_files {
  const char *did_doc, *lists[4], *bundle;
  int n_lists;
};

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
static int verify_args(int argc, char **argv, const char **file, const char **rpc,
                       struct bundle_trust *t, struct note_verifier *log, struct note_verifier *w,
                       struct verify_files *f, struct verify_peer *peer)
{
  long quorum = 0;
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
      *rpc = v, i++;
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

/* --rpc: one more check, chain_anchor_on_chain, asked of the chain itself. */
static void verify_on_chain(json_t *verdict, json_t *bundle, const char *rpc)
{
  char detail[256];
  int init = rpc_global_init() == 0;
  int ok = init && chainproof_on_chain(bundle, rpc, detail, sizeof detail) == 1;
  if (!init) snprintf(detail, sizeof detail, "libcurl failed to initialise");
  json_array_append_new(
      json_object_get(verdict, "checks"),
      json_pack("{s:s, s:b, s:s}", "name", "chain_anchor_on_chain", "ok", ok, "detail", detail));
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

int verify_cli(int argc, char **argv)
{
  const char *file = NULL, *rpc = NULL;
  struct note_verifier v, w[BUNDLE_WITNESSES_MAX];
  struct bundle_trust t = {0};
  struct verify_files f = {0};
  struct verify_peer peer = {0};
  int rc = verify_args(argc, argv, &file, &rpc, &t, &v, w, &f, &peer);
  if (rc) return rc;
  json_t *input = verify_load(file), *verdict = NULL;
  if (!input) return 2;
  int cred = json_object_get(input, "@context") != NULL;
  if (cred)
    verdict = verify_credential(input, &f, &t);
  else
    verdict = bundle_verdict(input, &t);
  if (verdict && rpc && !cred) verify_on_chain(verdict, input, rpc);
  json_decref(input);
  if (!verdict) return 2;
  int failed = 0;
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(verdict, "checks"), i, c)
  {
    int ok = json_is_true(json_object_get(c, "ok"));
    failed |= !ok;
    printf("%s %s: %s\n", ok ? "\u2713" : "\u2717", json_string_value(json_object_get(c, "name")),
           json_string_value(json_object_get(c, "detail")));
  }
  verify_print_provenance(verdict, &t);
  const char *result = json_string_value(json_object_get(verdict, "result"));
  printf("result: %s%s\n", result,
         !strcmp(result, "not_checked_in_log") ? " (no --bundle: the log was not consulted)"
         : t.log                               ? ""
                                               : " (trusting the bundle's own log key)");
  rc = failed                                  ? 1
       : !strcmp(result, "not_checked_in_log") ? 4
       : strcmp(result, "valid")               ? 3
       : t.log                                 ? 0
                                               : 4;
  json_decref(verdict);
  return rc;
}
