#!/usr/bin/env python3
# Raw IP-in-IP (IP protocol 4) packets for the host-side e2e cases: this kernel has no IPIP
# device, but a raw socket of protocol 4 sends such packets and receives every one the
# netfilter INPUT hook lets through (raw delivery happens after it).
#
#   ipip.py recv           prints "ready", then the source of every packet it gets, one a line,
#                          until killed
#   ipip.py send SRC DST   sends three IPIP packets from SRC (a local address) to DST
import socket
import sys
import time

if sys.argv[1] == "recv":
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 4)
    print("ready", flush=True)
    while True:
        _, addr = s.recvfrom(4096)
        print(addr[0], flush=True)
else:
    src, dst = sys.argv[2], sys.argv[3]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 4)
    s.bind((src, 0))
    # The inner packet: an IPv4 header of a UDP packet between two pod addresses.
    inner = bytes([0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2])
    for _ in range(3):
        s.sendto(inner, (dst, 0))
