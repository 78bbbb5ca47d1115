"""One held TCP connection over loopback inside the caller's network namespace, both ends in
this process, carrying exact byte counts: a light stand-in for a pod's workload, so a test can
fill many namespaces without a JVM in each.

usage: loopback_pair.py PORT CLIENT_SENDS SERVER_SENDS
Prints READY once the first exchange is done; then obeys stdin lines "SEND C S" (client sends C
bytes, server sends S bytes, then prints SENT) and "CLOSE" (both ends close, client first).
Exits by itself after 120 s whatever happens.
"""
import array
import fcntl
import signal
import socket
import sys
import termios
import time

signal.alarm(120)


def unacknowledged(sock):
    """Bytes the socket sent that its peer has not acknowledged yet (SIOCOUTQ)."""
    count = array.array("i", [0])
    fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, count, True)
    return count[0]


def transfer(sender, receiver, count):
    """Moves exactly count bytes, and returns once the sender saw them acknowledged: the kernel
    counts bytes sent when they are acknowledged, and a delayed ACK may take 40 ms."""
    payload = bytes(range(256)) * 256
    remaining = count
    while remaining:
        sent = sender.send(payload[: min(remaining, len(payload))])
        received = 0
        while received < sent:
            received += len(receiver.recv(sent - received))
        remaining -= sent
    deadline = time.monotonic() + 5
    while unacknowledged(sender) and time.monotonic() < deadline:
        time.sleep(0.001)


def main():
    port, client_sends, server_sends = (int(value) for value in sys.argv[1:4])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    client = socket.create_connection(("127.0.0.1", port))
    server, _ = listener.accept()
    transfer(client, server, client_sends)
    transfer(server, client, server_sends)
    print("READY", flush=True)
    for line in sys.stdin:
        words = line.split()
        if words[0] == "SEND":
            transfer(client, server, int(words[1]))
            transfer(server, client, int(words[2]))
            print("SENT", flush=True)
        elif words[0] == "CLOSE":
            break
    client.close()
    server.recv(1)
    server.close()
    listener.close()


main()
