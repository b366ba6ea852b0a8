"""The real settings, with the per-host environment filled in for the fast tests."""

import os

os.environ.setdefault("EDUWORLD_SECRET_KEY", "fast-tests-only-not-a-secret")
os.environ.setdefault("EDUWORLD_HTTPS", "0")
os.environ.setdefault("EDUWORLD_HOST_NAME", "testhost")
os.environ.setdefault("EDUWORLD_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from eduworld.settings import *  # noqa: E402,F403

# Signing in is part of almost every test: a fast hash keeps the tier fast. Tests only.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
