"""Reminders: telling each service, by email, which of its reviews and actions are due or overdue."""
