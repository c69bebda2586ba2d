"""Real servers for the grading tests: a throwaway PostgreSQL cluster and a Dask cluster.

PostgreSQL is Debian's (initdb and pg_ctl from /usr/lib/postgresql/*/bin, the
`postgresql` package the Makefile installs), run as the `postgres` user when
the tests run as root; the Dask scheduler and workers are started with Dask's
own commands (`dask scheduler`, `dask worker`) in empty working folders. Both
listen on random free ports of 127.0.0.1 only and are always stopped.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

BIN = Path(sys.executable).parent
PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"{what} did not happen within {seconds} s")


# ---------------------------------------------------------------- PostgreSQL

@contextmanager
def postgres_server() -> Iterator[str]:
    """A fresh PostgreSQL cluster with an empty database; yields its URL (no password, loopback)."""
    import psycopg

    bin_dir = PG_BINS[-1].parent
    folder = Path(tempfile.mkdtemp(prefix="tito-pg-"))
    as_user: dict = {}
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        import pwd

        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = {"user": owner.pw_uid, "group": owner.pw_gid}
    data, sockets, log = folder / "data", folder / "sockets", folder / "server.log"
    started = False
    try:
        subprocess.run([bin_dir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync",
                        "-E", "UTF8", "--no-instructions"], check=True, capture_output=True, cwd=folder, **as_user)
        subprocess.run(["mkdir", sockets], check=True, **as_user)
        for _ in range(3):  # the free port may be taken before the server binds it
            port = free_port()
            options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sockets} "
                       "-c fsync=off -c max_connections=50")
            proc = subprocess.run([bin_dir / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "-o", options,
                                   "start"], capture_output=True, cwd=folder, **as_user)
            if proc.returncode == 0:
                started = True
                break
        assert started, f"PostgreSQL did not start:\n{log.read_text() if log.exists() else proc.stderr}"
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE gradebook")
        yield f"postgresql://postgres@127.0.0.1:{port}/gradebook"
    finally:
        if started:
            subprocess.run([bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                           capture_output=True, cwd=folder, **as_user)
        shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- Dask

@dataclass
class DaskCluster:
    scheduler_file: Path
    address: str
    workers: subprocess.Popen

    def client(self):
        from distributed import Client

        return Client(scheduler_file=str(self.scheduler_file), timeout="20s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextmanager
def dask_cluster(nworkers: int = 2) -> Iterator[DaskCluster]:
    """`dask scheduler` and `dask worker --nworkers N --nthreads 1`, each in an empty folder."""
    folder = Path(tempfile.mkdtemp(prefix="tito-dask-"))
    scheduler_file = folder / "scheduler.json"
    (folder / "scheduler").mkdir()
    (folder / "workers").mkdir()
    procs = []
    try:
        procs.append(subprocess.Popen(
            [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", scheduler_file],
            cwd=folder / "scheduler", stdout=open(folder / "scheduler.log", "wb"), stderr=subprocess.STDOUT,
            start_new_session=True))
        wait_for(lambda: scheduler_file.exists() and scheduler_file.stat().st_size > 0, 60, "dask scheduler start")
        procs.append(subprocess.Popen(
            [BIN / "dask", "worker", "--scheduler-file", scheduler_file, "--nworkers", str(nworkers),
             "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"],
            cwd=folder / "workers", stdout=open(folder / "workers.log", "wb"), stderr=subprocess.STDOUT,
            start_new_session=True))
        cluster = DaskCluster(scheduler_file, "", procs[1])
        with cluster.client() as client:
            client.wait_for_workers(nworkers, timeout=120)
            cluster.address = client.scheduler.address
        yield cluster
    finally:
        for proc in reversed(procs):
            _stop(proc)
        shutil.rmtree(folder, ignore_errors=True)
