"""A small service that leaks: each request caches its Session in a
module-level dict that nothing ever prunes.  For the README's leak hunt:

    heapglass record -o /tmp/snaps --every 2 --count 3 -- python3 assets/examples/leaky_service.py
    heapglass diff /tmp/snaps/snap-1 /tmp/snaps/snap-3
"""
import time


class Session:
    def __init__(self, user):
        self.user = user
        self.history = []


class Request:
    def __init__(self, n):
        self.n = n
        self.user = "user%d" % (n % 1000)


_sessions_by_request = {}  # the leak: one entry per request, never removed


def handle(req):
    s = Session(req.user)
    s.history.append(req.n)
    _sessions_by_request[req.n] = s
    return len(s.history)


def main():
    n = 0
    while True:
        for _ in range(10):
            handle(Request(n))
            n += 1
        time.sleep(0.01)


if __name__ == "__main__":
    main()
