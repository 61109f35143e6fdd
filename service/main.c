/* main.c: the ddcd command line: serve, migrate, init, verify, witness, import, --help,
 * --version. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "api/api.h"
#include "batch/runner.h"
#include "chain/anchorer.h"
#include "chain/deploy.h"
#include "chain/rpc.h"
#include "config.h"
#include "crypto/apikey.h"
#include "crypto/keys.h"
#include "db/migrate.h"
#include "db/pg.h"
#include "db/reads.h"
#include "domain/account.h"
#include "domain/peer.h"
#include "domain/profile.h"
#include "fault.h"
#include "http/addrlimit.h"
#include "http/auth.h"
#include "http/authsync.h"
#include "http/respcache.h"
#include "http/routes.h"
#include "http/server.h"
#include "http/session.h"
#include "ledger/bundle.h"
#include "ledger/bundlekeep.h"
#include "ledger/logkey.h"
#include "ledger/sequencer.h"
#include "ledger/statuspub.h"
#include "ledger/verdictbuild.h"
#include "ledger/witness_client.h"
#include "log.h"
#include "peer/export.h"
#include "peer/exporter.h"
#include "peer/peersig.h"
#include "import_cli.h"
#include "verify/cli.h"
#include "webhook/worker.h"
#include "witness_cli.h"

static const char *main_getenv(const char *name)
{
  return getenv(name);
}

/* Loads the master key and hands its API-key subkey to the apikey module. */
static int main_load_keys(const struct config *c)
{
  uint8_t master[KEYS_MASTER_BYTES], hk[32];
  char err[512];
  if (keys_master_load(c->master_key_file, master, err, sizeof err) != 0) {
    fprintf(stderr, "ddcd: DDC_MASTER_KEY_FILE: %s\n", err);
    return -1;
  }
  keys_set_master(master);
  keys_derive(master, KEYS_APIKEY_HASH, hk);
  apikey_set_hashkey(hk);
  sodium_memzero(master, sizeof master);
  sodium_memzero(hk, sizeof hk);
  return 0;
}

/* Waits up to 30 s for the database, then checks the schema. */
static int main_check_schema(void)
{
  PGconn *c = NULL;
  for (int i = 0; i < 60 && !(c = db_get_raw()); i++)
    usleep(500000);
  if (!c) {
    fprintf(stderr, "ddcd: DDC_DATABASE_URL: cannot connect to the database\n");
    return -1;
  }
  int have = db_schema_version(c), want = db_schema_wanted();
  if (have != want) {
    fprintf(stderr, "ddcd: the database schema is at version %d, this ddcd needs %d: %s\n", have,
            want, have < want ? "run `ddcd migrate`" : "upgrade ddcd");
    return -1;
  }
  if (db_functions_current(c) != 1) {
    fprintf(stderr,
            "ddcd: the database functions are not this ddcd's (sql/functions/, %.12s):"
            " run `ddcd migrate`\n",
            db_functions_hash());
    return -1;
  }
  return 0;
}

static int cmd_serve(const struct config *c)
{
  if (main_load_keys(c) != 0) return 2;
  if (db_init(c->database_url) != 0 || main_check_schema() != 0 ||
      db_reads_init(c->database_read_url, c->read_max_lag_ms) != 0) {
    db_reads_stop();
    db_shutdown();
    return 1;
  }
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* inherited by every server thread */
  signal(SIGPIPE, SIG_IGN);
  struct note_signer log_key;
  if (logkey_load(c->log_origin, &log_key) != DDC_ERR_OK) {
    log_msg(LOG_ERROR, "log: the log key cannot be loaded or made");
    db_reads_stop();
    db_shutdown();
    return 1;
  }
  addrlimit_init(c->public_rate);
  respcache_init(c->verify_cache_ms, c->settled_cache_ms);
  bundlekeep_init(c->keep_bundles);
  const char *const *chain_names, *const *chain_contracts;
  unsigned n_chains;
  anchorer_init(c);
  anchorer_chains(&chain_names, &chain_contracts, &n_chains);
  bundle_chain_init(chain_names, chain_contracts, n_chains);
  api_web_init(c->public_url);
  profile_init(&c->domain);
  session_init(c->console.idle_s, c->console.max_s, c->console.signin_failures, c->public_url);
  peer_init(&log_key, c->public_url);
  routes_peer_install(api_peer_check);
  fault_set(c->fault_point);
  export_init(c->peer.deadline_s);
  int seq = sequencer_start(c, &log_key), exp = exporter_start(c, &log_key);
  note_signer_wipe(&log_key);
  if (seq != 0 || exp != 0 || db_reads_start() != 0 || authsync_start() != 0 ||
      witness_client_start(c) != 0 || verdictbuild_start(c) != 0 || runner_start() != 0 ||
      anchorer_start(c) != 0 || webhook_worker_start(c) != 0 ||
      server_start(c, api_routes, api_routes_count) != 0 ||
      statuspub_start(c, server_url_bound()) != 0) {
    server_stop();
    statuspub_stop();
    exporter_stop();
    webhook_worker_stop();
    authsync_stop();
    anchorer_stop();
    runner_stop();
    verdictbuild_stop();
    witness_client_stop();
    sequencer_stop();
    db_reads_stop();
    db_shutdown();
    return 1;
  }
  int sig = 0;
  sigwait(&sigs, &sig);
  log_msg(LOG_INFO, "signal %d: finishing in-flight requests", sig);
  server_stop();
  statuspub_stop();
  exporter_stop();
  webhook_worker_stop();
  authsync_stop();
  anchorer_stop();
  runner_stop();
  verdictbuild_stop();
  witness_client_stop();
  sequencer_stop();
  db_reads_stop();
  db_shutdown();
  auth_shutdown();
  log_msg(LOG_INFO, "stopped");
  return 0;
}

static int cmd_migrate(const struct config *c)
{
  int reloaded;
  int n = db_migrate(c->database_url, &reloaded);
  if (n < 0) return 1;
  printf("schema at version %d (%d migration%s applied), functions %.12s%s\n", db_schema_wanted(),
         n, n == 1 ? "" : "s", db_functions_hash(), reloaded ? " loaded" : " current");
  return 0;
}

/* Writes a key file once (O_EXCL, mode 0600). */
static int main_write_key(const char *dir, const char *file, const char *key)
{
  char path[CONFIG_PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    fprintf(stderr, "ddcd: cannot create %s: %s\n", path, strerror(errno));
    return -1;
  }
  int ok = write(fd, key, strlen(key)) == (ssize_t)strlen(key) && write(fd, "\n", 1) == 1;
  close(fd);
  if (ok) printf("  key written to %s\n", path);
  return ok ? 0 : -1;
}

/* The "id" of a JSON answer, or of its first item (0 when there is none). */
static int64_t main_json_id(const char *json, int first_item)
{
  json_t *j = json_loads(json, 0, NULL);
  json_t *o = first_item ? json_array_get(json_object_get(j, "items"), 0) : j;
  int64_t id = json_integer_value(json_object_get(o, "id"));
  json_decref(j);
  return id;
}

/* The command line acts as an operator with no account and no key. */
static const struct principal main_cli = {0, 0, 0, ROLE_OPERATOR};

/* Creates an account (its id in *id) and its first key, written to dir/file. */
static int main_create_account(const struct config *c, const struct principal *by, enum role role,
                               const char *name, int64_t issuer_id, const char *file, int64_t *id)
{
  char key[APIKEY_LEN + 1], *json;
  if (account_create(&main_cli, role_name(role), name, issuer_id, 0, &json) != DDC_ERR_OK)
    return -1;
  *id = main_json_id(json, 0);
  free(json);
  struct principal self = {*id, 0, 0, role};
  if (!by) by = &self;
  if (!*id || apikey_create(by, *id, "initial", 0, 0, key, &json) != DDC_ERR_OK) return -1;
  sodium_memzero(json, strlen(json));
  free(json);
  printf("%s account %lld \"%s\"\n", role_name(role), (long long)*id, name);
  int rc = main_write_key(c->data_dir, file, key);
  sodium_memzero(key, sizeof key);
  return rc;
}

static int main_init_demo(const struct config *c, const struct principal *op)
{
  char path[CONFIG_PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/demo-issuer.key", c->data_dir);
  if (access(path, F_OK) == 0) return 0;
  int64_t issuer, holder;
  if (main_create_account(c, op, ROLE_ISSUER, "Demo Copyright Office", 0, "demo-issuer.key",
                          &issuer) != 0)
    return -1;
  return main_create_account(c, op, ROLE_HOLDER, "Demo Citizen", issuer, "demo-holder.key",
                             &holder);
}

static int cmd_init(const struct config *c)
{
  char err[512];
  if (mkdir(c->data_dir, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "ddcd: DDC_DATA_DIR: cannot create %s: %s\n", c->data_dir, strerror(errno));
    return 2;
  }
  int made = keys_master_create(c->master_key_file, err, sizeof err);
  if (made < 0) {
    fprintf(stderr, "ddcd: DDC_MASTER_KEY_FILE: %s\n", err);
    return 2;
  }
  if (made) printf("master key created in %s\n", c->master_key_file);
  if (main_load_keys(c) != 0) return 2;
  if (db_init(c->database_url) != 0 || main_check_schema() != 0) {
    db_shutdown();
    return 1;
  }
  int64_t op = 0;
  int rc = 0;
  char *json;
  if (account_list(&main_cli, "operator", 0, 1, &json) != DDC_ERR_OK) {
    db_shutdown();
    return 1;
  }
  op = main_json_id(json, 1);
  free(json);
  if (op)
    printf("operator account %lld exists; its first key was written at init\n", (long long)op);
  else if (main_create_account(c, NULL, ROLE_OPERATOR, "operator", 0, "operator.key", &op) != 0)
    rc = 1;
  struct principal opp = {op, 0, 0, ROLE_OPERATOR};
  if (rc == 0 && c->demo && main_init_demo(c, &opp) != 0) rc = 1;
  struct note_signer log_key;
  char vkey[NOTE_VKEY_MAX];
  if (rc == 0 && logkey_load(c->log_origin, &log_key) != DDC_ERR_OK) rc = 1;
  if (rc == 0) {
    logkey_verifier(&log_key, vkey, sizeof vkey);
    note_signer_wipe(&log_key);
    printf("log %s, verifier key %s\n", c->log_origin, vkey);
  }
  db_shutdown();
  return rc;
}

/* `ddcd peer sign METHOD PATH CALLEE_ORIGIN`: the DDC-Peer-Signature value, by this deployment's
 * log key, of a request whose body is standard input (for calling a peer by hand, and tests). */
static int cmd_peer_sign(const struct config *c, char **args)
{
  struct note_signer key;
  size_t len = 0, cap = 1 << 16;
  char *body = malloc(cap), value[PEERSIG_VALUE_MAX];
  for (size_t got; body && (got = fread(body + len, 1, cap - len, stdin)) > 0;)
    if ((len += got) == cap) body = realloc(body, cap *= 2);
  int rc = body && main_load_keys(c) == 0 && db_init(c->database_url) == 0 &&
                   main_check_schema() == 0 && logkey_load(c->log_origin, &key) == DDC_ERR_OK
               ? 0
               : 1;
  if (rc == 0) {
    rc = peersig_sign(&key, args[0], args[1], body, len, args[2], (int64_t)time(NULL), value,
                      sizeof value) > 0
             ? 0
             : 1;
    note_signer_wipe(&key);
    if (rc == 0) printf("%s\n", value);
  }
  free(body);
  db_shutdown();
  return rc;
}

int main(int argc, char **argv)
{
  const char *cmd = argc > 1 ? argv[1] : "--help";
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    config_usage(stdout);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("ddcd %s\n", DDC_VERSION);
    return 0;
  }
  if (strcmp(cmd, "verify") == 0) {
    if (sodium_init() < 0) return 2;
    return verify_cli(argc - 2, argv + 2);
  }
  if (strcmp(cmd, "import") == 0) return import_cli(argc - 2, argv + 2);
  if (strcmp(cmd, "witness") == 0) {
    if (sodium_init() < 0) return 2;
    return witness_cli(argc - 2, argv + 2);
  }
  int chain = strcmp(cmd, "chain") == 0 && argc > 2 && strcmp(argv[2], "deploy") == 0;
  int peer = strcmp(cmd, "peer") == 0 && argc == 6 && strcmp(argv[2], "sign") == 0;
  if (strcmp(cmd, "serve") && strcmp(cmd, "migrate") && strcmp(cmd, "init") && !chain && !peer) {
    fprintf(stderr, "ddcd: unknown command \"%s\" (see ddcd --help)\n", cmd);
    return 2;
  }
  struct config c;
  char err[512];
  if (sodium_init() < 0) {
    fprintf(stderr, "ddcd: libsodium failed to initialise\n");
    return 1;
  }
  const char *chain_name = NULL; /* chain deploy --chain NAME */
  int nargs = peer ? 0 : argc - 2 - chain;
  char **args = argv + 2 + chain;
  for (int i = 0; chain && i + 1 < nargs; i++)
    if (!strcmp(args[i], "--chain")) {
      chain_name = args[i + 1];
      memmove(&args[i], &args[i + 2], (size_t)(nargs - i - 2) * sizeof *args);
      nargs -= 2;
      break;
    }
  if (config_load(&c, nargs, args, main_getenv, err, sizeof err) != 0) {
    fprintf(stderr, "ddcd: %s\n", err);
    return 2;
  }
  if (c.demo && strcmp(cmd, "init") != 0) {
    fprintf(stderr, "ddcd: --demo: only `ddcd init` takes it\n");
    return 2;
  }
  log_set_level(c.log_level);
  if (rpc_global_init() != 0) {
    fprintf(stderr, "ddcd: libcurl failed to initialise\n");
    return 1;
  }
  if (chain) return deploy_cli(&c, chain_name);
  if (peer) return cmd_peer_sign(&c, argv + 3);
  if (strcmp(cmd, "serve") == 0) return cmd_serve(&c);
  if (strcmp(cmd, "migrate") == 0) return cmd_migrate(&c);
  return cmd_init(&c);
}
