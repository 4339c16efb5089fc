"""Reliability and security: fuzzing, concurrency, crash safety, hostile input, migrations."""
