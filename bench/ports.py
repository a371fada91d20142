"""Free 127.0.0.1 ports for the servers the benchmark scripts start.

The ports come from below the kernel's ephemeral range: a port inside it can be taken by any
outgoing connection (to PostgreSQL, Redis, a test's client) between our check and the
server's bind, and the server then exits with "Address already in use".
"""

import random
import socket
from pathlib import Path

LOWEST = 10_000


def ephemeral_range_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int = 1) -> list[int]:
    """``count`` consecutive ports nothing is bound to, at a random place in the range so
    that two runs at once are unlikely to race for the same ones."""
    highest = ephemeral_range_start() - count
    if highest <= LOWEST:
        raise RuntimeError("the kernel's ephemeral port range leaves no room below it")
    start = random.randint(LOWEST, highest)
    for offset in range(highest - LOWEST + 1):
        first = LOWEST + (start - LOWEST + offset) % (highest - LOWEST + 1)
        ports = list(range(first, first + count))
        if all(is_free(port) for port in ports):
            return ports
    raise RuntimeError(f"no {count} consecutive free ports on 127.0.0.1 below {highest}")
