-- The reminder set-up conversation (issue 10): which question each user was last asked
-- ("what time?", "which zone?", "every day or weekdays?") and what they answered so far,
-- so a typed answer finds its question after a restart. One row per user at most; a row
-- older than 10 minutes counts as gone (the service deletes it when it meets it).
CREATE TABLE reminder_setup (
    user_id       BIGINT PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    step          TEXT NOT NULL CHECK (step IN ('time', 'zone', 'days')),
    -- The time already chosen, 24 h `HH:MM`; NULL until one is.
    pending_time  TEXT,
    -- 1 weekdays only, 0 every day, NULL not chosen yet.
    weekdays_only INTEGER CHECK (weekdays_only IN (0, 1)),
    updated_at    REAL NOT NULL
);

-- The last reminder message sent, so "Skip today" can take the buttons off it and an
-- older message's Snooze is answered as stale. 0 once the day was skipped; NULL unknown.
ALTER TABLE reminders ADD COLUMN message_id BIGINT;
