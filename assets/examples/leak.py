"""A small leaky program for trying heapglass on a real Python heap.

    python3 loaders/python/heapglass_dump.py -o /tmp/leak -- assets/examples/leak.py
    heapglass cycles /tmp/leak
"""
import gc

gc.disable()  # keep the garbage around so the dump shows it


class Node:
    def __init__(self, name):
        self.name = name
        self.children = []
        self.parent = None


class Resource:
    def __init__(self, owner):
        self.owner = owner

    def __del__(self):
        pass


def build_tree(name, width):
    root = Node(name)
    for i in range(width):
        child = Node("%s.%d" % (name, i))
        child.parent = root  # child -> parent and parent -> child: a cycle
        root.children.append(child)
    return root


cache = {"tree": build_tree("kept", 50)}  # live: held by a module global

for n in range(3):
    leaked = build_tree("leak%d" % n, 20)  # garbage once the loop moves on
    leaked.resource = Resource(leaked)  # a finalizer inside the garbage cycle
del leaked
