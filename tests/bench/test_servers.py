"""The benchmark's servers: free ports below the ephemeral range, and a start that fails
says why."""

import socket

import pytest

from bench import ports, run


def test_free_ports_are_consecutive_bindable_and_below_the_ephemeral_range():
    found = ports.free_ports(3)
    assert found == list(range(found[0], found[0] + 3))
    assert found[0] >= ports.LOWEST and found[-1] < ports.ephemeral_range_start()
    for port in found:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_port_something_listens_on_is_skipped(monkeypatch):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        taken = listener.getsockname()[1]
        listener.listen()
        monkeypatch.setattr(ports, "ephemeral_range_start", lambda: taken + 3)
        monkeypatch.setattr(ports.random, "randint", lambda low, high: taken - 1)
        # The run starting one below the taken port overlaps it; the next one that does not
        # starts just above it.
        assert ports.free_ports(2) == [taken + 1, taken + 2]


def test_a_server_that_exits_before_it_is_ready_reports_the_end_of_its_log(tmp_path):
    """CI keeps only the harness's output, not the server's log file."""

    server = run.Service(
        "server:1",
        ["sh", "-c", "echo 'Connection in use: 127.0.0.1:1'; exit 3"],
        {"PATH": "/usr/bin:/bin"},
        tmp_path / "server.log",
    )
    try:
        with pytest.raises(RuntimeError, match=r"server:1 exited.*\n.*Connection in use"):
            server.wait_until_ready("http://127.0.0.1:1/", seconds=30)
    finally:
        server.stop()
