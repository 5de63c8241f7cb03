-- Reliability and privacy (issue 9). Instants are Unix seconds (UTC) as REAL.

-- A hold's release saved by the timer but whose "Release now" message is not yet sent.
-- Set in the same transaction as the release, cleared once the message went out; a
-- restart announces it (or, if it is too late for that, quietly closes the countdown).
ALTER TABLE routine_runs ADD COLUMN announce_due REAL;
-- Set just before the "Release now" call: still set at a restart means the message may
-- have gone out, so it is never sent a second time.
ALTER TABLE routine_runs ADD COLUMN announcing_at REAL;
-- Start-up finds releases to announce without a scan.
CREATE INDEX routine_runs_announce ON routine_runs (announce_due) WHERE announce_due IS NOT NULL;

-- When the user blocked the bot (their reminder was turned off for it); cleared by any
-- change they make. Unblocking offers to turn the reminder back on only if this is set.
ALTER TABLE reminders ADD COLUMN blocked_at REAL;

-- The coach is a private conversation, whose chat id is the user's id. Before this
-- version a command sent in a group moved the user's chat to the group (and their
-- reminders with it): bring every user, and every open routine, back to the private chat.
UPDATE users SET chat_id = user_id WHERE chat_id <> user_id;
UPDATE routine_runs SET chat_id = user_id, message_id = NULL
    WHERE chat_id <> user_id AND status IN ('active', 'paused');
