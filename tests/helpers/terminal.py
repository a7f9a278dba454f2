"""Run a program with its stdout and stderr on a pseudo-terminal (POSIX), as a person at a terminal sees it."""

import os
import subprocess
import time
from typing import Dict, List, Optional, Tuple

__all__ = ['run_on_terminal']


def _terminal_size(descriptor: int, rows: int = 40, columns: int = 160) -> None:
    """Give a pseudo-terminal a size, as a terminal window has."""
    import fcntl
    import struct
    import termios

    fcntl.ioctl(descriptor, termios.TIOCSWINSZ, struct.pack('HHHH', rows, columns, 0, 0))


def run_on_terminal(argv: List[str], env: Dict[str, str], cwd: Optional[str] = None,
                    timeout: float = 180) -> Tuple[int, str]:
    """Run ``argv`` (stdin empty) with stdout and stderr on one pseudo-terminal of 40x160.

    :return: ``(exit code, what the terminal received)`` (``\\r\\n`` as the terminal got it).
    """
    import pty
    import select

    leader, follower = pty.openpty()
    _terminal_size(follower)
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env=env, cwd=cwd)
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the terminal closed (Linux: EIO)
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    os.close(leader)
    return process.wait(timeout=10), b''.join(chunks).decode('utf-8', 'replace')
