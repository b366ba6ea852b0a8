"""python -m eduworld.mail: this host's mail sender (the eduworld-mail service)."""

import logging

import django


def main():
    django.setup()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    from django.conf import settings

    from .sender import run
    run(settings.MAIL["poll_seconds"])


if __name__ == "__main__":
    main()
