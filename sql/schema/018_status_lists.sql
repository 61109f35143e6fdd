-- 018_status_lists: the issuers' W3C Bitstring Status Lists. An issuer's list n (131,072 entries,
-- the same list for both purposes) is drawn from through a keyed permutation: position p of the
-- list (taken in turn) is entry ddc_status_index(seed, p), so entries come out in random order
-- while positions are handed out by counters. The positions are split into stripes, each with
-- its own counter row, so that concurrent mints of one issuer each lock a different row. Lists
-- fill in order: only the newest has positions left.
CREATE TABLE status_lists (
  issuer_id  bigint NOT NULL REFERENCES accounts (id),
  list       integer NOT NULL CHECK (list >= 0),
  seed       bigint NOT NULL, -- the permutation's key; never shown
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issuer_id, list)
);
-- A list's stripes: a mint takes one (FOR UPDATE SKIP LOCKED) and counts a position off it. The
-- counter is no index's column, so the update is HOT: the row is rewritten on its own page.
CREATE TABLE status_stripes (
  issuer_id bigint NOT NULL,
  list      integer NOT NULL,
  stripe    integer NOT NULL,
  seed      bigint NOT NULL,  -- the list's, kept here too: a draw reads one row
  next      integer NOT NULL, -- the next position this stripe hands out ...
  stop      integer NOT NULL, -- ... up to here (excluded)
  CHECK (next <= stop),
  PRIMARY KEY (issuer_id, list, stripe),
  FOREIGN KEY (issuer_id, list) REFERENCES status_lists
) WITH (fillfactor = 50);
-- The newest published credential of each list and purpose (older ones live on as the hashes in
-- their status_list_published events).
CREATE TABLE status_published (
  issuer_id    bigint NOT NULL,
  list         integer NOT NULL,
  purpose      text NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
  credential   text NOT NULL, -- the signed credential's JCS text, served as it is
  sha256       bytea NOT NULL CHECK (length(sha256) = 32), -- of credential
  bits_sha256  bytea NOT NULL CHECK (length(bits_sha256) = 32), -- of the bitstring
  published_at timestamptz NOT NULL,
  event_id     bigint NOT NULL, -- its status_list_published event
  PRIMARY KEY (issuer_id, list, purpose),
  FOREIGN KEY (issuer_id, list) REFERENCES status_lists
);
-- Every publication's event, for proof bundles to name the newest one already in the log.
CREATE TABLE status_events (
  issuer_id bigint NOT NULL,
  list      integer NOT NULL,
  purpose   text NOT NULL,
  event_id  bigint NOT NULL,
  PRIMARY KEY (issuer_id, list, purpose, event_id)
);
-- Lists whose bits may have changed since they were last published.
CREATE TABLE status_dirty (
  issuer_id bigint NOT NULL,
  list      integer NOT NULL,
  PRIMARY KEY (issuer_id, list)
);
-- A list's set bits are read from the few certificates that are not active; certificates of
-- releases before 016 still wait for their entries.
CREATE INDEX certificates_status_set_idx ON certificates (issuer_id, status_list, status_index)
  WHERE status <> 'active' AND status_list IS NOT NULL;
CREATE INDEX certificates_status_missing_idx ON certificates (issuer_id, ddc_id)
  WHERE status_list IS NULL;
