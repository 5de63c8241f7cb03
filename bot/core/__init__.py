"""The product's logic with no Telegram in it (see ARCHITECTURE.md)."""
