"""Agent Harness server: a spec-first implementation of the TrueFoundry Agent Harness API on Redis."""
