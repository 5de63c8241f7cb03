-- Routine sessions: where each user is, so a routine survives a restart of the bot.
CREATE TABLE routine_runs (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    chat_id         INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'paused', 'finished', 'stopped')),
    phase           TEXT NOT NULL
                    CHECK (phase IN ('pain_before', 'exercise', 'pain_after', 'finished')),
    exercise_index  INTEGER NOT NULL DEFAULT 0,
    step_index      INTEGER NOT NULL DEFAULT 0,
    hold_ends_at    REAL,                       -- set while a hold's timer runs
    held            INTEGER NOT NULL DEFAULT 0, -- the current hold step is done
    message_id      INTEGER,                    -- the message with the live buttons
    version         INTEGER NOT NULL DEFAULT 0, -- bumps on every change (optimistic locking)
    pain_before     INTEGER CHECK (pain_before BETWEEN 0 AND 10),
    pain_after      INTEGER CHECK (pain_after BETWEEN 0 AND 10),
    started_at      REAL NOT NULL,
    ended_at        REAL
);
-- Never two open routines for one user, whatever races happen.
CREATE UNIQUE INDEX routine_runs_one_open ON routine_runs (user_id)
    WHERE status IN ('active', 'paused');
-- Start-up re-arms running holds without scanning every routine.
CREATE INDEX routine_runs_holding ON routine_runs (hold_ends_at)
    WHERE hold_ends_at IS NOT NULL;
-- "Did this user finish a routine today?" for reminders.
CREATE INDEX routine_runs_user_finished ON routine_runs (user_id, ended_at)
    WHERE status = 'finished';

-- How each exercise of a routine ended.
CREATE TABLE exercise_results (
    run_id      INTEGER NOT NULL REFERENCES routine_runs (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,  -- the exercise's place in the routine, from 0
    exercise_id TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('done', 'skipped', 'hurt')),
    recorded_at REAL NOT NULL,
    PRIMARY KEY (run_id, position)
);
