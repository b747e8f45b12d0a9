"""`make cluster-demo`: deploy/compose.yaml's topology from local processes, no container engine.

A redis-server of its own (append-only file on, in a temporary directory), two API replicas
(`serve --no-executor`), two executors (`executor`) and Debian's nginx running deploy/nginx/nginx.conf
itself, with only the replicas' addresses and the listen port swapped for loopback ones. It serves
until Ctrl-C; contract_tests/test_cluster_demo.py drives the same `Topology` through the proxy.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import httpx

from testkit.processes import ApiProcess, ExecutorProcess, free_port, wait_until
from testkit.redis_server import RedisServer, machine_binary

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx" / "nginx.conf"
SAMPLE_AGENTS = ROOT / "examples" / "agents"
# What the demo swaps in the shipped config: the compose service addresses and the listen port.
UPSTREAMS = ("server api-1:8080", "server api-2:8080")
LISTEN = "listen 8080;"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(path).exists()), None
    )


def render_nginx_conf(api_ports: list[int], listen_port: int) -> str:
    """deploy/nginx/nginx.conf with loopback addresses; everything else exactly as shipped."""
    text = NGINX_CONF.read_text()
    if len(api_ports) != len(UPSTREAMS):
        raise ValueError(f"nginx.conf names {len(UPSTREAMS)} replicas, not {len(api_ports)}")
    for upstream, port in zip(UPSTREAMS, api_ports, strict=True):
        if text.count(upstream) != 1:
            raise ValueError(
                f"deploy/nginx/nginx.conf no longer has `{upstream}` once: update cluster_demo.py"
            )
        text = text.replace(upstream, f"server 127.0.0.1:{port}")
    if text.count(LISTEN) != 1:
        raise ValueError(f"deploy/nginx/nginx.conf no longer has `{LISTEN}` once: update cluster_demo.py")
    return text.replace(LISTEN, f"listen 127.0.0.1:{listen_port};")


class Topology:
    """Redis, two API replicas, two executors and nginx in front of the replicas, on loopback."""

    def __init__(self, *, proxy_port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="agent-harness-cluster-"))
        # Append-only, fsync'd once a second (Redis's default): a demo, not a durability test.
        self.redis = RedisServer(
            self.directory,
            "--appendfsync",
            "everysec",
            binary=machine_binary(),
            log=self.directory / "redis.log",
        )
        self.proxy_port = proxy_port or free_port()
        # As `make run`: the sample `approver` agent's demo MCP server is on loopback (SECURITY.md).
        self.env = {
            "HARNESS_EGRESS_ALLOW_NETWORKS": '["127.0.0.0/8", "::1/128"]',
            **(env or {}),
            "HARNESS_REDIS_URL": self.redis_url,
        }
        self.apis = [ApiProcess(self.env, agents=SAMPLE_AGENTS) for _ in range(2)]
        self.executors = [ExecutorProcess(name, self.env) for name in ("demoa", "demob")]
        self.nginx: subprocess.Popen[bytes] | None = None

    @property
    def redis_url(self) -> str:
        return self.redis.url

    @property
    def root(self) -> str:
        """The proxy: what clients use."""
        return f"http://127.0.0.1:{self.proxy_port}"

    def _start_nginx(self) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed: `make deploy-tools` installs Debian's (as root)")
        conf = self.directory / "nginx.conf"
        conf.write_text(render_nginx_conf([api.port for api in self.apis], self.proxy_port))
        directives = f"daemon off; pid {self.directory / 'nginx.pid'};"
        # Checked first, so a broken shipped config fails here with nginx's own message.
        subprocess.run(
            [
                binary,
                "-t",
                "-q",
                "-p",
                str(self.directory),
                "-c",
                str(conf),
                "-e",
                "stderr",
                "-g",
                directives,
            ],
            check=True,
            capture_output=True,
        )
        with (self.directory / "nginx.log").open("ab") as log:
            self.nginx = subprocess.Popen(
                [binary, "-p", str(self.directory), "-c", str(conf), "-e", "stderr", "-g", directives],
                stdout=log,
                stderr=log,
            )

        def proxied() -> bool:
            assert self.nginx is not None
            if self.nginx.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.directory / 'nginx.log').read_text()[-2000:]}")
            try:
                return httpx.get(f"{self.root}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(proxied, 20, f"nginx on port {self.proxy_port} reaches a replica")

    def start(self) -> Topology:
        try:
            self.redis.start()
            # All four at once: each spends seconds importing before it answers.
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda process: process.start(), [*self.apis, *self.executors]))
            self._start_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)  # nginx's graceful stop
            try:
                self.nginx.wait(10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
        for process in [*self.apis, *self.executors]:
            process.stop()
        self.redis.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Topology:
        return self.start()

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080, help="the proxy's port on 127.0.0.1")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with Topology(proxy_port=args.port) as topology:
        print(
            f"nginx on {topology.root} -> API replicas on ports {[api.port for api in topology.apis]}\n"
            f"executors {[e.executor_id for e in topology.executors]}, redis-server on {topology.redis_url} "
            f"(AOF in {topology.directory})\n"
            "Development mode (any bearer token is a user); sample agents registered. Try:\n"
            f"  agent-harness turn --base-url {topology.root} --token alice "
            "$(agent-harness sessions create --base-url "
            f"{topology.root} --token alice --agent slow-echo) "
            '"one two three"\n'
            "Ctrl-C stops everything.",
            flush=True,
        )
        stop.wait()


if __name__ == "__main__":
    main()
