"""Actions: the steps a service takes to bring a treat risk towards its target."""
