"""``bench/bench_box.py`` fails when the path it times is slowed down or not taken.

Not a timing test of the SDK: it checks the bench itself. The slow-down
(an eager ``Box`` built on every call, ~40x ``json.loads``) is far beyond the
3x target, so the outcome does not depend on the machine's noise.
"""

import copy
import sys
from pathlib import Path

import pytest
from box import Box

from ambra_sdk.service.lazy_box import LAZY_NODES

BENCH = Path(__file__).resolve().parents[2] / 'bench'
#: With python-box < 8 (Python 3.9) results are eager: the bench's path does not exist there.
pytestmark = pytest.mark.skipif(not LAZY_NODES, reason='python-box < 8 builds eager results')


@pytest.fixture
def bench_box(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import bench_box as module

    yield module
    sys.modules.pop('bench_box', None)


def test_forcing_the_plain_box_constructor_stops_the_bench(bench_box, monkeypatch):
    from _common import PathNotTaken

    import ambra_sdk.storage.boxes as boxes

    monkeypatch.setattr(boxes, 'box_from_json', lambda data, box_class: box_class(data))
    with pytest.raises(PathNotTaken):
        bench_box.measure_schema(rounds=1, number=1, images=200)


def test_a_slowed_down_timed_path_fails_the_bench(bench_box, monkeypatch, capsys):
    import ambra_sdk.storage.boxes as boxes

    fast = boxes.box_from_json

    def slow(data, box_class):
        Box(copy.deepcopy(data))  # the reference's eager conversion, thrown away
        return fast(data, box_class)

    monkeypatch.setattr(boxes, 'box_from_json', slow)
    assert bench_box.main(rounds=2, number=1) is False
    assert 'Storage.Study.schema (10 000 images)' in capsys.readouterr().out.split('MISSED')[0]
