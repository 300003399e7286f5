"""A small web service that leaks: every request's RequestContext goes into
an audit list that nothing ever trims.  For the README's leak hunt on a
process that is already running (no restart, no heapglass at start):

    python3 assets/examples/leaky_web.py 8000 &
    while :; do curl -s 'http://127.0.0.1:8000/order?item=42' >/dev/null; done &
    heapglass record --pid PID -o /tmp/live --every 5 --count 2
    heapglass diff /tmp/live/snap-1 /tmp/live/snap-2
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RequestContext:
    def __init__(self, path, headers):
        self.path = path
        self.headers = dict(headers)
        self.started = time.time()


_audit = []  # the leak: one RequestContext per request, kept forever


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        ctx = RequestContext(self.path, self.headers)
        _audit.append(ctx)
        body = json.dumps({"ok": True, "path": ctx.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("serving on http://127.0.0.1:%d/" % port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
