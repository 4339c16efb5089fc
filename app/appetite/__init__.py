"""The council's risk appetite: versioned, approved statements, and whether a risk lies above
the statement in force; escalation of service risks to the corporate register."""
