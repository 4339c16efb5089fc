"""The demo register: the sample service plans, imported, with a later review round."""
