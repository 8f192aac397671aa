"""Must NOT trigger: endless loops and threads in library functions, and a main guard whose loops end."""
import signal
import threading


def serve(sock):
    while True:
        sock.send(sock.recv(1024))


def start(sock):
    threading.Thread(target=serve, args=(sock,), daemon=True).start()
    return signal.SIGTERM


# Must NOT trigger: a command-line tool whose loops end on input (a break or a return), and a main guard that
# calls no endless code.
def copy(src, dst):
    while True:
        chunk = src.read(1024)
        if not chunk:
            break
        dst.write(chunk)


def prompt():
    while 1:
        line = input()
        if line:
            return line


def grouping(last):
    while True:
        yield last


def parse_all(iterator):
    out = []
    try:
        while True:
            out.append(next(iterator))
    except StopIteration:
        return out


def repl():
    while True:
        if input() == "exit":
            exit()


def run_tool():
    parse_all(grouping(3))
    repl()


if __name__ == "__main__":
    while True:
        if prompt() == "q":
            break
    copy(None, None)
    run_tool()
