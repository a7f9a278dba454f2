"""The emulator in a subprocess, for the benches: optionally behind a network profile.

:class:`EmulatorProcess` starts ``python -m ambra_sdk.emulator`` (so the
measured process holds only the client), reads its banner (URL, user,
control token, network profile) and drives its control API. With
``network='rtt=40ms,conn=50Mbit,total=1Gbit'`` the emulator shapes every
connection (:mod:`ambra_sdk.emulator.network`); the bench stops with
``PATH NOT TAKEN`` when the banner does not show the profile asked for.
:func:`limit_line` prints the physical limit ``min(total, streams x conn)``
that every transfer bench shows beside its figure.
"""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import require  # noqa: E402

from ambra_sdk.emulator.network import NetworkProfile, parse_network  # noqa: E402

#: The profile of issue 26: a 40 ms round trip, 50 Mbit/s per connection, 1 Gbit/s in total.
WAN = 'rtt=40ms,conn=50Mbit,total=1Gbit'


def mib_s(rate: Optional[float]) -> str:
    """A rate in bytes/s as ``12.3 MiB/s`` (``unlimited`` for None)."""
    return 'unlimited' if rate is None else '{0:.1f} MiB/s'.format(rate / 2 ** 20)


class EmulatorProcess:
    """``python -m ambra_sdk.emulator`` in a subprocess, driven by its control API.

    :param data_dir: the emulator's ``--data`` folder (its own temporary folder when None).
    :param network: a network profile (None or ``''``: loopback as is).
    :param port: the port (0: a free one).
    :param tree: the checkout whose emulator runs (default: this one).
    :param wrapper: a command the emulator runs under (e.g. ``tools/callgrind.command``'s prefix).
    :param options: more command-line options of the emulator.
    :param env: more environment variables.
    """

    def __init__(self, data_dir: Optional[Path] = None, network: Optional[str] = None, port: int = 0,
                 tree: Path = ROOT, wrapper: Sequence[str] = (), options: Sequence[str] = (),
                 env: Optional[Mapping[str, str]] = None) -> None:
        self.profile: NetworkProfile = parse_network(network)
        command = [*wrapper, sys.executable, '-m', 'ambra_sdk.emulator', '--port', str(port), *options]
        if data_dir is not None:
            command += ['--data', str(data_dir)]
        if any(self.profile):
            command += ['--network', str(self.profile)]
        self.process = subprocess.Popen(
            command,
            cwd=str(tree),  # ``-m`` puts the working folder first on sys.path
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {}), 'PYTHONPATH': str(tree)},
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if 'listening on' not in first:
            self.stop()
            raise RuntimeError('the emulator did not start: {0!r}'.format(first))
        self.url = first.split('listening on', 1)[1].strip()
        self.root = self.url.split('/api/v3')[0]
        self.engine_fqdn = self.root.split('://', 1)[1]
        #: The banner's ``key: value`` lines (username, password, control_token, network...) and the url.
        self.info: Dict[str, str] = {'url': self.url}
        for line in iter(self.process.stdout.readline, ''):
            if line.startswith('Press Ctrl-C'):
                break
            key, sep, value = line.strip().partition(': ')
            if sep:
                self.info[key] = value.split()[0]
        self.control_headers = {'X-Ambra-Emulator-Token': self.info['control_token']}
        shown = parse_network(self.info.get('network'))
        if shown != self.profile:
            self.stop()
        require(shown == self.profile, 'the emulator shapes its connections as {0} (banner: {1})'.format(
            self.profile, self.info.get('network', 'no profile')))

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call the control API (``/_emulator/...``) and return its decoded JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.root + path, data=data, method=method, headers=self.control_headers)
        if data is not None:
            request.add_header('Content-Type', 'application/json')
        with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 (loopback)
            return json.loads(response.read() or b'null')

    def reset(self, delay: float = 0.0) -> None:
        """Fresh state (and, with ``delay``, that many seconds added to every request by a fault rule)."""
        self.control('POST', '/_emulator/reset')
        if delay:
            self.control('POST', '/_emulator/faults', {'path_pattern': '*', 'delay': delay, 'times': None})

    def requests(self) -> List[Dict[str, Any]]:
        """The emulator's request log (and clear it)."""
        log = self.control('GET', '/_emulator/requests')
        self.control('DELETE', '/_emulator/requests')
        return list(log)

    def api(self) -> Any:
        """A logged-in Api talking to this emulator (no client-side rate limits)."""
        from ambra_sdk.api import Api

        api = Api.with_creds(
            self.info['url'], self.info['username'], self.info['password'],
            storage_base_url='http://{engine_fqdn}/api/v3/storage', rate_limits=None,
        )
        api.get_sid()
        return api

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used by the emulator process so far (Linux; 0.0 elsewhere)."""
        try:
            with open('/proc/{0}/stat'.format(self.process.pid)) as stat:
                fields = stat.read().rsplit(')', 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

    def traffic(self) -> Tuple[int, int]:
        """Bytes ``(received, sent)`` over the shaped connections so far (``GET /_emulator/network``)."""
        answer = self.control('GET', '/_emulator/network')
        return int(answer['received']), int(answer['sent'])

    def limit(self, streams: int) -> Optional[float]:
        """The physical limit of ``streams`` connections, bytes/s (None: no cap)."""
        return self.profile.limit(streams)

    def stop(self, timeout: float = 10) -> None:
        """Stop the subprocess (SIGTERM: it exits cleanly; killed after ``timeout`` seconds)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> 'EmulatorProcess':
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
