"""Production settings pass Django's deployment checklist with no warnings at all."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

CODE = Path(__file__).resolve().parents[1]


def check_deploy(tmp_path, **overrides):
    key = tmp_path / "secret_key"
    key.write_text(secrets.token_urlsafe(50))
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDUWORLD_")}
    env.update(DJANGO_SETTINGS_MODULE="eduworld.settings", EDUWORLD_SECRET_KEY_FILE=str(key),
               EDUWORLD_ALLOWED_HOSTS="host1.eduworld.example", **overrides)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy",
                           "--fail-level", "WARNING"], cwd=CODE, env=env,
                          capture_output=True, text=True)


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_check_does_fail_when_a_production_setting_is_off(tmp_path):
    # Proves the test above can fail: plain HTTP is what the lab uses, not production.
    result = check_deploy(tmp_path, EDUWORLD_HTTPS="0")
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stdout + result.stderr


def test_without_a_secret_key_it_refuses_to_start_and_says_why(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDUWORLD_")}
    env["DJANGO_SETTINGS_MODULE"] = "eduworld.settings"
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=CODE, env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "EDUWORLD_SECRET_KEY is not set" in result.stderr
