from threading import Thread


def pump(sock):
    while True:
        sock.send(b".")


def main(sock):
    Thread(target=pump, args=(sock,)).start()  # want PY401 "pump"
