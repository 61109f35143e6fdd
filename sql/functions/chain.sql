-- chain: anchoring checkpoint roots on an EVM chain (service/chain/anchorer.c). The sender's next
-- nonce is taken in the same transaction that stores the signed transaction using it, so a nonce
-- is never used twice nor skipped, across restarts and across ddcd processes (one anchors at a
-- time, under the anchorer's advisory lock).
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

-- A new anchor with its first transaction; NULL (nothing written) when the root is already
-- anchored or pending for this contract.
CREATE FUNCTION ddc_chain_anchor_add(p_chain bigint, p_contract bytea, p_sender bytea,
  p_nonce bigint, p_size bigint, p_root bytea, p_tx bytea, p_raw bytea, p_type smallint,
  p_gas bigint, p_gas_price bigint, p_max_fee bigint, p_tip bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
BEGIN
  INSERT INTO chain_anchors (chain_id, contract, sender, nonce, tree_size, root, tx_hash)
  VALUES (p_chain, p_contract, p_sender, p_nonce, p_size, p_root, p_tx)
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
CREATE FUNCTION ddc_chain_anchor_settle(p_anchor bigint, p_status text, p_tx bytea,
  p_block bigint)
RETURNS boolean LANGUAGE sql AS $$
  UPDATE chain_anchors
     SET status = p_status, tx_hash = p_tx, block_number = p_block, settled_at = now()
   WHERE id = p_anchor AND status = 'pending' AND p_status IN ('confirmed', 'failed')
  RETURNING true
$$;

-- A confirmed anchor changes the bundles it holds, and so their verdicts: every process drops its
-- cached ones (kept verdicts name the anchor they were made with, see ddc_verdict_get).
CREATE TRIGGER chain_anchors_notify AFTER UPDATE OF status ON chain_anchors
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION ddc_notify_verdicts ();
