"""python -m eduworld.realtime --port 8001: the realtime service, in the foreground."""

import argparse
import asyncio
import logging
import os
import signal

import django


def arguments():
    parser = argparse.ArgumentParser(prog="python -m eduworld.realtime")
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--origins", default="",
                        help="comma-separated origins whose pages may connect")
    parser.add_argument("--ping-interval", type=float, default=5)
    parser.add_argument("--ping-timeout", type=float, default=10)
    parser.add_argument("--max-message-bytes", type=int, default=16384)
    return parser.parse_args()


async def main(args):
    from django.conf import settings

    from .codes import GOING_AWAY
    from .listener import listen
    from .server import Hub, application

    hub = Hub([o for o in args.origins.split(",") if o], settings.HOST_NAME,
              args.max_message_bytes)
    app = application(hub, args.ping_interval, args.ping_timeout)
    server = app.listen(args.port, address=args.address, xheaders=True)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    listener = asyncio.create_task(listen(hub))
    logging.getLogger("eduworld.realtime").info("serving /ws/ on %s:%s", args.address, args.port)
    await stopping.wait()
    # Tell every client to go elsewhere now (1001), rather than let them time out.
    server.stop()
    hub.close_all(GOING_AWAY, "This host's realtime service is restarting.")
    listener.cancel()
    await asyncio.sleep(0.2)  # let the close frames leave
    hub.stop()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eduworld.settings")
    django.setup()
    asyncio.run(main(arguments()))
