"""Who may do what: API tokens, the principal of a request, and the one policy."""
