-- The pipeline of `mailshift run`: when each phase of the job was first seen done, in order.
-- This is the job's phase history (status, resume); the phases' own tables stay the truth of
-- whether a phase is done.
CREATE TABLE pipeline_history (
  phase    TEXT COLLATE "C" PRIMARY KEY,
  seq      BIGINT NOT NULL,
  done_at  TEXT COLLATE "C" NOT NULL
);
