-- 027_chains: anchoring on several chains at once (DDC_CHAINS_FILE), each named. An anchor row
-- names its chain (the single-chain settings make one named 'default', which every existing row
-- was made on; the column keeps that default so that a ddcd of the previous release, which does
-- not name it, still anchors there during an upgrade). Each chain's anchorer reads its own rows:
-- its pending one, its largest anchored size, its page of the public list.
ALTER TABLE chain_anchors ADD COLUMN chain text NOT NULL DEFAULT 'default'
  CHECK (chain ~ '^[a-z0-9][a-z0-9_-]{0,62}$');
CREATE INDEX chain_anchors_chain_id ON chain_anchors (chain, id);
CREATE INDEX chain_anchors_chain_pending ON chain_anchors (chain, nonce) WHERE status = 'pending';
CREATE INDEX chain_anchors_chain_size ON chain_anchors (chain, tree_size) WHERE status <> 'failed';
CREATE INDEX chain_anchors_chain_confirmed ON chain_anchors (chain, tree_size)
  WHERE status = 'confirmed';

-- A kept verdict names the anchors its bundle carries; a newly confirmed anchor on any chain must
-- make it again. The largest tree size confirmed no longer tells (a chain that catches up confirms
-- a smaller one than another chain has), so every confirmation takes the next number of one
-- counter, in commit order (its row stays locked until the settling transaction ends): the
-- largest number confirmed changes with each confirmation, and is one index probe.
CREATE TABLE chain_confirmations (
  one  boolean PRIMARY KEY DEFAULT true CHECK (one),
  seq  bigint NOT NULL CHECK (seq >= 0)
);
ALTER TABLE chain_anchors ADD COLUMN confirmed_seq bigint;
UPDATE chain_anchors a SET confirmed_seq = n.seq
  FROM (SELECT id, row_number() OVER (ORDER BY settled_at, id) AS seq FROM chain_anchors
         WHERE status = 'confirmed') n
 WHERE a.id = n.id;
INSERT INTO chain_confirmations (seq)
  SELECT coalesce(max(confirmed_seq), 0) FROM chain_anchors;
CREATE INDEX chain_anchors_confirmed_seq ON chain_anchors (confirmed_seq) WHERE status = 'confirmed';

-- What each chain's anchorer last saw of its node (GET /v1/chain/status answers from here, on any
-- ddcd): the chain id and head block, and the last error (NULL once a step went well).
CREATE TABLE chain_status (
  chain      text PRIMARY KEY,
  chain_id   bigint,
  head_block bigint,
  last_error text,
  checked_at timestamptz NOT NULL DEFAULT now()
);
