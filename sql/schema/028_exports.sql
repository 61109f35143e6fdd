-- 028_exports: cross-operator transfer, the source side. A certificate being exported is
-- `exporting` (locked: nothing else may happen to it) until the destination's signed receipt
-- makes it `moved` (final) or a signed refusal or a cancel after the deadline makes it `active`
-- again. cert_exports keeps each export, its worker's progress and what the destination signed.
ALTER TABLE certificates DROP CONSTRAINT certificates_status_check;
ALTER TABLE certificates ADD CONSTRAINT certificates_status_check
  CHECK (status IN ('active', 'frozen', 'revoked', 'burned', 'exporting', 'moved'));

ALTER TABLE prices DROP CONSTRAINT prices_operation_check;
ALTER TABLE prices ADD CONSTRAINT prices_operation_check
  CHECK (operation IN ('mint', 'transfer', 'approve', 'freeze', 'unfreeze', 'revoke', 'burn',
                       'batch_row', 'edition_mint', 'edition_transfer', 'edition_burn',
                       'edition_mint_more', 'export'));
INSERT INTO prices (operation, amount_minor, currency) VALUES ('export', 50, 'CNY');

CREATE TABLE cert_exports (
  export_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ddc_id       bigint NOT NULL REFERENCES certificates (ddc_id),
  peer_id      bigint NOT NULL,          -- the destination's pin (peers.id)
  peer_name    text NOT NULL,            -- the pin as it was when the export began
  peer_log_key text NOT NULL,
  to_account   bigint NOT NULL,          -- an account id at the destination
  actor_id     bigint NOT NULL,
  deadline     timestamptz NOT NULL,
  state        text NOT NULL DEFAULT 'exporting'
               CHECK (state IN ('exporting', 'sent', 'moved', 'refused', 'cancelled')),
  attempts     integer NOT NULL DEFAULT 0,
  next_try_at  timestamptz NOT NULL DEFAULT now(),
  last_error   text,
  receipt      text,                     -- the destination's signed receipt (moved)
  statement    text,                     -- its signed refusal or closed statement
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
-- at most one open export per certificate; the worker's queue
CREATE UNIQUE INDEX cert_exports_open_idx ON cert_exports (ddc_id)
  WHERE state IN ('exporting', 'sent');
CREATE INDEX cert_exports_due_idx ON cert_exports (next_try_at)
  WHERE state IN ('exporting', 'sent');
