/* peers.c: SQL of the pinned peers and of the imports from them (see peers.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db/peers.h"

const struct db_stmt db_peers_stmts[] = {
    {"peer_create", "SELECT ddc_peer_create($1, $2, $3, $4,"
                    " ARRAY(SELECT jsonb_array_elements_text($5::jsonb)), $6)"},
    {"peer_list", "SELECT ddc_peer_list()"},
    {"peer_by_keyid", "SELECT ddc_peer_by_keyid($1)"},
    {"import_state", "SELECT ddc_import_state($1, $2)"},
    {"import", "SELECT ddc_import($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"},
    {"import_tombstone", "SELECT ddc_import_tombstone($1, $2, $3, $4, $5)"},
    {"import_source", "SELECT ddc_import_source($1)"},
    {NULL, NULL},
};

enum ddc_err db_peer_create(const char *name, const char *url, const char *log_key, uint32_t key_id,
                            const char *witness_keys, int quorum, char **json)
{
  struct db_params p = {0};
  db_p_str(&p, name);
  db_p_str(&p, url);
  db_p_str(&p, log_key);
  db_p_int(&p, key_id);
  db_p_str(&p, witness_keys);
  if (quorum < 0)
    db_p_str(&p, NULL);
  else
    db_p_int(&p, quorum);
  return db_p_json("peer_create", &p, 0, json, NULL);
}

enum ddc_err db_peer_list(char **json)
{
  struct db_params p = {0};
  return db_p_json("peer_list", &p, 1, json, NULL);
}

enum ddc_err db_peer_by_keyid(uint32_t key_id, char **json)
{
  struct db_params p = {0};
  db_p_int(&p, key_id);
  return db_p_json("peer_by_keyid", &p, 1, json, NULL);
}

enum ddc_err db_import_state(int64_t peer_id, int64_t export_id, char **json)
{
  struct db_params p = {0};
  db_p_int(&p, peer_id);
  db_p_int(&p, export_id);
  return db_p_json("import_state", &p, 1, json, NULL);
}

enum ddc_err db_import(const struct db_import_row *row, char **json)
{
  struct db_params p = {0};
  db_p_int(&p, row->peer_id);
  db_p_int(&p, row->export_id);
  db_p_int(&p, row->to);
  db_p_int(&p, row->ddc_id);
  db_p_str(&p, row->code);
  db_p_str(&p, row->document);
  db_p_bytea(&p, row->cert_hash, 32);
  db_p_bytea(&p, row->signature, 64);
  db_p_str(&p, row->source_code);
  db_p_int(&p, row->source_ddc_id);
  db_p_bytea(&p, row->export_event_hash, 32);
  db_p_str(&p, row->bundle);
  return db_p_json("import", &p, 0, json, NULL);
}

enum ddc_err db_import_tombstone(int64_t peer_id, int64_t export_id, const char *kind,
                                 const char *reason, const char *statement, char **json)
{
  struct db_params p = {0};
  db_p_int(&p, peer_id);
  db_p_int(&p, export_id);
  db_p_str(&p, kind);
  db_p_str(&p, reason);
  db_p_str(&p, statement);
  return db_p_json("import_tombstone", &p, 0, json, NULL);
}

enum ddc_err db_import_source(int64_t ddc_id, char **json)
{
  struct db_params p = {0};
  db_p_int(&p, ddc_id);
  enum ddc_err e = db_p_json("import_source", &p, 1, json, NULL);
  if (e == DDC_ERR_OK && (!*json || strcmp(*json, "null") == 0 || !**json)) {
    free(*json);
    *json = NULL;
    e = DDC_ERR_NOT_FOUND;
  }
  return e;
}
