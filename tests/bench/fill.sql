-- fill.sql: for `make bench`, fills the database up to :fill certificates with copies of those
-- minted through the API, the way ddc_mint writes them: a certificate row (new ddc_id and code,
-- the copied document with its code replaced, that document's hash, a status-list entry), its
-- mint event with the canonical text in the real shape, chained from it, and the event queued in
-- log_pending for the sequencer. The signatures are copied, so filler certificates do not
-- verify; the bench verifies only real ones. One transaction.
BEGIN;
CREATE TEMP TABLE filler ON COMMIT DROP AS
  SELECT nextval('ddc_id_seq') AS ddc_id,
         translate(substr(md5(g::text) || md5(g::text || '.'), 1, 26), '0189', 'wxyz') AS code,
         t.code AS tcode, t.issuer_id, t.owner_id, t.kind, t.document AS tdoc, t.signature,
         t.key_id, t.issued_at
  FROM generate_series(1, :fill - (SELECT count(*) FROM certificates)) g
  JOIN (SELECT row_number() OVER (ORDER BY ddc_id) - 1 AS k, * FROM certificates) t
    ON t.k = g % (SELECT count(*) FROM certificates);
-- and their status-list entries, drawn as ddc_mint draws them (ddc_status_reserve per issuer)
CREATE TEMP TABLE filler_entry ON COMMIT DROP AS
  SELECT i.issuer_id, r.o_list, r.o_index, row_number() OVER (PARTITION BY i.issuer_id) AS k
  FROM (SELECT issuer_id, count(*)::integer AS n FROM filler GROUP BY issuer_id) i,
       LATERAL ddc_status_reserve(i.issuer_id, i.n) r;
WITH d AS (
  SELECT f.*, replace(f.tdoc, f.tcode, f.code) AS document, s.o_list, s.o_index
  FROM (SELECT *, row_number() OVER (PARTITION BY issuer_id ORDER BY ddc_id) AS k FROM filler) f
  JOIN filler_entry s ON s.issuer_id = f.issuer_id AND s.k = f.k
), e AS (
  SELECT d.*, sha256(convert_to(d.document, 'UTF8')) AS cert_hash,
         '{"account":null,"actor":' || d.issuer_id || ',"data":{"certHash":"'
           || encode(sha256(convert_to(d.document, 'UTF8')), 'hex') || '","issuer":' || d.issuer_id
           || ',"keyId":' || d.key_id || ',"kind":"' || d.kind || '","owner":' || d.owner_id
           || '},"ddcId":' || d.ddc_id || ',"prev":null,"time":"' || ddc_ts(d.issued_at)
           || '","type":"mint","v":"ddc.event/v1"}' AS canonical
  FROM d
), c AS (
  INSERT INTO certificates (ddc_id, code, issuer_id, owner_id, kind, document, cert_hash,
                            signature, key_id, issued_at, last_event_hash, status_list,
                            status_index)
  SELECT ddc_id, code, issuer_id, owner_id, kind, document, cert_hash, signature, key_id,
         issued_at, sha256(convert_to(canonical, 'UTF8')), o_list, o_index
  FROM e
), ev AS (
  INSERT INTO events (ddc_id, type, actor_id, created_at, canonical, event_hash)
  SELECT ddc_id, 'mint', issuer_id, issued_at, canonical, sha256(convert_to(canonical, 'UTF8'))
  FROM e ORDER BY ddc_id
  RETURNING id
)
INSERT INTO log_pending SELECT id FROM ev;
COMMIT;
