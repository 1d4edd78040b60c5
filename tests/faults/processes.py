"""Private servers for the fault tests: a Redis, a PostgreSQL cluster, gunicorn, a worker.

A fault test stops and restarts *its own* Redis or PostgreSQL, never the shared services on
5432 and 6379 that other test runs use. Each class starts its process on a free port, in a
process group of its own, and stops exactly that process (by its pid) when the test ends.
"""

from __future__ import annotations

import contextlib
import glob
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout):
            return True
    except OSError:
        return False


def wait_until(condition, *, timeout: float, what: str, log=None, interval: float = 0.2):
    """Poll ``condition`` until it returns something truthy, or raise with ``log()``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    detail = f"\n{log()}" if log else ""
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}{detail}")


def _stop_group(proc: subprocess.Popen, *, timeout: float = 20) -> None:
    """SIGTERM the process group ``proc`` leads (started with start_new_session), then KILL."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


class LoggedProcess:
    """A subprocess whose output goes to a temporary log file."""

    name = "process"

    def __init__(self) -> None:
        fd, path = tempfile.mkstemp(prefix=f"fault-{self.name}-", suffix=".log")
        os.close(fd)
        self.log_path = Path(path)
        self.proc: subprocess.Popen | None = None

    def _spawn(self, cmd: list[str], *, env: Mapping[str, str] | None = None,
               cwd: Path = BASE_DIR) -> None:
        with self.log_path.open("a") as log:
            self.proc = subprocess.Popen(cmd, cwd=cwd, env=dict(env or os.environ),
                                         stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

    def log(self) -> str:
        return f"--- {self.name} log ---\n" + self.log_path.read_text(errors="replace")[-8000:]

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None:
            _stop_group(self.proc)

    def cleanup(self) -> None:
        self.stop()
        self.log_path.unlink(missing_ok=True)


class RedisServer(LoggedProcess):
    """``redis-server`` on a free port, without persistence (a stop loses what it held)."""

    name = "redis"

    def __init__(self) -> None:
        super().__init__()
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self._spawn(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--daemonize", "no"])
        wait_until(lambda: port_open(self.port) or not self.running, timeout=20,
                   what="redis-server to listen", log=self.log)
        assert self.running, self.log()

    def stop(self) -> None:
        super().stop()
        wait_until(lambda: not port_open(self.port), timeout=10, what="redis to stop")


def postgres_bin_dir() -> Path | None:
    """The newest PostgreSQL server binaries installed (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name)
                   if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresCluster(LoggedProcess):
    """A throw-away PostgreSQL cluster (initdb into a temporary folder) on a free port.

    PostgreSQL refuses to run as root: when the tests run as root, the cluster belongs to,
    and runs as, the ``postgres`` OS user. Authentication is ``trust`` on 127.0.0.1 only.
    """

    name = "postgres"

    def __init__(self, bin_dir: Path) -> None:
        super().__init__()
        self.bin_dir = bin_dir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="fault-pg-"))
        self.data = self.root / "data"
        self.run_as = "postgres" if os.geteuid() == 0 else None
        if self.run_as:
            user = pwd.getpwnam(self.run_as)
            os.chmod(self.root, 0o700)
            os.chown(self.root, user.pw_uid, user.pw_gid)
            os.chown(self.log_path, user.pw_uid, user.pw_gid)

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, cwd=self.root,
                              timeout=120)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.root}'\nmax_connections = 50\n"
                       "fsync = on\n")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-w", "-t", "60",
                  "start")

    def restart(self, mode: str = "fast") -> None:
        """``fast``: clean shutdown, connections terminated; ``immediate``: a crash (the
        server recovers from its write-ahead log on start)."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-w", "-t", "60",
                  "-m", mode, "restart")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-m", "fast", "stop",
                      check=False)

    def log(self) -> str:
        return "--- postgres log ---\n" + self.log_path.read_text(errors="replace")[-8000:]

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        self.log_path.unlink(missing_ok=True)


class Gunicorn(LoggedProcess):
    """The project's WSGI application under gunicorn, as docker-compose serves it."""

    name = "gunicorn"

    def __init__(self, env: Mapping[str, str], *, workers: int = 2) -> None:
        super().__init__()
        self.port = free_port()
        self.env = env
        self.workers = workers

    def start(self) -> None:
        self._spawn([GUNICORN, "academy.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                     "--workers", str(self.workers), "--timeout", "60",
                     "--graceful-timeout", "5", "--log-level", "warning"], env=self.env)
        wait_until(lambda: port_open(self.port) or not self.running, timeout=60,
                   what="gunicorn to listen", log=self.log)
        assert self.running, self.log()


class CeleryWorker(LoggedProcess):
    """``celery -A academy worker`` (solo pool) on the broker named in ``env``."""

    name = "celery-worker"

    def __init__(self, env: Mapping[str, str]) -> None:
        super().__init__()
        self.env = env

    def start(self) -> None:
        self._spawn([PYTHON, "-m", "celery", "-A", "academy", "worker", "--pool=solo",
                     "--loglevel=INFO", "--without-gossip", "--without-mingle",
                     "--hostname=fault-worker@%h"], env=self.env)


def celery_call(env: Mapping[str, str], task: str, **kwargs) -> str:
    """Send a task by name through the broker, as celery beat does; returns its id."""
    result = subprocess.run(
        [PYTHON, "-m", "celery", "-A", "academy", "call", task, "--kwargs", json.dumps(kwargs)],
        cwd=BASE_DIR, env=dict(env), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def wait_worker_drained(env: Mapping[str, str], *, timeout: float = 60, log=None) -> None:
    """Wait until the worker of ``env`` has done every task queued so far (and what those
    queued in turn), so that a duplicate delivery has been processed before a test counts.

    A solo worker takes its queue in order: once a heartbeat task sent now has written the
    heartbeat to the cache the worker shares, everything queued before it is done.
    """
    import redis
    from django.core.cache.backends.base import default_key_func

    from academy.health import HEARTBEAT_KEY

    client = redis.Redis.from_url(env["REDIS_URL"])
    key = default_key_func(HEARTBEAT_KEY, env["ACADEMY_TEST_CACHE_PREFIX"], 1)
    try:
        while True:
            client.delete(key)
            celery_call(env, "academy.tasks.worker_heartbeat")
            wait_until(lambda: client.exists(key), timeout=timeout, log=log,
                       what="the tasks queued before a heartbeat to be done")
            if client.llen(env["ACADEMY_TEST_CELERY_QUEUE"]) == 0:
                return
    finally:
        client.close()


class Browser:
    """A signed-in broker's browser as far as the server can tell: session cookie, CSRF
    cookie and header, JSON in and out. Plain ``http.client`` so that nothing is retried
    behind the test's back."""

    def __init__(self, port: int, *, session_key: str, csrf: str) -> None:
        self.port = port
        self.cookie = f"sessionid={session_key}; csrftoken={csrf}"
        self.csrf = csrf

    def request(self, method: str, path: str, body: object | None = None,
                timeout: float = 15) -> tuple[int, bytes]:
        headers = {"Cookie": self.cookie, "Accept": "application/json, text/html",
                   "Host": "127.0.0.1"}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        if method not in ("GET", "HEAD"):
            headers["X-CSRFToken"] = self.csrf
            headers["Referer"] = f"http://127.0.0.1:{self.port}/"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def json(self, method: str, path: str, body: object | None = None) -> tuple[int, dict]:
        status, raw = self.request(method, path, body)
        try:
            return status, json.loads(raw or b"{}")
        except ValueError:
            return status, {"raw": raw[:500].decode(errors="replace")}
