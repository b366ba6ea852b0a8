"""The realtime service (chapter 5): Tornado websockets between remotes and boards.

A separate process from gunicorn, started by the realtime role's systemd unit:
`python -m eduworld.realtime`. It uses Django for the rules (eduworld.boards.commands) and
PostgreSQL's LISTEN for the news (listener.py), and keeps the sockets (server.py).
"""
