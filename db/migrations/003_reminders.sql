-- Daily reminders (issue 3). Instants are Unix seconds (UTC) as REAL; local dates are
-- ISO text (YYYY-MM-DD) in the user's zone.

-- The user's IANA zone (`Europe/Berlin`), never an offset, so daylight saving is followed.
-- NULL until they tell us. A user property: "today" for routines uses it too.
ALTER TABLE users ADD COLUMN timezone TEXT;

CREATE TABLE reminders (
    user_id       INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    -- Local wall time, 24 h `HH:MM`.
    -- (Databases created before PostgreSQL support hold the same check spelled with
    -- SQLite's GLOB '[0-2][0-9]:[0-5][0-9]': the same strings pass.)
    local_time    TEXT NOT NULL CHECK (
                      length(local_time) = 5
                      AND substr(local_time, 1, 1) IN ('0', '1', '2')
                      AND substr(local_time, 2, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')
                      AND substr(local_time, 3, 1) = ':'
                      AND substr(local_time, 4, 1) IN ('0', '1', '2', '3', '4', '5')
                      AND substr(local_time, 5, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')
                  ),
    weekdays_only INTEGER NOT NULL DEFAULT 0 CHECK (weekdays_only IN (0, 1)),
    -- No reminder before this instant (a pause); NULL when not paused.
    paused_until  REAL,
    -- The next instant to send, UTC. NULL means the reminder is off.
    next_due      REAL,
    -- 1 when next_due is a snooze of the occurrence on last_date, not a new day.
    snoozed       INTEGER NOT NULL DEFAULT 0 CHECK (snoozed IN (0, 1)),
    -- Local date of the last occurrence handled (sent, skipped, done): never two a day.
    last_date     TEXT,
    -- Set in its own transaction just before the HTTP call, cleared with the sent-mark.
    -- Still set at start-up means "we crashed mid-send": treated as sent (see bot/reminders.py).
    sending_at    REAL,
    updated_at    REAL NOT NULL
);

-- The sweep reads only what is due: `WHERE next_due <= ?` walks this index.
CREATE INDEX reminders_next_due ON reminders (next_due) WHERE next_due IS NOT NULL;
-- Start-up finds interrupted sends without a scan.
CREATE INDEX reminders_sending ON reminders (sending_at) WHERE sending_at IS NOT NULL;
