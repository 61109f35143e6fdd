-- 005_ledger: the log (RFC 9162 Merkle tree over events, C2SP tlog-tiles, signed checkpoints).
-- Every event queues itself in log_pending (004) when it is written; one sequencer at a time (an
-- advisory lock) takes pending events in event-id order, gives each the next leaf index, stores the
-- complete-subtree hashes as tiles and a signed checkpoint, all in one transaction: a crash
-- loses nothing and never gives an index twice.

CREATE TABLE log_leaves (
  leaf_index bigint PRIMARY KEY CHECK (leaf_index >= 0),
  event_id   bigint NOT NULL UNIQUE,
  leaf_hash  bytea NOT NULL CHECK (length(leaf_hash) = 32)
);
CREATE TRIGGER log_leaves_append_only BEFORE UPDATE OR DELETE ON log_leaves
  FOR EACH ROW EXECUTE FUNCTION ddc_append_only();

-- C2SP tlog-tiles: tile (level, idx) holds up to 256 hashes of the complete subtrees of 2^(8*level)
-- leaves numbered idx*256 on. A partial tile (the right edge) grows until it is full.
CREATE TABLE log_tiles (
  level  smallint NOT NULL CHECK (level BETWEEN 0 AND 7),
  idx    bigint NOT NULL CHECK (idx >= 0),
  hashes bytea NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
  PRIMARY KEY (level, idx)
);

CREATE TABLE log_checkpoints (
  size       bigint PRIMARY KEY CHECK (size > 0),
  root       bytea NOT NULL CHECK (length(root) = 32),
  note       text NOT NULL, -- the C2SP signed note, as served
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER log_checkpoints_append_only BEFORE UPDATE OR DELETE ON log_checkpoints
  FOR EACH ROW EXECUTE FUNCTION ddc_append_only();

-- The log's Ed25519 key: made once (by ddcd init, or the first ddcd to need it), its secret
-- sealed by ddcd with a subkey of the master key.
CREATE TABLE log_keys (
  id            smallint PRIMARY KEY CHECK (id = 1),
  name          text NOT NULL,
  public_key    bytea NOT NULL CHECK (length(public_key) = 32),
  sealed_secret bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- The sequencer's step: the next (up to) p_limit pending events in event-id order become leaves
-- p_size, p_size + 1, ...; returns their indexes and leaf hashes SHA-256(0x00 || canonical).
-- p_size must be the log's size (the caller holds the sequencer lock).
CREATE FUNCTION ddc_log_take(p_size bigint, p_limit integer)
RETURNS TABLE (leaf_index bigint, leaf_hash bytea) LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  IF p_size <> coalesce((SELECT max(l.leaf_index) + 1 FROM log_leaves l), 0) THEN
    RAISE EXCEPTION 'log size % is not the last checkpoint''s', p_size;
  END IF;
  RETURN QUERY
    WITH taken AS (
      DELETE FROM log_pending WHERE event_id IN (
        SELECT event_id FROM log_pending ORDER BY event_id LIMIT p_limit)
      RETURNING event_id
    ), numbered AS (
      SELECT p_size + row_number() OVER (ORDER BY t.event_id) - 1 AS leaf_index, t.event_id,
             sha256('\x00'::bytea || convert_to(e.canonical, 'UTF8')) AS leaf_hash
      FROM taken t JOIN events e ON e.id = t.event_id
    ), ins AS (
      INSERT INTO log_leaves (leaf_index, event_id, leaf_hash)
        SELECT n.leaf_index, n.event_id, n.leaf_hash FROM numbered n
        RETURNING log_leaves.leaf_index, log_leaves.leaf_hash
    )
    SELECT i.leaf_index, i.leaf_hash FROM ins i ORDER BY i.leaf_index;
END $$;

-- Events show their place in the log once they have one.
CREATE OR REPLACE FUNCTION ddc_event_json(e events) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', e.id, 'type', e.type, 'ddc_id', e.ddc_id,
                            'account_id', e.account_id, 'actor_id', e.actor_id,
                            'time', ddc_ts(e.created_at), 'data', e.canonical::jsonb -> 'data',
                            'event_hash', encode(e.event_hash, 'hex'),
                            'prev_event_hash', encode(e.prev_event_hash, 'hex'),
                            'canonical', e.canonical,
                            'leaf_index', (SELECT l.leaf_index FROM log_leaves l
                                           WHERE l.event_id = e.id))
$$;

-- What public verification needs about the certificate with this code (its public identifier):
-- the certificate, its signed document, the issuer's name, the signing key, and every event of
-- the certificate and of the key's creation, with its leaf index once it has one.
CREATE FUNCTION ddc_public_cert(p_code text)
RETURNS TABLE (cert jsonb, document text, issuer jsonb, signing_key jsonb, events jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  c certificates;
  k issuer_keys;
BEGIN
  SELECT * INTO c FROM certificates WHERE code = p_code;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', 'no certificate has this code');
  END IF;
  SELECT * INTO k FROM issuer_keys WHERE id = c.key_id;
  RETURN QUERY SELECT
    ddc_cert_json(c) - 'approved_id' - 'external_ref' - 'last_event_hash' - 'owner_id',
    c.document,
    (SELECT jsonb_build_object('id', a.id, 'name', a.name) FROM accounts a WHERE a.id = c.issuer_id),
    ddc_key_json(k) || jsonb_build_object(
      'key_event', (SELECT ddc_event_json(e) FROM events e WHERE e.account_id = c.issuer_id
                      AND e.type = 'key_added'
                      AND (e.canonical::jsonb -> 'data' ->> 'keyId')::bigint = k.id),
      'retired_event', (SELECT ddc_event_json(e) FROM events e WHERE e.account_id = c.issuer_id
                          AND e.type = 'key_retired'
                          AND (e.canonical::jsonb -> 'data' ->> 'keyId')::bigint = k.id)),
    coalesce((SELECT jsonb_agg(ddc_event_json(e) ORDER BY e.id) FROM events e
              WHERE e.ddc_id = c.ddc_id), '[]');
END $$;

-- Content-hash lookup: the codes of certificates of that content (public view only).
CREATE FUNCTION ddc_public_by_content(p_hash bytea) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object(
           'code', c.code, 'kind', c.kind, 'status', c.status, 'issuer_id', c.issuer_id,
           'issued_at', ddc_ts(c.issued_at)) ORDER BY c.ddc_id), '[]'))
  FROM (SELECT * FROM certificates WHERE content_hash = p_hash ORDER BY ddc_id LIMIT 100) c
$$;

-- A tile only ever grows: a new version must start with the old one (full tiles never change).
CREATE FUNCTION ddc_tile_grows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF length(NEW.hashes) < length(OLD.hashes)
     OR substring(NEW.hashes FROM 1 FOR length(OLD.hashes)) <> OLD.hashes THEN
    RAISE EXCEPTION 'tile (%, %) would change, not grow', OLD.level, OLD.idx;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER log_tiles_grow BEFORE UPDATE ON log_tiles
  FOR EACH ROW EXECUTE FUNCTION ddc_tile_grows();
CREATE TRIGGER log_tiles_no_delete BEFORE DELETE ON log_tiles
  FOR EACH ROW EXECUTE FUNCTION ddc_append_only();
