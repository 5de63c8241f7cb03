"""Benchmarks that measure the bot on this machine and write docs/performance.md."""
