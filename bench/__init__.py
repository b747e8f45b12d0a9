"""`make bench` / `python -m bench [cancel] [load]`: figures of the Agent Harness under load.

- cancel: cancel latency against the Redis round-trip floor (cancel_group.py, cancel_scenarios.py);
- load: sessions/s, turn latency and turns/s, SSE fan-out, held streams and Redis memory per
  session/event/turn, each on one API replica with 1 and then 2 executor processes (load.py);
- `python -m bench.fanout_readers [HELD] [PERIOD] [PROBES]`, apart: the SSE fan-out alone, in this
  process, with HELD turn logs followed (how long a stream waits for its turn.done).

The servers run as subprocesses (`python -m server.cli ...`) on a flushed Redis DB; the load
generator and every clock live in this process. Figures, not assertions: medians, p50/p99, ratios,
and the CPU each process (and the rest of the machine) used meanwhile. See BENCHMARKS.md.
"""
