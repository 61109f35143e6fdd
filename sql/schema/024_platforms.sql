-- 024_platforms: the platform tier (BSN-DDC's Operator -> Platform -> Consumer). A platform is an
-- account the operator makes; it creates issuers under it, recharges them from its own balance
-- and sets their prices within the floor the operator sets for it. platform_id is the platform an
-- issuer sits under, copied onto that issuer's holders when they are created (an issuer never
-- changes platform), so that "is this account under platform P" is one column, not a join.
-- A platform's floor is a row of prices whose issuer_id names the platform (no new table: the
-- price lookup reads issuer, then platform, then default).
ALTER TABLE accounts DROP CONSTRAINT accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check
  CHECK (role IN ('operator', 'platform', 'issuer', 'holder'));
ALTER TABLE accounts ADD COLUMN platform_id bigint REFERENCES accounts (id);
ALTER TABLE accounts ADD CONSTRAINT accounts_platform_check
  CHECK (platform_id IS NULL OR role IN ('issuer', 'holder'));
CREATE INDEX accounts_platform_idx ON accounts (platform_id, id) WHERE platform_id IS NOT NULL;

