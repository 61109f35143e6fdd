-- 020_verdicts: the public verdict kept per certificate, so that GET /v1/verify/{code} is one
-- index lookup instead of building and checking the proof bundle every time. A row is the
-- verdict ddcd made from the certificate's bundle once it was settled (final and not invalid),
-- and stands while what it was made from stands: the certificate's last event (event_hash, its
-- last_event_hash then), the signing key not retired since (key_retired), the newest confirmed
-- chain anchor the one it names (anchor_size: its tree size, 0 none), the trusted log key and
-- witnesses (trust), and the time before its result turns on validFrom or validUntil
-- (fresh_until). ddc_verdict_get checks all of that in the same query; a row that fails is made
-- again from the bundle.
CREATE TABLE verdicts (
  code        text PRIMARY KEY,
  ddc_id      bigint NOT NULL REFERENCES certificates ON DELETE CASCADE,
  key_id      bigint NOT NULL,
  event_hash  bytea NOT NULL,
  trust       text NOT NULL,
  anchor_size bigint NOT NULL,
  key_retired boolean NOT NULL,
  fresh_until timestamptz,
  body        text NOT NULL,
  made_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX verdicts_ddc_id ON verdicts (ddc_id);

-- the newest confirmed anchor, which a kept verdict must name: one index probe
CREATE INDEX chain_anchors_confirmed_size ON chain_anchors (tree_size) WHERE status = 'confirmed';
