"""The lab's third party: two fake mail providers, an SMTP relay and an HTTP mail API.

Chapter 7's sender hands its outbox to one of them and fails over to the other. Both run in
this one process, and both keep every message they accept, so tests can count deliveries by
Message-ID (once: not never, not twice). A control listener sets each provider's mode while
it runs: `ok`; `refuse` (nothing listens: connection refused); `fail` (a temporary failure:
SMTP 451 to MAIL FROM, HTTP 503); `hang` (the port accepts and never says a byte).

    PYTHONPATH=code python -m lab.fakemail --address 127.0.0.1 --secrets secrets.json

The secrets file is JSON with `eduworld_mail_api_key` and `eduworld_mail_smtp_password`.
A port of 0 asks for a free one; the ready line names the ports chosen.
"""

import argparse
import asyncio
import contextlib
import email
import email.policy
import hmac
import json
import logging
import socket
import time
import uuid
import warnings
from collections import Counter
from pathlib import Path

import requests
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

MODES = ("ok", "refuse", "fail", "hang")
NOWHERE = "nowhere.eduworld.test"  # the domain whose mailboxes do not exist
# The domain neither provider can deliver to for now (a temporary failure for that mail
# alone, by both): a mail that fails everywhere while the mails behind it go.
BUSY = "busy.eduworld.test"
SMTP_USER = "eduworld"


def log(line):
    print(line, flush=True)  # stdout is the lab's log of what the third party saw


def nowhere(address):
    return address.rpartition("@")[2].lower() == NOWHERE


def busy(address):
    return address.rpartition("@")[2].lower() == BUSY


def listen_socket(address, port):
    sock = socket.create_server((address, port))  # SO_REUSEADDR: re-listen at once
    sock.setblocking(False)  # Tornado's accept loop would block the whole process otherwise
    return sock


class Provider:
    """One provider's mode, counts and listener. `serve(sock)` starts its real server on
    a listening socket and returns the function that stops it."""

    def __init__(self, name, address, port, messages):
        self.name, self.address, self.port, self.messages = name, address, port, messages
        self.serve = self.stop = self.mode = self.listener = None
        self.held = set()  # connections a hanging listener holds
        self.counts = Counter(accepted=0, failed=0, rejected=0)
        self.reasons = Counter()

    async def set_mode(self, mode):
        # ok and fail share the real server (fail is how it answers), so only a change
        # between real, hang and refuse closes the port and opens it again.
        listener = "real" if mode in ("ok", "fail") else mode
        if listener != self.listener:
            if self.stop:
                self.stop()
                self.stop = None
            for transport in list(self.held):
                transport.close()
            if listener != "refuse":
                sock = listen_socket(self.address, self.port)
                self.port = sock.getsockname()[1]  # a port 0 is chosen once, then kept
                self.stop = await (self.serve(sock) if listener == "real" else self.hang(sock))
            self.listener = listener
        self.mode = mode
        log(f"{self.name} mode {mode}")
        return self.state()

    async def hang(self, sock):
        server = await asyncio.get_running_loop().create_server(lambda: Hold(self), sock=sock)
        return server.close

    def state(self):
        return {"mode": self.mode, **self.counts, "reasons": dict(self.reasons)}

    def turn_away(self, outcome, reason, detail):
        """Count an attempt the provider failed (temporary) or rejected (permanent)."""
        self.counts[outcome] += 1
        self.reasons[reason] += 1
        log(f"{self.name} {outcome} ({reason}): {detail}")

    def keep(self, message_id, to, sender, subject, text):
        self.messages.append({"provider": self.name, "message_id": message_id, "to": to,
                              "from": sender, "subject": subject, "text": text,
                              "received": time.time()})
        self.counts["accepted"] += 1
        log(f"{self.name} accepted {message_id} to {', '.join(to)}")


class Hold(asyncio.Protocol):
    """hang: accept the connection, drop whatever the client says, never answer."""

    def __init__(self, provider):
        self.provider = provider

    def connection_made(self, transport):
        self.transport = transport
        self.provider.held.add(transport)
        self.provider.turn_away("failed", "hang", f"held {transport.get_extra_info('peername')}")

    def connection_lost(self, exc):
        self.provider.held.discard(self.transport)


# The SMTP relay.

class Relay(SMTP):
    async def check_auth_needed(self, caller_method):
        needed = await super().check_auth_needed(caller_method)
        if needed:
            self.event_handler.provider.turn_away("rejected", "no auth", caller_method)
        return needed


class RelayHandler:
    def __init__(self, provider, password):
        self.provider, self.password = provider, password.encode()

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == SMTP_USER.encode()
              and hmac.compare_digest(auth_data.password, self.password))
        if not ok:
            self.provider.turn_away("rejected", "auth", f"{mechanism} {auth_data}")
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.provider.mode == "fail":
            self.provider.turn_away("failed", "fail", f"MAIL FROM {address}")
            return "451 4.3.0 Temporary failure, try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if nowhere(address):
            self.provider.turn_away("rejected", "no such mailbox", address)
            return f"550 5.1.1 <{address}>: no such mailbox"
        if busy(address):
            self.provider.turn_away("failed", "busy", address)
            return f"450 4.2.1 <{address}>: mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # compat32 gives header values as sent; the default policy finds the text part.
        headers = email.message_from_bytes(envelope.content)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain",))
        text = part.get_content().replace("\r\n", "\n") if part else ""  # SMTP's CRLF
        self.provider.keep(headers["Message-ID"], list(envelope.rcpt_tos), envelope.mail_from,
                           message["Subject"], text)
        return "250 OK"


def smtp_server(provider, password):
    handler = RelayHandler(provider, password)

    def relay():
        # auth_require_tls=False: the lab has no certificates, so AUTH goes in plain text
        # on the lab's private network (aiosmtpd warns about it; we silence that in main).
        return Relay(handler, hostname="fakemail.eduworld.test", ident="EduWorld lab relay",
                     auth_required=True, auth_require_tls=False,
                     authenticator=handler.authenticate)

    async def serve(sock):
        server = await asyncio.get_running_loop().create_server(relay, sock=sock)
        return server.close
    return serve


# The HTTP mail API and the control API.

class JsonHandler(RequestHandler):
    def answer(self, status, body):
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))  # json.dumps: Tornado's write() refuses a bare list


def parse_message(raw):
    """The API's body, or ValueError saying what is wrong with it."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("the body is not JSON") from None
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    for field in ("from", "subject", "text"):
        if not isinstance(body.get(field), str):
            raise ValueError(f"{field!r} must be a string")
    if body.get("html") is not None and not isinstance(body["html"], str):
        raise ValueError("'html' must be a string")
    to = body.get("to")
    if not (isinstance(to, list) and to and all(isinstance(a, str) and "@" in a for a in to)):
        raise ValueError("'to' must be a list of one or more addresses")
    headers = body.get("headers")
    if not (isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values())):
        raise ValueError("'headers' must be an object of strings")
    if "Message-ID" not in headers:
        raise ValueError("'headers' must hold a Message-ID")
    return body


class SendHandler(JsonHandler):
    def initialize(self, provider, key):
        self.provider, self.key = provider, key

    def post(self):
        provider = self.provider
        if provider.mode == "fail":
            provider.turn_away("failed", "fail", "POST /v1/messages")
            return self.answer(503, {"error": "temporary failure, try again later"})
        given = self.request.headers.get("Authorization", "").encode()
        if not hmac.compare_digest(given, f"Bearer {self.key}".encode()):
            provider.turn_away("rejected", "auth", "wrong or missing API key")
            return self.answer(401, {"error": "wrong or missing API key"})
        try:
            body = parse_message(self.request.body)
        except ValueError as err:
            provider.turn_away("rejected", "malformed", err)
            return self.answer(400, {"error": str(err)})
        for address in body["to"]:
            if nowhere(address):
                provider.turn_away("rejected", "no such mailbox", address)
                return self.answer(422, {"error": f"no such mailbox: {address}"})
            if busy(address):
                provider.turn_away("failed", "busy", address)
                return self.answer(503, {"error": f"cannot deliver to {address} now"})
        provider.keep(body["headers"]["Message-ID"], body["to"], body["from"], body["subject"],
                      body["text"])
        self.answer(202, {"id": uuid.uuid4().hex})


def api_server(provider, key):
    app = Application([("/v1/messages", SendHandler, {"provider": provider, "key": key})],
                      log_function=lambda handler: None)  # we log what matters ourselves

    async def serve(sock):
        server = HTTPServer(app)
        server.add_sockets([sock])
        return server.stop
    return serve


class MessagesHandler(JsonHandler):
    def initialize(self, messages):
        self.messages = messages

    def get(self):
        to = self.get_argument("to", None)
        self.answer(200, [m for m in self.messages if to is None or to in m["to"]])


class ProvidersHandler(JsonHandler):
    def initialize(self, providers):
        self.providers = providers

    def get(self):
        self.answer(200, {name: p.state() for name, p in self.providers.items()})


class ProviderHandler(ProvidersHandler):
    async def put(self, name):
        try:
            mode = json.loads(self.request.body)["mode"]
        except (ValueError, TypeError, KeyError):
            return self.answer(400, {"error": 'the body must be {"mode": MODE}'})
        if name not in self.providers or mode not in MODES:
            return self.answer(400, {"error": f"providers: smtp, api; modes: {', '.join(MODES)}"})
        self.answer(200, await self.providers[name].set_mode(mode))


async def run(args):
    secrets = json.loads(Path(args.secrets).read_text())
    messages = []
    smtp = Provider("smtp", args.address, args.smtp_port, messages)
    smtp.serve = smtp_server(smtp, secrets["eduworld_mail_smtp_password"])
    api = Provider("api", args.address, args.api_port, messages)
    api.serve = api_server(api, secrets["eduworld_mail_api_key"])
    providers = {"smtp": smtp, "api": api}
    for provider in providers.values():
        await provider.set_mode("ok")
    control = Application([
        ("/messages", MessagesHandler, {"messages": messages}),
        ("/providers", ProvidersHandler, {"providers": providers}),
        (r"/providers/([^/]+)", ProviderHandler, {"providers": providers}),
    ], log_function=lambda handler: None)
    sock = listen_socket(args.address, args.control_port)
    HTTPServer(control).add_sockets([sock])
    log(f"fake providers ready on {args.address}: smtp {smtp.port}, api {api.port}, "
        f"control {sock.getsockname()[1]}")
    await asyncio.Event().wait()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m lab.fakemail", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=2525)
    parser.add_argument("--api-port", type=int, default=8080)
    parser.add_argument("--control-port", type=int, default=8025)
    parser.add_argument("--secrets", required=True, help="JSON file with the two secrets")
    args = parser.parse_args(argv)
    # AUTH without TLS is deliberate here (see smtp_server), and aiosmtpd's deprecation
    # notices are its own: keep the log to what the providers saw.
    warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a reader stops it
        asyncio.run(run(args))


class FakeMail:
    """The control API from a test: set a provider's mode, read what the providers kept."""

    def __init__(self, base_url, timeout=5):
        self.base, self.timeout = base_url.rstrip("/"), timeout

    def call(self, method, path, **kwargs):
        response = requests.request(method, self.base + path, timeout=self.timeout, **kwargs)
        response.raise_for_status()
        return response.json()

    def set_mode(self, provider, mode):
        return self.call("PUT", f"/providers/{provider}", json={"mode": mode})

    def providers(self):
        return self.call("GET", "/providers")

    def modes(self):
        return {name: state["mode"] for name, state in self.providers().items()}

    def messages(self, to=None):
        return self.call("GET", "/messages", params={"to": to} if to else None)


if __name__ == "__main__":
    main()
