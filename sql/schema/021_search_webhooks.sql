-- 021_search_webhooks: search of certificates by their metadata's words (pg_trgm, a trusted
-- contrib extension) and webhooks: each account's endpoints, the outbox of deliveries written in
-- the transaction of the event, and the record of each attempt.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Every string of a certificate's metadata, at any depth, as the JSON text of one array: the
-- trigram index behind GET /v1/certificates?q=. Only built-in immutable functions, so the
-- function reload of `ddcd migrate` never touches it; ddc_cert_search uses the same expression.
CREATE INDEX certificates_search_idx ON certificates USING gin (
  (jsonb_path_query_array(document::jsonb, 'strict $."metadata".** ? (@.type() == "string")')::text)
  gin_trgm_ops);
CREATE INDEX certificates_issued_idx ON certificates (issuer_id, issued_at, ddc_id);

-- An account's webhook endpoints. The secret (32 random bytes) is sealed by ddcd with a subkey
-- of the master key, like the issuer keys. events: the event types delivered ('*' for all).
CREATE TABLE webhooks (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id      bigint NOT NULL REFERENCES accounts (id),
  url             text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  events          text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 32),
  sealed_secret   bytea NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  disabled_at     timestamptz,
  disabled_reason text,
  deleted_at      timestamptz
);
CREATE INDEX webhooks_account_idx ON webhooks (account_id, id);

-- The outbox: one row per event and endpoint, written with the event. A row is due at
-- next_at; the delivery worker claims due rows (FOR UPDATE SKIP LOCKED), the oldest of each
-- certificate first (a certificate's next event waits for the previous one's success), and
-- deletes nothing: delivered_at marks success, failed_at a row given up with its endpoint.
CREATE TABLE webhook_outbox (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  webhook_id   bigint NOT NULL REFERENCES webhooks (id),
  event_id     bigint NOT NULL,
  ddc_id       bigint,
  created_at   timestamptz NOT NULL DEFAULT now(),
  next_at      timestamptz NOT NULL DEFAULT now(),
  attempts     integer NOT NULL DEFAULT 0,
  delivered_at timestamptz,
  failed_at    timestamptz,
  UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_outbox_due_idx ON webhook_outbox (next_at, id)
  WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_outbox_cert_idx ON webhook_outbox (webhook_id, ddc_id, id)
  WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_outbox_hook_idx ON webhook_outbox (webhook_id, id);

-- Each delivery attempt: when, the HTTP status (NULL when none came back) and what went wrong.
CREATE TABLE webhook_attempts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  outbox_id   bigint NOT NULL REFERENCES webhook_outbox (id),
  webhook_id  bigint NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  status_code integer,
  error       text,
  duration_ms integer NOT NULL
);
CREATE INDEX webhook_attempts_hook_idx ON webhook_attempts (webhook_id, id);
