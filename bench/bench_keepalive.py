"""Keep-alive: calls/s of one client thread when the emulator keeps connections open vs closes them.

Both emulators run in this process, one with ``keep_alive=True`` (the default,
as the real server) and one with ``keep_alive=False`` (``--no-keep-alive``:
``Connection: close`` after every answer, what werkzeug's dev server does).
The timed call is the user's: ``api.Session.user().get()`` with rate limits
off, measured alternately on both so that noise hits both. Then the same over
TLS (``Emulator(tls=True)``), where a new connection also costs a handshake.

The bench fails loudly when the path it means to time is not the one taken:
the keep-alive run must open no new connection, the other one connection per call.
Figures are medians of the per-call times (the machine's noise moves means a lot).
Targets: keep-alive time per call <= 1.0 x the closing server's over plain HTTP
(a loopback connect costs little), <= 0.8 x over TLS (a handshake per call).
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import report  # noqa: E402

#: Keep-alive time per call / closing server's time per call (plain HTTP, TLS).
TARGETS = {False: 1.0, True: 0.8}


class PathNotTakenError(AssertionError):
    """The bench did not time what it says (connections were or were not reused)."""


def measure(tls: bool, blocks: int = 15, per_block: int = 20) -> bool:
    """Median seconds per call on each server, from blocks of calls made alternately on both."""
    from ambra_sdk.emulator import Emulator

    with Emulator(tls=tls) as kept, Emulator(tls=tls, keep_alive=False) as closing:
        runs = []
        for emulator in (kept, closing):
            api = emulator.api(rate_limits=None)
            api.Session.user().get()  # log in, open the connection
            runs.append((emulator, api, [], []))
        for _ in range(blocks):
            for emulator, api, times, opened in runs:
                before = emulator.connections_accepted
                for _ in range(per_block):
                    start = time.perf_counter()
                    api.Session.user().get()
                    times.append(time.perf_counter() - start)
                opened.append(emulator.connections_accepted - before)
        (_, kept_api, kept_times, kept_opened), (_, closing_api, closing_times, closing_opened) = runs
        if any(kept_opened):
            raise PathNotTakenError('keep-alive run opened {0} connections'.format(kept_opened))
        if any(opened != per_block for opened in closing_opened):
            raise PathNotTakenError(
                'closing run reused connections: {0} per {1} calls'.format(closing_opened, per_block))
        kept_api.logout()
        closing_api.logout()
    per_call_kept = statistics.median(kept_times)
    per_call_closing = statistics.median(closing_times)
    label = 'TLS' if tls else 'HTTP'
    print('{0}: {1:.0f} calls/s with keep-alive, {2:.0f} calls/s with connections closed (1 thread, medians)'.format(
        label, 1 / per_call_kept, 1 / per_call_closing))
    return report('{0} Session.user().get() keep-alive vs closed'.format(label),
                  per_call_kept, per_call_closing, TARGETS[tls])


def main() -> int:
    ok = measure(tls=False)
    try:
        import trustme  # noqa: F401
    except ImportError:
        print('TLS: skipped (trustme is not installed)')
    else:
        ok = measure(tls=True) and ok
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
