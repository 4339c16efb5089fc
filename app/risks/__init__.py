"""Risks: a service's register entries, their controls and their current assessment."""
