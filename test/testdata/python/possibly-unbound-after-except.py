"""Packet handling for a telemetry relay."""
import json
import logging
import sys

log = logging.getLogger(__name__)


def open_db(path):
    return {"path": path}


def handle_packet(path, key):
    try:
        db = open_db(path)
    except Exception as e:
        log.warning("db open failed: %r", e)
    row = db.get(key)  # want PY303 "db is unbound here"
    return row


def parse_all(lines):
    out = []
    for line in lines:
        try:
            msg = json.loads(line)
        except ValueError:
            log.warning("bad line")
        out.append(msg)  # want PY303 "msg"
    return out


def load_config(path):
    try:
        with open(path) as f:
            text = f.read()
        cfg = json.loads(text)
    except OSError:
        pass
    except ValueError:
        cfg = {}
    if cfg:  # want PY303 "cfg"
        return cfg
    return {}


class Relay:
    def connect(self, host):
        try:
            conn = self.dial(host)
            conn.settimeout(5)
        except OSError:
            self.failures += 1
        return conn  # want PY303 "conn"

    def dial(self, host):
        return host


try:
    settings = json.loads(sys.argv[1])
except (IndexError, ValueError):
    log.error("no settings")
print(settings)  # want PY303 "settings"


# Must NOT trigger: the handler exits (return, raise, continue, break, sys.exit).
def exits_return(path):
    try:
        db = open_db(path)
    except OSError:
        log.error("open failed")
        return None
    return db.get("k")


def exits_raise(path):
    try:
        db = open_db(path)
    except OSError as e:
        raise RuntimeError("no db") from e
    return db


def exits_continue(lines):
    for line in lines:
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        print(msg)


def exits_break(lines):
    while True:
        try:
            msg = json.loads(lines.pop())
        except IndexError:
            break
        print(msg)


def exits_process(path):
    try:
        db = open_db(path)
    except OSError:
        sys.exit(1)
    return db


# Must NOT trigger: the name is initialised before the try, with a None check at use.
def initialised(path):
    db = None
    try:
        db = open_db(path)
    except OSError:
        log.error("open failed")
    if db is not None:
        return db.get("k")
    return None


# Must NOT trigger: the name is re-assigned before use.
def reassigned(path):
    try:
        db = open_db(path)
    except OSError:
        log.error("open failed")
    db = {}
    return db


# Must NOT trigger: the handler binds the name, or the try has an else clause.
def handler_binds(path):
    try:
        db = open_db(path)
    except OSError:
        db = {}
    return db


def with_else(path):
    try:
        db = open_db(path)
    except OSError:
        log.error("open failed")
    else:
        return db.get("k")
    return None


# Must NOT trigger: the assignment cannot fail (only constants before it).
def cannot_fail(path):
    try:
        mode = "r"
        fh = open(path, mode)
    except OSError:
        fh = None
    return mode, fh


# Must NOT trigger: a parameter, a global, or a use in another branch.
def parameter(db, path):
    try:
        db = open_db(path)
    except OSError:
        pass
    return db


def uses_global(path):
    global cache
    try:
        cache = open_db(path)
    except OSError:
        pass
    return cache


def other_branch(path, fast):
    if fast:
        try:
            db = open_db(path)
        except OSError:
            log.error("open failed")
    else:
        db = {}
        return db
    return None


# Must NOT trigger: the handler sets a flag that an exiting if tests before the use.
def flagged(path):
    failed = False
    try:
        db = open_db(path)
    except OSError:
        failed = True
    if failed:
        return None
    return db.get("k")


# Must NOT trigger: every branch of the handler's final if/else exits.
def branches_exit(data, results):
    try:
        res = json.loads(data)
    except ValueError:
        if results:
            return results
        else:
            raise
    return res


# Must NOT trigger: the handler ends with a call that never returns (usage(), parser.error(), a raising helper).
def usage(code):
    sys.exit(code)


def parse_args(argv, parser):
    try:
        opts = json.loads(argv[1])
    except ValueError:
        usage(2)
    try:
        args = json.loads(argv[2])
    except ValueError:
        parser.error("bad arguments")
    return opts, args


# Must NOT trigger: the use is guarded by a flag the handler sets (an enclosing if), or follows a retry loop.
def stat_both(path):
    ok = True
    try:
        st = open_db(path)
    except OSError:
        ok = False
    if ok:
        print(st)


def retry_until_open(path, attempts):
    for _ in range(attempts):
        try:
            db = open_db(path)
            break
        except OSError:
            log.warning("retrying")
    else:
        return None
    return db


def retry_forever(path):
    while True:
        try:
            db = open_db(path)
        except OSError:
            log.warning("retrying")
            continue
        break
    return db


# Must NOT trigger: an attribute read cannot fail in practice.
class Window:
    def show(self):
        try:
            win = self.window
            win.deiconify()
        except OSError:
            pass
        return win


# Positive: the handler's final if has no else, so it can fall through.
def partial_exit(path, strict):
    try:
        db = open_db(path)
    except OSError:
        if strict:
            raise
    return db  # want PY303 "db"
