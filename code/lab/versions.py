"""What the hosts really run, read from a running host: the book quotes these, never a typed
number. `make bench-versions` saves them to bench/results/versions.json; a lab test checks that file
against the hosts, so the book cannot drift from them.
"""

import re

from . import config, hosts

APP_PYTHON = "/opt/eduworld/venv/bin/python"


def first_match(pattern, text):
    found = re.search(pattern, text)
    return found.group(1) if found else None


def package_version(host, package):
    result = hosts.console(host, "dpkg-query", "-W", "-f", "${Version}", package, check=False)
    return result.stdout.strip() or None


def read(host="host1"):
    """Versions on one host; the pglogical package is there from chapter 2 on."""
    def run(*command):
        return hosts.console(host, *command, check=False)
    nginx = run("nginx", "-v")
    return {
        "debian": run("cat", "/etc/debian_version").stdout.strip(),
        "postgresql": first_match(r"PostgreSQL\) (\S+)",
                                  run(f"{config.POSTGRESQL_BIN}/postgres", "--version").stdout),
        "pglogical": package_version(host, f"postgresql-{config.POSTGRESQL}-pglogical"),
        "nginx": first_match(r"nginx/(\S+)", nginx.stderr + nginx.stdout),
        "python": first_match(r"Python (\S+)", run("python3", "--version").stdout),
        "django": run(APP_PYTHON, "-c", "import django; print(django.get_version())"
                      ).stdout.strip() or None,
    }
