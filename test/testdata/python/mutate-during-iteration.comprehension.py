def drop_dead(peers):
    for p in peers:
        if not p.alive:
            peers.remove(p)  # want PY101 "removing from peers"


def drop_idle(peers, limit):
    for p in peers:
        if p.idle > limit or p.closed:
            peers.remove(p)  # want PY101 "removing from peers"
