"""Real Redis deployments for the tests, started from the `redis-server` binary and stopped by PID.

- `ClusterDeployment`: six nodes (3 primaries, 3 replicas) made by `redis-cli --cluster create`, with a
  one-second `cluster-node-timeout`, so a killed primary's replica takes over in about two seconds.
- `SentinelDeployment`: a primary, a replica and three sentinels (`down-after-milliseconds` 1000), so
  a killed primary is replaced in about two seconds too.
- `StandaloneDeployment`: the shared test Redis (or one of the tests' own), as before.

Each has the URL a server is configured with, `flush()` (FLUSHALL on every primary, between tests),
`client()` (a synchronous client for the test's own reads) and, for the failover tests,
`kill_primary()` / `wait_promoted()` / `heal()`. Ports are free loopback ports <= 55535, so a cluster
node's bus port (port + 10000) is one too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

from server.store.deployments import Mode
from testkit.processes import free_ports, wait_until
from testkit.redis_clients import sync_client
from testkit.redis_server import machine_binary

SERVICE = "harness"
NODE_TIMEOUT_MS = 1000
# Polling a whole deployment (CLUSTER INFO on every node) is not free: no faster than this.
_POLL_SECONDS = 0.05


def _wait_until(condition: Callable[[], object], timeout: float, message: str) -> None:
    wait_until(condition, timeout, message, interval=_POLL_SECONDS)


def certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a certificate (and key) it signed for 127.0.0.1, made with the machine's openssl."""
    directory.mkdir(parents=True)
    ca, ca_key = directory / "ca.crt", directory / "ca.key"
    cert, key, request = directory / "node.crt", directory / "node.key", directory / "node.csr"
    extensions = directory / "san.ext"
    extensions.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    quiet: dict[str, Any] = {"check": True, "capture_output": True, "timeout": 60}
    openssl = shutil.which("openssl") or "openssl"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=test-ca",
            "-keyout",
            str(ca_key),
            "-out",
            str(ca),
        ],
        **quiet,
    )
    subprocess.run(
        [
            openssl,
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(request),
        ],
        **quiet,
    )
    subprocess.run(
        [
            openssl,
            "x509",
            "-req",
            "-in",
            str(request),
            "-CA",
            str(ca),
            "-CAkey",
            str(ca_key),
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            str(extensions),
            "-out",
            str(cert),
        ],
        **quiet,
    )
    return ca, cert, key


class Node:
    """One redis-server (or sentinel) process of a deployment, on its own port and directory."""

    def __init__(
        self,
        port: int,
        directory: Path,
        args: list[str],
        *,
        config: str | None = None,
        auth: dict[str, Any] | None = None,
        tls: list[str] | None = None,
    ) -> None:
        self.port = port
        self.tls = tls
        """A TLS node's redis-server arguments (certificates): it listens on `port` with TLS only."""
        self.auth = auth or {}
        """username / password the test's own clients log in with."""
        self.directory = directory
        self.args = args
        self.config = config
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *extra: str) -> None:
        """Start the process (`extra`: arguments for this start only, after the node's own)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [machine_binary()]
        if self.config is not None:
            # Sentinels rewrite their config file, so each gets a fresh copy on first start only.
            path = self.directory / "sentinel.conf"
            if not path.exists():
                path.write_text(self.config)
            command += [str(path), "--sentinel"]
        listen = (
            ["--port", "0", "--tls-port", str(self.port), *self.tls]
            if self.tls
            else ["--port", str(self.port)]
        )
        command += [*listen, "--bind", "127.0.0.1", "--dir", str(self.directory), *self.args, *extra]
        log = (self.directory / "log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=log)
        log.close()
        _wait_until(self.answers, 10, f"redis node {self.port} answers")

    def client(self, **kwargs: Any) -> redis.Redis:
        kwargs = {**self.auth, **kwargs}
        return redis.Redis(
            port=self.port, socket_timeout=2, socket_connect_timeout=1, decode_responses=True, **kwargs
        )

    def answers(self) -> bool:
        try:
            with self.client() as probe:
                return bool(probe.ping())
        except redis.RedisError:
            return False

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a machine that vanishes."""
        if self.alive:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.alive:
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


# No waiting for more replicas before a full sync (Redis 7 waits 5 s by default): a restarted node
# is back in sync at once.
_DATA_NODE = ["--save", "", "--appendonly", "no", "--loglevel", "warning", "--repl-diskless-sync-delay", "0"]


def _acl(user: str | None, password: str | None) -> list[str]:
    """A data node that admits only `user` (the default user switched off), replicating as it."""
    if password is None:
        return []
    assert user is not None
    return [
        *("--user", "default", "off"),
        *("--user", user, "on", f">{password}", "~*", "&*", "+@all"),
        *("--masteruser", user, "--masterauth", password),
    ]


class Launched:
    """What every deployment offers a test; see the module docstring."""

    mode: Mode
    url: str

    def __init__(self, user: str | None = None, password: str | None = None, *, tls: bool = False) -> None:
        """`user` / `password`: an ACL user the data nodes admit (and nobody else); in the URL.
        `tls`: every node speaks TLS only, with certificates of a CA made for the deployment."""
        self.directory = Path(tempfile.mkdtemp(prefix=f"agent-harness-{type(self).__name__.lower()}-"))
        self.nodes: list[Node] = []
        self.user, self.password = user, password
        self.auth: dict[str, Any] = {"username": user, "password": password} if password is not None else {}
        self.userinfo = f"{user}:{password}@" if password is not None else ""
        self.tls_args: list[str] | None = None
        self.tls_client: dict[str, Any] = {}
        self.query = ""
        if tls:
            ca, cert, key = certificates(self.directory / "tls")
            self.tls_args = [
                *("--tls-cert-file", str(cert), "--tls-key-file", str(key), "--tls-ca-cert-file", str(ca)),
                *("--tls-auth-clients", "no", "--tls-replication", "yes"),
            ]
            self.tls_client = {"ssl": True, "ssl_ca_certs": str(ca)}
            self.auth = {**self.auth, **self.tls_client}
            self.query = f"?ssl_ca_certs={ca}"

    def client(self) -> Any:
        return sync_client(self.url)

    def primaries(self) -> list[Node]:
        raise NotImplementedError

    def _replicas_in_sync(self) -> bool:
        """Every live node that is not a primary has finished its sync: promoting one that has not
        would lose the data (a restarted node comes back empty, as these keep nothing on disk)."""
        primaries = {node.port for node in self.primaries()}
        for node in self.nodes:
            if node.config is not None or not node.alive or node.port in primaries:
                continue
            try:
                with node.client() as client:
                    info = client.info("replication")
            except redis.RedisError:
                return False
            if info.get("role") != "slave" or info.get("master_link_status") != "up":
                return False
            if info.get("master_sync_in_progress"):
                return False
        return True

    def flush(self) -> None:
        for node in self.primaries():
            with node.client() as client:
                client.flushall()

    def stop(self) -> None:
        # SIGTERM to all first, then wait: the nodes shut down together, not one after another.
        for node in self.nodes:
            if node.alive:
                assert node.process is not None
                node.process.terminate()
        for node in self.nodes:
            node.stop()
        if not os.environ.get("AGENT_HARNESS_KEEP_DEPLOYMENTS"):  # set it to read the nodes' logs after
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Launched:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        raise NotImplementedError


class StandaloneDeployment(Launched):
    mode = Mode.STANDALONE

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def flush(self) -> None:
        with redis.Redis.from_url(self.url) as client:
            client.flushdb()

    def start(self) -> None:
        pass


class ClusterDeployment(Launched):
    mode = Mode.CLUSTER

    def start(self) -> None:
        ports = free_ports(6, with_bus=True)
        args = [
            *_DATA_NODE,
            *("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"),
            *("--cluster-node-timeout", str(NODE_TIMEOUT_MS)),
            # A replica whose link broke a moment ago may still take over (the default factor of 10
            # would refuse after ten node timeouts).
            *("--cluster-replica-validity-factor", "0"),
            *_acl(self.user, self.password),
            *(("--tls-cluster", "yes") if self.tls_args else ()),
        ]
        self.nodes = [
            Node(port, self.directory / str(port), args, auth=self.auth, tls=self.tls_args) for port in ports
        ]
        for node in self.nodes:
            node.start()
        subprocess.run(
            [
                shutil.which("redis-cli") or "redis-cli",
                "--cluster",
                "create",
                *(f"127.0.0.1:{port}" for port in ports),
                "--cluster-replicas",
                "1",
                "--cluster-yes",
                *(("--user", self.user or "", "--pass", self.password) if self.password else ()),
                *(("--tls", "--cacert", str(self.auth["ssl_ca_certs"])) if self.tls_args else ()),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        scheme = "rediss+cluster" if self.tls_args else "redis+cluster"
        hosts = ",".join(f"127.0.0.1:{port}" for port in ports[:3])
        self.url = f"{scheme}://{self.userinfo}{hosts}{self.query}"
        _wait_until(self._healthy, 30, "the cluster is ok on every node, each primary with a replica")

    def _healthy(self) -> bool:
        for node in self.nodes:
            if not node.alive:
                continue
            try:
                with node.client() as client:
                    if client.cluster("info")["cluster_state"] != "ok":
                        return False
            except redis.RedisError:
                return False
        return len(self.primaries()) == 3

    def _roles(self) -> dict[int, str]:
        roles: dict[int, str] = {}
        for node in self.nodes:
            if node.alive:
                with contextlib.suppress(redis.RedisError), node.client() as client:
                    roles[node.port] = str(client.execute_command("ROLE")[0])
        return roles

    def primaries(self) -> list[Node]:
        roles = self._roles()
        return [node for node in self.nodes if roles.get(node.port) == "master"]

    def primary_for(self, key: str) -> Node:
        with self.client() as client:
            port = client.get_node_from_key(key).port
        return next(node for node in self.nodes if node.port == port)

    def kill_primary(self, key: str) -> Node:
        """SIGKILL the primary that owns `key`'s slot; its replica is promoted about two seconds later."""
        node = self.primary_for(key)
        node.kill()
        return node

    def wait_promoted(self, timeout: float = 15) -> None:
        _wait_until(self._healthy, timeout, "a replica took over and the cluster is ok again")

    def heal(self) -> None:
        """Restart every killed node (it rejoins as a replica) and wait until each primary has one."""
        for node in self.nodes:
            if not node.alive:
                node.start()

        def replicated() -> bool:
            roles = self._roles()
            if len(roles) != 6 or list(roles.values()).count("master") != 3 or not self._healthy():
                return False
            return self._replicas_in_sync()

        _wait_until(replicated, 30, "every node is back, three primaries each with a replica in sync")


class SentinelDeployment(Launched):
    mode = Mode.SENTINEL

    def __init__(
        self,
        user: str | None = None,
        password: str | None = None,
        sentinel_password: str | None = None,
        *,
        tls: bool = False,
    ) -> None:
        """`sentinel_password`: the sentinels' own `requirepass` (and how they log in to each other)."""
        super().__init__(user, password, tls=tls)
        self.sentinel_password = sentinel_password

    def start(self) -> None:
        primary, replica, *sentinels = free_ports(5)
        acl = _acl(self.user, self.password)
        auth = [f"sentinel auth-user {SERVICE} {self.user}", f"sentinel auth-pass {SERVICE} {self.password}"]
        own = [f"requirepass {self.sentinel_password}", f"sentinel sentinel-pass {self.sentinel_password}"]
        self.nodes = [
            Node(primary, self.directory / "primary", [*_DATA_NODE, *acl], auth=self.auth, tls=self.tls_args),
            Node(
                replica,
                self.directory / "replica",
                [*_DATA_NODE, *acl, "--replicaof", "127.0.0.1", str(primary)],
                auth=self.auth,
                tls=self.tls_args,
            ),
        ]
        config = "\n".join(
            [
                f"sentinel monitor {SERVICE} 127.0.0.1 {primary} 2",
                f"sentinel down-after-milliseconds {SERVICE} {NODE_TIMEOUT_MS}",
                f"sentinel failover-timeout {SERVICE} 5000",
                f"sentinel parallel-syncs {SERVICE} 1",
                *(auth if self.password is not None else []),
                *(own if self.sentinel_password is not None else []),
                "",
            ]
        )
        self.sentinels = [
            Node(
                port,
                self.directory / f"sentinel-{port}",
                [],
                config=config,
                auth={"password": self.sentinel_password, **self.tls_client}
                if self.sentinel_password
                else self.tls_client,
                tls=self.tls_args,
            )
            for port in sentinels
        ]
        self.nodes += self.sentinels
        for node in self.nodes:
            node.start()
        options = [f"sentinel_password={self.sentinel_password}"] if self.sentinel_password else []
        options += [self.query.lstrip("?")] if self.query else []
        query = "?" + "&".join(options) if options else ""
        hosts = ",".join(f"127.0.0.1:{port}" for port in sentinels)
        scheme = "rediss+sentinel" if self.tls_args else "redis+sentinel"
        self.url = f"{scheme}://{self.userinfo}{hosts}/{SERVICE}{query}"
        _wait_until(
            self._healthy, 30, "every sentinel knows the primary, its replica and the other sentinels"
        )

    def _primary_port(self) -> int | None:
        for sentinel in self.sentinels:
            if sentinel.alive:
                with contextlib.suppress(redis.RedisError), sentinel.client() as client:
                    found = client.sentinel_get_master_addr_by_name(SERVICE)
                    if found:
                        return int(found[1])
        return None

    def _healthy(self) -> bool:
        try:
            for sentinel in self.sentinels:
                with sentinel.client() as client:
                    state = client.sentinel_master(SERVICE)
                    if state["num-slaves"] < 1 or state["num-other-sentinels"] < 2 or not state["is_master"]:
                        return False
                    if state["is_sdown"] or state["is_odown"]:
                        return False
        except redis.RedisError:
            return False
        primary = self._primary_port()
        return any(node.port == primary and node.answers() for node in self.nodes[:2])

    def primaries(self) -> list[Node]:
        port = self._primary_port()
        return [node for node in self.nodes[:2] if node.port == port and node.alive]

    def kill_primary(self, key: str = "") -> Node:
        node = self.primaries()[0]
        node.kill()
        return node

    def wait_promoted(self, timeout: float = 15) -> None:
        killed = [node.port for node in self.nodes[:2] if not node.alive]

        def promoted() -> bool:
            port = self._primary_port()
            if port is None or port in killed:
                return False
            with (
                contextlib.suppress(redis.RedisError),
                self.nodes[0 if self.nodes[0].port == port else 1].client() as c,
            ):
                return str(c.execute_command("ROLE")[0]) == "master"
            return False

        _wait_until(promoted, timeout, "the sentinels promoted the replica")

    def heal(self) -> None:
        """Restart the killed data node as a replica of the new primary (left to the sentinels, a node
        that comes back as a primary is converted only after 8 s of it saying so)."""
        primary = self._primary_port()
        assert primary is not None
        for node in self.nodes:
            if not node.alive:
                node.start("--replicaof", "127.0.0.1", str(primary))
        _wait_until(
            lambda: self._healthy() and self._replicas_in_sync() and self._sentinels_see_replica(),
            30,
            "the old primary is back as a replica in sync, and every sentinel knows it",
        )

    def _sentinels_see_replica(self) -> bool:
        """Each sentinel lists a replica that is up (not the dead node it remembers)."""
        try:
            for sentinel in self.sentinels:
                with sentinel.client() as client:
                    replicas = client.sentinel_slaves(SERVICE)
                    if not any(not r["is_sdown"] and r.get("master-link-status") == "ok" for r in replicas):
                        return False
        except redis.RedisError:
            return False
        return True


def launch(mode: Mode, standalone_url: str) -> Launched:
    if mode is Mode.CLUSTER:
        return ClusterDeployment().__enter__()
    if mode is Mode.SENTINEL:
        return SentinelDeployment().__enter__()
    return StandaloneDeployment(standalone_url).__enter__()


FULL_MATRIX = os.environ.get("AGENT_HARNESS_TEST_DEPLOYMENTS", "") == "all"
"""`make test-cluster` sets it: every module that runs across deployments runs in all three."""
