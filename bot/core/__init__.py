"""The product's logic, with no Telegram in it: unit-tested on its own."""
