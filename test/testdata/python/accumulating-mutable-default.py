"""Event history, peer tracking and memoised lookups for a monitoring daemon."""
import collections
import time
from collections import defaultdict, deque


def record(event, history=[]):
    history.append(event)  # want PY503 "created once and shared by every call"
    return history


def remember_peer(addr, seen=set()):
    """Remember a peer address."""
    seen.add(addr)  # want PY503 "leaks memory"
    return len(seen)


def tag(name, value, tags={}):
    # Comments before the first statement stay where they are.
    tags[name] = value  # want PY503 "{}"
    return tags


def count(word, counts=defaultdict(int)):
    counts[word] += 1  # want PY503 "defaultdict(int)"
    return counts[word]


def extend_batch(items, batch=list()):
    batch += items  # want PY503
    return batch


def window(sample, recent=collections.deque()):
    if sample is not None:
        recent.append(sample)  # want PY503 "recent"
    return list(recent)


class Collector:
    def merge(self, extra, headers={"User-Agent": "probe"}):
        headers.update(extra)  # want PY503 "headers"
        return headers

    def group(self, key, value, groups={}):
        groups.setdefault(key, []).append(value)  # want PY503
        return groups


def annotated(event, log: list = []):
    log.insert(0, event)  # want PY503 "log"
    return log


def one_line(x, acc=[]): acc.append(x); return acc  # want PY503


# Must NOT trigger: a mutable default that is only read (Ruff B006 territory).
def lookup(key, table={}):
    return table.get(key)


# Must NOT trigger: `P = P or []` rebinds the parameter before growing it.
def collect(item, out=[]):
    out = out or []
    out.append(item)
    return out


# Must NOT trigger: the None idiom.
def record_safely(evt, history=None):
    history = [] if history is None else history
    history.append(evt)
    return history


# Must NOT trigger: `if P is None` reassignment of a mutable default.
def gather(item, bucket=[]):
    if bucket is None:
        bucket = []
    bucket.append(item)
    return bucket


# Must NOT trigger: a memoisation dict with a size check.
def fib(n, _cache={}):
    if n in _cache:
        return _cache[n]
    if len(_cache) > 10000:
        _cache.clear()
    _cache[n] = n if n < 2 else fib(n - 1) + fib(n - 2)
    return _cache[n]


# Must NOT trigger: a stack that is pushed and popped (bounded by the recursion depth).
def walk(node, path=[]):
    path.append(node)
    for child in node.children:
        walk(child, path)
    path.pop()


# Must NOT trigger: an immutable default.
def join(parts, sep=", ", extra=()):
    return sep.join(list(parts) + list(extra))


# Must NOT trigger: mutating an element, not the default itself.
def touch(matrix=[[0]]):
    matrix[0].append(1)
    return matrix


# Must NOT trigger: the mutation happens in a nested function with its own parameter of the same name.
def make_adder(acc=[]):
    def add(x, acc):
        acc.append(x)
    return add


# Must NOT trigger: item assignment on a list default overwrites a slot, it does not grow the list.
def next_line(counter=[0]):
    counter[0] += 1
    return counter[0]


# Must NOT trigger: a nested function's default is rebuilt each time the outer function runs.
def walk_packages(paths):
    def seen(p, m={}):
        if p in m:
            return True
        m[p] = True

    return [p for p in paths if not seen(p)]


def synopsis(filename, cache={}):
    result = cache.get(filename)
    if result is None:
        result = open(filename).readline()
        cache[filename] = result  # want PY503 "memo default cache"
    return result


# Must NOT trigger: filled once, when empty (a lazily set static).
def load_time(_load_time=[]):
    if not _load_time:
        _load_time.append(time.time())
    return _load_time[0]


# Must NOT trigger: returned early once filled, so it holds one value.
def has_sve(__cache=[]):
    if __cache:
        return __cache[0]
    __cache.append(probe_cpu())
    return __cache[0]


def probe_cpu():
    return False
