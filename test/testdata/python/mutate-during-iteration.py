"""Peer bookkeeping for a UDP reflector."""
import bisect
import threading
import time


class Peer:
    def __init__(self, addr):
        self.addr = addr
        self.idle = 0
        self.dead = False


def age_peers(peers):
    for peer in peers:
        peer.idle += 1
        if peer.idle > 60:
            peers.remove(peer)  # want PY101 "skips the element after each removal"


def drop_unreachable(peers, ping):
    for peer in peers:
        try:
            if not ping(peer.addr):
                # Nested blocks still remove from the list being walked.
                peers.remove(peer)  # want PY101 "removing from peers"
        except OSError:
            peers.remove(peer)  # want PY101 "removing from peers"


def expire(sessions, now):
    for key, deadline in sessions.items():
        if deadline < now:
            del sessions[key]  # want PY101 "dictionary changed size during iteration"


def expire_keys(cache, stale):
    for key in cache:
        if key in stale:
            cache.pop(key)  # want PY101 "removing from cache"


def schedule(queue, more):
    for job in queue:
        if job.spawns:
            queue.append(more(job))  # want PY101 "visit the new items"


def merge(ranked, extra):
    for item in ranked:
        bisect.insort(ranked, extra(item))  # want PY101 "adding to ranked"


def widen(names):
    for n in names:
        names += [n.upper()]  # want PY101 "adding to names"


def reorder(scores):
    for s in scores:
        if s < 0:
            scores.sort()  # want PY101 "reordering scores"


def remove_by_index(items, bad):
    for i, item in enumerate(items):
        if bad(item):
            items.pop(i)  # want PY101 "removing from items"


def prune_timeouts(conns):
    for c in conns:
        if c.closed:
            conns.remove(c)  # want PY101 "removing from conns"


def inner_break_does_not_leave(groups, members):
    for g in groups:
        for m in members:
            if m == g:
                groups.remove(g)  # want PY101 "removing from groups"
                break


class Registry:
    def __init__(self):
        self.clients = set()

    def sweep(self):
        for c in self.clients:
            if c.dead:
                self.clients.discard(c)  # want PY101 "removing from self.clients"


# Error severity: `clients` is also changed by another thread.
clients = []


def reaper():
    while True:
        time.sleep(1)
        for c in clients:
            if c.dead:
                clients.remove(c)  # want PY101 "also changed by another thread"


def accept_loop(sock):
    while True:
        clients.append(sock.accept()[0])


threading.Thread(target=reaper, daemon=True).start()


# Error severity through argument aliasing: `cl` is run_server's `clients`.
def reflector(cl):
    while True:
        for c in cl:
            c.idle += 1
            if c.idle > 60:
                cl.remove(c)  # want PY101 "also changed by another thread"


def run_server(sock):
    live = []
    threading.Thread(target=reflector, args=(live,), daemon=True).start()
    while True:
        live.append(Peer(sock.recvfrom(2048)[1]))


# Error severity: a method run as a thread target and another method both change self.peers.
class Hub:
    def __init__(self):
        self.peers = []
        threading.Thread(target=self._reap, daemon=True).start()

    def _reap(self):
        while True:
            time.sleep(1)
            for p in self.peers:
                if p.dead:
                    self.peers.remove(p)  # want PY101 "self.peers is also changed by another thread"

    def add(self, peer):
        self.peers.append(peer)


# Must NOT trigger: the loop is left right after the mutation.
def forget(peers, addr):
    for peer in peers:
        if peer.addr == addr:
            peers.remove(peer)
            break


def take(peers, addr):
    for peer in peers:
        if peer.addr == addr:
            peers.remove(peer)
            return peer
    return None


def take_first(peers, addr):
    for peer in peers:
        if peer.addr == addr:
            return peers.pop(peers.index(peer))
    return None


def reject(peers, addr):
    for peer in peers:
        if peer.addr == addr:
            peers.remove(peer)
            raise ValueError(addr)


# Must NOT trigger: the loop walks a copy.
def copies(peers, table):
    for peer in peers[:]:
        peers.remove(peer)
    for peer in list(peers):
        peers.remove(peer)
    for peer in peers.copy():
        peers.remove(peer)
    for peer in tuple(peers):
        peers.remove(peer)
    for peer in sorted(peers):
        peers.remove(peer)
    for key in list(table.items()):
        del table[key[0]]


# Must NOT trigger: writes to the current index or key do not change the size.
def reset(table, values):
    for key in table:
        table[key] = 0
    for i in range(len(values)):
        values[i] = 0


# Must NOT trigger: nested functions run later; the else clause runs after the loop.
def deferred(peers, callbacks):
    for peer in peers:
        callbacks.append(lambda: peers.remove(peer))

        def later(p=peer):
            peers.remove(p)

        callbacks.append(later)
    else:
        peers.clear()


# Must NOT trigger: a different collection is changed.
def move(src, dst):
    for x in src:
        dst.append(x)
