"""`python -m bench.slow_smtp PORT [DELAY]`: an SMTP server on 127.0.0.1:PORT that answers every
command DELAY seconds late (default 0.05, a remote provider's round trip) and throws the mail
away. The bench's booking run with the email sender on talks to it. Stops on SIGTERM, printing
how many messages it took."""

import asyncio
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class SlowHandler:
    def __init__(self, delay):
        self.delay = delay
        self.received = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        await asyncio.sleep(self.delay)
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        await asyncio.sleep(self.delay)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        await asyncio.sleep(self.delay)
        self.received += 1
        return "250 OK"

    async def handle_RSET(self, server, session, envelope):  # noqa: N802
        await asyncio.sleep(self.delay)
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802
        await asyncio.sleep(self.delay)
        return "221 Bye"


def main():
    port = int(sys.argv[1])
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.05
    handler = SlowHandler(delay)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    controller.start()
    print(f"slow SMTP server on 127.0.0.1:{port}, {delay * 1000:.0f} ms per command", flush=True)
    while not stop.wait(0.5):  # a timed wait: the signal handler runs meanwhile
        pass
    controller.stop()
    print(f"{handler.received} messages received", flush=True)


if __name__ == "__main__":
    main()
