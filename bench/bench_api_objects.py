"""Target 6: ``Api.with_sid(...)`` with all namespaces reachable costs at most 2x ``requests.Session()``."""

import gc
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests  # noqa: E402
from _common import interleaved, report  # noqa: E402

from ambra_sdk.api import Api  # noqa: E402


def main() -> bool:
    assert Api.with_sid('http://127.0.0.1:9/api/v3', 'sid-bench').Study is not None  # warm the lazy imports
    gc.collect()
    api_time, session_time = interleaved(
        lambda: Api.with_sid('http://127.0.0.1:9/api/v3', 'sid-bench'),
        requests.Session,
        rounds=9,
        number=2000,
    )
    ok = report('Api.with_sid(...)', api_time, session_time, 2.0)
    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'sid-bench')
    sockets = 0
    for session in (api._service_session, api._storage_session):
        if session is not None:
            sockets += sum(len(a.poolmanager.pools) for a in session.adapters.values())
    print('{0:<48} {1} open pools (target 0) {2}'.format('idle Api', sockets, 'OK' if sockets == 0 else 'MISSED'))
    return ok and sockets == 0


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
