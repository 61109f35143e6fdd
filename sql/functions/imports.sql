-- imports: certificates that come in from a pinned peer (cross-operator transfer, the
-- destination's side; docs/transfer.md). ddcd checks the packet (its bundle under the pin's
-- trust) in C; here: what this side knows of an export, the import itself in one transaction
-- (the certificate, its first event `imported`, the provenance), and the tombstones of exports
-- refused or closed. Every write locks the pin's row (FOR NO KEY UPDATE), so that an import and a
-- close of one export never both happen.
-- Loaded whole by `ddcd migrate`, after the files listed before it in ORDER (sql/README.md).

-- What this side holds for export p_export of peer p_peer: {state: none | imported | refused |
-- closed, code, ddc_id, statement}.
CREATE FUNCTION ddc_import_state(p_peer bigint, p_export bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
  i cert_imports;
  t import_tombstones;
BEGIN
  SELECT * INTO i FROM cert_imports WHERE peer_id = p_peer AND export_id = p_export;
  IF FOUND THEN
    RETURN jsonb_build_object('state', 'imported', 'ddc_id', i.ddc_id,
                              'code', (SELECT code FROM certificates WHERE ddc_id = i.ddc_id));
  END IF;
  SELECT * INTO t FROM import_tombstones WHERE peer_id = p_peer AND export_id = p_export;
  IF FOUND THEN
    RETURN jsonb_build_object('state', t.kind, 'reason', t.reason, 'statement', t.statement);
  END IF;
  RETURN jsonb_build_object('state', 'none');
END $$;

-- Imports a checked packet: a new certificate (p_ddc, p_code drawn by ddcd) of the pin's issuer
-- account, owned by p_to, with the source's signed document p_document (its hash and signature)
-- and the first event `imported`. Refused: an export imported already (packet_replayed), or
-- closed here (export_closed); answers {state: 'refused', reason} without writing when p_to is
-- no active holder here (recipient_unknown) or the document is an edition's. Not charged.
CREATE FUNCTION ddc_import(p_peer bigint, p_export bigint, p_to bigint, p_ddc bigint,
                           p_code text, p_document text, p_cert_hash bytea, p_signature bytea,
                           p_source_code text, p_source_ddc bigint, p_export_event bytea,
                           p_bundle text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  p peers;
  d jsonb := p_document::jsonb;
  a accounts;
  c certificates;
  v_state jsonb;
  v_time timestamptz := now();
  v_canon text;
  v_hash bytea;
BEGIN
  SELECT * INTO p FROM peers WHERE id = p_peer FOR NO KEY UPDATE;
  v_state := ddc_import_state(p_peer, p_export);
  IF v_state ->> 'state' = 'imported' THEN
    PERFORM ddc_fail('packet_replayed', format('export %s of peer %s was imported already as %s',
                                               p_export, p.name, v_state ->> 'code'),
                     jsonb_build_object('code', v_state ->> 'code'));
  ELSIF v_state ->> 'state' IN ('closed', 'refused') THEN
    RETURN v_state;
  END IF;
  SELECT * INTO a FROM accounts WHERE id = p_to;
  IF a.id IS NULL OR a.role <> 'holder' OR a.status <> 'active' THEN
    RETURN jsonb_build_object('state', 'refused', 'reason', 'recipient_unknown');
  END IF;
  IF d ? 'standard' OR NOT (d ->> 'kind' IN ('copyright', 'diploma', 'generic')) THEN
    RETURN jsonb_build_object('state', 'refused', 'reason', 'not_transferable');
  END IF;
  v_canon := ddc_event_canon(p_ddc, NULL, 'imported', p.issuer_id, NULL, ddc_jcs(
    jsonb_build_object('exportId', p_export, 'peer', p.name, 'peerLogKey', p.log_key,
                       'sourceCode', p_source_code, 'sourceDdcId', p_source_ddc,
                       'certHash', encode(p_cert_hash, 'hex'),
                       'exportEventHash', encode(p_export_event, 'hex'))), v_time);
  v_hash := sha256(convert_to(v_canon, 'UTF8'));
  INSERT INTO certificates (ddc_id, code, issuer_id, owner_id, kind, document, cert_hash,
                            signature, key_id, content_hash, uri, valid_from, valid_until,
                            issued_at, last_event_hash)
    VALUES (p_ddc, p_code, p.issuer_id, p_to, d ->> 'kind', p_document, p_cert_hash, p_signature,
            NULL, decode(d ->> 'contentHash', 'hex'), d ->> 'uri',
            (d ->> 'validFrom')::timestamptz, (d ->> 'validUntil')::timestamptz,
            (d ->> 'issuedAt')::timestamptz, v_hash)
    RETURNING * INTO c;
  INSERT INTO cert_imports (ddc_id, peer_id, export_id, source_code, source_ddc_id,
                            export_event_hash, bundle)
    VALUES (p_ddc, p_peer, p_export, p_source_code, p_source_ddc, p_export_event, p_bundle);
  PERFORM ddc_event_insert(p_ddc, NULL, 'imported', p.issuer_id, NULL, v_time, v_canon, v_hash);
  RETURN jsonb_build_object('state', 'imported', 'code', c.code, 'ddc_id', c.ddc_id);
END $$;

-- Records that export p_export of peer p_peer is never imported here: p_kind 'refused' (the
-- signed refusal p_statement) or 'closed' (the signed closed statement). Answers what this side
-- holds afterwards (ddc_import_state): an export imported meanwhile stays imported, and an
-- earlier tombstone stands.
CREATE FUNCTION ddc_import_tombstone(p_peer bigint, p_export bigint, p_kind text, p_reason text,
                                     p_statement text)
RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM peers WHERE id = p_peer FOR NO KEY UPDATE;
  IF NOT EXISTS (SELECT 1 FROM cert_imports WHERE peer_id = p_peer AND export_id = p_export) THEN
    INSERT INTO import_tombstones (peer_id, export_id, kind, reason, statement)
      VALUES (p_peer, p_export, p_kind, p_reason, p_statement) ON CONFLICT DO NOTHING;
  END IF;
  RETURN ddc_import_state(p_peer, p_export);
END $$;

-- Where a certificate came from, for its bundle (ledger/bundle.c): {peer, code, ddc_id, log_key,
-- witness_keys, quorum, bundle (text)}, or NULL for one minted here.
CREATE FUNCTION ddc_import_source(p_ddc bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT jsonb_build_object('peer', p.name, 'code', i.source_code,
                                             'ddc_id', i.source_ddc_id, 'log_key', p.log_key,
                                             'witness_keys', to_jsonb(p.witness_keys),
                                             'quorum', p.quorum, 'bundle', i.bundle)
                     FROM cert_imports i JOIN peers p ON p.id = i.peer_id
                    WHERE i.ddc_id = p_ddc), 'null'::jsonb)
$$;
