"""BackCoach: a Telegram bot that coaches people with acute lower back pain."""
