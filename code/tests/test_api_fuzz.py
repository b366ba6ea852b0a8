"""schemathesis against the OpenAPI schema of a running EduWorld: no input makes it fail with 5xx.

It runs the real thing: gunicorn, the production settings, a database of its own on the test
session's PostgreSQL, signed in as a teacher with CSRF, as a browser would be.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from .local_app import LocalApp

pytestmark = pytest.mark.fuzz
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "60")


@pytest.fixture(scope="module")
def running_app(postgres, tmp_path_factory):
    postgres.create_database("eduworld_fuzz")
    app = LocalApp(postgres, tmp_path_factory.mktemp("fuzz-app"), database="eduworld_fuzz")
    app.start()
    app.manage("load_demo")
    yield app
    app.stop()


def signed_in_headers(url):
    session = requests.Session()
    session.get(f"{url}/api/auth/login/", timeout=5)
    token = session.cookies["csrftoken"]
    response = session.post(f"{url}/api/auth/login/", headers={"X-CSRFToken": token},
                            json={"email": "teacher@eduworld.test", "password": "eduworld-demo"},
                            timeout=5)
    response.raise_for_status()
    cookies = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    return {"Cookie": cookies, "X-CSRFToken": session.cookies["csrftoken"],
            "Referer": f"{url}/"}


def test_no_generated_request_makes_the_api_fail_with_5xx(running_app):
    headers = signed_in_headers(running_app.url)
    command = [str(Path(sys.executable).parent / "st"), "run", f"{running_app.url}/api/schema/",
               "--checks", "not_a_server_error", "--max-examples", MAX_EXAMPLES,
               # The coverage phase trips a hypothesis bug on Debian's Python 3.11.2
               # ("AST constructor recursion depth mismatch"): examples and fuzzing only.
               "--phases", "examples,fuzzing", "--seed", "2016", "--workers", "2",
               "--request-timeout", "10", "--no-color", "--warnings", "off",
               "--generation-database", "none"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    print(result.stdout[-3000:])
    found = re.search(r"(\d+) generated", result.stdout)
    cases = int(found.group(1)) if found else 0
    print(f"schemathesis: {cases} test cases")
    assert result.returncode == 0, (f"schemathesis found failures (app log: {running_app.log})"
                                    f":\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    assert cases > 100, f"only {cases} cases ran: the schema or the sign-in is broken"

