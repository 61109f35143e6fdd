-- ledger: the log (RFC 9162 Merkle tree over events, C2SP tlog-tiles, signed checkpoints) and
-- its witnesses' cosignatures. One sequencer at a time (its advisory lock) takes pending events in
-- event-id order, gives each the next leaf index, stores the complete-subtree hashes as tiles and
-- a signed checkpoint, all in one transaction: a crash loses nothing and never gives an index
-- twice. A checkpoint is final once a quorum of the configured witnesses has cosigned it; which
-- witnesses count is configuration, so finality is computed when read.
-- Loaded whole by `ddcd migrate`, after the files listed before it in ORDER (sql/README.md).

CREATE TRIGGER log_leaves_append_only BEFORE UPDATE OR DELETE ON log_leaves
  FOR EACH ROW EXECUTE FUNCTION ddc_append_only ();

CREATE TRIGGER log_checkpoints_append_only BEFORE UPDATE OR DELETE ON log_checkpoints
  FOR EACH ROW EXECUTE FUNCTION ddc_append_only ();

-- The sequencer's step: the next (up to) p_limit pending events in event-id order become leaves
-- p_size, p_size + 1, ...; returns their indexes and leaf hashes SHA-256(0x00 || canonical).
-- p_size must be the log's size (the caller holds the sequencer lock).
CREATE FUNCTION ddc_log_take(p_size bigint, p_limit integer)
RETURNS TABLE (leaf_index bigint, leaf_hash bytea) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  ids bigint[];
BEGIN
  IF p_size <> coalesce((SELECT max(l.leaf_index) + 1 FROM log_leaves l), 0) THEN
    RAISE EXCEPTION 'log size % is not the last checkpoint''s', p_size;
  END IF;
  -- the p_limit lowest pending ids are exactly those up to the p_limit-th: one range delete
  WITH taken AS (
    DELETE FROM log_pending WHERE event_id <= coalesce(
      (SELECT p.event_id FROM log_pending p ORDER BY p.event_id OFFSET p_limit - 1 LIMIT 1),
      (SELECT max(p.event_id) FROM log_pending p))
    RETURNING event_id
  )
  SELECT array_agg(t.event_id ORDER BY t.event_id) INTO ids FROM taken t;
  IF ids IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY
    WITH numbered AS (
      SELECT p_size + t.n - 1 AS leaf_index, t.id AS event_id,
             sha256('\x00'::bytea || convert_to(e.canonical, 'UTF8')) AS leaf_hash
      FROM unnest(ids) WITH ORDINALITY AS t(id, n)
      JOIN events e ON e.id = t.id AND e.id BETWEEN ids[1] AND ids[cardinality(ids)]
    ), ins AS (
      INSERT INTO log_leaves (leaf_index, event_id, leaf_hash)
        SELECT n.leaf_index, n.event_id, n.leaf_hash FROM numbered n
        RETURNING log_leaves.leaf_index, log_leaves.leaf_hash
    )
    SELECT i.leaf_index, i.leaf_hash FROM ins i ORDER BY i.leaf_index;
END $$;

-- What public verification needs about the certificate with this code (its public identifier),
-- all in one statement and so one snapshot (the proofs, the checkpoint and the status lists
-- agree, in one round trip, with the sub-selects planned once per session): the certificate, its
-- signed document, the issuer's name and newest logged profile event, the signing key with its
-- key_added and key_retired events (by the ids the key keeps, 030), and every event of the
-- certificate, each with its leaf index once it has one; the newest logged publication of each
-- purpose of its status list (purpose, list, index, canonical, leaf_index); and the checkpoint
-- the proofs are against, as ddc_log_checkpoint_for gives it for the highest leaf among all those
-- events (cp_size NULL: no checkpoint yet).
CREATE FUNCTION ddc_public_bundle(p_code text, p_witnesses text[], p_quorum integer)
RETURNS TABLE (cert jsonb, document text, issuer jsonb, signing_key jsonb, events jsonb,
               status_lists jsonb, cp_size bigint, cp_root text, cp_note text, cp_final boolean)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
  SELECT ddc_cert_json(c) - 'approved_id' - 'external_ref' - 'last_event_hash' - 'owner_id',
         c.document,
         jsonb_build_object('id', a.id, 'name', a.name, 'profile_event', pe.obj),
         ddc_key_obj(k, k.retired_at IS NULL AND NOT EXISTS (
                          SELECT 1 FROM issuer_keys n WHERE n.issuer_id = k.issuer_id
                            AND n.retired_at IS NULL AND n.id > k.id))
           || jsonb_build_object('key_event', ke.obj, 'retired_event', re.obj),
         ev.objs, st.objs, cp.size, encode(cp.root, 'hex'), cp.note, cp.final
    FROM certificates c
    -- no key row for an imported certificate (its key is proven in its source's log)
    LEFT JOIN issuer_keys k ON k.id = c.key_id
    JOIN accounts a ON a.id = c.issuer_id
    LEFT JOIN LATERAL (SELECT ddc_event_obj(e, l.leaf_index) AS obj, l.leaf_index AS leaf
                         FROM issuer_profiles p JOIN events e ON e.id = p.event_id
                         LEFT JOIN log_leaves l ON l.event_id = e.id
                        WHERE p.issuer_id = a.id) pe ON true
    LEFT JOIN LATERAL (SELECT ddc_event_obj(e, l.leaf_index) AS obj, l.leaf_index AS leaf
                         FROM events e LEFT JOIN log_leaves l ON l.event_id = e.id
                        WHERE e.id = k.added_event) ke ON true
    LEFT JOIN LATERAL (SELECT ddc_event_obj(e, l.leaf_index) AS obj, l.leaf_index AS leaf
                         FROM events e LEFT JOIN log_leaves l ON l.event_id = e.id
                        WHERE e.id = k.retired_event) re ON true
    CROSS JOIN LATERAL (SELECT coalesce(jsonb_agg(ddc_event_obj(e, l.leaf_index) ORDER BY e.id),
                                        '[]') AS objs, max(l.leaf_index) AS leaf
                          FROM events e LEFT JOIN log_leaves l ON l.event_id = e.id
                         WHERE e.ddc_id = c.ddc_id) ev
    CROSS JOIN LATERAL (SELECT coalesce(jsonb_agg(jsonb_build_object('purpose', s.purpose,
                                          'list', s.list, 'index', s.idx,
                                          'canonical', s.canonical, 'leaf_index', s.leaf_index)
                                        ORDER BY s.purpose), '[]') AS objs,
                               max(s.leaf_index) AS leaf
                          FROM ddc_status_for_cert(c.ddc_id) s) st
    CROSS JOIN LATERAL ddc_log_checkpoint_for(
                         greatest(ev.leaf, st.leaf, ke.leaf, re.leaf, pe.leaf, -1),
                         p_witnesses, p_quorum) cp
   WHERE c.code = p_code;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', 'no certificate has this code');
  END IF;
END $$;

-- What public verification needs about the certificate with this code, its proofs aside: the
-- first columns of ddc_public_bundle.
CREATE FUNCTION ddc_public_cert(p_code text)
RETURNS TABLE (cert jsonb, document text, issuer jsonb, signing_key jsonb, events jsonb)
LANGUAGE sql STABLE AS $$
  SELECT b.cert, b.document, b.issuer, b.signing_key, b.events
    FROM ddc_public_bundle(p_code, '{}', 0) b
$$;

-- The kept verdict on the certificate with this code (020_verdicts.sql), if it still stands: made
-- from the certificate's last event, against the trust p_trust, its key not retired since, made
-- after the newest chain anchor confirmation (confirmed_seq, on any chain: a bundle names each
-- chain's newest anchor that holds its events), and before
-- its result turns with time. No row: make it again.
-- SQL and set-returning, so that it is inlined into the caller's prepared plan.
CREATE FUNCTION ddc_verdict_get(p_code text, p_trust text)
RETURNS TABLE (body text) LANGUAGE sql STABLE AS $$
  SELECT v.body FROM verdicts v JOIN certificates c ON c.ddc_id = v.ddc_id
   WHERE v.code = p_code AND v.trust = p_trust AND c.last_event_hash = v.event_hash
     AND (v.fresh_until IS NULL OR v.fresh_until > now())
     AND (v.key_retired OR NOT EXISTS (SELECT 1 FROM issuer_keys k
                                        WHERE k.id = v.key_id AND k.retired_at IS NOT NULL))
     -- anchor_size: the newest confirmation (on any chain) the bundle's anchors include
     AND v.anchor_size = coalesce((SELECT max(a.confirmed_seq) FROM chain_anchors a
                                    WHERE a.status = 'confirmed'), 0)
     -- the issuer's profile (a bundle carries its newest logged one) unchanged since
     AND NOT EXISTS (SELECT 1 FROM issuer_profiles p
                      WHERE p.issuer_id = c.issuer_id AND p.updated_at >= v.made_at)
$$;

-- Keeps the verdict made from the bundle whose last event hashes to p_event_hash (see
-- ddc_verdict_get). A verdict made from an older bundle than the one kept does no harm: it fails
-- the event_hash comparison and is made again.
CREATE FUNCTION ddc_verdict_put(p_code text, p_event_hash bytea, p_trust text,
                                p_anchor_size bigint, p_key_retired boolean,
                                p_fresh_until timestamptz, p_body text)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO verdicts AS v (code, ddc_id, key_id, event_hash, trust, anchor_size, key_retired,
                             fresh_until, body)
  SELECT c.code, c.ddc_id, c.key_id, p_event_hash, p_trust, p_anchor_size, p_key_retired,
         p_fresh_until, p_body
    FROM certificates c WHERE c.code = p_code
  ON CONFLICT (code) DO UPDATE SET event_hash = EXCLUDED.event_hash, trust = EXCLUDED.trust,
    anchor_size = EXCLUDED.anchor_size, key_retired = EXCLUDED.key_retired,
    fresh_until = EXCLUDED.fresh_until, body = EXCLUDED.body, made_at = now()
$$;

-- The verdict builder's step (025_verdict_builder.sql): what public verification needs about each
-- certificate with an event at leaves [p_from, p_to), as ddc_public_cert gives it, unless a
-- verdict and a bundle (031) made from its last event against the trust p_trust are kept already.
CREATE FUNCTION ddc_verdict_todo(p_from bigint, p_to bigint, p_trust text)
RETURNS TABLE (code text, cert jsonb, document text, issuer jsonb, signing_key jsonb, events jsonb)
LANGUAGE sql STABLE AS $$
  SELECT c.code, p.cert, p.document, p.issuer, p.signing_key, p.events
    FROM certificates c CROSS JOIN LATERAL ddc_public_cert(c.code) p
   WHERE c.ddc_id IN (SELECT e.ddc_id FROM log_leaves l JOIN events e ON e.id = l.event_id
                       WHERE l.leaf_index >= p_from AND l.leaf_index < p_to)
     AND NOT (EXISTS (SELECT 1 FROM verdicts v WHERE v.ddc_id = c.ddc_id
                       AND v.event_hash = c.last_event_hash AND v.trust = p_trust)
              AND EXISTS (SELECT 1 FROM kept_bundles b WHERE b.ddc_id = c.ddc_id
                           AND b.event_hash = c.last_event_hash AND b.trust = p_trust))
$$;

-- Many verdicts at once, as ddc_verdict_put keeps each: p_items is an array of {code,
-- event_hash (hex), trust, fresh_until ("" none), anchor_size, key_retired}, p_bodies their
-- bodies in the same order (apart: a large text inside JSON costs more to parse than to store).
CREATE FUNCTION ddc_verdicts_put(p_items jsonb, p_bodies text[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO verdicts AS v (code, ddc_id, key_id, event_hash, trust, anchor_size, key_retired,
                             fresh_until, body)
  SELECT c.code, c.ddc_id, c.key_id, decode(i ->> 'event_hash', 'hex'), i ->> 'trust',
         (i ->> 'anchor_size')::bigint, (i ->> 'key_retired')::boolean,
         nullif(i ->> 'fresh_until', '')::timestamptz, p_bodies[n]
    FROM jsonb_array_elements(p_items) WITH ORDINALITY x(i, n)
    JOIN certificates c ON c.code = i ->> 'code'
  ON CONFLICT (code) DO UPDATE SET event_hash = EXCLUDED.event_hash, trust = EXCLUDED.trust,
    anchor_size = EXCLUDED.anchor_size, key_retired = EXCLUDED.key_retired,
    fresh_until = EXCLUDED.fresh_until, body = EXCLUDED.body, made_at = now()
$$;

-- The kept bundle of the certificate with this code (031_kept_bundles.sql), if it still stands:
-- built from the certificate's last event, against the trust p_trust, with the newest chain
-- anchor confirmation (as ddc_verdict_get), the signing key as it is now (retired or not, the
-- issuer's newest), the issuer's newest profile event and each purpose's newest logged
-- publication of the certificate's status list (as ddc_status_for_cert takes them). No row:
-- build it again. SQL and set-returning, so that it is inlined into the caller's prepared plan.
CREATE FUNCTION ddc_bundle_kept_get(p_code text, p_trust text)
RETURNS TABLE (body text) LANGUAGE sql STABLE AS $$
  SELECT b.body FROM kept_bundles b JOIN certificates c ON c.ddc_id = b.ddc_id
    LEFT JOIN issuer_keys k ON k.id = c.key_id
   WHERE b.code = p_code AND b.trust = p_trust AND c.last_event_hash = b.event_hash
     -- an imported certificate has no key row: its key is the source bundle's, kept with it
     AND (k.id IS NULL OR (b.key_retired = (k.retired_at IS NOT NULL)
          AND b.key_current = (k.retired_at IS NULL AND NOT EXISTS (
                                 SELECT 1 FROM issuer_keys n WHERE n.issuer_id = k.issuer_id
                                    AND n.retired_at IS NULL AND n.id > k.id))))
     AND b.anchor_size = coalesce((SELECT max(a.confirmed_seq) FROM chain_anchors a
                                    WHERE a.status = 'confirmed'), 0)
     AND b.profile_event IS NOT DISTINCT FROM (SELECT p.event_id FROM issuer_profiles p
                                                WHERE p.issuer_id = c.issuer_id)
     AND b.lists = ARRAY(SELECT n.leaf_index
                           FROM (VALUES ('revocation'), ('suspension')) pp(purpose)
                           CROSS JOIN LATERAL (SELECT x.leaf_index FROM status_events s
                                                 JOIN log_leaves x ON x.event_id = s.event_id
                                                WHERE s.issuer_id = c.issuer_id
                                                  AND s.list = c.status_list
                                                  AND s.purpose = pp.purpose
                                                ORDER BY s.event_id DESC LIMIT 1) n
                          ORDER BY pp.purpose)
$$;

-- Keeps bundles (see ddc_bundle_kept_get): p_items is an array of {code, event_hash (hex),
-- trust, anchor_size, key_retired, key_current, profile_event (null: none), lists (leaf
-- indexes)}, each what its bundle was built from, p_bodies the bundles in the same order. A bundle
-- built from an older state than the one kept does no harm: it fails the checks and is built again.
CREATE FUNCTION ddc_bundles_keep(p_items jsonb, p_bodies text[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO kept_bundles AS b (code, ddc_id, event_hash, trust, anchor_size, key_retired,
                                 key_current, profile_event, lists, body)
  SELECT c.code, c.ddc_id, decode(i ->> 'event_hash', 'hex'), i ->> 'trust',
         (i ->> 'anchor_size')::bigint, (i ->> 'key_retired')::boolean,
         (i ->> 'key_current')::boolean, (i ->> 'profile_event')::bigint,
         ARRAY(SELECT l::bigint FROM jsonb_array_elements_text(i -> 'lists') l), p_bodies[n]
    FROM jsonb_array_elements(p_items) WITH ORDINALITY x(i, n)
    JOIN certificates c ON c.code = i ->> 'code'
  ON CONFLICT (code) DO UPDATE SET event_hash = EXCLUDED.event_hash, trust = EXCLUDED.trust,
    anchor_size = EXCLUDED.anchor_size, key_retired = EXCLUDED.key_retired,
    key_current = EXCLUDED.key_current, profile_event = EXCLUDED.profile_event,
    lists = EXCLUDED.lists, body = EXCLUDED.body, made_at = now()
$$;

-- Content-hash lookup: the codes of certificates of that content (public view only).
CREATE FUNCTION ddc_public_by_content(p_hash bytea) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object(
           'code', c.code, 'kind', c.kind, 'status', c.status, 'issuer_id', c.issuer_id,
           'issued_at', ddc_ts(c.issued_at)) ORDER BY c.ddc_id), '[]'))
  FROM (SELECT * FROM certificates WHERE content_hash = p_hash ORDER BY ddc_id LIMIT 100) c
$$;

-- A tile only ever grows: a new version must start with the old one (full tiles never change).
CREATE FUNCTION ddc_tile_grows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF length(NEW.hashes) < length(OLD.hashes)
     OR substring(NEW.hashes FROM 1 FOR length(OLD.hashes)) <> OLD.hashes THEN
    RAISE EXCEPTION 'tile (%, %) would change, not grow', OLD.level, OLD.idx;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER log_tiles_grow BEFORE UPDATE ON log_tiles
  FOR EACH ROW EXECUTE FUNCTION ddc_tile_grows ();

CREATE TRIGGER log_tiles_no_delete BEFORE DELETE ON log_tiles
  FOR EACH ROW EXECUTE FUNCTION ddc_append_only ();

CREATE TRIGGER log_cosignatures_append_only BEFORE UPDATE OR DELETE ON log_cosignatures
  FOR EACH ROW EXECUTE FUNCTION ddc_append_only ();

-- The signed note of a checkpoint with every cosignature stored for it appended, in witness order.
CREATE FUNCTION ddc_cosigned_note(p_size bigint, p_note text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN p_note || coalesce((SELECT string_agg(w.line, '' ORDER BY w.witness)
                               FROM log_cosignatures w WHERE w.size = p_size), '');
END $$;

-- The checkpoint a proof bundle should use: the newest one cosigned by at least p_quorum of the
-- witnesses p_witnesses whose tree holds leaf p_need (final), else the newest one (not final).
-- With no witnesses, simply the newest checkpoint (final). PL/pgSQL so that its plans are kept
-- between calls (a SQL function that cannot be inlined is planned again on every call).
CREATE FUNCTION ddc_log_checkpoint_for(p_need bigint, p_witnesses text[],
                                       p_quorum integer, OUT size bigint,
                                       OUT root bytea, OUT note text, OUT final boolean)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  IF cardinality(p_witnesses) > 0 THEN
    SELECT c.size, c.root, ddc_cosigned_note(c.size, c.note), true INTO size, root, note, final
      FROM log_checkpoints c
     WHERE c.size = (SELECT w.size FROM log_cosignatures w
                      WHERE w.witness = ANY (p_witnesses) AND w.size > p_need
                      GROUP BY w.size HAVING count(*) >= p_quorum
                      ORDER BY w.size DESC LIMIT 1);
    IF FOUND THEN
      RETURN;
    END IF;
  END IF;
  SELECT c.size, c.root, ddc_cosigned_note(c.size, c.note), cardinality(p_witnesses) = 0
    INTO size, root, note, final
    FROM log_checkpoints c ORDER BY c.size DESC LIMIT 1;
END $$;
