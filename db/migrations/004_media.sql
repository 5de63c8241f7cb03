-- Pictures the bot has uploaded to Telegram (issue 11). The first send uploads the file;
-- Telegram's `file_id` for it is kept here and every later send reuses it. A `file_id`
-- belongs to one bot, so the bot's id is part of the key; `media_key` names the picture and
-- carries a hash of its pose data (`cat_cow-loop-3f2a9c01b4`), so a changed picture is a
-- new row and a new upload. Not user data: nothing here points at `users`.
CREATE TABLE media_files (
    bot_id         BIGINT NOT NULL,
    media_key      TEXT NOT NULL,
    file_id        TEXT NOT NULL,
    file_unique_id TEXT NOT NULL,
    -- Unix seconds (UTC) of the upload that produced this file_id.
    uploaded_at    REAL NOT NULL,
    PRIMARY KEY (bot_id, media_key)
);

-- The "Text only" setting: 1 = never send pictures to this user (slow connections).
ALTER TABLE users ADD COLUMN text_only INTEGER NOT NULL DEFAULT 0 CHECK (text_only IN (0, 1));
