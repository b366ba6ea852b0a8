"""The fast tier's own PostgreSQL accepts no TCP connections: its passwordless accounts are
reachable only through a Unix socket in a folder that no other user may enter."""

import socket

import pytest


def test_the_fast_tiers_postgresql_listens_only_on_a_private_socket(postgres):
    """The fast tier's PostgreSQL listens on no TCP port, only on a private Unix socket."""
    assert postgres.sql("SHOW listen_addresses").strip() == ""
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("127.0.0.1", postgres.port))
    assert postgres.folder.stat().st_mode & 0o777 == 0o700
    assert (postgres.folder / f".s.PGSQL.{postgres.port}").is_socket()
