"""The tamper-evident audit trail: every change, its actor, time and request, chained by hash."""
