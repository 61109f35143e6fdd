-- 015_baseline: every table, index, sequence and seed row as the released migrations 001..015
-- left them, without functions, views or triggers (those are in sql/functions/, reloaded by
-- `ddcd migrate` whenever their text changes). A new database gets this file and is recorded at
-- version 15; a database already at 15 skips it; one below 15 must first be upgraded by the
-- release that still carries 001..015 (docs/architecture.md, "Migrations"). Never edit it: a
-- change to the tables is a new sql/schema/NNN_*.sql.
--
-- Amounts are integer minor units, 0 <= amount <= 2^53 so that JSON readers stay exact. Hot
-- append-only tables (journal, events) have no foreign keys: each would take a KEY SHARE lock on
-- the referenced row (the same rows for every line, a MultiXact pile-up under load); the
-- functions that write them have just read or locked the rows named.

CREATE TABLE accounts (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  role       text NOT NULL CHECK (role IN ('operator', 'issuer', 'holder')),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  issuer_id  bigint REFERENCES accounts (id),
  status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_event_hash bytea, -- the newest account event (keys, approvals), chained
  CHECK ((role = 'holder') = (issuer_id IS NOT NULL))
);
CREATE INDEX accounts_issuer_idx ON accounts (issuer_id, id);
CREATE INDEX accounts_role_idx ON accounts (role, id);

CREATE TABLE api_keys (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id   bigint NOT NULL REFERENCES accounts (id),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  prefix       text NOT NULL UNIQUE,
  hash         bytea NOT NULL CHECK (length(hash) = 32),
  rate_per_sec integer CHECK (rate_per_sec > 0),
  rate_per_day integer CHECK (rate_per_day > 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz
);
CREATE INDEX api_keys_account_idx ON api_keys (account_id, id);

-- Stored responses of requests that carried an Idempotency-Key (sealed: they may hold secrets).
CREATE TABLE idempotency (
  account_id   bigint NOT NULL REFERENCES accounts (id),
  key          text NOT NULL,
  request_hash bytea NOT NULL,
  status       integer,
  response     bytea,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, key)
);

CREATE TABLE currencies (
  code     text PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
  exponent smallint NOT NULL CHECK (exponent BETWEEN 0 AND 4)
);

INSERT INTO currencies (code, exponent) VALUES
  ('AED',2), ('AFN',2), ('ALL',2), ('AMD',2), ('ANG',2), ('AOA',2), ('ARS',2), ('AUD',2),
  ('AWG',2), ('AZN',2), ('BAM',2), ('BBD',2), ('BDT',2), ('BGN',2), ('BHD',3), ('BIF',0),
  ('BMD',2), ('BND',2), ('BOB',2), ('BOV',2), ('BRL',2), ('BSD',2), ('BTN',2), ('BWP',2),
  ('BYN',2), ('BZD',2), ('CAD',2), ('CDF',2), ('CHE',2), ('CHF',2), ('CHW',2), ('CLF',4),
  ('CLP',0), ('CNY',2), ('COP',2), ('COU',2), ('CRC',2), ('CUC',2), ('CUP',2), ('CVE',2),
  ('CZK',2), ('DJF',0), ('DKK',2), ('DOP',2), ('DZD',2), ('EGP',2), ('ERN',2), ('ETB',2),
  ('EUR',2), ('FJD',2), ('FKP',2), ('GBP',2), ('GEL',2), ('GHS',2), ('GIP',2), ('GMD',2),
  ('GNF',0), ('GTQ',2), ('GYD',2), ('HKD',2), ('HNL',2), ('HRK',2), ('HTG',2), ('HUF',2),
  ('IDR',2), ('ILS',2), ('INR',2), ('IQD',3), ('IRR',2), ('ISK',0), ('JMD',2), ('JOD',3),
  ('JPY',0), ('KES',2), ('KGS',2), ('KHR',2), ('KMF',0), ('KPW',2), ('KRW',0), ('KWD',3),
  ('KYD',2), ('KZT',2), ('LAK',2), ('LBP',2), ('LKR',2), ('LRD',2), ('LSL',2), ('LYD',3),
  ('MAD',2), ('MDL',2), ('MGA',2), ('MKD',2), ('MMK',2), ('MNT',2), ('MOP',2), ('MRU',2),
  ('MUR',2), ('MVR',2), ('MWK',2), ('MXN',2), ('MXV',2), ('MYR',2), ('MZN',2), ('NAD',2),
  ('NGN',2), ('NIO',2), ('NOK',2), ('NPR',2), ('NZD',2), ('OMR',3), ('PAB',2), ('PEN',2),
  ('PGK',2), ('PHP',2), ('PKR',2), ('PLN',2), ('PYG',0), ('QAR',2), ('RON',2), ('RSD',2),
  ('RUB',2), ('RWF',0), ('SAR',2), ('SBD',2), ('SCR',2), ('SDG',2), ('SEK',2), ('SGD',2),
  ('SHP',2), ('SLE',2), ('SLL',2), ('SOS',2), ('SRD',2), ('SSP',2), ('STN',2), ('SVC',2),
  ('SYP',2), ('SZL',2), ('THB',2), ('TJS',2), ('TMT',2), ('TND',3), ('TOP',2), ('TRY',2),
  ('TTD',2), ('TWD',2), ('TZS',2), ('UAH',2), ('UGX',0), ('USD',2), ('USN',2), ('UYI',0),
  ('UYU',2), ('UYW',4), ('UZS',2), ('VED',2), ('VES',2), ('VND',0), ('VUV',0), ('WST',2),
  ('XAF',0), ('XCD',2), ('XOF',0), ('XPF',0), ('YER',2), ('ZAR',2), ('ZMW',2), ('ZWL',2);

CREATE TABLE prices (
  operation    text NOT NULL CHECK (operation IN ('mint', 'transfer', 'approve', 'freeze',
                                                  'unfreeze', 'revoke', 'burn', 'batch_row')),
  issuer_id    bigint REFERENCES accounts (id), -- NULL: the default price
  amount_minor bigint NOT NULL CHECK (amount_minor BETWEEN 0 AND 9007199254740992),
  currency     text NOT NULL REFERENCES currencies (code),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE NULLS NOT DISTINCT (operation, issuer_id)
);

INSERT INTO prices (operation, amount_minor, currency) VALUES
  ('mint', 100, 'CNY'), ('transfer', 50, 'CNY'), ('approve', 10, 'CNY'), ('freeze', 10, 'CNY'),
  ('unfreeze', 10, 'CNY'), ('revoke', 10, 'CNY'), ('burn', 10, 'CNY'), ('batch_row', 80, 'CNY');

CREATE TABLE balances (
  account_id   bigint NOT NULL REFERENCES accounts (id),
  currency     text NOT NULL REFERENCES currencies (code),
  amount_minor bigint NOT NULL CHECK (amount_minor BETWEEN 0 AND 9007199254740992),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, currency)
);

-- One line per balance change. For one account, lines are written while its balance row is
-- locked, so their ids follow commit order and a cursor over ids never skips a line.
-- No foreign keys on this hot append-only table: each would take a KEY SHARE lock on the
-- referenced row (the same currency and issuer rows for every line, a MultiXact pile-up under
-- load); ddc_balance_move only writes lines for a balance row, which has them.
CREATE TABLE journal (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id      bigint NOT NULL,
  currency        text NOT NULL,
  delta           bigint NOT NULL CHECK (delta <> 0),
  balance_after   bigint NOT NULL CHECK (balance_after >= 0),
  reason          text NOT NULL,
  reference       text,
  ddc_id          bigint,
  counterparty_id bigint,
  -- the time of the write (under the balance lock), so time order and id order agree
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX journal_account_idx ON journal (account_id, id);

-- Money coming in: from outside (operator -> issuer) or from an issuer to its own holder.
-- reference is the payer's payment id, unique per payer.
CREATE TABLE recharges (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payer_id      bigint NOT NULL REFERENCES accounts (id),
  account_id    bigint NOT NULL REFERENCES accounts (id),
  amount_minor  bigint NOT NULL CHECK (amount_minor BETWEEN 1 AND 9007199254740992),
  currency      text NOT NULL REFERENCES currencies (code),
  reference     text NOT NULL CHECK (length(reference) BETWEEN 1 AND 200),
  balance_after bigint NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (payer_id, reference)
);

-- Every change, one row each: certificate events chain per ddc_id, account events (keys,
-- approvals) per account. canonical is the exact JCS text hashed into event_hash; its "data"
-- member is the event's data, not stored twice. Like the journal, no foreign keys on this hot
-- append-only table (see journal); the functions that append have just read or locked
-- the rows named.
CREATE TABLE events (
  id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, -- batches draw ids too
  ddc_id          bigint,
  account_id      bigint,
  type            text NOT NULL,
  actor_id        bigint NOT NULL,
  created_at      timestamptz NOT NULL,
  canonical       text NOT NULL,
  event_hash      bytea NOT NULL CHECK (length(event_hash) = 32),
  prev_event_hash bytea,
  CHECK ((ddc_id IS NULL) <> (account_id IS NULL))
);
CREATE INDEX events_ddc_idx ON events (ddc_id, id) WHERE ddc_id IS NOT NULL;
CREATE INDEX events_account_idx ON events (account_id, id) WHERE account_id IS NOT NULL;

-- Events waiting for the log (sql/005_ledger.sql): ddc_event_append queues each event here in the
-- transaction that writes it, and the sequencer takes them from here.
CREATE TABLE log_pending (
  event_id bigint PRIMARY KEY
);

-- Issuer signing keys (Ed25519). The secret key is sealed by ddcd with a subkey of the master
-- key; the database never sees it in the clear. The current key is the newest not retired.
CREATE TABLE issuer_keys (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  issuer_id     bigint NOT NULL REFERENCES accounts (id),
  public_key    bytea NOT NULL UNIQUE CHECK (length(public_key) = 32),
  sealed_secret bytea NOT NULL,
  valid_from    timestamptz NOT NULL DEFAULT now(),
  retired_at    timestamptz
);
CREATE INDEX issuer_keys_issuer_idx ON issuer_keys (issuer_id, id);

-- Holder keys (BSN meta-transactions): once a holder registers one, transfers of its
-- certificates need its signature; each nonce signs at most one transfer.
CREATE TABLE holder_keys (
  account_id bigint PRIMARY KEY REFERENCES accounts (id),
  public_key bytea NOT NULL CHECK (length(public_key) = 32),
  version    integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE holder_nonces (
  holder_id  bigint NOT NULL REFERENCES accounts (id),
  nonce      text NOT NULL,
  ddc_id     bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (holder_id, nonce)
);

-- BSN setApprovalForAll: operator_id may move every certificate owner_id holds.
CREATE TABLE operator_approvals (
  owner_id    bigint NOT NULL REFERENCES accounts (id),
  operator_id bigint NOT NULL REFERENCES accounts (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, operator_id)
);

-- BSN cross-platform approval: issuer_id accepts certificates issued by approved_issuer_id for
-- itself and its holders.
CREATE TABLE issuer_approvals (
  issuer_id          bigint NOT NULL REFERENCES accounts (id),
  approved_issuer_id bigint NOT NULL REFERENCES accounts (id),
  created_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issuer_id, approved_issuer_id)
);

CREATE SEQUENCE ddc_id_seq;

-- Foreign keys are left out here too: every mint of an issuer would KEY SHARE-lock the same
-- issuer and key rows. ddc_mint and ddc_transfer check the accounts and key they write.
CREATE TABLE certificates (
  ddc_id          bigint PRIMARY KEY,
  code            text NOT NULL UNIQUE CHECK (code ~ '^[a-z2-7]{26}$'),
  issuer_id       bigint NOT NULL,
  owner_id        bigint NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('copyright', 'diploma', 'generic')),
  status          text NOT NULL DEFAULT 'active'
                  CHECK (status IN ('active', 'frozen', 'revoked', 'burned')),
  document        text NOT NULL, -- the exact JCS text that was hashed and signed
  cert_hash       bytea NOT NULL CHECK (length(cert_hash) = 32),
  signature       bytea NOT NULL CHECK (length(signature) = 64),
  key_id          bigint NOT NULL,
  content_hash    bytea CHECK (length(content_hash) = 32),
  uri             text,
  external_ref    text,
  valid_from      timestamptz,
  valid_until     timestamptz,
  approved_id     bigint,
  revoke_reason   text,
  issued_at       timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  last_event_hash bytea NOT NULL
);
CREATE UNIQUE INDEX certificates_external_ref_idx ON certificates (issuer_id, external_ref)
  WHERE external_ref IS NOT NULL;
CREATE INDEX certificates_issuer_idx ON certificates (issuer_id, ddc_id);
CREATE INDEX certificates_owner_idx ON certificates (owner_id, ddc_id);
CREATE INDEX certificates_content_idx ON certificates (content_hash) WHERE content_hash IS NOT NULL;

-- The log (RFC 9162 Merkle tree over events, C2SP tlog-tiles, signed checkpoints).
-- Every event queues itself in log_pending when it is written; one sequencer at a time (an
-- advisory lock) takes pending events in event-id order, gives each the next leaf index, stores the
-- complete-subtree hashes as tiles and a signed checkpoint, all in one transaction: a crash
-- loses nothing and never gives an index twice.
CREATE TABLE log_leaves (
  leaf_index bigint PRIMARY KEY CHECK (leaf_index >= 0),
  event_id   bigint NOT NULL UNIQUE,
  leaf_hash  bytea NOT NULL CHECK (length(leaf_hash) = 32)
);

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

-- The log's Ed25519 key: made once (by ddcd init, or the first ddcd to need it), its secret
-- sealed by ddcd with a subkey of the master key.
CREATE TABLE log_keys (
  id            smallint PRIMARY KEY CHECK (id = 1),
  name          text NOT NULL,
  public_key    bytea NOT NULL CHECK (length(public_key) = 32),
  sealed_secret bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Witness cosignatures of the log's checkpoints (c2sp.org/tlog-witness,
-- c2sp.org/tlog-cosignature). A checkpoint is final once a quorum of the configured witnesses
-- has cosigned it; which witnesses count is configuration, so finality is computed when read.
CREATE TABLE log_cosignatures (
  size      bigint NOT NULL REFERENCES log_checkpoints (size),
  witness   text NOT NULL,   -- the witness's verifier key, name+keyid+base64
  line      text NOT NULL,   -- the cosignature line as the witness sent it, newline included
  cosigned  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (size, witness)
);
CREATE INDEX log_cosignatures_witness ON log_cosignatures (witness, size);

-- Batch imports (a university's graduating class). An upload is streamed into batch_rows (rows
-- ddcd could read and check on their own) and batch_errors (the others); sealing it checks what
-- needs the database, quotes it and, unless it is a dry run, reserves the quote and starts it. A
-- worker signs rows in C and COPYs each chunk straight into certificates, events, log_pending and
-- batch_minted; ddc_batch_commit checks and counts the chunk in the same transaction, which also
-- moves the batch's resume point, so a crash resumes exactly there.
CREATE TABLE batches (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  issuer_id       bigint NOT NULL REFERENCES accounts (id),
  kind            text NOT NULL CHECK (kind IN ('copyright', 'diploma', 'generic')),
  mode            text NOT NULL CHECK (mode IN ('all_or_nothing', 'partial')),
  dry_run         boolean NOT NULL,
  format          text NOT NULL CHECK (format IN ('csv', 'ndjson')),
  state           text NOT NULL DEFAULT 'validating'
                  CHECK (state IN ('validating', 'quoted', 'running', 'completed', 'failed',
                                   'cancelled')),
  idempotency_key text,
  body_sha256     bytea CHECK (length(body_sha256) = 32),
  body_bytes      bigint NOT NULL DEFAULT 0,
  rows_total      bigint NOT NULL DEFAULT 0, -- data rows in the file
  rows_valid      bigint NOT NULL DEFAULT 0, -- rows to mint
  rows_failed     bigint NOT NULL DEFAULT 0, -- rows in batch_errors
  rows_done       bigint NOT NULL DEFAULT 0, -- certificates minted
  next_line       bigint NOT NULL DEFAULT 0, -- resume point: rows after this line remain
  unit_price      bigint,
  currency        text,
  reserved_minor  bigint NOT NULL DEFAULT 0,
  charged_minor   bigint NOT NULL DEFAULT 0,
  reason          text, -- why it failed or was cancelled
  created_at      timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  finished_at     timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX batches_idempotency_idx ON batches (issuer_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX batches_issuer_idx ON batches (issuer_id, id);
CREATE INDEX batches_running_idx ON batches (id) WHERE state = 'running';
CREATE INDEX batches_validating_idx ON batches (id) WHERE state = 'validating'; -- the reaper's

-- The same bytes uploaded again with the same options are the same batch (unless that one was
-- cancelled or failed: then the new upload takes its place).
CREATE TABLE batch_uploads (
  issuer_id   bigint NOT NULL,
  body_sha256 bytea NOT NULL,
  kind        text NOT NULL,
  mode        text NOT NULL,
  dry_run     boolean NOT NULL,
  batch_id    bigint NOT NULL,
  PRIMARY KEY (issuer_id, body_sha256, kind, mode, dry_run)
);

-- Rows that passed ddcd's own checks, as they will be signed. Times are canonical RFC 3339.
CREATE TABLE batch_rows (
  batch_id     bigint NOT NULL,
  line         bigint NOT NULL,
  owner_id     bigint,
  external_ref text,
  content_hash text,
  uri          text,
  valid_from   text,
  valid_until  text,
  metadata     text NOT NULL, -- JSON object text
  metadata_jcs boolean NOT NULL DEFAULT false, -- metadata is its JCS text, ready to sign
  PRIMARY KEY (batch_id, line)
);

-- One error per bad row: the line it starts on, the field, a registry code and a sentence.
CREATE TABLE batch_errors (
  batch_id bigint NOT NULL,
  line     bigint NOT NULL,
  field    text NOT NULL,
  code     text NOT NULL,
  message  text NOT NULL,
  PRIMARY KEY (batch_id, line)
);

-- Which certificate each line became.
CREATE TABLE batch_minted (
  batch_id bigint NOT NULL,
  line     bigint NOT NULL,
  ddc_id   bigint NOT NULL,
  PRIMARY KEY (batch_id, line)
);

-- Anchoring checkpoint roots on an EVM chain (service/chain/anchorer.c). The sender's
-- next nonce is kept here per chain: one is taken in the same transaction that stores the signed
-- transaction using it, so a nonce is never used twice nor skipped, across restarts and across
-- ddcd processes (one anchors at a time, under the anchorer's advisory lock). Every transaction sent
-- for an anchor is kept (a stuck one is replaced by one with the same nonce and a higher fee), so
-- a restarted ddcd re-sends the same bytes instead of anchoring twice.
CREATE TABLE chain_senders (
  chain_id   bigint NOT NULL CHECK (chain_id > 0),
  address    bytea NOT NULL CHECK (length(address) = 20),
  next_nonce bigint NOT NULL CHECK (next_nonce >= 0),
  PRIMARY KEY (chain_id, address)
);

CREATE TABLE chain_anchors (
  id           bigserial PRIMARY KEY,
  chain_id     bigint NOT NULL,
  contract     bytea NOT NULL CHECK (length(contract) = 20),
  sender       bytea NOT NULL CHECK (length(sender) = 20),
  nonce        bigint NOT NULL CHECK (nonce >= 0),
  tree_size    bigint NOT NULL CHECK (tree_size > 0),
  root         bytea NOT NULL CHECK (length(root) = 32),
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'failed')),
  tx_hash      bytea NOT NULL CHECK (length(tx_hash) = 32), -- the newest sent, then the mined one
  block_number bigint,
  created_at   timestamptz NOT NULL DEFAULT now(),
  settled_at   timestamptz,
  UNIQUE (chain_id, sender, nonce)
);

-- a root is anchored once per contract; a failed attempt leaves room for the retry
CREATE UNIQUE INDEX chain_anchors_root ON chain_anchors (chain_id, contract, root)
  WHERE status <> 'failed';
CREATE INDEX chain_anchors_pending ON chain_anchors (chain_id, contract, nonce)
  WHERE status = 'pending';
CREATE INDEX chain_anchors_size ON chain_anchors (chain_id, contract, tree_size)
  WHERE status = 'confirmed';
-- the confirmed anchor a proof bundle points to (the newest whose tree holds the events)
CREATE INDEX chain_anchors_confirmed ON chain_anchors (tree_size) WHERE status = 'confirmed';

CREATE TABLE chain_txs (
  tx_hash          bytea PRIMARY KEY CHECK (length(tx_hash) = 32),
  anchor_id        bigint NOT NULL REFERENCES chain_anchors (id),
  raw              bytea NOT NULL,
  tx_type          smallint NOT NULL CHECK (tx_type IN (0, 2)),
  gas              bigint NOT NULL,
  gas_price        bigint NOT NULL, -- legacy; wei per gas
  max_fee          bigint NOT NULL, -- EIP-1559
  max_priority_fee bigint NOT NULL,
  sent_at          timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX chain_txs_anchor ON chain_txs (anchor_id, sent_at);

-- Per-key rate limits shared by every ddcd: a token bucket per second (burst: one second's
-- worth) and a count per UTC day, kept in micro-tokens. UNLOGGED: no WAL and no flush per request;
-- a crash of PostgreSQL empties it, which refills every bucket (and restarts the day's counts).
CREATE UNLOGGED TABLE rate_buckets (
  key_id    bigint PRIMARY KEY,
  tokens    bigint NOT NULL, -- micro-tokens
  at        timestamptz NOT NULL,
  day       date NOT NULL,
  day_count integer NOT NULL
);

