-- 030_bundle_events: a signing key names its logged key_added and key_retired events, and an
-- issuer's profile its newest profile_set event, so that a proof bundle takes each by its id
-- rather than scanning the issuer's account events (parsing each one's JSON to find the key) on
-- every build. Set by the functions that log them; filled here for the keys and profiles there
-- are (the first event naming the key; the newest profile_set).
ALTER TABLE issuer_keys ADD COLUMN added_event bigint REFERENCES events (id),
                        ADD COLUMN retired_event bigint REFERENCES events (id);
ALTER TABLE issuer_profiles ADD COLUMN event_id bigint REFERENCES events (id);
UPDATE issuer_keys k SET
  added_event = (SELECT min(e.id) FROM events e WHERE e.account_id = k.issuer_id
                   AND e.type = 'key_added'
                   AND (e.canonical::jsonb -> 'data' ->> 'keyId')::bigint = k.id),
  retired_event = (SELECT min(e.id) FROM events e WHERE e.account_id = k.issuer_id
                     AND e.type = 'key_retired'
                     AND (e.canonical::jsonb -> 'data' ->> 'keyId')::bigint = k.id);
UPDATE issuer_profiles p SET
  event_id = (SELECT max(e.id) FROM events e WHERE e.account_id = p.issuer_id
                AND e.type = 'profile_set');
