"""Serves kaskade's admin mode to the browser (textual-serve): one kaskade process per page.

Started by local/stack/native-kafka-ui.ts as
  serve.py <stack marker> <kaskade executable> <bootstrap servers> <port>
The first argument only marks the process as the local stack's (stack:down stops that one).
"""

import shlex
import sys

from textual_serve.server import Server


def main() -> None:
    _marker, kaskade, bootstrap, port = sys.argv[1:5]
    command = shlex.join([kaskade, "admin", "--bootstrap-servers", bootstrap, "--refresh-interval", "5"])
    Server(command, host="127.0.0.1", port=int(port), title="billing-local Kafka").serve()


if __name__ == "__main__":
    main()
