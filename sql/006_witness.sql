-- 006_witness.sql: witness cosignatures of the log's checkpoints (c2sp.org/tlog-witness,
-- c2sp.org/tlog-cosignature). A checkpoint is final once a quorum of the configured witnesses
-- has cosigned it; which witnesses count is configuration, so finality is computed when read.

CREATE TABLE log_cosignatures (
  size      bigint NOT NULL REFERENCES log_checkpoints (size),
  witness   text NOT NULL,   -- the witness's verifier key, name+keyid+base64
  line      text NOT NULL,   -- the cosignature line as the witness sent it, newline included
  cosigned  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (size, witness)
);
CREATE INDEX log_cosignatures_witness ON log_cosignatures (witness, size);
CREATE TRIGGER log_cosignatures_append_only BEFORE UPDATE OR DELETE ON log_cosignatures
  FOR EACH ROW EXECUTE FUNCTION ddc_append_only();

-- The signed note of a checkpoint with every cosignature stored for it appended, in witness order.
CREATE FUNCTION ddc_cosigned_note(p_size bigint, p_note text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT p_note || coalesce((SELECT string_agg(w.line, '' ORDER BY w.witness)
                               FROM log_cosignatures w WHERE w.size = p_size), '')
$$;

-- The checkpoint a proof bundle should use: the newest one cosigned by at least p_quorum of the
-- witnesses p_witnesses whose tree holds leaf p_need (final), else the newest one (not final).
-- With no witnesses every checkpoint is final.
CREATE FUNCTION ddc_log_checkpoint_for(p_need bigint, p_witnesses text[], p_quorum integer,
                                       OUT size bigint, OUT root bytea, OUT note text,
                                       OUT final boolean)
LANGUAGE sql STABLE AS $$
  WITH fin AS (
    SELECT w.size FROM log_cosignatures w
     WHERE w.witness = ANY (p_witnesses) AND w.size > p_need
     GROUP BY w.size HAVING count(*) >= p_quorum
     ORDER BY w.size DESC LIMIT 1
  ), pick AS (
    (SELECT c.size, c.root, c.note, true AS final FROM log_checkpoints c JOIN fin USING (size))
    UNION ALL
    (SELECT c.size, c.root, c.note, cardinality(p_witnesses) = 0
       FROM log_checkpoints c ORDER BY c.size DESC LIMIT 1)
  )
  SELECT p.size, p.root, ddc_cosigned_note(p.size, p.note), p.final FROM pick p
   ORDER BY p.final DESC LIMIT 1
$$;
