"""LISTEN board_commands on this host's database, for as long as the service runs.

The trigger of migration boards/0004 notifies on every inserted command, also the ones
pglogical applies from the peer. A notification sent while nobody listens is lost: after
every connection, the first too (a board may have read its backlog before the LISTEN), the
hub has each board read what it missed (Hub.catch_up).
"""

import asyncio
import json
import logging
import uuid

import psycopg
from django.conf import settings
from django.db import DatabaseError

from . import codes

log = logging.getLogger("eduworld.realtime")
RETRY = 1   # seconds between attempts while the database is away
ALIVE = 5   # seconds between checks that the database still answers


def conninfo():
    # connect_timeout (Django's OPTIONS, 3 s) bounds each connection attempt, in libpq.
    db = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"],
        port=db["PORT"], application_name="eduworld-realtime", **db.get("OPTIONS", {}))


async def still_answers():
    """A new connection, within connect_timeout, or OperationalError. A frozen PostgreSQL
    keeps every open connection open and silent; only a new one tells. (A query on the open
    connection would tell too, but cancelling it on a frozen server hangs in psycopg.)"""
    check = await psycopg.AsyncConnection.connect(conninfo())
    await check.close()


# --8<-- [start:listen]
async def listen(hub):
    while True:
        conn = None
        try:
            conn = await psycopg.AsyncConnection.connect(conninfo(), autocommit=True)
            await conn.execute("LISTEN board_commands")
            log.info("listening for board commands")
            await hub.catch_up()
            while True:
                async for notify in conn.notifies(timeout=ALIVE):
                    news = json.loads(notify.payload)
                    await hub.notified(uuid.UUID(news["board"]), uuid.UUID(news["id"]))
                await still_answers()
        except (psycopg.Error, DatabaseError, OSError) as err:
            # The boards here would wait for news that cannot come: send them to the peer.
            log.warning("lost the database (%s): boards move to the other host", err)
            hub.close_all(codes.SERVER_ERROR, "This host's database is unavailable.")
        except Exception:
            log.exception("the listener failed: boards move to the other host")
            hub.close_all(codes.SERVER_ERROR, "This host's realtime service failed.")
        finally:
            if conn is not None:
                await conn.close()
        await asyncio.sleep(RETRY)
# --8<-- [end:listen]
