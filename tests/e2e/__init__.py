"""End-to-end tests: a real browser against a real server on loopback."""
