"""GIL release, Ctrl-C during a blocking wait, and fork()."""

from __future__ import annotations

import os
import signal
import sys
import threading

import pytest

import natskit
from natskit.testing import LocalServer


def test_gil_is_released_while_waiting(nc: natskit.Client, subject: str) -> None:
    sub = nc.subscribe(subject)
    ticks = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    t = threading.Thread(target=count)
    t.start()
    before = ticks
    assert sub.next(timeout=0.5) is None
    during = ticks - before
    stop.set()
    t.join()
    assert during > 1000


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals need the main thread")
def test_ctrl_c_interrupts_a_blocking_next(nc: natskit.Client, subject: str) -> None:
    sub = nc.subscribe(subject)
    timer = threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        sub.next(timeout=30)
    timer.join()
    nc.publish(subject, b"still works")
    assert (m := sub.next(timeout=5)) is not None and m.data == b"still works"


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_client_from_before_fork_fails_in_child_and_child_can_connect(
    nc: natskit.Client, server: LocalServer, subject: str
) -> None:
    sub = nc.subscribe(subject)
    nc.flush()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            try:
                nc.publish(subject, b"from the child with the parent's client")
                report = "no error"
            except natskit.ClosedError as e:
                report = str(e)
            with natskit.connect(server.url) as child:
                child.publish(subject, b"from child")
                child.flush()
            os.write(write_end, report.encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    report = os.read(read_end, 4096).decode()
    os.close(read_end)
    assert os.WEXITSTATUS(status) == 0
    assert "fork" in report
    assert (m := sub.next(timeout=5)) is not None and m.data == b"from child"
    nc.publish(subject, b"parent still works")
    assert (m := sub.next(timeout=5)) is not None and m.data == b"parent still works"
