-- 016_status_entries: a certificate's place in its issuer's status lists (W3C Bitstring Status
-- List). Each issuer has lists of 131,072 entries per purpose (revocation, suspension); a
-- certificate holds the same list number and index in both purposes, drawn at mint at random
-- among the free ones of the issuer's open list, and kept for life. NULL until drawn (rows of
-- releases before this one are given theirs by the status-list code).
ALTER TABLE certificates ADD COLUMN status_list integer CHECK (status_list >= 0);
ALTER TABLE certificates ADD COLUMN status_index integer
  CHECK (status_index >= 0 AND status_index < 131072);
ALTER TABLE certificates ADD CONSTRAINT certificates_status_both
  CHECK ((status_list IS NULL) = (status_index IS NULL));
CREATE UNIQUE INDEX certificates_status_entry_idx ON certificates (issuer_id, status_list, status_index)
  WHERE status_list IS NOT NULL;
