-- exports: cross-operator transfer, the source side (docs/transfer.md). An export locks the
-- certificate (status exporting) with a logged export_started event naming the destination's pin
-- and the recipient there; the export worker (service/peer/exporter.c) sends the packet and
-- records what the destination signed: a receipt (export_completed, status moved, final), a
-- refusal (export_refused, active again) or, after the deadline, a close (export_cancelled,
-- active again). Every outcome is recorded once: a second recording of an ended export changes
-- nothing, so the worker and a cancel may race and either side may crash and retry.
-- Loaded whole by `ddcd migrate`, after the files listed before it in ORDER (sql/README.md).

-- RFC 3339 UTC to the second, as the export_started event and the 202 give the deadline.
CREATE FUNCTION ddc_export_ts(t timestamptz) RETURNS text LANGUAGE sql STABLE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

CREATE FUNCTION ddc_export_json(x cert_exports, c certificates) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('export_id', x.export_id, 'ddc_id', x.ddc_id, 'code', c.code,
                            'status', c.status, 'state', x.state, 'peer', x.peer_name,
                            'to', x.to_account, 'deadline', ddc_export_ts(x.deadline))
$$;

-- Export: the owner, the issuer keeping the owner's account, or an approved operator locks an
-- active certificate for the peer pinned as p_peer and its account p_to there, as a transfer
-- (the holder's signature, verified by ddcd, once the owner registered a key; an approved
-- operator needs none). Charged as 'export'. The deadline is p_deadline_s from now.
CREATE FUNCTION ddc_export(p_role text, p_actor bigint, p_ddc bigint, p_peer text, p_to bigint,
                           p_signed_owner bigint, p_signed_version integer, p_nonce text,
                           p_deadline_s integer)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  c certificates := ddc_cert_lock(p_ddc);
  v_approved boolean := ddc_is_approved(p_actor, c);
  p peers;
  x cert_exports;
BEGIN
  IF NOT (v_approved OR ddc_acts_for_owner(p_role, p_actor, c)) THEN
    PERFORM ddc_fail('forbidden', 'only the owner or an approved operator exports');
  END IF;
  PERFORM ddc_cert_single(c, 'export');
  PERFORM ddc_cert_movable(c, false);
  PERFORM ddc_holder_consent(c.owner_id, v_approved, p_signed_owner, p_signed_version, p_nonce,
                             'export', p_ddc);
  SELECT * INTO p FROM peers WHERE name = p_peer;
  IF NOT FOUND THEN
    PERFORM ddc_fail('peer_not_found', format('no peer is pinned as %s', p_peer),
                     '{"field":"peer"}');
  END IF;
  INSERT INTO cert_exports (ddc_id, peer_id, peer_name, peer_log_key, to_account, actor_id,
                            deadline)
    VALUES (p_ddc, p.id, p.name, p.log_key, p_to, p_actor,
            date_trunc('second', now()) + make_interval(secs => p_deadline_s))
    RETURNING * INTO x;
  PERFORM ddc_cert_event(c, 'export_started', p_actor, jsonb_build_object(
    'exportId', x.export_id, 'peer', p.name, 'peerLogKey', p.log_key, 'to', p_to,
    'deadline', ddc_export_ts(x.deadline)));
  UPDATE certificates SET status = 'exporting', approved_id = NULL WHERE ddc_id = p_ddc
    RETURNING * INTO c;
  RETURN ddc_export_json(x, c) || jsonb_build_object(
    'charged', ddc_charge(p_actor, p_role, c.issuer_id, 'export', p_ddc));
END $$;

-- The open export of certificate p_ddc, for a cancel by one who may export it: refused before
-- its deadline. Returns what the cancel needs to ask the destination to close it.
CREATE FUNCTION ddc_export_open(p_role text, p_actor bigint, p_ddc bigint)
RETURNS TABLE (export_id bigint, peer_url text, peer_log_key text) LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
  c certificates;
  x cert_exports;
BEGIN
  SELECT * INTO c FROM certificates WHERE ddc_id = p_ddc;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('no certificate %s', p_ddc));
  END IF;
  IF NOT (ddc_acts_for_owner(p_role, p_actor, c) OR ddc_is_approved(p_actor, c)
          OR EXISTS (SELECT 1 FROM cert_exports e WHERE e.ddc_id = p_ddc
                       AND e.state IN ('exporting', 'sent') AND e.actor_id = p_actor)) THEN
    PERFORM ddc_fail('forbidden', 'only the owner or an approved operator cancels an export');
  END IF;
  IF c.status = 'moved' THEN
    PERFORM ddc_fail('export_completed', format('certificate %s moved to another operator',
                                                p_ddc));
  END IF;
  SELECT * INTO x FROM cert_exports e WHERE e.ddc_id = p_ddc AND e.state IN ('exporting', 'sent');
  IF NOT FOUND THEN
    PERFORM ddc_fail('export_not_pending', format('certificate %s has no export pending',
                                                  p_ddc));
  END IF;
  IF x.deadline > now() THEN
    PERFORM ddc_fail('export_deadline_not_passed',
      format('export %s may be cancelled after its deadline, %s', x.export_id,
             ddc_export_ts(x.deadline)),
      jsonb_build_object('deadline', ddc_export_ts(x.deadline)));
  END IF;
  RETURN QUERY SELECT x.export_id, p.url, x.peer_log_key FROM peers p WHERE p.id = x.peer_id;
END $$;

-- The open exports the worker should look at now (all open ones when p_all), oldest due first,
-- with the destination's pin: its URL, the log key pinned when the export began, the witnesses.
CREATE FUNCTION ddc_export_due(p_limit integer, p_all boolean)
RETURNS TABLE (export_id bigint, ddc_id bigint, code text, state text, attempts integer,
               peer_url text, peer_log_key text, peer_witnesses jsonb, peer_quorum integer,
               cert_hash text, expired boolean)
LANGUAGE sql STABLE AS $$
  SELECT x.export_id, x.ddc_id, c.code, x.state, x.attempts, p.url, x.peer_log_key,
         to_jsonb(p.witness_keys), p.quorum, encode(c.cert_hash, 'hex'), x.deadline <= now()
  FROM cert_exports x JOIN certificates c ON c.ddc_id = x.ddc_id
  JOIN peers p ON p.id = x.peer_id
  WHERE x.state IN ('exporting', 'sent') AND (p_all OR x.next_try_at <= now())
  ORDER BY x.next_try_at LIMIT p_limit
$$;

-- A step that did not end the export: its state now (exporting: the packet is still to be
-- accepted; sent: the destination has it, its receipt is to be asked for), why it must be tried
-- again (NULL: it went as planned) and when.
CREATE FUNCTION ddc_export_retry(p_export bigint, p_state text, p_error text, p_retry_s double precision)
RETURNS void LANGUAGE sql AS $$
  UPDATE cert_exports SET state = p_state, last_error = p_error, updated_at = now(),
                          attempts = CASE WHEN p_error IS NULL THEN 0 ELSE attempts + 1 END,
                          next_try_at = now() + make_interval(secs => p_retry_s)
    WHERE export_id = p_export AND state IN ('exporting', 'sent')
$$;

-- Ends export p_export, once: p_outcome moved (p_statement the receipt, p_data {code, ddcId,
-- url, receiptSha256} of the certificate at the destination), refused (the signed refusal,
-- p_data {reason}) or cancelled (the closed statement; p_actor who cancelled). The logged event,
-- the certificate's status and the export's state commit together. Returns the export as
-- ddc_export_json shows it; an export that had ended already is returned unchanged.
CREATE FUNCTION ddc_export_settle(p_export bigint, p_outcome text, p_statement text,
                                  p_data jsonb, p_actor bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  x cert_exports;
  c certificates;
BEGIN
  SELECT * INTO x FROM cert_exports WHERE export_id = p_export;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('no export %s', p_export));
  END IF;
  c := ddc_cert_lock(x.ddc_id);
  SELECT * INTO x FROM cert_exports WHERE export_id = p_export FOR UPDATE;
  IF x.state NOT IN ('exporting', 'sent') THEN
    RETURN ddc_export_json(x, c);
  END IF;
  PERFORM ddc_cert_event(c, 'export_' || CASE p_outcome WHEN 'moved' THEN 'completed'
                                          ELSE p_outcome END,
                         coalesce(p_actor, x.actor_id),
                         jsonb_build_object('exportId', x.export_id)
                         || CASE p_outcome WHEN 'moved' THEN jsonb_build_object('peer', x.peer_name)
                                                             || p_data
                                           WHEN 'refused' THEN p_data ELSE '{}' END);
  UPDATE certificates SET status = CASE WHEN p_outcome = 'moved' THEN 'moved' ELSE 'active' END
    WHERE ddc_id = x.ddc_id RETURNING * INTO c;
  UPDATE cert_exports SET state = p_outcome, updated_at = now(), last_error = NULL,
                          receipt = CASE WHEN p_outcome = 'moved' THEN p_statement END,
                          statement = CASE WHEN p_outcome <> 'moved' THEN p_statement END
    WHERE export_id = p_export RETURNING * INTO x;
  RETURN ddc_export_json(x, c);
END $$;
