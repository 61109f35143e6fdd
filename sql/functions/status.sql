-- status: the issuers' W3C Bitstring Status Lists (tables in schema/018_status_lists.sql). Each
-- certificate gets an entry at mint: ddc_status_draw in ddc_mint, ddc_status_reserve for a batch
-- chunk (before it is signed) and for certificates minted before entries existed
-- (ddc_status_backfill, run by the status-list publisher). A list's positions 0..131071 are
-- handed out by 16 stripe counters of 8,192 positions each (ddc_status_take); position p is entry
-- ddc_status_index(seed, p), a keyed permutation, so that entries come out in no telling order
-- (Bitstring Status List §6.3) while a single mint touches a stripe (one no concurrent mint of the
-- issuer holds) only once in 64 mints on its connection. A change of a certificate's status marks its list dirty
-- (ddc_status_dirty_mark); the publisher (service/ledger/statuspub.c) signs the list's new
-- credentials and stores them with ddc_status_publish, which logs their hashes.
-- Loaded whole by `ddcd migrate`, after the files listed before it in ORDER (sql/README.md).

-- Entry of position p_pos (0..131071) in a list keyed p_seed: a Feistel network of four rounds
-- on 17 bits (halves of 9 and 8 bits, alternating), the round function PostgreSQL's 64-bit hash
-- keyed by the seed and the round (hashint8extended, stable across releases: hash partitioning
-- relies on it). A permutation whatever the round function: no two positions share an entry.
CREATE FUNCTION ddc_status_index(p_seed bigint, p_pos integer) RETURNS integer
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  x integer := p_pos;
  a integer := 9; -- bits of the left half
  b integer := 8; -- bits of the right half
  l integer;
  r integer;
BEGIN
  FOR i IN 1..4 LOOP
    l := x >> b;
    r := x & ((1 << b) - 1);
    x := (r << a) | (l # (hashint8extended(r, p_seed + i) & ((1 << a) - 1))::integer);
    a := 17 - a;
    b := 17 - b;
  END LOOP;
  RETURN x;
END $$;

-- Opens the issuer's next list when its newest has no position left (a concurrent transaction
-- may have opened one meanwhile: then nothing), with a random key and its stripes, and marks it
-- dirty so that its empty credentials are published.
CREATE FUNCTION ddc_status_list_new(p_issuer bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_list integer;
  v_seed bigint := ('x' || left(md5(gen_random_uuid()::text), 16))::bit(64)::bigint;
BEGIN
  SELECT coalesce(max(list) + 1, 0) INTO v_list FROM status_lists WHERE issuer_id = p_issuer;
  PERFORM FROM status_stripes WHERE issuer_id = p_issuer AND list = v_list - 1 AND next < stop;
  IF FOUND THEN
    RETURN;
  END IF;
  INSERT INTO status_lists (issuer_id, list, seed) VALUES (p_issuer, v_list, v_seed)
    ON CONFLICT DO NOTHING;
  IF FOUND THEN
    INSERT INTO status_stripes (issuer_id, list, stripe, seed, next, stop)
      SELECT p_issuer, v_list, s, v_seed, s * 8192, (s + 1) * 8192 FROM generate_series(0, 15) s;
    INSERT INTO status_dirty (issuer_id, list) VALUES (p_issuer, v_list) ON CONFLICT DO NOTHING;
  END IF;
END $$;

-- Counts up to p_n positions off a stripe of the issuer's newest list: one no other transaction
-- holds, else (all busy) the first, waited for; the stripe stays locked until the transaction
-- ends. Opens a new list when none is left. The list, its key, the first position and how many.
CREATE FUNCTION ddc_status_take(p_issuer bigint, p_n integer, OUT o_list integer,
                                OUT o_seed bigint, OUT o_first integer, OUT o_count integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_list integer;
BEGIN
  LOOP
    SELECT max(list) INTO v_list FROM status_lists WHERE issuer_id = p_issuer;
    UPDATE status_stripes s SET next = x.next + least(p_n, x.stop - x.next)
      FROM (SELECT * FROM status_stripes WHERE issuer_id = p_issuer AND list = v_list
              AND next < stop ORDER BY stripe LIMIT 1 FOR UPDATE SKIP LOCKED) x
      WHERE s.issuer_id = x.issuer_id AND s.list = x.list AND s.stripe = x.stripe
      RETURNING x.list, x.seed, x.next, least(p_n, x.stop - x.next)
      INTO o_list, o_seed, o_first, o_count;
    IF FOUND THEN
      RETURN;
    END IF;
    UPDATE status_stripes s SET next = x.next + least(p_n, x.stop - x.next)
      FROM (SELECT * FROM status_stripes WHERE issuer_id = p_issuer AND list = v_list
              AND next < stop ORDER BY stripe LIMIT 1 FOR UPDATE) x
      WHERE s.issuer_id = x.issuer_id AND s.list = x.list AND s.stripe = x.stripe
      RETURNING x.list, x.seed, x.next, least(p_n, x.stop - x.next)
      INTO o_list, o_seed, o_first, o_count;
    IF FOUND THEN
      RETURN;
    END IF;
    PERFORM ddc_status_list_new(p_issuer);
  END LOOP;
END $$;

-- One certificate's entry (ddc_mint): its list and index. Positions are taken from a stripe 64 at
-- a time and kept in a setting of the database session (ddc.status_block_<issuer>: list, key,
-- next position, end), so that the next 63 mints of the issuer on this connection touch no row
-- at all. The setting is transactional like the stripe: a mint that rolls back gives its
-- position back. Positions a connection held when it closed stay unused.
CREATE FUNCTION ddc_status_draw(p_issuer bigint, OUT o_list integer, OUT o_index integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_name text := 'ddc.status_block_' || p_issuer;
  v text[] := string_to_array(current_setting(v_name, true), ':');
  t record;
BEGIN
  IF cardinality(v) IS DISTINCT FROM 4 OR v[3]::integer >= v[4]::integer THEN
    SELECT * INTO t FROM ddc_status_take(p_issuer, 64);
    v := ARRAY[t.o_list::text, t.o_seed::text, t.o_first::text, (t.o_first + t.o_count)::text];
  END IF;
  o_list := v[1]::integer;
  o_index := ddc_status_index(v[2]::bigint, v[3]::integer);
  PERFORM set_config(v_name, concat_ws(':', v[1], v[2], v[3]::integer + 1, v[4]), false);
END $$;

-- p_n entries at once, for a batch chunk about to be signed (in a transaction of their own: the
-- stripes are held only while they are counted off; entries of rows that fail stay unused).
CREATE FUNCTION ddc_status_reserve(p_issuer bigint, p_n integer)
RETURNS TABLE (o_list integer, o_index integer) LANGUAGE plpgsql AS $$
DECLARE
  t record;
  v_left integer := p_n;
BEGIN
  WHILE v_left > 0 LOOP
    SELECT * INTO t FROM ddc_status_take(p_issuer, v_left);
    RETURN QUERY SELECT t.o_list, ddc_status_index(t.o_seed, p)
      FROM generate_series(t.o_first, t.o_first + t.o_count - 1) p;
    v_left := v_left - t.o_count;
  END LOOP;
END $$;

-- Gives up to p_limit certificates of one issuer that have no entry yet theirs (rows minted
-- before 016), marking the lists they land in dirty; how many. Imported certificates (key_id
-- NULL: their issuer is a pin's account, with no key to sign lists) get none. Run by the
-- publisher in small transactions, not by `ddcd migrate`: a million rows would hold the
-- migration's transaction (and every ddcd waiting on it) for minutes.
CREATE FUNCTION ddc_status_backfill(p_limit integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_issuer bigint;
  v_ids bigint[];
BEGIN
  SELECT issuer_id INTO v_issuer FROM certificates
    WHERE status_list IS NULL AND key_id IS NOT NULL LIMIT 1;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  SELECT array_agg(ddc_id ORDER BY ddc_id) INTO v_ids
    FROM (SELECT ddc_id FROM certificates WHERE issuer_id = v_issuer AND status_list IS NULL
            AND key_id IS NOT NULL ORDER BY ddc_id LIMIT p_limit FOR UPDATE SKIP LOCKED) x;
  IF v_ids IS NULL THEN
    RETURN 0;
  END IF;
  UPDATE certificates c SET status_list = r.o_list, status_index = r.o_index
    FROM (SELECT o_list, o_index, row_number() OVER () AS k
          FROM ddc_status_reserve(v_issuer, cardinality(v_ids))) r,
         unnest(v_ids) WITH ORDINALITY u(id, k)
    WHERE c.ddc_id = u.id AND r.k = u.k;
  INSERT INTO status_dirty (issuer_id, list)
    SELECT DISTINCT v_issuer, status_list FROM certificates WHERE ddc_id = ANY (v_ids)
    ON CONFLICT DO NOTHING;
  RETURN cardinality(v_ids);
END $$;

-- Trigger: a certificate whose status changed has its list published again.
CREATE FUNCTION ddc_status_dirty_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO status_dirty (issuer_id, list) VALUES (NEW.issuer_id, NEW.status_list)
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

-- Stores a list's newly signed credential (its JCS text p_credential, whose validFrom is
-- p_valid_from; p_bits_sha256 the SHA-256 of its bitstring) and logs it as the issuer's
-- status_list_published event: list, purpose, sha256 (of the credential text, the exact bytes
-- every ddcd serves), bitsSha256 and validFrom. The caller holds the list's row lock.
CREATE FUNCTION ddc_status_publish(p_issuer bigint, p_list integer, p_purpose text,
                                   p_credential text, p_bits_sha256 bytea, p_valid_from text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_sha bytea := sha256(convert_to(p_credential, 'UTF8'));
  v_event bigint;
BEGIN
  PERFORM ddc_account_event(p_issuer, 'status_list_published', p_issuer, jsonb_build_object(
    'list', p_list, 'purpose', p_purpose, 'sha256', encode(v_sha, 'hex'),
    'bitsSha256', encode(p_bits_sha256, 'hex'), 'validFrom', p_valid_from));
  -- the account's row is locked until commit: its newest event is the one just appended
  SELECT id INTO v_event FROM events WHERE account_id = p_issuer ORDER BY id DESC LIMIT 1;
  INSERT INTO status_events (issuer_id, list, purpose, event_id)
    VALUES (p_issuer, p_list, p_purpose, v_event);
  INSERT INTO status_published AS p (issuer_id, list, purpose, credential, sha256, bits_sha256,
                                     published_at, event_id)
    VALUES (p_issuer, p_list, p_purpose, p_credential, v_sha, p_bits_sha256,
            p_valid_from::timestamptz, v_event)
    ON CONFLICT (issuer_id, list, purpose) DO UPDATE
      SET credential = EXCLUDED.credential, sha256 = EXCLUDED.sha256,
          bits_sha256 = EXCLUDED.bits_sha256, published_at = EXCLUDED.published_at,
          event_id = EXCLUDED.event_id;
END $$;

-- For a certificate's proof bundle: the newest publication of each purpose of its list whose
-- event is in the log already: purpose, list, index, the event's canonical text and leaf.
CREATE FUNCTION ddc_status_for_cert(p_ddc bigint)
RETURNS TABLE (purpose text, list integer, idx integer, canonical text, leaf_index bigint)
LANGUAGE sql STABLE AS $$
  SELECT pp.purpose, c.status_list, c.status_index, e.canonical, l.leaf_index
    FROM certificates c
    CROSS JOIN (VALUES ('revocation'), ('suspension')) pp(purpose)
    CROSS JOIN LATERAL (SELECT s.event_id FROM status_events s
                          JOIN log_leaves x ON x.event_id = s.event_id
                         WHERE s.issuer_id = c.issuer_id AND s.list = c.status_list
                           AND s.purpose = pp.purpose
                         ORDER BY s.event_id DESC LIMIT 1) n
    JOIN events e ON e.id = n.event_id
    JOIN log_leaves l ON l.event_id = n.event_id
   WHERE c.ddc_id = p_ddc AND c.status_list IS NOT NULL
   ORDER BY pp.purpose
$$;

-- A status list publication entering the log changes the bundles of its list's certificates (they
-- name the newest one logged): every process drops its cached bundles, which may otherwise be
-- kept until such an event (http/respcache.c). One check per sequencer step.
CREATE FUNCTION ddc_notify_status_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_leaves n JOIN status_events s ON s.event_id = n.event_id) THEN
    PERFORM pg_notify('ddc_auth', 'cert:status_events');
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER log_leaves_status_notify AFTER INSERT ON log_leaves
  REFERENCING NEW TABLE AS new_leaves
  FOR EACH STATEMENT EXECUTE FUNCTION ddc_notify_status_logged ();
