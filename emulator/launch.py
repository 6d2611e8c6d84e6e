"""Start the local AWS emulator: moto server + backend-ctl's extension.

    .venv/bin/python emulator/launch.py [--port N] [--no-stdin-watch] [--verbose]

Listens on 127.0.0.1 (a free port unless --port is given). Once it accepts
connections it prints exactly one line, ``http://127.0.0.1:PORT``, to stdout;
everything else goes to stderr. It exits with status 0 on SIGTERM or SIGINT,
and when its stdin reaches EOF, so a test harness that spawns it with a piped
stdin never leaks a server when the harness dies. From a shell script that
runs it in the background (stdin is /dev/null there), pass --no-stdin-watch.
On its way out it stops every Lambda process it started.
"""

import argparse
import logging
import signal
import sys
import threading

from moto.server import ThreadedMotoServer

from extension.awslambda import runtime
from extension.install import install

HOST = "127.0.0.1"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument(
        "--no-stdin-watch", action="store_true", help="do not exit when stdin reaches EOF"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args()

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.ERROR)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if not args.no_stdin_watch:
        threading.Thread(target=_wait_for_eof, args=(stop,), daemon=True).start()

    install()  # before the server serves its first request
    server = ThreadedMotoServer(ip_address=HOST, port=args.port, verbose=False)
    try:
        server.start()  # returns once the socket is bound and listening
    except OSError as err:
        print(f"launch: cannot listen on {HOST}:{args.port}: {err}", file=sys.stderr)
        return 1
    _, port = server.get_host_and_port()
    print(f"http://{HOST}:{port}", flush=True)

    while not stop.wait(timeout=1.0):  # a timeout keeps signals responsive
        pass
    server.stop()
    runtime.stop_all()
    return 0


def _wait_for_eof(stop: threading.Event) -> None:
    try:
        while sys.stdin.buffer.read(65536):
            pass
    except (OSError, ValueError):
        pass
    stop.set()


if __name__ == "__main__":
    sys.exit(main())
