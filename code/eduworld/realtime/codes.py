"""Every close code of /ws/, in one place, and the exception that carries one.

The pages put each in words (boards/static/boards/link.js, CLOSE_WORDS): a code added here
gets its words there. 1000-1999 are the websocket standard's; 4000-4999 are ours, and
4400-4499 mean "refused: trying again would be refused again".
"""

GOING_AWAY = 1001      # this service is stopping: connect to the other host
TOO_BIG = 1009         # a message over the limit (protocol.parse)
SERVER_ERROR = 1011    # this host cannot serve now (its database): the other host can
BAD_MESSAGE = 4400     # not JSON, an unknown type, a field of the wrong shape
NO_SESSION = 4401      # no token, or a forged or expired one
NOT_YOURS = 4403       # the token is for another board or teacher
UNKNOWN_BOARD = 4404
NO_HELLO = 4408        # the first message must be a hello, within HELLO_TIMEOUT


class Refused(Exception):
    """A message the service will not act on; `code` is the websocket close code."""

    def __init__(self, code, reason):
        super().__init__(reason)
        self.code = code
        self.reason = reason
