"""`make bench`: cancel latency of the Agent Harness against the Redis round-trip floor.

The servers run as subprocesses (`python -m server.cli ...`); the load generator and every clock
live in this process. Figures, not assertions: medians, p99 and ratios to Redis's own RTT.
"""
