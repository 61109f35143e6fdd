/* chainproof.h: the checks on the chain anchors in a proof bundle (per chain, the newest
 * confirmed anchor of a checkpoint root whose tree holds the certificate's events, with an RFC
 * 9162 consistency proof from its tree to the bundle's checkpoint; ledger/bundle.c adds them as
 * chain_anchors, a bundle from before several chains has the one chain_anchor): offline, and
 * against each chain with eth_call anchoredAt. Any thread. */
#ifndef DDC_CHAINPROOF_H
#define DDC_CHAINPROOF_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "verify/note.h"

#define CHAINPROOF_NAME_MAX 64     /* a chain's name and its NUL */
#define CHAINPROOF_HEADERS_MAX 8   /* extra HTTP header lines per chain asked */
#define CHAINPROOF_HEADER_MAX 1024 /* one "Name: value" line and its NUL */

/* The bundle's anchors, one per chain: its chain_anchors array, else its single chain_anchor (as
 * the chain named "default"); a new reference, an empty array when it has none. */
json_t *chainproof_anchors(json_t *b);
/* An anchor's chain name: its "name", "default" when it has none. */
const char *chainproof_name(json_t *a);
/* In anchors, the anchor on the chain named name; with name "" the only anchor, else the one
 * named default. NULL when there is none (borrowed from anchors). */
json_t *chainproof_find(json_t *anchors, const char *name);
/* One check chain_anchor per anchor in b, with the chain's name in its member "chain": its tree
 * is a prefix of the checkpoint's cp, by the consistency proof. Returns 1 all ok (or no anchor),
 * 0 one failed. */
int chainproof_check(json_t *checks, json_t *b, const struct note_checkpoint *cp);

/* A chain to ask (`ddcd verify --rpc [NAME=]URL` with its --rpc-header lines). */
struct chainproof_rpc {
  char name[CHAINPROOF_NAME_MAX]; /* "" when the option named none */
  const char *url;
  char headers[CHAINPROOF_HEADERS_MAX][CHAINPROOF_HEADER_MAX]; /* "Name: value" */
  int n_headers;
};
/* Parses "NAME=URL" or a bare "URL" (http:// or https://; an '=' after "://" belongs to the
 * URL) into r, whose url then points into arg. 0, or -1 when malformed. */
int chainproof_rpc_parse(const char *arg, struct chainproof_rpc *r);
/* Parses "NAME:Header=value" (for the chain named NAME) or "Header=value" (for the --rpc that
 * named none) into name ("" for none) and line ("Header: value"). 0, or -1 when malformed (an
 * empty or non-token header name, a CR or LF in the value, too long). */
int chainproof_header_parse(const char *arg, char name[CHAINPROOF_NAME_MAX],
                            char line[CHAINPROOF_HEADER_MAX]);
/* Anchor a asked of the chain r (eth_call anchoredAt(root) on the anchor's contract, with r's
 * headers): 1 when it was anchored at that block with that tree size, 0 not, -1 the chain cannot
 * be asked; a line saying which in detail. */
int chainproof_on_chain(json_t *a, const struct chainproof_rpc *r, char *detail, size_t cap);

#endif
