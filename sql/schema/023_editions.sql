-- 023_editions: DDC-1155 editions. An edition is a certificate row (one document, code, page and
-- event chain, "standard":"ddc-1155" in its document) whose units are spread over holders:
-- edition_supply units minted in all, edition_burned of them burned, the rest held in
-- edition_balances (one row per class and holder; owner_id keeps the first owner). Units held plus
-- units burned equal the supply: a constraint trigger checks it at commit
-- (sql/functions/editions.sql). Amounts are exact integers, 0 <= amount <= 2^53. Holder signatures
-- now cover more actions than transfers: a nonce is spent for whichever action it signed (ddc_id
-- NULL for an approval for all).
ALTER TABLE certificates ADD COLUMN edition_supply bigint
  CHECK (edition_supply BETWEEN 1 AND 9007199254740992);
ALTER TABLE certificates ADD COLUMN edition_burned bigint CHECK (edition_burned >= 0);
ALTER TABLE certificates ADD COLUMN edition_mintable boolean;
ALTER TABLE certificates ADD CONSTRAINT certificates_edition_columns
  CHECK ((edition_supply IS NULL) = (edition_burned IS NULL)
         AND (edition_supply IS NULL) = (edition_mintable IS NULL)
         AND edition_burned <= edition_supply);

CREATE TABLE edition_balances (
  ddc_id     bigint NOT NULL,
  holder_id  bigint NOT NULL,
  amount     bigint NOT NULL CHECK (amount BETWEEN 0 AND 9007199254740992),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ddc_id, holder_id)
);
CREATE INDEX edition_balances_holder_idx ON edition_balances (holder_id, ddc_id);

ALTER TABLE holder_nonces ALTER COLUMN ddc_id DROP NOT NULL;
ALTER TABLE holder_nonces ADD COLUMN action text;

ALTER TABLE prices DROP CONSTRAINT prices_operation_check;
ALTER TABLE prices ADD CONSTRAINT prices_operation_check
  CHECK (operation IN ('mint', 'transfer', 'approve', 'freeze', 'unfreeze', 'revoke', 'burn',
                       'batch_row', 'edition_mint', 'edition_transfer', 'edition_burn',
                       'edition_mint_more'));
INSERT INTO prices (operation, amount_minor, currency) VALUES
  ('edition_mint', 100, 'CNY'), ('edition_transfer', 50, 'CNY'), ('edition_burn', 10, 'CNY'),
  ('edition_mint_more', 100, 'CNY');
