"""`make demo` (until the lab takes it over): EduWorld on this machine with the demo data.

PostgreSQL keeps its data under .state/demo/, so a second run starts where the first ended.
"""

import signal
from pathlib import Path

from eduworld.core import demo_data

from .local_app import LocalApp
from .local_postgres import LocalPostgres

STATE = Path(__file__).resolve().parents[2] / ".state" / "demo"
DB_PORT = 15432
APP_PORT = 8000


def main():
    print("==> PostgreSQL 15 (data in .state/demo/postgres)", flush=True)
    postgres = LocalPostgres(STATE / "postgres", port=DB_PORT).start()
    app = LocalApp(postgres, STATE / "app", port=APP_PORT, debug=True)
    try:
        print("==> migrate, then EduWorld under gunicorn", flush=True)
        app.start()
        app.manage("load_demo")
        print(f"""
EduWorld is running.
  API health   {app.url}/api/health/
  API schema   {app.url}/api/schema/
  Sign in      POST {app.url}/api/auth/login/
               email {demo_data.TEACHER_EMAIL}   password {demo_data.TEACHER_PASSWORD}
  Log          {app.log}
Try:  curl -s {app.url}/api/health/
Ctrl-C stops it.""", flush=True)
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        print("\n==> stopping", flush=True)
        app.stop()
        postgres.stop()


def interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, interrupt)
    main()
