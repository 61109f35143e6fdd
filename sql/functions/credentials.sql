-- credentials.sql: what W3C Verifiable Credentials and DID documents are built from (the
-- signing and the JSON-LD shape are C: service/domain/vc.c), and the issuer profile with its
-- claimed domain, each change of which is a profile_set account event in the log.

-- What a certificate's credential is made of: its signed document, the issuer's name, the key
-- that signed it (sealed; retired or not), its status-list entry and the holder's registered
-- key. By code (p_code, public) or by ddc_id for a caller who may read the certificate.
CREATE FUNCTION ddc_vc_material(p_role text, p_actor bigint, p_ddc bigint, p_code text)
RETURNS TABLE (document text, code text, issuer_name text, sealed_secret bytea,
               status_list integer, status_index integer, holder_key bytea)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  c certificates;
BEGIN
  IF p_code IS NOT NULL THEN
    SELECT * INTO c FROM certificates x WHERE x.code = p_code;
    IF NOT FOUND THEN
      PERFORM ddc_fail('not_found', 'no certificate has this code');
    END IF;
  ELSE
    SELECT * INTO c FROM certificates x WHERE x.ddc_id = p_ddc;
    IF NOT FOUND THEN
      PERFORM ddc_fail('not_found', format('no certificate %s', p_ddc));
    END IF;
    IF NOT ddc_cert_visible(p_role, p_actor, c) THEN
      PERFORM ddc_fail('forbidden', format('certificate %s is not visible to this account',
                                           p_ddc));
    END IF;
  END IF;
  RETURN QUERY SELECT c.document, c.code, a.name, k.sealed_secret, c.status_list, c.status_index,
                      (SELECT h.public_key FROM holder_keys h WHERE h.account_id = c.owner_id)
    FROM accounts a, issuer_keys k WHERE a.id = c.issuer_id AND k.id = c.key_id;
END $$;

CREATE FUNCTION ddc_profile_json(p issuer_profiles) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('url', p.url, 'logo_url', p.logo_url, 'domain', p.domain,
                            'domain_checked_at', ddc_ts(p.domain_checked_at))
$$;

-- What an issuer's DID document shows: its name, profile and every key it ever had.
CREATE FUNCTION ddc_issuer_did(p_issuer bigint) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  a accounts;
  p issuer_profiles;
BEGIN
  SELECT * INTO a FROM accounts WHERE id = p_issuer AND role = 'issuer';
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('no issuer %s', p_issuer));
  END IF;
  SELECT * INTO p FROM issuer_profiles WHERE issuer_id = p_issuer;
  RETURN jsonb_build_object('issuer_id', a.id, 'name', a.name, 'profile', ddc_profile_json(p),
    'keys', coalesce((SELECT jsonb_agg(jsonb_build_object(
                        'key_id', k.id, 'public_key', encode(k.public_key, 'hex'),
                        'valid_from', ddc_ts(k.valid_from), 'retired_at', ddc_ts(k.retired_at))
                        ORDER BY k.id)
                      FROM issuer_keys k WHERE k.issuer_id = p_issuer), '[]'));
END $$;

-- Changes an issuer's profile and logs it. p_what: 'profile' (url, logo_url), 'domain' (a new
-- claim: its check is forgotten) or 'checked' (the domain p_domain passed its check now; refused
-- if the claim changed meanwhile).
CREATE FUNCTION ddc_profile_write(p_role text, p_actor bigint, p_issuer bigint, p_what text,
                                  p_url text, p_logo_url text, p_domain text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  p issuer_profiles;
  v_name text;
BEGIN
  PERFORM ddc_key_owner_check(p_role, p_actor, p_issuer);
  INSERT INTO issuer_profiles (issuer_id) VALUES (p_issuer) ON CONFLICT DO NOTHING;
  SELECT * INTO p FROM issuer_profiles WHERE issuer_id = p_issuer FOR UPDATE;
  IF p_what = 'profile' THEN
    p.url := p_url;
    p.logo_url := p_logo_url;
  ELSIF p_what = 'domain' THEN
    p.domain := p_domain;
    p.domain_checked_at := NULL;
  ELSIF p.domain IS DISTINCT FROM p_domain THEN
    PERFORM ddc_fail('domain_changed', 'the claimed domain changed while it was being checked');
  ELSE
    p.domain_checked_at := now();
  END IF;
  UPDATE issuer_profiles SET url = p.url, logo_url = p.logo_url, domain = p.domain,
                             domain_checked_at = p.domain_checked_at, updated_at = now()
    WHERE issuer_id = p_issuer RETURNING * INTO p;
  SELECT name INTO v_name FROM accounts WHERE id = p_issuer;
  PERFORM ddc_account_event(p_issuer, 'profile_set', p_actor, jsonb_build_object(
    'name', v_name, 'url', p.url, 'logoUrl', p.logo_url, 'domain', p.domain,
    'domainCheckedAt', ddc_ts(p.domain_checked_at)));
  UPDATE issuer_profiles SET event_id = ddc_account_last_event(p_issuer) WHERE issuer_id = p_issuer;
  RETURN jsonb_build_object('issuer_id', p_issuer, 'name', v_name) || ddc_profile_json(p);
END $$;
