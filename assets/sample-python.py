"""A small program with the leaks people really write, for a first look at
heapglass.  assets/sample-python/ is its heap, dumped when it ends with:

    python3.10 loaders/python/heapglass_dump.py -o assets/sample-python \\
        --focus __main__ -- assets/sample-python.py

(--focus __main__ keeps this program's objects and all garbage, and leaves
the rest of the interpreter out.)  Things to find in it:

1. a cache that only grows: `response_cache` keeps every Response forever;
2. parent <-> child cycles: TreeNode children point back to their parent;
   the live tree hangs off `document`, a removed subtree is cyclic garbage;
3. an observer list: `bus` holds bound methods of closed Widgets, so the
   widgets (and their big buffers) never die;
4. a cycle with finalizers: two Connections with __del__ that refer to each
   other, dropped (the collector runs their finalizers before freeing them);
5. other garbage cycles: a dropped doubly linked list, an exception kept in
   a local (exception -> traceback -> frame -> local -> exception);
6. for contrast, a cache done right with weak references.

The collector is disabled so that the garbage is still there at the dump.
"""
import gc
import weakref

gc.disable()


# 1. A cache that only grows ------------------------------------------------
class Response:
    def __init__(self, request_id, body):
        self.request_id = request_id
        self.body = body
        self.headers = {"content-type": "text/plain", "x-request": str(request_id)}


response_cache = {}


def handle(request_id):
    if request_id not in response_cache:
        response_cache[request_id] = Response(request_id, "hello %d " % request_id * 4)
    return response_cache[request_id]


for rid in range(40):
    handle(rid)


# 2. Parent <-> child cycles ------------------------------------------------
class TreeNode:
    def __init__(self, tag, parent=None):
        self.tag = tag
        self.parent = parent
        self.children = []
        if parent is not None:
            parent.children.append(self)


document = TreeNode("html")
body = TreeNode("body", document)
for i in range(4):
    section = TreeNode("section-%d" % i, body)
    TreeNode("p", section)
# Removing a subtree from its parent's list is not enough to free it right
# away: its nodes still point at each other.
old = body.children.pop()
old.parent = None
del old, section, body


# 3. An observer list -------------------------------------------------------
class EventBus:
    def __init__(self):
        self.listeners = []

    def subscribe(self, callback):
        self.listeners.append(callback)


class Widget:
    def __init__(self, name):
        self.name = name
        self.buffer = bytearray(2048)
        self.closed = False

    def on_event(self, event):
        return self.name, event

    def close(self):
        self.closed = True    # ... but never unsubscribes


bus = EventBus()
for i in range(5):
    w = Widget("widget-%d" % i)
    bus.subscribe(w.on_event)
    w.close()
del w


# 4. A cycle with finalizers ------------------------------------------------
class Connection:
    def __init__(self, peer_name):
        self.peer_name = peer_name
        self.peer = None

    def __del__(self):
        self.peer = None


a = Connection("server")
b = Connection("client")
a.peer, b.peer = b, a
del a, b


# 5. Other garbage cycles ---------------------------------------------------
class Link:
    def __init__(self, value):
        self.value = value
        self.prev = self.next = None


head = Link(0)
tail = head
for i in range(1, 8):
    tail.next = Link(i)
    tail.next.prev = tail
    tail = tail.next
del head, tail


def parse(text):
    try:
        return int(text)
    except ValueError as exc:
        error = exc          # kept in a local: a cycle through the traceback
        return None


parse("not a number")


# 6. A cache done right -----------------------------------------------------
class Image:
    def __init__(self, path):
        self.path = path


thumbnails = weakref.WeakValueDictionary()
pinned = [Image("logo.png")]
thumbnails["logo.png"] = pinned[0]
thumbnails["temp.png"] = Image("temp.png")    # dies at once: nothing pins it
