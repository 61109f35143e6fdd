-- 026_search_indexes: the certificate searches of an operator (across issuers) and of status
-- filters, index-backed at a million certificates: an exact
-- external_ref without an issuer (certificates_external_ref_idx leads with issuer_id), a date
-- range without an issuer (certificates_issued_idx leads with it too), and the statuses other
-- than active, which are few (partial indexes: a mint, active, writes neither).
CREATE INDEX certificates_ref_any_idx ON certificates (external_ref) WHERE external_ref IS NOT NULL;
CREATE INDEX certificates_time_idx ON certificates (issued_at, ddc_id);
CREATE INDEX certificates_status_idx ON certificates (status, ddc_id) WHERE status <> 'active';
CREATE INDEX certificates_issuer_status_idx ON certificates (issuer_id, status, ddc_id)
  WHERE status <> 'active';
