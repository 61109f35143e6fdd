-- chain: anchoring checkpoint roots on EVM chains (service/chain/anchorer.c), each chain named and
-- anchored on its own. The sender's next nonce is taken in the same transaction that stores the
-- signed transaction using it, so a nonce is never used twice nor skipped, across restarts and
-- across ddcd processes (one anchors a chain at a time, under that chain's advisory lock).
-- Loaded whole by `ddcd migrate`, after the files listed before it in ORDER (sql/README.md).

-- The sender's next nonce, taken: the row stays locked until the caller's transaction ends, and
-- the taking is undone if it rolls back. p_seed (the node's count) starts a sender never seen.
CREATE FUNCTION ddc_chain_nonce_take(p_chain bigint, p_sender bytea, p_seed bigint)
RETURNS bigint LANGUAGE sql AS $$
  INSERT INTO chain_senders AS s (chain_id, address, next_nonce)
  VALUES (p_chain, p_sender, p_seed + 1)
  ON CONFLICT (chain_id, address) DO UPDATE SET next_nonce = s.next_nonce + 1
  RETURNING next_nonce - 1
$$;

-- A new anchor on the chain named p_name with its first transaction; NULL (nothing written) when
-- the root is already anchored or pending for this contract. (p_name last, with a default: a ddcd
-- of the previous release calls it without, during an upgrade.)
CREATE FUNCTION ddc_chain_anchor_add(p_chain bigint, p_contract bytea, p_sender bytea,
  p_nonce bigint, p_size bigint, p_root bytea, p_tx bytea, p_raw bytea, p_type smallint,
  p_gas bigint, p_gas_price bigint, p_max_fee bigint, p_tip bigint, p_name text DEFAULT 'default')
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
BEGIN
  INSERT INTO chain_anchors (chain_id, contract, sender, nonce, tree_size, root, tx_hash, chain)
  VALUES (p_chain, p_contract, p_sender, p_nonce, p_size, p_root, p_tx, p_name)
  ON CONFLICT (chain_id, contract, root) WHERE status <> 'failed' DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NOT NULL THEN
    INSERT INTO chain_txs (tx_hash, anchor_id, raw, tx_type, gas, gas_price, max_fee,
                           max_priority_fee)
    VALUES (p_tx, v_id, p_raw, p_type, p_gas, p_gas_price, p_max_fee, p_tip);
  END IF;
  RETURN v_id;
END $$;

-- A replacement transaction (same nonce, higher fee) for a pending anchor; false if the anchor
-- is no longer pending.
CREATE FUNCTION ddc_chain_tx_replace(p_anchor bigint, p_tx bytea, p_raw bytea, p_type smallint,
  p_gas bigint, p_gas_price bigint, p_max_fee bigint, p_tip bigint)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  UPDATE chain_anchors SET tx_hash = p_tx WHERE id = p_anchor AND status = 'pending';
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  INSERT INTO chain_txs (tx_hash, anchor_id, raw, tx_type, gas, gas_price, max_fee,
                         max_priority_fee)
  VALUES (p_tx, p_anchor, p_raw, p_type, p_gas, p_gas_price, p_max_fee, p_tip)
  ON CONFLICT (tx_hash) DO NOTHING;
  RETURN true;
END $$;

-- The outcome of a pending anchor: the transaction that was mined, its block, and whether it
-- succeeded ('confirmed') or reverted ('failed': the next round anchors again with a new nonce).
-- A confirmation takes the next number of chain_confirmations (027_chains.sql), whose row stays
-- locked until the caller's transaction ends: numbers are in commit order.
CREATE FUNCTION ddc_chain_anchor_settle(p_anchor bigint, p_status text, p_tx bytea,
  p_block bigint)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  v_seq bigint;
BEGIN
  IF p_status = 'confirmed' THEN
    UPDATE chain_confirmations SET seq = seq + 1 RETURNING seq INTO v_seq;
  END IF;
  UPDATE chain_anchors
     SET status = p_status, tx_hash = p_tx, block_number = p_block, settled_at = now(),
         confirmed_seq = v_seq
   WHERE id = p_anchor AND status = 'pending' AND p_status IN ('confirmed', 'failed');
  RETURN FOUND;
END $$;

-- What a chain's anchorer saw of its node this round (GET /v1/chain/status): p_error NULL when
-- the round went well.
CREATE FUNCTION ddc_chain_status_set(p_name text, p_chain bigint, p_head bigint, p_error text)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO chain_status AS s (chain, chain_id, head_block, last_error)
  VALUES (p_name, nullif(p_chain, 0), nullif(p_head, 0), p_error)
  ON CONFLICT (chain) DO UPDATE SET chain_id = coalesce(EXCLUDED.chain_id, s.chain_id),
    head_block = coalesce(EXCLUDED.head_block, s.head_block), last_error = EXCLUDED.last_error,
    checked_at = now()
$$;

-- GET /v1/chain/status: for each configured chain (p_names, in that order), its chain id and head
-- block as its anchorer last saw them (the configured id p_ids until then), the largest tree
-- size confirmed on it, how long the log has waited for it (seconds since the oldest checkpoint
-- no confirmed anchor of it covers was made; 0 when the newest is covered), the last error.
CREATE FUNCTION ddc_chain_status(p_names text[], p_ids bigint[]) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('chains', coalesce(jsonb_agg(jsonb_build_object(
           'name', c.name, 'chain_id', coalesce(s.chain_id, nullif(c.id, 0)),
           'head_block', s.head_block, 'anchored_size', a.size,
           'lag_s', coalesce((SELECT floor(extract(epoch FROM now() - k.created_at))::bigint
                                FROM log_checkpoints k WHERE k.size > a.size
                               ORDER BY k.size LIMIT 1), 0),
           'last_error', s.last_error,
           'checked_at', to_char(s.checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
           ORDER BY c.n), '[]'))
    FROM unnest(p_names, p_ids) WITH ORDINALITY AS c(name, id, n)
    LEFT JOIN chain_status s ON s.chain = c.name
    CROSS JOIN LATERAL (SELECT coalesce(max(x.tree_size), 0) AS size FROM chain_anchors x
                         WHERE x.chain = c.name AND x.status = 'confirmed') a
$$;

-- A confirmed anchor (on any chain) changes the bundles it holds, and so their verdicts: every
-- process drops its cached ones (kept verdicts name the newest confirmation they were made with,
-- see ddc_verdict_get).
CREATE TRIGGER chain_anchors_notify AFTER UPDATE OF status ON chain_anchors
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION ddc_notify_verdicts ();
