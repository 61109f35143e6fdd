-- 031_kept_bundles: the public proof bundle kept per certificate, as its verdict is (020), so that
-- GET /v1/verify/{code}/bundle is one index lookup instead of reading the certificate, its events,
-- key, status lists and checkpoint and proving each event. A row is the bundle ddcd built once it
-- was settled (every event under a final checkpoint; the verdict builder keeps one with each
-- verdict, and a bundle built on request is kept too), and stands while what it was built from
-- stands: the certificate's last event (event_hash), the trust (log key and witnesses, which the
-- bundle names), the newest confirmed chain anchor (anchor_size, as 020's), the signing key as the
-- bundle shows it (key_retired, key_current: no newer key of the issuer), the issuer's newest
-- logged profile event (profile_event) and the newest logged publication of each purpose of its
-- status list (lists: their leaf indexes, by purpose). Its checkpoint may be older than the newest:
-- every proof is against the checkpoint it carries. ddc_bundle_kept_get checks all of that in the
-- same query; a row that fails is built again.
CREATE TABLE kept_bundles (
  code          text PRIMARY KEY,
  ddc_id        bigint NOT NULL REFERENCES certificates ON DELETE CASCADE,
  event_hash    bytea NOT NULL,
  trust         text NOT NULL,
  anchor_size   bigint NOT NULL,
  key_retired   boolean NOT NULL,
  key_current   boolean NOT NULL,
  profile_event bigint,
  lists         bigint[] NOT NULL,
  body          text COMPRESSION lz4 NOT NULL,
  made_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kept_bundles_ddc_id ON kept_bundles (ddc_id);
