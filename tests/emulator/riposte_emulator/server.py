"""Run the emulator: moto's WSGI dispatcher with our patches, behind the call recorder, on 127.0.0.1 only.

`python -m riposte_emulator.server --port PORT` prints `riposte-emulator ready http://127.0.0.1:PORT` once the
socket listens (PORT 0 picks a free port) and serves in the foreground until SIGINT/SIGTERM.
"""

import argparse
import logging
import os
import signal
import sys
import threading

from werkzeug.serving import BaseWSGIServer, make_server

HOST = "127.0.0.1"


def build_app():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from . import install
    from .lag import LagMiddleware
    from .recorder import Recorder
    from .s3 import ExpectedBucketOwnerCheck
    from .switches import Switches

    install()
    return Switches(Recorder(LagMiddleware(ExpectedBucketOwnerCheck(DomainDispatcherApplication(create_backend_app)))))


def make(port: int = 0, verbose: bool = False) -> BaseWSGIServer:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    logging.getLogger("werkzeug").setLevel(logging.INFO if verbose else logging.WARNING)
    # A global MOTO_ACCOUNT_ID would override the account every access key maps to.
    os.environ.pop("MOTO_ACCOUNT_ID", None)
    # Real S3 refuses another account's bucket configuration calls; moto allows them unless told otherwise.
    os.environ.setdefault("MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS", "false")
    # Real accounts have every AWS-managed policy (Riposte attaches AWSDenyAll); moto loads them on request.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    return make_server(HOST, port, build_app(), threaded=True, request_handler=MotoRequestHandler)


def start_in_thread(port: int = 0) -> tuple[BaseWSGIServer, str]:
    """For tests: serve from a daemon thread; stop with server.shutdown()."""
    server = make(port)
    threading.Thread(target=server.serve_forever, daemon=True, name="riposte-emulator").start()
    return server, f"http://{HOST}:{server.server_port}"


def die_with_parent() -> None:
    """Linux: get SIGTERM when the process that started us dies (a test that aborted never stops us)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="riposte-emulator", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1; 0 picks a free one")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO if args.verbose else logging.WARNING)
    if "MOTO_ACCOUNT_ID" in os.environ:
        print("riposte-emulator: ignoring MOTO_ACCOUNT_ID (accounts come from access keys)", file=sys.stderr)
    server = make(args.port, args.verbose)

    def stop(*_: object) -> None:
        # Nothing to persist: exit at once instead of waiting for request threads and interpreter teardown.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    die_with_parent()
    print(f"riposte-emulator ready http://{HOST}:{server.server_port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
