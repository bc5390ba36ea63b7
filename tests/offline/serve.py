"""Serve the test app in a process of its own, so that a test can stop it like a real outage.

Run by tests/offline/conftest.py: configuration from GRIDBOOK_TEST_CONFIG (JSON), the port
it listens on printed on the first line.
"""

import json
import logging
import os

from werkzeug.serving import make_server

from app import create_app


def main() -> None:
    config = json.loads(os.environ["GRIDBOOK_TEST_CONFIG"])
    app = create_app(config)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
