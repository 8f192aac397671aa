"""Credential caching and sockets for the sync agent."""
import os
import socket
import stat
import tempfile
from pathlib import Path
from tempfile import mktemp


def cache_token(token):
    tok_path = tempfile.mktemp(".tok")  # want PY801 "only returns a name"
    with open(tok_path, "x") as f:
        f.write(token)
    return tok_path


def scratch():
    return mktemp()  # want PY801 "mktemp()"


def spool(record):
    with open("/tmp/agent-spool.json", "a") as f:  # want PY801 "fixed name in a world-writable directory"
        f.write(record)


def shared_mem(name):
    return Path(f"/dev/shm/{name}.state")  # want PY801 "world-writable directory"


def control_socket():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind("/var/tmp/agent.sock")  # want PY801 "/var/tmp/agent.sock"
    return s


def share_dir(path):
    os.chmod(path, 0o777)  # want PY801 "world-writable"


def share_file(path):
    Path(path).chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IWOTH)  # want PY801 "mode 0o602 makes Path(path) world-writable"


def publish_key(private_key_path):
    os.chmod(private_key_path, 0o644)  # want PY801 "looks like a secret"


def save_credentials(path, blob):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o640)  # want PY801 "lets other local users read path"
    os.write(fd, blob)
    os.close(fd)


def write_api_key(key):
    with open("/etc/agent/api_key", "w") as f:  # want PY801 "created with the default mode"
        f.write(key)


def store_password(password_file, password):
    open(password_file, mode="wb").write(password)  # want PY801 "default mode"


# Must NOT trigger: mkstemp, NamedTemporaryFile and TemporaryDirectory create private files.
def safe_temp(token):
    fd, tok_path = tempfile.mkstemp()
    os.write(fd, token)
    with tempfile.NamedTemporaryFile() as f, tempfile.TemporaryDirectory() as d:
        return f.name, d


# Must NOT trigger: /tmp inside comments or log strings.
def log_paths(log):
    # Files used to live in /tmp/agent/, see the changelog.
    log.info("moved state out of /tmp/agent/")
    print("/tmp/agent-spool.json is no longer used")


# Must NOT trigger: 0644 / 0755 on public artifacts (PID files, logs, scripts).
def public_files(pid_path, script):
    os.chmod(pid_path, 0o644)
    os.chmod(script, 0o755)
    os.chmod("/srv/shared", 0o1777)  # sticky shared directory, like /tmp itself


# Must NOT trigger: the secret file's mode is controlled (umask, opener, chmod, os.open with mode).
def save_token_umask(token_path, token):
    old = os.umask(0o077)
    try:
        with open(token_path, "w") as f:
            f.write(token)
    finally:
        os.umask(old)


def save_token_opener(token_path, token):
    with open(token_path, "w", opener=lambda p, f: os.open(p, f, 0o600)) as f:
        f.write(token)


def save_token_chmod(token_path, token):
    with open(token_path, "w") as f:
        os.chmod(token_path, 0o600)
        f.write(token)


# Must NOT trigger: reading a secret, or writing a public file.
def read_token(token_path, out_path, data):
    with open(token_path) as f:
        token = f.read()
    with open(out_path, "w") as f:
        f.write(data)
    return token


# Must NOT trigger: "author" and "tokenize" are not secrets.
def write_authors(authors_file, names):
    with open(authors_file, "w") as f:
        f.write("\n".join(names))


# Must NOT trigger: a computed mode.
def copy_mode(src, dst):
    os.chmod(dst, os.stat(src).st_mode)


# Must NOT trigger: a certificate (public) in PEM format; the key next to it is a secret.
def write_pair(cert, key):
    with open("ssl_cert.pem", "w") as f:
        f.write(cert)
    with open("ssl_key.pem", "w") as f:  # want PY801 "ssl_key.pem"
        f.write(key)
