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

from . import protocol

log = logging.getLogger("eduworld.realtime")
RETRY = 1  # seconds between attempts while the database is away


def conninfo():
    db = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"],
        port=db["PORT"], connect_timeout=3, application_name="eduworld-realtime")


# --8<-- [start:listen]
async def listen(hub):
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo(),
                                                             autocommit=True) as conn:
                await conn.execute("LISTEN board_commands")
                log.info("listening for board commands")
                await hub.catch_up()
                async for notify in conn.notifies():
                    news = json.loads(notify.payload)
                    await hub.notified(uuid.UUID(news["board"]), uuid.UUID(news["id"]))
        except (psycopg.Error, OSError) as err:
            # The boards here would wait for news that cannot come: send them to the peer.
            log.warning("lost the database (%s): boards move to the other host", err)
            hub.close_all(protocol.SERVER_ERROR, "This host's database is unavailable.")
        await asyncio.sleep(RETRY)
# --8<-- [end:listen]
