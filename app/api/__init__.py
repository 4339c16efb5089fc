"""The HTTP interface: thin routers, one per resource, over the domain services."""
