"""Holds CONNECTIONS TCP connections over the loopback of the caller's network namespace, both
ends in this process, each having carried a few bytes: a pod's worth of idle sockets for
bench/namespaces. Prints "ready" once they are open, then holds them for SECONDS (or until
killed) and exits.

usage: loopback_hold.py CONNECTIONS SECONDS
"""
import socket
import sys
import time

connections, seconds = int(sys.argv[1]), float(sys.argv[2])
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(connections)
held = []
for _ in range(connections):
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    client.sendall(b"x" * 100)
    server.recv(100)
    held += [client, server]
print("ready", flush=True)
time.sleep(seconds)
