"""EduWorld served by gunicorn on this machine, for the API fuzz test.

The lab's hosts run the same command under systemd (Ansible role `app`); here it is a child
process of ours, with the same EDUWORLD_* environment.
"""

import os
import secrets
import subprocess
import sys
import urllib.request
from pathlib import Path

from lab.polling import wait_for

from .local_postgres import free_port

CODE = Path(__file__).resolve().parent.parent


class LocalApp:
    def __init__(self, postgres, folder, database=None, port=None, debug=False):
        self.folder = Path(folder)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.folder / "gunicorn.log"
        self.process = None
        key_file = self.folder / "secret_key"
        self.folder.mkdir(parents=True, exist_ok=True)
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(50))
            key_file.chmod(0o600)
        self.env = {
            **os.environ,
            **postgres.settings(database),
            "DJANGO_SETTINGS_MODULE": "eduworld.settings",
            "PYTHONPATH": str(CODE),
            "EDUWORLD_SECRET_KEY_FILE": str(key_file),
            "EDUWORLD_DEBUG": "1" if debug else "0",
            "EDUWORLD_HTTPS": "0",
            "EDUWORLD_HOST_NAME": "localhost",
            "EDUWORLD_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "EDUWORLD_MEDIA_ROOT": str(self.folder / "media"),
            "EDUWORLD_STATIC_ROOT": str(self.folder / "static"),
        }

    def manage(self, *args):
        subprocess.run([sys.executable, str(CODE / "manage.py"), *args], env=self.env,
                       check=True, cwd=CODE)

    def start(self, timeout=30):
        self.manage("migrate", "--no-input", "-v", "0")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "eduworld.wsgi", "--bind",
                 f"127.0.0.1:{self.port}", "--workers", "2", "--access-logfile", "-"],
                env=self.env, cwd=CODE, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.healthy, timeout, f"EduWorld on {self.url} (log: {self.log})")
        return self

    def healthy(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log}")
        with urllib.request.urlopen(f"{self.url}/api/health/", timeout=2) as response:
            return response.status == 200

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
