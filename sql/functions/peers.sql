-- peers: the other ddcd deployments this operator pinned (029_peers_imports.sql): create, list,
-- and the lookup by the key id a DDC-Peer-Signature names.
-- Loaded whole by `ddcd migrate`, after the files listed before it in ORDER (sql/README.md).

CREATE FUNCTION ddc_peer_json(p peers) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', p.id, 'name', p.name, 'url', p.url, 'log_key', p.log_key,
                            'witness_keys', to_jsonb(p.witness_keys), 'quorum', p.quorum,
                            'issuer_id', p.issuer_id, 'created_at', ddc_ts(p.created_at))
$$;

-- Pins a peer (checked by ddcd: name, URL, keys). Its issuer account, which the certificates
-- imported from it belong to, is made with it. p_quorum NULL: a majority of the witnesses.
CREATE FUNCTION ddc_peer_create(p_name text, p_url text, p_log_key text, p_key_id bigint,
                                p_witness_keys text[], p_quorum integer)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  p peers;
  v_n integer := cardinality(p_witness_keys);
  v_issuer bigint;
BEGIN
  IF EXISTS (SELECT 1 FROM peers WHERE name = p_name) THEN
    PERFORM ddc_fail('peer_exists', format('a peer named %s is pinned already', p_name),
                     '{"field":"name"}');
  END IF;
  IF EXISTS (SELECT 1 FROM peers WHERE log_key = p_log_key OR key_id = p_key_id) THEN
    PERFORM ddc_fail('peer_exists', 'a peer with this log key (or its key id) is pinned already',
                     '{"field":"log_key"}');
  END IF;
  IF p_quorum IS NOT NULL AND p_quorum > v_n THEN
    PERFORM ddc_fail('invalid_field', format('quorum %s is more than the %s witness keys',
                                             p_quorum, v_n), '{"field":"quorum"}');
  END IF;
  INSERT INTO accounts (role, name) VALUES ('issuer', left('peer ' || p_name, 200))
    RETURNING id INTO v_issuer;
  INSERT INTO peers (name, url, log_key, key_id, witness_keys, quorum, issuer_id)
    VALUES (p_name, p_url, p_log_key, p_key_id, p_witness_keys,
            coalesce(p_quorum, CASE WHEN v_n > 0 THEN v_n / 2 + 1 ELSE 0 END), v_issuer)
    RETURNING * INTO p;
  RETURN ddc_peer_json(p);
END $$;

CREATE FUNCTION ddc_peer_list() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('items', coalesce(jsonb_agg(ddc_peer_json(p) ORDER BY p.id), '[]'))
    FROM peers p
$$;

-- The pin whose log key has this note key id (a signed request names it), or not_found.
CREATE FUNCTION ddc_peer_by_keyid(p_key_id bigint) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  p peers;
BEGIN
  SELECT * INTO p FROM peers WHERE key_id = p_key_id;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('no peer is pinned with key id %s',
                                         lpad(to_hex(p_key_id), 8, '0')));
  END IF;
  RETURN ddc_peer_json(p);
END $$;
