-- 029_peers_imports: cross-operator transfer, the destination's side and the pins
-- (docs/transfer.md). A peer is another ddcd this operator pinned: its URL, its log key (whose
-- note key id names it in DDC-Peer-Signature) and its witnesses; nothing from it is trusted
-- beyond the pin. Each pin gets an issuer account of its own (issuer_id) that stands for the
-- peer's issuers: the certificates imported from it are that account's, so that every rule keyed
-- on certificates.issuer_id (visibility, recipients, prices) has an issuer to name. Such a
-- certificate carries the document signed at the source, whose key this database does not hold:
-- its key_id is NULL (and so is its kept verdict's), cert_imports keeping where it came from.
CREATE TABLE peers (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name         text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  url          text NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
  log_key      text NOT NULL UNIQUE, -- C2SP note verifier key, name+keyid+base64
  key_id       bigint NOT NULL UNIQUE CHECK (key_id BETWEEN 0 AND 4294967295),
  witness_keys text[] NOT NULL DEFAULT '{}',
  quorum       integer NOT NULL CHECK (quorum >= 0 AND quorum <= cardinality(witness_keys)),
  issuer_id    bigint NOT NULL UNIQUE REFERENCES accounts (id),
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- A certificate imported from a peer: the export it came from (the source's export id, code,
-- ddc_id and the hash of its export_started event) and the packet's bundle, verbatim.
CREATE TABLE cert_imports (
  ddc_id            bigint PRIMARY KEY REFERENCES certificates (ddc_id),
  peer_id           bigint NOT NULL REFERENCES peers (id),
  export_id         bigint NOT NULL,
  source_code       text NOT NULL,
  source_ddc_id     bigint NOT NULL,
  export_event_hash bytea NOT NULL CHECK (length(export_event_hash) = 32),
  bundle            text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (peer_id, export_id)
);

-- An export this side will never import: refused (the signed refusal it was answered with) or
-- closed at the source's request (the signed closed statement). One per export, never removed.
CREATE TABLE import_tombstones (
  peer_id    bigint NOT NULL REFERENCES peers (id),
  export_id  bigint NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('refused', 'closed')),
  reason     text NOT NULL,
  statement  text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (peer_id, export_id)
);

ALTER TABLE certificates ALTER COLUMN key_id DROP NOT NULL;
ALTER TABLE verdicts ALTER COLUMN key_id DROP NOT NULL;
