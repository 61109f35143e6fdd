-- 025_verdict_builder: how far through the log the verdict builder has gone. The builder
-- (service/ledger/verdictbuild.c, one at a time per database) makes and keeps the verdicts of the
-- certificates with an event in leaves [built_size, S) once the newest final checkpoint has S
-- leaves, then moves built_size to S. A database upgraded to this starts at its log's size: the
-- certificates logged before get their verdicts made on first verification, as they did.
CREATE TABLE verdict_builder (
  one        boolean PRIMARY KEY DEFAULT true CHECK (one),
  built_size bigint NOT NULL
);
INSERT INTO verdict_builder (built_size) SELECT coalesce(max(size), 0) FROM log_checkpoints;
