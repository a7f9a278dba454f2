"""Raw HTTP against the emulator for the limit and origin checks of issue 24 (real sockets)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

Answer = Tuple[int, Dict[str, str], bytes]


def connect(engine_fqdn: str, timeout: float = 10.0) -> socket.socket:
    """A TCP connection to ``host:port``."""
    host, _, port = engine_fqdn.rpartition(':')
    return socket.create_connection((host, int(port)), timeout=timeout)


def head(method: str, target: str, engine_fqdn: str, headers: Optional[Dict[str, str]] = None) -> bytes:
    """A request head naming the emulator as ``Host`` (unless ``headers`` has one)."""
    fields = {'Host': engine_fqdn}
    fields.update(headers or {})
    lines = ['{0} {1} HTTP/1.1'.format(method, target)] + ['{0}: {1}'.format(k, v) for k, v in fields.items()]
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1')


def read_answer(sock: socket.socket) -> Answer:
    """Read one answer with a Content-Length body: ``(status, lower-cased headers, body)``."""
    data = b''
    while b'\r\n\r\n' not in data:
        piece = sock.recv(65536)
        if not piece:
            raise ConnectionError('closed before an answer: {0!r}'.format(data[:200]))
        data += piece
    raw_head, _, body = data.partition(b'\r\n\r\n')
    lines = raw_head.decode('latin-1').split('\r\n')
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(':')
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get('content-length', '0'))
    while len(body) < length:
        piece = sock.recv(65536)
        if not piece:
            break
        body += piece
    return status, headers, body[:length]


def json_of(answer: Answer) -> Any:
    """The JSON body of an answer."""
    return json.loads(answer[2].decode('utf-8'))


def closed_by_peer(sock: socket.socket, timeout: float) -> bool:
    """True when the peer closes (EOF or reset) within ``timeout`` seconds, reading what it sends."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except socket.timeout:
        return False
    except OSError:
        return True
    return True


def peak_rss_kib(pid: int) -> int:
    """``VmHWM`` of a process (Linux): its peak resident memory in KiB."""
    for line in Path('/proc/{0}/status'.format(pid)).read_text().splitlines():
        if line.startswith('VmHWM:'):
            return int(line.split()[1])
    raise RuntimeError('no VmHWM for {0}'.format(pid))
