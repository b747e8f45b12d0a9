"""Support for the tests (tests/, contract_tests/) and the bench (bench/), shared by all three: the
harness's processes on free loopback ports (`processes`), in-process servers (`servers`), private
redis-servers (`redis_server`) and deployments (`deployments`), an SSE reader (`sse`), API paths,
tokens and clients (`api`), and fakes of what the harness talks to (`fakes`).

It may import `server` and `generated` (and `harness_cli`); `server` and `harness_cli` ship and never
import it (tests/test_import_layers.py checks).
"""
