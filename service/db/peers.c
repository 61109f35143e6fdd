/* peers.c: SQL of the pinned peers and of the imports from them (see peers.h). */
#include <stdio.h>
#include "db/peers.h"

const struct db_stmt db_peers_stmts[] = {
    {"peer_create", "SELECT ddc_peer_create($1, $2, $3, $4,"
                    " ARRAY(SELECT jsonb_array_elements_text($5::jsonb)), $6)"},
    {"peer_list", "SELECT ddc_peer_list()"},
    {"peer_by_keyid", "SELECT ddc_peer_by_keyid($1)"},
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
