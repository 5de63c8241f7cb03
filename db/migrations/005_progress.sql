-- Progress (issue 12): each exercise's dose and how it felt, morning check-ins, and the
-- user's weekly goal and check-in schedule. Instants are Unix seconds (UTC) as REAL; local
-- dates are ISO text (YYYY-MM-DD) in the user's zone. Every table references
-- users (user_id) ON DELETE CASCADE, so /forget deletes all of it.

-- One row per exercise of a routine, written when the routine starts (the dose planned
-- for it: seconds of a hold, or repetitions), then given the user's optional tap.
-- How the exercise ended is in exercise_results (done / skipped / hurt).
CREATE TABLE exercise_feedback (
    run_id      BIGINT NOT NULL REFERENCES routine_runs (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    exercise_id TEXT NOT NULL,
    dose        INTEGER NOT NULL CHECK (dose BETWEEN 1 AND 300),
    -- Why the dose (bot/core/dose.py Reason) when the card says so; NULL: no line.
    reason      TEXT,
    feedback    TEXT CHECK (feedback IN ('easy', 'right', 'hard')),
    planned_at  REAL NOT NULL,   -- the routine's start: orders a user's history
    feedback_at REAL,
    PRIMARY KEY (run_id, exercise_id)
);
-- "The last two times this user did this exercise": an index walk, however long the history.
CREATE INDEX exercise_feedback_history ON exercise_feedback (user_id, exercise_id, planned_at);

-- One morning check-in per user per local date; answering again that day corrects it.
CREATE TABLE morning_checkins (
    user_id    BIGINT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    local_date TEXT NOT NULL,
    at         REAL NOT NULL,
    score      INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
    PRIMARY KEY (user_id, local_date)
);

-- The weekly goal, the morning check-in's schedule, and small bookkeeping. No row means
-- the defaults (goal 5, check-in off).
CREATE TABLE progress_settings (
    user_id            BIGINT PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    weekly_goal        INTEGER NOT NULL DEFAULT 5 CHECK (weekly_goal BETWEEN 3 AND 7),
    -- Local wall time `HH:MM` of the check-in; kept when it is turned off.
    checkin_time       TEXT CHECK (checkin_time IS NULL OR length(checkin_time) = 5),
    -- The next instant to ask, UTC. NULL means the check-in is off (like reminders).
    checkin_next_due   REAL,
    -- Local date of the last check-in sent or skipped: never two a day.
    checkin_last_date  TEXT,
    -- Set just before the HTTP call, cleared with the sent-mark (see reminders).
    checkin_sending_at REAL,
    -- When "worth seeing a GP or physiotherapist" was said: it is said once.
    see_someone_at     REAL,
    -- The goal streak up to a finished week (bot/core/progress.py StreakCache).
    streak_week        TEXT,
    streak_weeks       INTEGER,
    streak_goal        INTEGER,
    streak_zone        TEXT,
    updated_at         REAL NOT NULL
);
-- The sweep reads only due check-ins; start-up finds interrupted sends without a scan.
CREATE INDEX progress_checkin_due ON progress_settings (checkin_next_due)
    WHERE checkin_next_due IS NOT NULL;
CREATE INDEX progress_checkin_sending ON progress_settings (checkin_sending_at)
    WHERE checkin_sending_at IS NOT NULL;

-- /progress reads a user's routines by start time (the 30-day window, the first week).
CREATE INDEX routine_runs_user_started ON routine_runs (user_id, started_at);
