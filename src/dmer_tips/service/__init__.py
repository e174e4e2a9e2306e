"""The long-running service: one thread, one inbox, and the parts it is built from."""
