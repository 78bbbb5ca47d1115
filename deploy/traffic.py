#!/usr/bin/env python3
"""Moves exactly the bytes it is told to, over TCP, for the deployment tests.

  traffic.py server PORT REPLY_BYTES CONNECTIONS   accept CONNECTIONS connections one after the
      other; on each, read until the client's end of stream, then send REPLY_BYTES and close.
  traffic.py client HOST PORT SEND_BYTES REPLY_BYTES CONNECTIONS   connect CONNECTIONS times, send
      SEND_BYTES, half-close, read until end of stream and check exactly REPLY_BYTES came back.
  traffic.py refused HOST PORT ATTEMPTS   connection attempts that must all be refused.
  traffic.py unanswered HOST PORT   one connection to an address nobody answers for (1 s).

Both stay alive LINGER seconds (environment, default 0) after their work, so that the agent, which
names a socket's ends by their owning processes, finds them even for connections that closed.
Run it through a symlink to name the process (the kernel's comm is the name it was run as), e.g.
`checkout` for the client and `orders-api` for the server. Every wait is bounded (30 s)."""
import os
import socket
import sys
import time

TIMEOUT = 30
# Seconds between two connections of a client (environment PAUSE, default 0): with a pause longer
# than the agent's export interval, Prometheus sees the counters grow, so rate() is above zero.
PAUSE = float(os.environ.get("PAUSE", "0"))
CHUNK = b"c" * 65536


def send_exactly(sock, n):
    while n:
        n -= sock.send(CHUNK[: min(n, len(CHUNK))])


def read_to_end(sock):
    total = 0
    while True:
        data = sock.recv(65536)
        if not data:
            return total
        total += len(data)


def server(port, reply, connections):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as lst:
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind(("0.0.0.0", port))
        lst.listen(16)
        lst.settimeout(TIMEOUT)
        print("listening", flush=True)
        got = 0
        for _ in range(connections):
            conn, _ = lst.accept()
            with conn:
                conn.settimeout(TIMEOUT)
                got += read_to_end(conn)
                send_exactly(conn, reply)
        print(f"server: {connections} connections, received {got}, sent {reply * connections}", flush=True)


def client(host, port, send, reply, connections):
    for i in range(connections):
        if i:
            time.sleep(PAUSE)
        with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
            send_exactly(sock, send)
            sock.shutdown(socket.SHUT_WR)
            got = read_to_end(sock)
            if got != reply:
                sys.exit(f"client: expected {reply} bytes back, got {got}")
    print(f"client: {connections} connections, sent {send * connections}, received {reply * connections}", flush=True)


def refused(host, port, attempts):
    for i in range(attempts):
        if i:
            time.sleep(PAUSE)
        try:
            socket.create_connection((host, port), timeout=TIMEOUT).close()
        except ConnectionRefusedError:
            continue
        sys.exit("refused: the connection was accepted")
    print(f"refused: {attempts} attempts, all refused", flush=True)


def unanswered(host, port):
    """One connection to an address nobody answers for: the client gives up after 1 s."""
    try:
        socket.create_connection((host, port), timeout=1).close()
    except (socket.timeout, TimeoutError):
        print("unanswered: gave up after 1 s, as expected", flush=True)
        return
    except OSError as e:
        print(f"unanswered: {e}", flush=True)
        return
    sys.exit("unanswered: the connection was accepted")


if __name__ == "__main__":
    mode, args = sys.argv[1], [a if not a.isdigit() else int(a) for a in sys.argv[2:]]
    {"server": server, "client": client, "refused": refused, "unanswered": unanswered}[mode](*args)
    time.sleep(float(os.environ.get("LINGER", "0")))
