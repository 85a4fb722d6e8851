"""The whole deployment of deploy/ on one machine, on loopback ports (issue 22).

    python scripts/cluster.py            # make cluster: start, print the address, stop on Ctrl-C
    python scripts/cluster.py --nodes 3 --workers 2

nginx (Debian's) in front of N gunicorn nodes, PgBouncer (Debian's) in transaction pooling in
front of DATABASE_URL's PostgreSQL, REDIS_URL's Redis, M Celery workers and exactly one beat:
the same configuration files as production (deploy/nginx.conf.tmpl, deploy/pgbouncer.ini.tmpl),
rendered for free loopback ports, and the production settings with README's variables. The data
is a scratch database `clinic_cluster` with the demo data (seed_demo), dropped at the end; the run
directory is .data/cluster/. Every process it started is stopped, by process group, whatever
happens. scripts/load_test.py uses the same class.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import deploy_check as deploy

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DATABASE = "clinic_cluster"
REDIS_DB = os.environ.get("CLUSTER_REDIS_DB", "13")


def say(message: str) -> None:
    print(f"[cluster] {message}", flush=True)


def _render(template: str, values: dict[str, str]) -> str:
    text = string.Template((ROOT / "deploy" / template).read_text()).safe_substitute(values)
    missing = [line for line in text.splitlines() if "${" in line and not line.lstrip().startswith(("#", ";"))]
    if missing:
        raise RuntimeError(f"{template}: unfilled values in {missing}")
    return text


def _wait_port(port: int, proc: subprocess.Popen, name: str, seconds: float = 30) -> None:
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on {port} in {seconds:.0f} s")


class Cluster:
    def __init__(self, *, nodes: int = 2, workers: int = 2, gunicorn_workers: int = 2, extra_env=None):
        self.nodes, self.workers, self.gunicorn_workers = nodes, workers, gunicorn_workers
        self.run = ROOT / ".data" / "cluster"
        self.procs: dict[str, subprocess.Popen] = {}
        self.database_url, self.redis_url = deploy.targets(DATABASE, REDIS_DB)
        self.pg = urlsplit(self.database_url)
        self.bouncer_port = deploy.free_port()
        self.node_ports = [deploy.free_port() for _ in range(nodes)]
        self.port = deploy.free_port()  # nginx
        pooled = self.pg._replace(netloc=f"{self.pg.username or 'postgres'}@127.0.0.1:{self.bouncer_port}")
        self.env = deploy.environment(self.database_url, self.redis_url, self.run)
        self.env.update(extra_env or {})
        self.direct_env = dict(self.env)  # migrations and data set-up go straight to PostgreSQL
        self.env.update({"DATABASE_URL": urlunsplit(pooled), "DATABASE_POOLED": "1"})

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    # --- starting -------------------------------------------------------------------------------

    def start(self) -> Cluster:
        for tool in ("nginx", "pgbouncer"):
            if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
                raise RuntimeError(f"{tool} is not installed: apt-get install -y nginx pgbouncer")
        shutil.rmtree(self.run, ignore_errors=True)
        self.run.mkdir(parents=True)
        deploy.reset(self.database_url, self.redis_url)
        deploy.DEADLINE = time.monotonic() + 600  # deploy_check's steps bound themselves by its deadline
        deploy.prepare(self.direct_env, self.run, timeout=180)
        self._start_pgbouncer()
        for n, port in enumerate(self.node_ports, 1):
            self._start_node(n, port)
        celery = [PY, "-m", "celery", "-A", "clinic"]
        for n in range(1, self.workers + 1):
            self._spawn(
                f"worker{n}", [*celery, "worker", "--concurrency", "2", "-n", f"worker{n}@cluster", "-l", "INFO"]
            )
        self._spawn("beat", [*celery, "beat", "--schedule", str(self.run / "celerybeat-schedule")])
        self._start_nginx()
        self._wait_ready()
        return self

    def _spawn(self, name: str, command: list[str], env=None) -> subprocess.Popen:
        out = (self.run / f"{name}.log").open("w")
        proc = subprocess.Popen(
            command, cwd=self.run, env=env or self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def _start_pgbouncer(self) -> None:
        home = self.run / "pgbouncer"
        home.mkdir()
        user = self.pg.username or "postgres"
        (home / "userlist.txt").write_text(f'"{user}" "{self.pg.password or ""}"\n')
        ini = _render(
            "pgbouncer.ini.tmpl",
            {
                "DATABASE": DATABASE,
                "PG_HOST": self.pg.hostname or "127.0.0.1",
                "PG_PORT": str(self.pg.port or 5432),
                "PG_USER": user,
                "LISTEN_PORT": str(self.bouncer_port),
                "AUTH_TYPE": "trust" if not self.pg.password else "plain",
                "RUN_DIR": str(home),
            },
        )
        (home / "pgbouncer.ini").write_text(ini)
        command = ["pgbouncer", str(home / "pgbouncer.ini")]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root: it drops to postgres
            owner = pwd.getpwnam("postgres")
            os.chown(home, owner.pw_uid, owner.pw_gid)
            for item in home.iterdir():
                os.chown(item, owner.pw_uid, owner.pw_gid)
            command = ["pgbouncer", "-u", "postgres", str(home / "pgbouncer.ini")]
        proc = self._spawn("pgbouncer", command)
        _wait_port(self.bouncer_port, proc, "pgbouncer")
        say(f"PgBouncer on 127.0.0.1:{self.bouncer_port} (transaction pooling) -> {self.pg.hostname}:{self.pg.port}")

    def _start_node(self, n: int, port: int) -> None:
        command = [PY, "-m", "gunicorn", "clinic.wsgi", "--workers", str(self.gunicorn_workers)]
        command += ["--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5"]
        self._spawn(f"web{n}", command)

    def _start_nginx(self) -> None:
        home = self.run / "nginx"
        home.mkdir()
        nodes = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in self.node_ports)
        conf = _render(
            "nginx.conf.tmpl",
            {
                "WEB_NODES": nodes,
                "LISTEN": f"127.0.0.1:{self.port} ssl",
                "CERTIFICATE": str(self._certificate(home)),
                "STATIC_ROOT": str(self.run / "staticfiles"),
                "RUN_DIR": str(home),
            },
        )
        if os.geteuid() == 0:
            conf = "user root;\n" + conf  # the workers read the run directory, which only root may
        (home / "nginx.conf").write_text(conf)
        proc = self._spawn("nginx", ["nginx", "-c", str(home / "nginx.conf"), "-p", str(home), "-g", "daemon off;"])
        _wait_port(self.port, proc, "nginx")

    @staticmethod
    def _certificate(home: Path) -> Path:
        """A self-signed certificate for 127.0.0.1: nginx terminates TLS here as in production (the
        session and CSRF cookies are Secure, so a client over plain HTTP would not send them back)."""
        base = home / "tls"
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                f"{base}.key",
                "-out",
                f"{base}.crt",
            ],
            check=True,
            capture_output=True,
        )
        return base

    def _wait_ready(self, seconds: float = 60) -> None:
        until = time.monotonic() + seconds
        pending = dict(zip([f"web{n}" for n in range(1, self.nodes + 1)], self.node_ports, strict=True))
        while pending and time.monotonic() < until:
            for name, port in list(pending.items()):
                if self.procs[name].poll() is not None:
                    raise RuntimeError(f"{name} exited with code {self.procs[name].returncode}")
                if self.ready(port):
                    pending.pop(name)
            time.sleep(0.2)
        if pending:
            raise RuntimeError(f"not ready in {seconds:.0f} s: {', '.join(pending)}")
        say(f"nginx on {self.url} -> {len(self.node_ports)} gunicorn nodes {self.node_ports}")
        say(f"{self.workers} Celery workers, one beat; logs in {self.run}")

    @staticmethod
    def ready(port: int) -> bool:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/readyz", headers={"Host": "127.0.0.1"})
        try:
            with urllib.request.urlopen(request, timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    # --- faults and stopping -------------------------------------------------------------------

    def kill_node(self, n: int) -> None:
        """SIGKILL one gunicorn node, master and workers at once, as a machine that dies would."""
        proc = self.procs[f"web{n}"]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for name, proc in self.procs.items():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop on SIGTERM: killed")
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        deploy.drop(self.database_url, self.redis_url)
        say("stopped; scratch database dropped")

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with Cluster(nodes=args.nodes, workers=args.workers) as cluster:
        say(f"ready: {cluster.url} (demo logins, password {deploy.PASSWORD}); Ctrl-C stops everything")
        try:
            signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
            while all(p.poll() is None for p in cluster.procs.values()):
                time.sleep(1)
            say("a process exited: " + ", ".join(n for n, p in cluster.procs.items() if p.poll() is not None))
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
