import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("0.0.0.0", 9999))
while 1:  # want PY402 "it loops forever at module level"
    data, addr = sock.recvfrom(2048)
    sock.sendto(data, addr)
