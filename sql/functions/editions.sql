-- editions: DDC-1155 editions (certificate classes whose units are spread over holders): their
-- balances and the conservation trigger, transfers, burns and further mints of units, the
-- listings, and the holders' consent (holder keys, signatures and nonces) shared with
-- certificates.sql. An edition is a certificates row with edition_supply set: its document, code,
-- page and event chain are a certificate's; every change of units is an event of that chain
-- (edition_transfer {amount, from, to}, edition_burn {amount, from}, mint_more {amount, to}), so
-- that anyone can recompute every balance from the logged events alone. Each operation takes the
-- class row's lock first, so the operations of one edition run one after the other.
-- Loaded whole by `ddcd migrate`, after the files listed before it in ORDER (sql/README.md).

-- Conservation: the units held plus the units burned are the supply. Checked at commit, for
-- each class whose balances or counters a transaction changed (a transfer debits one row before
-- it credits the other).
CREATE FUNCTION ddc_edition_conserved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_ddc  bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.ddc_id ELSE NEW.ddc_id END;
  c      certificates;
  v_held numeric;
BEGIN
  SELECT * INTO c FROM certificates WHERE ddc_id = v_ddc;
  SELECT coalesce(sum(amount), 0) INTO v_held FROM edition_balances WHERE ddc_id = v_ddc;
  IF c.edition_supply IS NULL AND v_held > 0
     OR c.edition_supply IS NOT NULL AND v_held + c.edition_burned <> c.edition_supply THEN
    RAISE EXCEPTION 'edition % is not conserved: % held + % burned, supply %', v_ddc, v_held,
      c.edition_burned, c.edition_supply USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER edition_balances_conserved
  AFTER INSERT OR UPDATE OR DELETE ON edition_balances DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ddc_edition_conserved ();

CREATE CONSTRAINT TRIGGER certificates_edition_conserved
  AFTER UPDATE OF edition_supply, edition_burned ON certificates DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION ddc_edition_conserved ();

-- The holder's consent to an action on its units or certificates. Once p_holder registered a
-- holder key, an actor that is not exempt (an approved operator; for some actions the holder
-- itself) needs the holder's signature: ddcd has verified it (key version p_version) and here the
-- version is re-checked under a share lock on the key and the nonce is spent, in the transaction
-- of the action. A signature for a holder without a key is refused as moot.
CREATE FUNCTION ddc_holder_consent(p_holder bigint, p_exempt boolean, p_signed_holder bigint,
                                   p_version integer, p_nonce text, p_action text, p_ddc bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  h holder_keys;
BEGIN
  SELECT * INTO h FROM holder_keys WHERE account_id = p_holder FOR SHARE; -- no key change now
  IF h.account_id IS NULL THEN
    IF p_version IS NOT NULL THEN
      PERFORM ddc_fail('holder_key_not_set',
                       format('account %s has no holder key; the signature is moot', p_holder),
                       '{"field":"holder_signature"}');
    END IF;
    RETURN;
  END IF;
  IF p_version IS NULL THEN
    IF NOT p_exempt THEN
      PERFORM ddc_fail('holder_signature_required',
        format('holder %s registered a key: the %s needs its signature', p_holder, p_action),
        '{"field":"holder_signature"}');
    END IF;
    RETURN;
  END IF;
  IF p_signed_holder IS DISTINCT FROM p_holder OR p_version <> h.version THEN
    PERFORM ddc_fail('holder_signature_invalid', 'the holder key changed; sign again',
                     '{"field":"holder_signature"}');
  END IF;
  INSERT INTO holder_nonces (holder_id, nonce, ddc_id, action)
    VALUES (p_holder, p_nonce, p_ddc, p_action) ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN
    PERFORM ddc_fail('nonce_reused', format('nonce %s was already used', p_nonce),
                     '{"field":"holder_signature.nonce"}');
  END IF;
END $$;

-- The holder key of p_holder and its version (0, NULL: none), for ddcd to verify a signature
-- before an action on the holder's behalf. Only for callers who may act for the holder at all:
-- the holder, the issuer keeping its account, or one of its approved operators.
CREATE FUNCTION ddc_holder_signer(p_role text, p_actor bigint, p_holder bigint)
RETURNS TABLE (public_key bytea, version integer) LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  IF NOT (p_actor = p_holder
          OR p_role = 'issuer' AND EXISTS (SELECT 1 FROM accounts WHERE id = p_holder
                                                                   AND issuer_id = p_actor)
          OR EXISTS (SELECT 1 FROM operator_approvals WHERE owner_id = p_holder
                                                        AND operator_id = p_actor)) THEN
    PERFORM ddc_fail('forbidden', format('this account may not act for account %s', p_holder),
                     '{"field":"from"}');
  END IF;
  RETURN QUERY SELECT h.public_key, coalesce(h.version, 0) FROM (SELECT 1) x
    LEFT JOIN holder_keys h ON h.account_id = p_holder;
END $$;

-- Locks an edition's class row (not found for a single certificate).
CREATE FUNCTION ddc_edition_lock(p_ddc bigint) RETURNS certificates LANGUAGE plpgsql AS $$
DECLARE
  c certificates := ddc_cert_lock(p_ddc);
BEGIN
  IF c.edition_supply IS NULL THEN
    PERFORM ddc_fail('not_found', format('certificate %s is not an edition', p_ddc));
  END IF;
  RETURN c;
END $$;

-- Adds p_amount units to p_holder's balance of p_ddc; returns the balance after. (Never beyond
-- 2^53: all balances together are at most the supply.)
CREATE FUNCTION ddc_edition_credit(p_ddc bigint, p_holder bigint, p_amount bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_after bigint;
BEGIN
  INSERT INTO edition_balances AS b (ddc_id, holder_id, amount) VALUES (p_ddc, p_holder, p_amount)
    ON CONFLICT (ddc_id, holder_id) DO UPDATE SET amount = b.amount + EXCLUDED.amount,
                                                  updated_at = now()
    RETURNING amount INTO v_after;
  RETURN v_after;
END $$;

-- Takes p_amount units from p_holder's balance of p_ddc; returns the balance after, or refuses
-- naming the balance.
CREATE FUNCTION ddc_edition_debit(p_ddc bigint, p_holder bigint, p_amount bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_after bigint;
  v_has   bigint;
BEGIN
  UPDATE edition_balances SET amount = amount - p_amount, updated_at = now()
    WHERE ddc_id = p_ddc AND holder_id = p_holder AND amount >= p_amount
    RETURNING amount INTO v_after;
  IF NOT FOUND THEN
    SELECT amount INTO v_has FROM edition_balances WHERE ddc_id = p_ddc AND holder_id = p_holder;
    PERFORM ddc_fail('insufficient_units',
      format('account %s holds %s units of edition %s, not %s', p_holder, coalesce(v_has, 0),
             p_ddc, p_amount), '{"field":"amount"}');
  END IF;
  RETURN v_after;
END $$;

-- May p_actor move p_from's units: p_from itself, the issuer keeping its account, or an
-- approved operator (approval for all)? Returns whether it is an approved operator.
CREATE FUNCTION ddc_edition_mover(p_role text, p_actor bigint, p_from bigint)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  v_approved boolean := EXISTS (SELECT 1 FROM operator_approvals
                                WHERE owner_id = p_from AND operator_id = p_actor);
BEGIN
  IF NOT (v_approved OR p_actor = p_from
          OR p_role = 'issuer' AND EXISTS (SELECT 1 FROM accounts WHERE id = p_from
                                                                   AND issuer_id = p_actor)) THEN
    PERFORM ddc_fail('forbidden', format('this account may not move the units of account %s',
                                         p_from), '{"field":"from"}');
  END IF;
  RETURN v_approved;
END $$;

-- Transfer of p_amount units from p_from (the caller when NULL) to p_to. When p_from registered a
-- holder key, everyone but an approved operator needs its signature (as for a certificate's
-- transfer). The caller pays edition_transfer.
CREATE FUNCTION ddc_edition_transfer(p_role text, p_actor bigint, p_ddc bigint, p_from bigint,
                                     p_to bigint, p_amount bigint, p_signed_version integer,
                                     p_nonce text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  c        certificates := ddc_edition_lock(p_ddc);
  v_from   bigint := coalesce(p_from, p_actor);
  v_left   bigint;
  v_now    bigint;
  v_exempt boolean := ddc_edition_mover(p_role, p_actor, v_from);
BEGIN
  PERFORM ddc_cert_movable(c, false);
  PERFORM ddc_holder_consent(v_from, v_exempt, v_from, p_signed_version, p_nonce,
                             'edition_transfer', p_ddc);
  IF p_to = v_from THEN
    PERFORM ddc_fail('recipient_invalid', format('account %s is the sender', p_to),
                     '{"field":"to"}');
  END IF;
  PERFORM ddc_recipient_check(c.issuer_id, p_to, 'to');
  v_left := ddc_edition_debit(p_ddc, v_from, p_amount);
  v_now := ddc_edition_credit(p_ddc, p_to, p_amount);
  PERFORM ddc_cert_event(c, 'edition_transfer', p_actor,
                         jsonb_build_object('amount', p_amount, 'from', v_from, 'to', p_to));
  RETURN jsonb_build_object('ddc_id', p_ddc, 'from', v_from, 'to', p_to, 'amount', p_amount,
                            'from_balance', v_left, 'to_balance', v_now,
                            'charged', ddc_charge(p_actor, p_role, c.issuer_id,
                                                  'edition_transfer', p_ddc));
END $$;

-- Burns p_amount of p_from's units: p_from itself, an approved operator, the operator (also of a
-- frozen class), or the issuer keeping p_from's account (with the holder's signature once it
-- registered a key). The caller pays edition_burn.
CREATE FUNCTION ddc_edition_burn(p_role text, p_actor bigint, p_ddc bigint, p_from bigint,
                                 p_amount bigint, p_signed_version integer, p_nonce text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  c        certificates := ddc_edition_lock(p_ddc);
  v_from   bigint := coalesce(p_from, p_actor);
  v_exempt boolean := p_role = 'operator' OR p_actor = v_from;
  v_left   bigint;
BEGIN
  IF p_role <> 'operator' THEN
    v_exempt := ddc_edition_mover(p_role, p_actor, v_from) OR v_exempt;
  END IF;
  PERFORM ddc_cert_movable(c, p_role = 'operator');
  PERFORM ddc_holder_consent(v_from, v_exempt, v_from, p_signed_version, p_nonce, 'edition_burn',
                             p_ddc);
  v_left := ddc_edition_debit(p_ddc, v_from, p_amount);
  UPDATE certificates SET edition_burned = edition_burned + p_amount WHERE ddc_id = p_ddc;
  PERFORM ddc_cert_event(c, 'edition_burn', p_actor,
                         jsonb_build_object('amount', p_amount, 'from', v_from));
  SELECT * INTO c FROM certificates WHERE ddc_id = p_ddc;
  RETURN jsonb_build_object('ddc_id', p_ddc, 'from', v_from, 'amount', p_amount,
                            'from_balance', v_left, 'supply', c.edition_supply,
                            'burned', c.edition_burned,
                            'charged', ddc_charge(p_actor, p_role, c.issuer_id, 'edition_burn',
                                                  p_ddc));
END $$;

-- BSN-DDC's mint of an existing id: the class's issuer adds p_amount units for p_to (itself when
-- NULL), only when the class was created mintable. The issuer pays edition_mint_more.
CREATE FUNCTION ddc_edition_mint_more(p_role text, p_actor bigint, p_ddc bigint, p_to bigint,
                                      p_amount bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  c    certificates := ddc_edition_lock(p_ddc);
  v_to bigint := coalesce(p_to, c.issuer_id);
  v_now bigint;
BEGIN
  IF p_actor <> c.issuer_id THEN
    PERFORM ddc_fail('forbidden', format('only the issuer of edition %s mints more of it', p_ddc));
  END IF;
  PERFORM ddc_cert_movable(c, false);
  IF NOT c.edition_mintable THEN
    PERFORM ddc_fail('edition_not_mintable',
                     format('edition %s was not created mintable: its supply is fixed', p_ddc));
  END IF;
  IF c.edition_supply + p_amount > 9007199254740992 THEN
    PERFORM ddc_fail('supply_limit', format('edition %s has %s units: %s more would pass 2^53',
                                            p_ddc, c.edition_supply, p_amount),
                     '{"field":"amount"}');
  END IF;
  IF v_to <> c.issuer_id THEN
    PERFORM ddc_recipient_check(c.issuer_id, v_to, 'to');
  END IF;
  UPDATE certificates SET edition_supply = edition_supply + p_amount WHERE ddc_id = p_ddc;
  v_now := ddc_edition_credit(p_ddc, v_to, p_amount);
  PERFORM ddc_cert_event(c, 'mint_more', p_actor, jsonb_build_object('amount', p_amount,
                                                                    'to', v_to));
  SELECT * INTO c FROM certificates WHERE ddc_id = p_ddc;
  RETURN jsonb_build_object('ddc_id', p_ddc, 'to', v_to, 'amount', p_amount,
                            'to_balance', v_now, 'supply', c.edition_supply,
                            'burned', c.edition_burned,
                            'charged', ddc_charge(p_actor, p_role, c.issuer_id,
                                                  'edition_mint_more', p_ddc));
END $$;

-- A page of an edition's balances (holders with units), by holder id after p_after. The
-- operator and the class's issuer see every holder; anyone else who may see the class sees the
-- balances of the accounts it may see (itself, its holders).
CREATE FUNCTION ddc_edition_balances(p_role text, p_actor bigint, p_ddc bigint, p_after bigint,
                                     p_limit integer)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  c      certificates;
  v_all  boolean;
  v_items jsonb;
  v_last bigint;
  v_n    integer;
BEGIN
  SELECT * INTO c FROM certificates WHERE ddc_id = p_ddc;
  IF NOT FOUND OR c.edition_supply IS NULL THEN
    PERFORM ddc_fail('not_found', format('no edition %s', p_ddc));
  END IF;
  IF NOT ddc_cert_visible(p_role, p_actor, c) THEN
    PERFORM ddc_fail('forbidden', format('edition %s is not visible to this account', p_ddc));
  END IF;
  v_all := p_role = 'operator' OR c.issuer_id = p_actor;
  SELECT coalesce(jsonb_agg(jsonb_build_object('holder_id', s.holder_id, 'amount', s.amount,
                                               'updated_at', ddc_ts(s.updated_at))
                            ORDER BY s.holder_id) FILTER (WHERE s.n <= p_limit), '[]'),
         max(s.holder_id) FILTER (WHERE s.n <= p_limit), count(*)
    INTO v_items, v_last, v_n
    FROM (SELECT b.*, row_number() OVER (ORDER BY b.holder_id) AS n
          FROM edition_balances b JOIN accounts a ON a.id = b.holder_id
          WHERE b.ddc_id = p_ddc AND b.holder_id > p_after AND b.amount > 0
            AND (v_all OR ddc_account_may_see(p_role, p_actor, a.id, a.issuer_id))
          ORDER BY b.holder_id LIMIT p_limit + 1) s;
  RETURN jsonb_build_object('ddc_id', p_ddc, 'supply', c.edition_supply,
                            'burned', c.edition_burned, 'items', v_items,
                            'next_cursor', CASE WHEN v_n > p_limit THEN v_last::text END);
END $$;

-- A page of the editions an account holds units of, by ddc_id after p_after, for a caller who
-- may see the account.
CREATE FUNCTION ddc_account_editions(p_role text, p_actor bigint, p_account bigint,
                                     p_after bigint, p_limit integer)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_items jsonb;
  v_last  bigint;
  v_n     integer;
BEGIN
  PERFORM ddc_account_seen(p_role, p_actor, p_account,
                           'this account may not read that account''s editions');
  SELECT coalesce(jsonb_agg(jsonb_build_object('ddc_id', s.ddc_id, 'code', s.code,
                                               'kind', s.kind, 'issuer_id', s.issuer_id,
                                               'status', s.status, 'amount', s.amount,
                                               'supply', s.edition_supply)
                            ORDER BY s.ddc_id) FILTER (WHERE s.n <= p_limit), '[]'),
         max(s.ddc_id) FILTER (WHERE s.n <= p_limit), count(*)
    INTO v_items, v_last, v_n
    FROM (SELECT b.ddc_id, b.amount, c.code, c.kind, c.issuer_id, c.status, c.edition_supply,
                 row_number() OVER (ORDER BY b.ddc_id) AS n
          FROM edition_balances b JOIN certificates c ON c.ddc_id = b.ddc_id
          WHERE b.holder_id = p_account AND b.ddc_id > p_after AND b.amount > 0
          ORDER BY b.ddc_id LIMIT p_limit + 1) s;
  RETURN jsonb_build_object('account_id', p_account, 'items', v_items,
                            'next_cursor', CASE WHEN v_n > p_limit THEN v_last::text END);
END $$;
