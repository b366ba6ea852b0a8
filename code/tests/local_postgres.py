"""A real PostgreSQL cluster of our own on this machine: for the fast tests.

Debian's default PostgreSQL (15 on Debian 12, 17 on Debian 13: found at run time), a data
folder of our own, and no TCP at all: clients connect through a Unix socket in that folder,
which only its owner can enter, so no other user of the machine can reach the cluster's
passwordless accounts. As root the server runs as the `postgres` user (initdb refuses root).
"""

import os
import pwd
import shutil
import socket
import subprocess
from pathlib import Path

from lab.config import private_folder

# Debian installs each major version side by side under this folder.
DEBIAN_POSTGRESQL = Path("/usr/lib/postgresql")


def bin_folder():
    """The newest PostgreSQL this machine has: Debian's default, as `make setup` installs it."""
    found = sorted((p for p in DEBIAN_POSTGRESQL.glob("*/bin/initdb")),
                   key=lambda p: int(p.parts[-3]))
    if not found:
        raise SystemExit(f"no PostgreSQL under {DEBIAN_POSTGRESQL}: run `make setup` "
                         "(installs Debian's postgresql).")
    return found[-1].parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalPostgres:
    def __init__(self, folder, port=None, user="eduworld", database="eduworld"):
        self.bin = bin_folder()
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.port = port or free_port()
        self.user = user
        self.database = database

    def settings(self, database=None):
        """The EDUWORLD_DB_* environment that points Django at this cluster."""
        return {"EDUWORLD_DB_HOST": str(self.folder), "EDUWORLD_DB_PORT": str(self.port),
                "EDUWORLD_DB_NAME": database or self.database, "EDUWORLD_DB_USER": self.user,
                "EDUWORLD_DB_PASSWORD": ""}

    def start(self, timeout=30):
        private_folder(self.folder)
        self._own(self.folder)
        if not (self.data / "PG_VERSION").exists():
            self._run(self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                      "--encoding=UTF8", "--locale=C.UTF-8")
        self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", str(timeout),
                  "-o", f"-p {self.port} -c listen_addresses='' "
                        f"-c unix_socket_directories={self.folder} -c fsync=off "
                        "-c full_page_writes=off -c synchronous_commit=off", "start")
        self.sql(f"DO $$ BEGIN CREATE ROLE {self.user} LOGIN CREATEDB; "
                 "EXCEPTION WHEN duplicate_object THEN NULL; END $$;")
        self.create_database(self.database)
        return self

    def create_database(self, name):
        if not self.sql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip():
            self.sql(f"CREATE DATABASE {name} OWNER {self.user}")

    def stop(self):
        if (self.data / "postmaster.pid").exists():
            self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def remove(self):
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def sql(self, statement, database="postgres"):
        return self._run(self.bin / "psql", "-h", self.folder, "-p", str(self.port),
                         "-U", "postgres", "-d", database, "-X", "-q", "-A", "-t",
                         "-v", "ON_ERROR_STOP=1", "-c", statement)

    def _own(self, path):
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(path, account.pw_uid, account.pw_gid)

    def _run(self, *args):
        command = [str(a) for a in args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd="/")
        if result.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else "(no log)"
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n"
                               f"{result.stderr}\n--- {self.log} ---\n{log}")
        return result.stdout

