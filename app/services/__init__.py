"""Council services: the registers that hold risks."""
