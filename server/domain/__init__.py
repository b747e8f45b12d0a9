"""The harness's rules: agents, sessions, turns and their state machine, cancellation."""
