"""``bench/bench_bundle.py`` stops when the bundled run is not bundled.

Not a timing test: a bundle that quietly falls back to one request per call
must make the bench fail loudly (``PathNotTaken``), whatever the figures.
"""

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / 'bench'


@pytest.fixture
def bench_bundle(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import bench_bundle as module

    yield module
    sys.modules.pop('bench_bundle', None)


def test_a_bundle_sending_one_request_per_call_stops_the_bench(bench_bundle, monkeypatch):
    from _common import PathNotTaken

    from ambra_sdk.service.bundle import Bundle

    def one_by_one(self, queries=None):
        for query in queries or ():
            self.add(query)
        items = self.items[self._sent:]
        self._sent += len(items)
        for item in items:
            item._set(result=item.query.get())
        return items

    monkeypatch.setattr(Bundle, 'run', one_by_one)
    with pytest.raises(PathNotTaken, match='/bundle requests'):
        bench_bundle.main(calls=30)
