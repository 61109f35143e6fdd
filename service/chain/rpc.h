/* rpc.h: an Ethereum JSON-RPC 2.0 client over HTTP (libcurl) with timeouts and retries with
 * backoff. A client belongs to one thread. */
#ifndef DDC_RPC_H
#define DDC_RPC_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum rpc_status {
  RPC_OK,
  RPC_DOWN,  /* no answer after the retries (connection refused, timeout, HTTP error) */
  RPC_ERROR, /* the node answered with a JSON-RPC error; its message is in err */
};

struct rpc_client {
  char url[1024];
  void *curl;
  long timeout_ms; /* per attempt, default 5000 */
  int attempts;    /* default 3; waits 200 ms, 400 ms, ... in between */
  uint64_t next_id;
  char err[256]; /* why the last call failed */
  void *headers; /* the request's headers (a curl_slist): Content-Type, then rpc_header's */
};

/* Once per process, before threads start. 0 or -1. */
int rpc_global_init(void);
int rpc_open(struct rpc_client *c, const char *url);
void rpc_close(struct rpc_client *c);
/* One more header sent on every call ("Name: value", e.g. a gateway's x-api-key). 0 or -1. */
int rpc_header(struct rpc_client *c, const char *line);
/* Calls method with params (a JSON array, stolen); *result gets the answer's result (a new
 * reference) on RPC_OK. */
enum rpc_status rpc_call(struct rpc_client *c, const char *method, json_t *params, json_t **result);
/* Parses an Ethereum QUANTITY ("0x1a"); 0 or -1. */
int rpc_quantity(const json_t *v, uint64_t *out);
/* "0x" + hex of b[0..n), malloc'ed. */
char *rpc_hex(const uint8_t *b, size_t n);
/* Decodes a DATA string ("0x...") into a malloc'ed buffer; NULL if malformed. */
uint8_t *rpc_unhex(const json_t *v, size_t *n);

#endif
