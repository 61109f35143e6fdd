/* config.h: ddcd settings, read from DDC_* environment variables with command-line flags
 * overriding them. A bad value is reported as one line naming the setting. */
#ifndef DDC_CONFIG_H
#define DDC_CONFIG_H
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include "log.h"

#define DDC_VERSION "0.1.0"
#define CONFIG_PATH_MAX 1024
#define CONFIG_WITNESSES_MAX 16
/* Room for a C2SP verifier key string: at least NOTE_VKEY_MAX (config.c checks). */
#define CONFIG_VKEY_MAX 320

/* A witness the log asks to cosign its checkpoints: its URL prefix (add-checkpoint is appended)
 * and its verifier key (c2sp.org/tlog-cosignature, type 4). */
struct config_witness {
  char url[512];
  char vkey[CONFIG_VKEY_MAX];
};

/* A chain checkpoints are anchored on: one entry of DDC_CHAINS_FILE (config_chains.c), or the
 * DDC_CHAIN_* settings, named "default". */
#define CONFIG_CHAINS_MAX 16
#define CONFIG_CHAIN_NAME_MAX 64
#define CONFIG_CHAIN_HEADERS_MAX 8
struct config_chain {
  char name[CONFIG_CHAIN_NAME_MAX]; /* ^[a-z0-9][a-z0-9_-]{0,62}$ */
  char rpc_url[CONFIG_PATH_MAX];    /* "": no chain anchoring */
  uint64_t chain_id;                /* 0: as the node says */
  char key_file[CONFIG_PATH_MAX];
  char contract[43]; /* 0x + 40 hex digits; "" until deployed */
  unsigned interval_s, confirmations;
  unsigned timeout_ms;  /* per JSON-RPC attempt */
  uint64_t max_fee_wei; /* the most a transaction offers per gas; 0: no cap */
  uint64_t gas_limit;   /* the anchor transaction's gas; 0: estimated by the node */
  char headers[CONFIG_CHAIN_HEADERS_MAX][512]; /* "Name: value", sent on every call */
  unsigned n_headers;
};

struct config {
  char listen[128];                    /* as given, e.g. "127.0.0.1:8080" */
  struct sockaddr_storage listen_addr; /* parsed form of listen */
  char database_url[CONFIG_PATH_MAX];
  char database_read_url[4 * CONFIG_PATH_MAX]; /* replicas for public reads, ';'-separated */
  unsigned read_max_lag_ms;                    /* a replica further behind is skipped */
  char data_dir[CONFIG_PATH_MAX];
  char master_key_file[CONFIG_PATH_MAX];
  unsigned threads;
  enum log_level log_level;
  int demo;                    /* init --demo */
  unsigned anchor_interval_ms; /* how often the sequencer integrates pending events */
  char log_origin[256];        /* the log's checkpoint origin and key name */
  unsigned public_rate;        /* public lookups a second per client address; 0: no limit */
  unsigned verify_cache_ms;    /* how long a verdict may be served from memory; 0: never */
  unsigned settled_cache_ms;   /* a settled bundle's upper bound in memory (while listening) */
  unsigned keep_bundles;       /* 1: settled bundles are kept in the database (031) */
  struct config_witness witnesses[CONFIG_WITNESSES_MAX];
  unsigned n_witnesses;
  unsigned witness_quorum;         /* cosignatures that make a checkpoint final (1..n_witnesses) */
  char public_url[256];            /* where the public reaches the web pages; "" : from Host */
  struct config_domain {           /* checking an issuer's claimed domain over HTTPS */
    char ca_file[CONFIG_PATH_MAX]; /* extra trust roots (PEM); "": the system's only */
    char resolve[256];             /* "HOST:PORT:ADDRESS" as curl's --resolve; "": DNS */
  } domain;
  struct config_http {
    unsigned max_conns;            /* connections at once, all clients */
    unsigned conn_per_addr;        /* ... from one IPv4 address or IPv6 /64; 0: no cap */
    unsigned conn_loopback_exempt; /* 1: loopback clients (a local proxy) are not capped */
    unsigned head_timeout_s;       /* to send a whole request head; 0: no deadline */
    unsigned body_min_rate;        /* bytes a second a body must keep up; 0: no floor */
    unsigned body_rate_grace_s;    /* ... judged over windows this long, the first a grace */
  } http;
  struct config_console {
    unsigned idle_s, max_s;   /* a console session's idle and absolute timeouts */
    unsigned signin_failures; /* failed sign-ins per address and per key prefix a window */
  } console;
  struct config_chain chain;         /* the DDC_CHAIN_* settings: one chain, "default" */
  char chains_file[CONFIG_PATH_MAX]; /* DDC_CHAINS_FILE: "" none */
  struct config_chain chains[CONFIG_CHAINS_MAX]; /* what is anchored on: the file's, or chain */
  unsigned n_chains;
  struct config_webhook {
    unsigned allow_private; /* 1: URLs may resolve to loopback/private addresses (tests) */
    unsigned backoff_max_s; /* the longest wait between two attempts of a delivery */
    unsigned give_up_s;     /* a delivery failing this long disables its endpoint */
  } webhook;
  struct config_peer {   /* cross-operator transfer (service/peer/) */
    unsigned deadline_s; /* an export's deadline, from its start */
  } peer;
  char fault_point[64]; /* tests: the fault point (service/fault.h) to die at; "": none */
};

typedef const char *(*config_getenv_fn)(const char *name);

/* Fills c from the environment (through getenv_fn) and then from argv[0..argc), which holds only
 * flags. Returns 0, or -1 with a one-line reason in err. */
int config_load(struct config *c, int argc, char **argv, config_getenv_fn getenv_fn, char *err,
                size_t errlen);
/* config_chains.c: reads the DDC_CHAINS_FILE JSON array into c->chains (the key files default
 * to DATA_DIR/chain.key). 0, or -1 with "FILE: chain N (NAME): MEMBER: reason" in err. */
int config_chains_load(struct config *c, const char *file, char *err, size_t errlen);
/* Parses "host:port" or "[v6]:port" into addr. Returns 0 or -1. */
int config_parse_listen(const char *s, struct sockaddr_storage *addr);
/* 1 when s[0..len) is a host name, IPv4 address or [IPv6] address with an optional :port
 * (1-65535), as a Host header or a URL's authority holds it. */
int config_host_valid(const char *s, size_t len);
/* The --help text: the commands, then every setting from the table. */
void config_usage(FILE *out);
/* The settings table as the README shows it: how many rows, and row i as one Markdown table
 * line, "| `ENV` | `--flag ARG` | default | meaning |"; 0, or -1 (no such row, or cap too small).
 */
size_t config_settings_count(void);
int config_settings_row(size_t i, char *out, size_t cap);

#endif
