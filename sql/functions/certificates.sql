-- certificates: issuer signing keys, holder keys, certificates (DDC-721 life cycle), the event
-- chain and the approvals that govern transfers. One function per write operation: rules are
-- checked under the certificate's row lock, the event is appended (and queued for the log), and
-- the payer is charged last.
-- Loaded whole by `ddcd migrate`, after the files listed before it in ORDER (sql/README.md).

-- RFC 8785 (JCS) text of a jsonb value whose numbers are integers and whose keys are ASCII (as in
-- every event this service writes): keys sorted by code point, to_json string escaping, which is
-- the JCS escaping. Certificate documents, which carry arbitrary metadata, are canonicalized in C.
CREATE FUNCTION ddc_jcs(j jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  CASE jsonb_typeof(j)
  WHEN 'object' THEN
    RETURN '{' || coalesce((SELECT string_agg(to_json(k)::text || ':' || ddc_jcs_scalar(v), ','
                                              ORDER BY k COLLATE "C")
                            FROM jsonb_each(j) AS e(k, v)), '') || '}';
  WHEN 'array' THEN
    RETURN '[' || coalesce((SELECT string_agg(ddc_jcs_scalar(v), ',' ORDER BY o)
                            FROM jsonb_array_elements(j) WITH ORDINALITY AS e(v, o)), '') || ']';
  ELSE
    RETURN j::text;
  END CASE;
END $$;

-- A scalar's text as is (jsonb prints strings with the JSON escapes JCS uses); containers recurse.
CREATE FUNCTION ddc_jcs_scalar(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(v) IN ('object', 'array') THEN ddc_jcs(v) ELSE v::text END
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION ddc_append_only ();

-- A retired signing key changes the bundles of its certificates (the retirement event): every
-- process drops its cached verdicts (kept ones check the key, see ddc_verdict_get).
CREATE TRIGGER issuer_keys_notify AFTER UPDATE OF retired_at ON issuer_keys
  FOR EACH ROW WHEN (OLD.retired_at IS DISTINCT FROM NEW.retired_at)
  EXECUTE FUNCTION ddc_notify_verdicts ();

-- A status change (revoke, freeze, unfreeze, burn) changes the bits of the certificate's status
-- list: it is published again (status.sql).
CREATE TRIGGER certificates_status_dirty AFTER UPDATE OF status ON certificates
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status_list IS NOT NULL)
  EXECUTE FUNCTION ddc_status_dirty_mark ();

-- Inserts an event whose canonical text p_canon (its "time" p_time, hash p_hash) is already
-- written, by ddc_event_append or, for a mint, by ddcd (cert_mint_event), and queues it for the
-- log and for the webhooks that want it (webhooks.sql).
CREATE FUNCTION ddc_event_insert(p_ddc bigint, p_account bigint, p_type text, p_actor bigint,
                                 p_prev bytea, p_time timestamptz, p_canon text, p_hash bytea)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
BEGIN
  INSERT INTO events (ddc_id, account_id, type, actor_id, created_at, canonical, event_hash,
                      prev_event_hash)
    VALUES (p_ddc, p_account, p_type, p_actor, p_time, p_canon, p_hash, p_prev)
    RETURNING id INTO v_id;
  INSERT INTO log_pending (event_id) VALUES (v_id);
  PERFORM ddc_webhook_event(v_id, p_ddc, p_account, p_type);
END $$;

-- An event's canonical text: p_data is the data object's JCS text (ddc_jcs); the envelope's keys
-- are written in their JCS order: account, actor, data, ddcId, prev, time, type, v. The one
-- writer of the envelope in SQL, for single events and batches alike (a mint's event is written
-- by ddcd, in the same envelope: cert_mint_event).
CREATE FUNCTION ddc_event_canon(p_ddc bigint, p_account bigint, p_type text, p_actor bigint,
                                p_prev bytea, p_data text, p_time timestamptz)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT '{"account":' || coalesce(p_account::text, 'null') || ',"actor":' || p_actor
    || ',"data":' || p_data || ',"ddcId":' || coalesce(p_ddc::text, 'null')
    || ',"prev":' || coalesce('"' || encode(p_prev, 'hex') || '"', 'null')
    || ',"time":"' || ddc_ts(p_time) || '","type":' || to_json(p_type)::text
    || ',"v":"ddc.event/v1"}'
$$;

-- Appends an event after p_prev in its chain and queues it for the log; returns its hash.
CREATE FUNCTION ddc_event_append(p_ddc bigint, p_account bigint, p_type text, p_actor bigint,
                                 p_prev bytea, p_data text)
RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
  v_time  timestamptz := now();
  v_canon text := ddc_event_canon(p_ddc, p_account, p_type, p_actor, p_prev, p_data, v_time);
  v_hash  bytea := sha256(convert_to(v_canon, 'UTF8'));
BEGIN
  PERFORM ddc_event_insert(p_ddc, p_account, p_type, p_actor, p_prev, v_time, v_canon, v_hash);
  RETURN v_hash;
END $$;

-- An account-level event, chained through accounts.last_event_hash.
CREATE FUNCTION ddc_account_event(p_account bigint, p_type text, p_actor bigint, p_data jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_prev bytea;
BEGIN
  SELECT last_event_hash INTO v_prev FROM accounts WHERE id = p_account FOR UPDATE;
  UPDATE accounts SET last_event_hash = ddc_event_append(NULL, p_account, p_type, p_actor,
                                                         v_prev, ddc_jcs(p_data))
    WHERE id = p_account;
END $$;

-- The id of the account's newest event: right after ddc_account_event (which locks the account's
-- row until commit), the one it appended.
CREATE FUNCTION ddc_account_last_event(p_account bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT id FROM events WHERE account_id = p_account ORDER BY id DESC LIMIT 1
$$;

-- An event as the API shows it, with its place in the log (p_leaf; NULL: not yet), and a signing
-- key with whether it is the issuer's current one: plain expressions, so that PostgreSQL inlines
-- them into the statement that calls them (ddc_public_bundle joins the leaf and the newer keys).
CREATE FUNCTION ddc_event_obj(e events, p_leaf bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', e.id, 'type', e.type, 'ddc_id', e.ddc_id,
                            'account_id', e.account_id, 'actor_id', e.actor_id,
                            'time', ddc_ts(e.created_at), 'data', e.canonical::jsonb -> 'data',
                            'event_hash', encode(e.event_hash, 'hex'),
                            'prev_event_hash', encode(e.prev_event_hash, 'hex'),
                            'canonical', e.canonical, 'leaf_index', p_leaf)
$$;

CREATE FUNCTION ddc_key_obj(k issuer_keys, p_current boolean) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('key_id', k.id, 'issuer_id', k.issuer_id, 'algorithm', 'Ed25519',
                            'public_key', ddc_b64url(k.public_key),
                            'valid_from', ddc_ts(k.valid_from), 'retired_at', ddc_ts(k.retired_at),
                            'current', p_current)
$$;

-- The same with their sub-selects. As SQL functions PostgreSQL could not inline them and would
-- plan their body again on each statement that calls them (about 2 ms each on a public
-- verification); as PL/pgSQL their plans are kept for the session.
CREATE FUNCTION ddc_event_json(e events) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN ddc_event_obj(e, (SELECT l.leaf_index FROM log_leaves l WHERE l.event_id = e.id));
END $$;

CREATE FUNCTION ddc_key_json(k issuer_keys) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN ddc_key_obj(k, k.retired_at IS NULL AND NOT EXISTS (
                          SELECT 1 FROM issuer_keys n WHERE n.issuer_id = k.issuer_id
                            AND n.retired_at IS NULL AND n.id > k.id));
END $$;

-- Operators manage any issuer's keys; an issuer its own.
CREATE FUNCTION ddc_key_owner_check(p_role text, p_actor bigint, p_issuer bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  a accounts;
BEGIN
  SELECT * INTO a FROM accounts WHERE id = p_issuer;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('no account %s', p_issuer));
  END IF;
  IF p_role <> 'operator' AND p_actor <> p_issuer THEN
    PERFORM ddc_fail('forbidden', 'an issuer manages only its own signing keys');
  END IF;
  IF a.role <> 'issuer' THEN
    PERFORM ddc_fail('wrong_account_role', format('account %s is a %s, not an issuer', a.id,
                                                  a.role));
  END IF;
END $$;

-- Adds a key, which becomes current. p_if_none: only when the issuer has no current key (the
-- first mint makes one); then an existing current key is returned instead.
CREATE FUNCTION ddc_key_add(p_role text, p_actor bigint, p_issuer bigint, p_public bytea,
                            p_sealed bytea, p_if_none boolean)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  k issuer_keys;
BEGIN
  PERFORM ddc_key_owner_check(p_role, p_actor, p_issuer);
  PERFORM 1 FROM accounts WHERE id = p_issuer FOR UPDATE; -- one key change per issuer at a time
  IF p_if_none THEN
    SELECT * INTO k FROM issuer_keys WHERE issuer_id = p_issuer AND retired_at IS NULL
      ORDER BY id DESC LIMIT 1;
    IF FOUND THEN
      RETURN ddc_key_json(k);
    END IF;
  END IF;
  INSERT INTO issuer_keys (issuer_id, public_key, sealed_secret)
    VALUES (p_issuer, p_public, p_sealed) RETURNING * INTO k;
  PERFORM ddc_account_event(p_issuer, 'key_added', p_actor, jsonb_build_object(
    'keyId', k.id, 'algorithm', 'Ed25519', 'publicKey', ddc_b64url(k.public_key),
    'validFrom', ddc_ts(k.valid_from)));
  UPDATE issuer_keys SET added_event = ddc_account_last_event(p_issuer) WHERE id = k.id;
  RETURN ddc_key_json(k);
END $$;

CREATE FUNCTION ddc_key_retire(p_role text, p_actor bigint, p_issuer bigint, p_key bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  k issuer_keys;
BEGIN
  PERFORM ddc_key_owner_check(p_role, p_actor, p_issuer);
  PERFORM pg_advisory_xact_lock(ddc_lock_issuer_key(), (p_issuer % 2147483647)::integer); -- waits for mints
  SELECT * INTO k FROM issuer_keys WHERE id = p_key AND issuer_id = p_issuer FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('issuer %s has no key %s', p_issuer, p_key));
  END IF;
  IF k.retired_at IS NOT NULL THEN
    PERFORM ddc_fail('key_retired', format('key %s was retired at %s', k.id,
                                           ddc_ts(k.retired_at)));
  END IF;
  UPDATE issuer_keys SET retired_at = now() WHERE id = p_key RETURNING * INTO k;
  PERFORM ddc_account_event(p_issuer, 'key_retired', p_actor, jsonb_build_object(
    'keyId', k.id, 'retiredAt', ddc_ts(k.retired_at)));
  UPDATE issuer_keys SET retired_event = ddc_account_last_event(p_issuer) WHERE id = k.id;
  RETURN ddc_key_json(k);
END $$;

CREATE FUNCTION ddc_keys_list(p_issuer bigint) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM accounts WHERE id = p_issuer AND role = 'issuer') THEN
    PERFORM ddc_fail('not_found', format('no issuer %s', p_issuer));
  END IF;
  RETURN jsonb_build_object('issuer_id', p_issuer, 'items', coalesce((
    SELECT jsonb_agg(ddc_key_json(k) ORDER BY k.id) FROM issuer_keys k WHERE k.issuer_id = p_issuer),
    '[]'));
END $$;

CREATE FUNCTION ddc_holder_key_json(h holder_keys) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('account_id', h.account_id, 'algorithm', 'Ed25519',
                            'public_key', ddc_b64url(h.public_key), 'version', h.version,
                            'updated_at', ddc_ts(h.updated_at))
$$;

CREATE FUNCTION ddc_holder_key_set(p_actor bigint, p_account bigint, p_public bytea, p_key bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  a accounts;
  h holder_keys;
BEGIN
  PERFORM ddc_actor_check(p_key);
  SELECT * INTO a FROM accounts WHERE id = p_account;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('no account %s', p_account));
  END IF;
  IF p_actor <> p_account THEN
    PERFORM ddc_fail('forbidden', 'only the holder itself registers its key');
  END IF;
  IF a.role <> 'holder' THEN
    PERFORM ddc_fail('wrong_account_role', format('account %s is a %s, not a holder', a.id,
                                                  a.role));
  END IF;
  INSERT INTO holder_keys AS x (account_id, public_key) VALUES (p_account, p_public)
    ON CONFLICT (account_id) DO UPDATE
      SET public_key = EXCLUDED.public_key, version = x.version + 1, updated_at = now()
    RETURNING * INTO h;
  -- A new key starts a new regime of consent: approvals given before it (possibly by the issuer
  -- that kept the account) no longer let anyone move the holder's certificates unsigned.
  DELETE FROM operator_approvals WHERE owner_id = p_account;
  UPDATE certificates SET approved_id = NULL WHERE owner_id = p_account AND approved_id IS NOT NULL;
  PERFORM ddc_account_event(p_account, 'holder_key_set', p_actor, jsonb_build_object(
    'publicKey', ddc_b64url(h.public_key), 'version', h.version));
  RETURN ddc_holder_key_json(h);
END $$;

CREATE FUNCTION ddc_cert_json(c certificates) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'ddc_id', c.ddc_id, 'code', c.code, 'kind', c.kind, 'issuer_id', c.issuer_id,
    'owner_id', c.owner_id, 'status', c.status, 'cert_hash', encode(c.cert_hash, 'hex'),
    'signature', ddc_b64url(c.signature), 'key_id', c.key_id,
    'content_hash', encode(c.content_hash, 'hex'), 'uri', c.uri, 'external_ref', c.external_ref,
    'valid_from', ddc_ts(c.valid_from), 'valid_until', ddc_ts(c.valid_until),
    'approved_id', c.approved_id, 'revoke_reason', c.revoke_reason,
    'issued_at', ddc_ts(c.issued_at), 'updated_at', ddc_ts(c.updated_at),
    'last_event_hash', encode(c.last_event_hash, 'hex'))
    || CASE WHEN c.edition_supply IS NOT NULL THEN jsonb_build_object(
         'standard', 'ddc-1155', 'supply', c.edition_supply, 'burned', c.edition_burned,
         'mintable', c.edition_mintable) ELSE '{}' END
$$;

-- May the actor act as the owner (the owner itself, or the issuer that keeps a holder's account)
-- or as an approved operator of this certificate?
CREATE FUNCTION ddc_acts_for_owner(p_role text, p_actor bigint, c certificates) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT c.owner_id = p_actor
         OR p_role = 'issuer' AND EXISTS (SELECT 1 FROM accounts o
                                          WHERE o.id = c.owner_id AND o.issuer_id = p_actor)
$$;

CREATE FUNCTION ddc_is_approved(p_actor bigint, c certificates) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(c.approved_id = p_actor, false)
         OR EXISTS (SELECT 1 FROM operator_approvals
                    WHERE owner_id = c.owner_id AND operator_id = p_actor)
$$;

-- Who may read a certificate: operators; its issuer; its owner; the owner's issuer; a platform
-- those of its issuers and of their holders; and of an edition, every account that holds units of
-- it, the issuer keeping that account and that issuer's platform.
CREATE FUNCTION ddc_cert_visible(p_role text, p_actor bigint, c certificates) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT p_role = 'operator' OR c.issuer_id = p_actor OR c.owner_id = p_actor
         OR p_role = 'issuer' AND EXISTS (SELECT 1 FROM accounts o
                                          WHERE o.id = c.owner_id AND o.issuer_id = p_actor)
         OR p_role = 'platform' AND EXISTS (SELECT 1 FROM accounts o
                                            WHERE o.id IN (c.issuer_id, c.owner_id)
                                              AND o.platform_id = p_actor)
         OR ddc_is_approved(p_actor, c)
         OR c.edition_supply IS NOT NULL AND EXISTS (
              SELECT 1 FROM edition_balances b JOIN accounts o ON o.id = b.holder_id
              WHERE b.ddc_id = c.ddc_id AND b.amount > 0
                AND (b.holder_id = p_actor OR p_role = 'issuer' AND o.issuer_id = p_actor
                     OR p_role = 'platform' AND o.platform_id = p_actor))
$$;

-- The certificate as JSON and its document text, or a rule failure.
CREATE FUNCTION ddc_cert_get(p_role text, p_actor bigint, p_ddc bigint)
RETURNS TABLE (cert jsonb, document text) LANGUAGE plpgsql STABLE AS $$
DECLARE
  c certificates;
BEGIN
  SELECT * INTO c FROM certificates WHERE ddc_id = p_ddc;
  IF NOT FOUND AND p_role = 'platform' THEN -- the same 403 whatever exists
    PERFORM ddc_fail('forbidden', format('certificate %s is not visible to this account', p_ddc));
  END IF;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('no certificate %s', p_ddc));
  END IF;
  IF NOT ddc_cert_visible(p_role, p_actor, c) THEN
    PERFORM ddc_fail('forbidden', format('certificate %s is not visible to this account', p_ddc));
  END IF;
  RETURN QUERY SELECT ddc_cert_json(c), c.document;
END $$;

CREATE FUNCTION ddc_cert_events(p_role text, p_actor bigint, p_ddc bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
  PERFORM ddc_cert_get(p_role, p_actor, p_ddc);
  RETURN jsonb_build_object('ddc_id', p_ddc, 'items', (
    SELECT jsonb_agg(ddc_event_json(e) ORDER BY e.id) FROM events e WHERE e.ddc_id = p_ddc));
END $$;

-- Checks that p_to may receive a certificate of p_issuer; returns the account. Every account out
-- of the issuer's reach (unknown, an operator, or on the side of an issuer that has not approved
-- p_issuer) gets the same answer, so that a refusal tells nothing about other issuers' accounts;
-- only an account within reach is refused for being frozen.
CREATE FUNCTION ddc_recipient_check(p_issuer bigint, p_to bigint, p_field text)
RETURNS accounts LANGUAGE plpgsql AS $$
DECLARE
  a accounts;
  v_side bigint;
BEGIN
  SELECT * INTO a FROM accounts WHERE id = p_to;
  v_side := CASE WHEN a.role = 'issuer' THEN a.id ELSE a.issuer_id END; -- NULL: none or operator
  IF v_side IS NULL OR v_side <> p_issuer AND NOT EXISTS (
       SELECT 1 FROM issuer_approvals WHERE issuer_id = v_side AND approved_issuer_id = p_issuer)
  THEN
    PERFORM ddc_fail('cross_issuer_not_approved',
      format('account %s is not one that issuer %s may send certificates to (its issuer has to '
             'approve issuer %s first)', p_to, p_issuer, p_issuer),
      jsonb_build_object('field', p_field));
  END IF;
  IF a.status <> 'active' THEN
    PERFORM ddc_fail('recipient_invalid', format('account %s is frozen', p_to),
                     jsonb_build_object('field', p_field));
  END IF;
  RETURN a;
END $$;

-- The one key check of both writers of certificates (ddc_mint and ddc_batch_commit): p_key must
-- still be p_issuer's current key, else signing_key_retired (ddcd signed with a key it had
-- cached: it signs again with the current one). Takes the issuer's key lock until the transaction
-- ends, shared with other mints and exclusive with ddc_key_retire: a key cannot retire under a
-- mint.
CREATE FUNCTION ddc_mint_key_check(p_issuer bigint, p_key bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(ddc_lock_issuer_key(), (p_issuer % 2147483647)::integer);
  PERFORM FROM issuer_keys WHERE id = p_key AND issuer_id = p_issuer AND retired_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM issuer_keys n WHERE n.issuer_id = p_issuer
                      AND n.retired_at IS NULL AND n.id > p_key);
  IF NOT FOUND THEN
    PERFORM ddc_fail('signing_key_retired', format('key %s is no longer the current key', p_key));
  END IF;
END $$;

-- Mints a certificate signed by ddcd: the document, its hash and signature are made in C with
-- key p_key, which must still be the issuer's current key, and so is the mint event's canonical
-- text p_event (its time p_issued_at), by cert_mint_event, its one writer, whose text batches
-- COPY too; p_ddc drawn from ddc_id_seq. Draws its status-list entry (status.sql). Charges the
-- issuer the mint price. With p_supply, an edition (DDC-1155) of p_supply units, all the owner's,
-- p_mintable if more may be minted later; charged edition_mint.
CREATE FUNCTION ddc_mint(p_issuer bigint, p_ddc bigint, p_code text, p_owner bigint, p_kind text,
                         p_document text, p_cert_hash bytea, p_signature bytea, p_key bigint,
                         p_content_hash bytea, p_uri text, p_valid_from timestamptz,
                         p_valid_until timestamptz, p_external_ref text, p_issued_at timestamptz,
                         p_event text, p_supply bigint, p_mintable boolean)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  c certificates;
  v_owner bigint := coalesce(p_owner, p_issuer);
  v_hash bytea := sha256(convert_to(p_event, 'UTF8'));
  v_existing bigint;
  v_entry record;
BEGIN
  PERFORM ddc_mint_key_check(p_issuer, p_key);
  SELECT * INTO v_entry FROM ddc_status_draw(p_issuer);
  IF v_owner <> p_issuer THEN
    PERFORM ddc_recipient_check(p_issuer, v_owner, 'owner_id');
  END IF;
  PERFORM ddc_event_insert(p_ddc, NULL, 'mint', p_issuer, NULL, p_issued_at, p_event, v_hash);
  INSERT INTO certificates (ddc_id, code, issuer_id, owner_id, kind, document, cert_hash,
                            signature, key_id, content_hash, uri, external_ref, valid_from,
                            valid_until, issued_at, last_event_hash, edition_supply,
                            edition_burned, edition_mintable, status_list, status_index)
    VALUES (p_ddc, p_code, p_issuer, v_owner, p_kind, p_document, p_cert_hash, p_signature, p_key,
            p_content_hash, p_uri, p_external_ref, p_valid_from, p_valid_until, p_issued_at,
            v_hash, p_supply, CASE WHEN p_supply IS NOT NULL THEN 0 END,
            CASE WHEN p_supply IS NOT NULL THEN coalesce(p_mintable, false) END, v_entry.o_list,
            v_entry.o_index)
    ON CONFLICT (issuer_id, external_ref) WHERE external_ref IS NOT NULL DO NOTHING
    RETURNING * INTO c;
  IF c.ddc_id IS NULL THEN
    SELECT ddc_id INTO v_existing FROM certificates
      WHERE issuer_id = p_issuer AND external_ref = p_external_ref;
    PERFORM ddc_fail('external_ref_taken',
      format('certificate %s already has external_ref %s', v_existing, p_external_ref),
      jsonb_build_object('field', 'external_ref', 'existing_ddc_id', v_existing));
  END IF;
  IF p_supply IS NOT NULL THEN
    INSERT INTO edition_balances (ddc_id, holder_id, amount) VALUES (p_ddc, v_owner, p_supply);
  END IF;
  PERFORM ddc_webhook_mint(p_ddc, p_issuer, v_owner);
  RETURN ddc_cert_json(c) || jsonb_build_object(
    'charged', ddc_charge(p_issuer, 'issuer', p_issuer,
                          CASE WHEN p_supply IS NULL THEN 'mint' ELSE 'edition_mint' END, p_ddc));
END $$;

-- Locks a certificate. Callers check the caller's rights first and the status after, so that
-- nobody learns the status of a certificate they may not touch.
CREATE FUNCTION ddc_cert_lock(p_ddc bigint) RETURNS certificates LANGUAGE plpgsql AS $$
DECLARE
  c certificates;
BEGIN
  SELECT * INTO c FROM certificates WHERE ddc_id = p_ddc FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('no certificate %s', p_ddc));
  END IF;
  RETURN c;
END $$;

-- Refuses an edition on a route that moves a single certificate as a whole.
CREATE FUNCTION ddc_cert_single(c certificates, p_op text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF c.edition_supply IS NOT NULL THEN
    PERFORM ddc_fail('is_edition', format('certificate %s is an edition: %s its units through '
                                          '/v1/editions/%s', c.ddc_id, p_op, c.ddc_id));
  END IF;
END $$;

-- Refuses a certificate being exported or moved to another operator (exports.sql), a revoked or
-- burned one, and (unless p_frozen_ok) a frozen one.
CREATE FUNCTION ddc_cert_movable(c certificates, p_frozen_ok boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF c.status = 'exporting' THEN
    PERFORM ddc_fail('certificate_exporting', format('certificate %s is being exported to '
                     'another operator: it is locked until the export ends', c.ddc_id));
  END IF;
  IF c.status = 'moved' THEN
    PERFORM ddc_fail('certificate_moved', format('certificate %s moved to another operator',
                                                 c.ddc_id));
  END IF;
  IF c.status IN ('revoked', 'burned') THEN
    PERFORM ddc_fail('certificate_final', format('certificate %s is %s', c.ddc_id, c.status));
  END IF;
  IF c.status = 'frozen' AND NOT p_frozen_ok THEN
    PERFORM ddc_fail('certificate_frozen', format('certificate %s is frozen', c.ddc_id));
  END IF;
END $$;

-- Appends a certificate event and moves the chain head; the caller updates the other columns.
CREATE FUNCTION ddc_cert_event(c certificates, p_type text, p_actor bigint, p_data jsonb)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE certificates
        SET last_event_hash = ddc_event_append(c.ddc_id, NULL, p_type, p_actor, c.last_event_hash,
                                           ddc_jcs(p_data)),
        updated_at = now()
    WHERE ddc_id = c.ddc_id;
END $$;

-- Transfer. The owner, the issuer keeping the owner's account, or an approved operator moves an
-- active certificate. When the owner registered a holder key, everyone but an approved operator
-- needs the holder's signature (verified by ddcd, key version p_signed_version, nonce p_nonce).
CREATE FUNCTION ddc_transfer(p_role text, p_actor bigint, p_ddc bigint, p_to bigint,
                             p_signed_owner bigint, p_signed_version integer, p_nonce text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  c certificates := ddc_cert_lock(p_ddc);
  h holder_keys;
  v_approved boolean := ddc_is_approved(p_actor, c);
BEGIN
  IF NOT (v_approved OR ddc_acts_for_owner(p_role, p_actor, c)) THEN
    PERFORM ddc_fail('forbidden', 'only the owner or an approved operator transfers');
  END IF;
  PERFORM ddc_cert_single(c, 'transfer');
  PERFORM ddc_cert_movable(c, false);
  SELECT * INTO h FROM holder_keys WHERE account_id = c.owner_id FOR SHARE; -- no key change now
  IF h.account_id IS NOT NULL AND NOT v_approved THEN
    IF p_signed_version IS NULL THEN
      PERFORM ddc_fail('holder_signature_required',
        format('holder %s registered a key: the transfer needs its signature', c.owner_id),
        '{"field":"holder_signature"}');
    END IF;
    IF p_signed_owner IS DISTINCT FROM c.owner_id OR p_signed_version <> h.version THEN
      PERFORM ddc_fail('holder_signature_invalid', 'the holder key changed; sign again',
                       '{"field":"holder_signature"}');
    END IF;
    INSERT INTO holder_nonces (holder_id, nonce, ddc_id) VALUES (c.owner_id, p_nonce, p_ddc)
      ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      PERFORM ddc_fail('nonce_reused', format('nonce %s was already used', p_nonce),
                       '{"field":"holder_signature.nonce"}');
    END IF;
  ELSIF p_signed_version IS NOT NULL AND h.account_id IS NULL THEN
    PERFORM ddc_fail('holder_key_not_set', 'the owner has no holder key; the signature is moot',
                     '{"field":"holder_signature"}');
  END IF;
  IF p_to = c.owner_id THEN
    PERFORM ddc_fail('recipient_invalid', format('account %s already owns certificate %s', p_to,
                                                 p_ddc), '{"field":"to"}');
  END IF;
  PERFORM ddc_recipient_check(c.issuer_id, p_to, 'to');
  PERFORM ddc_cert_event(c, 'transfer', p_actor, jsonb_build_object('from', c.owner_id,
                                                                   'to', p_to));
  UPDATE certificates SET owner_id = p_to, approved_id = NULL WHERE ddc_id = p_ddc
    RETURNING * INTO c;
  RETURN ddc_cert_json(c) || jsonb_build_object(
    'charged', ddc_charge(p_actor, p_role, c.issuer_id, 'transfer', p_ddc));
END $$;

-- The owner's holder key and its version, for ddcd to verify a holder signature before
-- ddc_transfer. Only for callers who may transfer the certificate at all (the owner or the issuer
-- keeping its account; an approved operator needs no signature), so that nobody else learns
-- whether a signature or a key exists.
CREATE FUNCTION ddc_transfer_signer(p_role text, p_actor bigint, p_ddc bigint)
RETURNS TABLE (owner_id bigint, public_key bytea, version integer) LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
  c certificates;
BEGIN
  SELECT * INTO c FROM certificates WHERE ddc_id = p_ddc;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('no certificate %s', p_ddc));
  END IF;
  IF NOT (ddc_acts_for_owner(p_role, p_actor, c) OR ddc_is_approved(p_actor, c)) THEN
    PERFORM ddc_fail('forbidden', 'only the owner or an approved operator transfers');
  END IF;
  PERFORM ddc_cert_movable(c, false);
  RETURN QUERY SELECT c.owner_id, h.public_key, h.version FROM (SELECT 1) x
    LEFT JOIN holder_keys h ON h.account_id = c.owner_id;
END $$;

-- Approve one account to transfer one certificate (NULL clears it). The owner, an
-- operator-for-all, or the issuer keeping the owner's account approves; that issuer needs the
-- holder's signature (owner p_signed_owner, key version p_signed_version, nonce p_nonce, checked
-- by ddcd) once the holder registered a key.
CREATE FUNCTION ddc_approve(p_role text, p_actor bigint, p_ddc bigint, p_operator bigint,
                            p_signed_owner bigint, p_signed_version integer, p_nonce text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  c certificates := ddc_cert_lock(p_ddc);
BEGIN
  IF NOT (c.owner_id = p_actor
          OR ddc_acts_for_owner(p_role, p_actor, c)
             AND (p_signed_version IS NOT NULL
                  OR NOT EXISTS (SELECT 1 FROM holder_keys WHERE account_id = c.owner_id))
          OR EXISTS (SELECT 1 FROM operator_approvals
                     WHERE owner_id = c.owner_id AND operator_id = p_actor)) THEN
    PERFORM ddc_fail('forbidden', 'only the owner or its operators approve');
  END IF;
  PERFORM ddc_cert_single(c, 'approve');
  PERFORM ddc_cert_movable(c, false);
  PERFORM ddc_holder_consent(c.owner_id, true, p_signed_owner, p_signed_version, p_nonce,
                             'approve', p_ddc);
  IF p_operator = c.owner_id THEN
    PERFORM ddc_fail('recipient_invalid', format('account %s owns the certificate', p_operator),
                     '{"field":"operator_id"}');
  END IF;
  IF p_operator IS NOT NULL THEN -- an operator must be one who could receive it
    PERFORM ddc_recipient_check(c.issuer_id, p_operator, 'operator_id');
  END IF;
  PERFORM ddc_cert_event(c, 'approve', p_actor, jsonb_build_object('operator', p_operator));
  UPDATE certificates SET approved_id = p_operator WHERE ddc_id = p_ddc RETURNING * INTO c;
  RETURN ddc_cert_json(c) || jsonb_build_object(
    'charged', ddc_charge(p_actor, p_role, c.issuer_id, 'approve', p_ddc));
END $$;

-- freeze, unfreeze (a reason optional, logged in the event), revoke (its reason logged and kept)
-- (issuer of the certificate or operator; of an edition, the whole class) and burn (owner, approved, or operator; only an operator burns a frozen certificate;
-- the issuer keeping the owner's account with the holder's signature once it registered a key).
CREATE FUNCTION ddc_cert_status(p_role text, p_actor bigint, p_ddc bigint, p_op text,
                                p_reason text, p_signed_owner bigint, p_signed_version integer,
                                p_nonce text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  c certificates := ddc_cert_lock(p_ddc);
  v_status text := CASE p_op WHEN 'freeze' THEN 'frozen' WHEN 'unfreeze' THEN 'active'
                             WHEN 'revoke' THEN 'revoked' ELSE 'burned' END;
BEGIN
  IF p_op = 'burn' THEN
    IF NOT (p_role = 'operator' OR ddc_is_approved(p_actor, c) OR c.owner_id = p_actor
            OR ddc_acts_for_owner(p_role, p_actor, c)
               AND (p_signed_version IS NOT NULL
                    OR NOT EXISTS (SELECT 1 FROM holder_keys WHERE account_id = c.owner_id))) THEN
      PERFORM ddc_fail('forbidden', 'only the owner, an approved operator or the service operator burns');
    END IF;
    PERFORM ddc_cert_single(c, 'burn');
    PERFORM ddc_cert_movable(c, p_role = 'operator'); -- only the operator burns a frozen one
    PERFORM ddc_holder_consent(c.owner_id, true, p_signed_owner, p_signed_version, p_nonce, 'burn',
                               p_ddc);
  ELSIF NOT (p_role = 'operator' OR c.issuer_id = p_actor) THEN
    PERFORM ddc_fail('forbidden', format('only the issuer of certificate %s or the operator may %s it',
                                         p_ddc, p_op));
  ELSE
    PERFORM ddc_cert_movable(c, true);
  END IF;
  IF p_op = 'freeze' AND c.status = 'frozen' THEN
    PERFORM ddc_fail('certificate_frozen', format('certificate %s is already frozen', p_ddc));
  ELSIF p_op = 'unfreeze' AND c.status <> 'frozen' THEN
    PERFORM ddc_fail('certificate_not_frozen', format('certificate %s is not frozen', p_ddc));
  END IF;
  PERFORM ddc_cert_event(c, p_op, p_actor,
                         CASE WHEN p_reason IS NOT NULL THEN jsonb_build_object('reason', p_reason)
                              ELSE '{}'::jsonb END);
  UPDATE certificates SET status = v_status,
                          revoke_reason = CASE WHEN p_op = 'revoke' THEN p_reason ELSE revoke_reason END,
                          approved_id = CASE WHEN v_status = 'active' THEN approved_id END
    WHERE ddc_id = p_ddc RETURNING * INTO c;
  RETURN ddc_cert_json(c) || jsonb_build_object(
    'charged', ddc_charge(p_actor, p_role, c.issuer_id, p_op, p_ddc));
END $$;

-- setApprovalForAll: the owner (or the issuer keeping a holder's account: with the holder's
-- signature once it registered a key) lets p_operator move all its certificates and edition
-- units, or stops it. Charged as 'approve'.
CREATE FUNCTION ddc_operator_set(p_role text, p_actor bigint, p_owner bigint, p_operator bigint,
                                 p_approved boolean, p_signed_version integer, p_nonce text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  o accounts;
  v_charged jsonb;
BEGIN
  SELECT * INTO o FROM accounts WHERE id = p_owner;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('no account %s', p_owner));
  END IF;
  IF NOT (p_actor = p_owner OR p_role = 'operator'
          OR p_role = 'issuer' AND coalesce(o.issuer_id = p_actor, false)
             AND (p_signed_version IS NOT NULL
                  OR NOT EXISTS (SELECT 1 FROM holder_keys WHERE account_id = p_owner))) THEN
    PERFORM ddc_fail('forbidden', 'only the owner names its operators');
  END IF;
  PERFORM ddc_holder_consent(p_owner, true, p_owner, p_signed_version, p_nonce,
                             'approval_for_all', NULL);
  IF p_operator = p_owner THEN
    PERFORM ddc_fail('recipient_invalid', format('account %s cannot be its own operator',
                                                 p_operator), '{"field":"operator_id"}');
  END IF;
  IF p_approved THEN -- an operator must be one who could receive the owner's certificates
    PERFORM ddc_recipient_check(coalesce(o.issuer_id, o.id), p_operator, 'operator_id');
    INSERT INTO operator_approvals (owner_id, operator_id) VALUES (p_owner, p_operator)
      ON CONFLICT DO NOTHING;
  ELSE
    DELETE FROM operator_approvals WHERE owner_id = p_owner AND operator_id = p_operator;
  END IF;
  IF NOT FOUND THEN -- nothing changed: no event, no charge
    RETURN jsonb_build_object('owner_id', p_owner, 'operator_id', p_operator,
                              'approved', p_approved, 'charged', ddc_money(0,
                                (ddc_price('approve', coalesce(o.issuer_id, p_owner))).currency));
  END IF;
  PERFORM ddc_account_event(p_owner, 'approval_for_all', p_actor,
                            jsonb_build_object('operator', p_operator, 'approved', p_approved));
  v_charged := ddc_charge(p_actor, p_role, coalesce(o.issuer_id, p_owner), 'approve', NULL);
  RETURN jsonb_build_object('owner_id', p_owner, 'operator_id', p_operator,
                            'approved', p_approved, 'charged', v_charged);
END $$;

CREATE FUNCTION ddc_operators_list(p_role text, p_actor bigint, p_owner bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
  PERFORM ddc_account_visible(p_role, p_actor, p_owner);
  RETURN jsonb_build_object('owner_id', p_owner, 'items', coalesce((
    SELECT jsonb_agg(jsonb_build_object('operator_id', operator_id,
                                        'created_at', ddc_ts(created_at)) ORDER BY operator_id)
    FROM operator_approvals WHERE owner_id = p_owner), '[]'));
END $$;

-- Cross-issuer approval: p_issuer accepts (or stops accepting) certificates of p_other.
CREATE FUNCTION ddc_issuer_approval_set(p_role text, p_actor bigint, p_issuer bigint,
                                        p_other bigint, p_approved boolean)
RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ddc_key_owner_check(p_role, p_actor, p_issuer);
  IF p_other = p_issuer OR NOT EXISTS (SELECT 1 FROM accounts WHERE id = p_other
                                         AND role = 'issuer') THEN
    PERFORM ddc_fail('issuer_not_found', format('account %s is not another issuer', p_other),
                     '{"field":"issuer_id"}');
  END IF;
  IF p_approved THEN
    INSERT INTO issuer_approvals (issuer_id, approved_issuer_id) VALUES (p_issuer, p_other)
      ON CONFLICT DO NOTHING;
  ELSE
    DELETE FROM issuer_approvals WHERE issuer_id = p_issuer AND approved_issuer_id = p_other;
  END IF;
  IF FOUND THEN -- an event only for a change
    PERFORM ddc_account_event(p_issuer, 'issuer_approval', p_actor,
                              jsonb_build_object('issuer', p_other, 'approved', p_approved));
  END IF;
  RETURN jsonb_build_object('issuer_id', p_issuer, 'approved_issuer_id', p_other,
                            'approved', p_approved);
END $$;

-- Visible to operators, the issuer itself and its holders.
CREATE FUNCTION ddc_issuer_approvals_list(p_role text, p_actor bigint, p_actor_issuer bigint,
                                          p_issuer bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM accounts WHERE id = p_issuer AND role = 'issuer') THEN
    PERFORM ddc_fail('not_found', format('no issuer %s', p_issuer));
  END IF;
  IF p_role <> 'operator' AND p_actor <> p_issuer AND p_actor_issuer IS DISTINCT FROM p_issuer THEN
    PERFORM ddc_fail('forbidden', 'only the issuer, its holders and operators see its approvals');
  END IF;
  RETURN jsonb_build_object('issuer_id', p_issuer, 'items', coalesce((
    SELECT jsonb_agg(jsonb_build_object('approved_issuer_id', approved_issuer_id,
                                        'created_at', ddc_ts(created_at))
                     ORDER BY approved_issuer_id)
    FROM issuer_approvals WHERE issuer_id = p_issuer), '[]'));
END $$;

CREATE FUNCTION ddc_holder_key_get(p_role text, p_actor bigint, p_account bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  h holder_keys;
BEGIN
  PERFORM ddc_account_visible(p_role, p_actor, p_account);
  SELECT * INTO h FROM holder_keys WHERE account_id = p_account;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('account %s has no holder key', p_account));
  END IF;
  RETURN ddc_holder_key_json(h);
END $$;

-- A page of the certificates the caller may see, in ddc_id order (descending when p_desc) after
-- the cursor p_after, each with its metadata. Holders list what they own; an issuer without
-- filters lists what it issued. The search filters are described at ddc_cert_search_sql.
CREATE FUNCTION ddc_cert_list(p_role text, p_actor bigint, p_issuer bigint, p_owner bigint,
                              p_status text, p_kind text, p_after bigint, p_limit integer,
                              p_external_ref text, p_q text, p_from timestamptz,
                              p_to timestamptz, p_desc boolean)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_items jsonb;
  v_last  bigint;
  v_n     integer;
BEGIN
  -- Keep every scan within what the caller may see (an index range, not a filter over all).
  IF p_role = 'holder' THEN
    p_owner := coalesce(p_owner, p_actor);
    IF p_owner <> p_actor THEN
      PERFORM ddc_fail('forbidden', 'a holder lists its own certificates', '{"field":"owner_id"}');
    END IF;
  ELSIF p_role = 'issuer' AND p_owner IS NULL THEN
    p_issuer := coalesce(p_issuer, p_actor);
    IF p_issuer <> p_actor THEN
      PERFORM ddc_fail('forbidden', 'to list another issuer''s certificates, name an owner_id '
                       'of your own', '{"field":"issuer_id"}');
    END IF;
  ELSIF p_role = 'issuer' AND p_issuer IS DISTINCT FROM p_actor AND p_owner <> p_actor AND NOT EXISTS (
          SELECT 1 FROM accounts WHERE id = p_owner AND issuer_id = p_actor) THEN
    PERFORM ddc_fail('forbidden', 'owner_id is not this issuer or one of its holders',
                     '{"field":"owner_id"}');
  END IF;
  EXECUTE 'SELECT coalesce(jsonb_agg(ddc_cert_json(s.c) || jsonb_build_object(''metadata'','
          ' (s.c).document::jsonb -> ''metadata'') ORDER BY s.n) FILTER (WHERE s.n <= $12), ''[]''),'
          ' (array_agg((s.c).ddc_id ORDER BY s.n) FILTER (WHERE s.n <= $12))[$12], count(*)'
          ' FROM (SELECT q.c, row_number() OVER (ORDER BY (q.c).ddc_id'
          || CASE WHEN p_desc THEN ' DESC' ELSE '' END || ') AS n FROM ('
          || ddc_cert_search_sql(p_issuer, p_owner, p_status, p_kind, p_after, p_external_ref,
                                 regexp_split_to_array(btrim(p_q, E' \t\n\r\u3000'),
                                                       E'[ \t\n\r\u3000]+'),
                                 p_from, p_to, p_desc)
          || ' LIMIT $12 + 1) q) s'
    INTO v_items, v_last, v_n
    USING p_issuer, p_owner, p_status, p_kind, p_after, p_external_ref, p_from, p_to, p_role,
          p_actor, p_desc, p_limit;
  RETURN jsonb_build_object('items', v_items,
                            'next_cursor', CASE WHEN v_n > p_limit THEN v_last::text END);
END $$;

-- The search behind ddc_cert_list, as SQL text with its parameters $1..$11 (issuer, owner, status,
-- kind, cursor, external_ref, from, to, role, actor, descending), ordered by ddc_id: only the
-- filters given appear, so each EXECUTE is planned for them. Words of 3 or more characters match
-- through the trigram index certificates_search_idx (same expression); shorter ones (1 or 2 CJK
-- characters) are checked on the rows the other conditions leave: with a date range (and no
-- longer word), those rows are first taken by the range (certificates_issued_idx for an issuer,
-- certificates_time_idx for all) behind a fence (OFFSET 0), since the planner, guessing the short
-- words common, would rather walk ddc_id order and test every row the range does not hold. Words
-- are matched in the JSON text of the strings, so they are JSON-escaped first, then LIKE-escaped.
CREATE FUNCTION ddc_cert_search_sql(p_issuer bigint, p_owner bigint, p_status text, p_kind text,
                                    p_after bigint, p_external_ref text, p_words text[],
                                    p_from timestamptz, p_to timestamptz, p_desc boolean)
RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  v_expr  text := '(jsonb_path_query_array(%s.document::jsonb, ''strict $."metadata".** ? '
                  '(@.type() == "string")'')::text)';
  v_sql   text := 'SELECT c FROM certificates c WHERE ddc_cert_visible($9, $10, c)';
  v_short text := '';
  v_w     text;
  -- only short words and a date range: the range's rows behind a fence, the words tested on them
  v_fence boolean := (p_from IS NOT NULL OR p_to IS NOT NULL)
                     AND EXISTS (SELECT 1 FROM unnest(p_words) w WHERE char_length(w) < 3)
                     AND NOT EXISTS (SELECT 1 FROM unnest(p_words) w WHERE char_length(w) >= 3);
BEGIN
  IF p_after > 0 THEN
    v_sql := v_sql || CASE WHEN p_desc THEN ' AND c.ddc_id < $5' ELSE ' AND c.ddc_id > $5' END;
  END IF;
  IF p_issuer IS NOT NULL THEN v_sql := v_sql || ' AND c.issuer_id = $1'; END IF;
  IF p_owner IS NOT NULL THEN v_sql := v_sql || ' AND c.owner_id = $2'; END IF;
  IF p_status IS NOT NULL THEN v_sql := v_sql || ' AND c.status = $3'; END IF;
  IF p_kind IS NOT NULL THEN v_sql := v_sql || ' AND c.kind = $4'; END IF;
  IF p_external_ref IS NOT NULL THEN v_sql := v_sql || ' AND c.external_ref = $6'; END IF;
  IF p_from IS NOT NULL THEN v_sql := v_sql || ' AND c.issued_at >= $7'; END IF;
  IF p_to IS NOT NULL THEN v_sql := v_sql || ' AND c.issued_at < $8'; END IF;
  FOREACH v_w IN ARRAY coalesce(p_words, '{}') LOOP
    v_w := lower(substr(to_jsonb(v_w)::text, 2, length(to_jsonb(v_w)::text) - 2));
    IF char_length(v_w) >= 3 THEN
      v_sql := v_sql || ' AND ' || format(v_expr, 'c') || ' ILIKE '
        || quote_literal('%' || replace(replace(replace(v_w, '\', '\\'), '%', '\%'), '_', '\_')
                         || '%');
    ELSE
      v_short := v_short || ' AND strpos(lower('
        || format(v_expr, CASE WHEN v_fence THEN '(x.c)' ELSE 'c' END) || '), '
        || quote_literal(v_w) || ') > 0';
    END IF;
  END LOOP;
  IF v_fence THEN
    RETURN 'SELECT x.c FROM (' || v_sql || ' OFFSET 0) x WHERE true' || v_short
      || CASE WHEN p_desc THEN ' ORDER BY (x.c).ddc_id DESC' ELSE ' ORDER BY (x.c).ddc_id' END;
  END IF;
  RETURN v_sql || v_short
    || CASE WHEN p_desc THEN ' ORDER BY c.ddc_id DESC' ELSE ' ORDER BY c.ddc_id' END;
END $$;
