-- Users and their safety-screen answer. Instants are Unix seconds (UTC) as REAL.
CREATE TABLE users (
    user_id       INTEGER PRIMARY KEY,          -- Telegram user id
    chat_id       INTEGER NOT NULL,             -- private chat with the bot
    first_name    TEXT,
    created_at    REAL NOT NULL,
    -- NULL until the user answers the safety screen.
    safety_status TEXT CHECK (safety_status IN ('cleared', 'urgent', 'see_doctor')),
    safety_at     REAL
);
