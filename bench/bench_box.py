"""``api.Storage.Study.schema(...)`` of a 10 000-image study costs at most 3x ``json.loads`` of the same bytes.

The timed call is the user's: ``api.Storage.Study.schema`` against a loopback
HTTP server answering the 10 000-image body (about 1 MB), so the figure holds
the request, the transfer, the JSON decoding and the Box. The baseline is
``json.loads`` of the same bytes, measured interleaved in the same process.

The bench stops (``PathNotTaken``) when the path it times is not the SDK's
fast one: the result must be exactly ``Box``, equal to the decoded body, with
nested values not built yet (built on first read), and every timed call must
reach the server.

Also: attribute access over every image of the result against a plain Box
(target 1.2x), and the eager ``Box`` (what the reference built) for comparison.
"""

import json
import sys
from pathlib import Path
from typing import Any, Callable, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import LoopbackServer, interleaved, report, require  # noqa: E402
from box import Box  # noqa: E402

from ambra_sdk.api import Api  # noqa: E402

SCHEMA_TARGET = 3.0
ACCESS_TARGET = 1.2


def schema_body(images: int = 10000, series: int = 20) -> bytes:
    """A ``/schema`` answer with ``images`` images in ``series`` series."""
    per_series = images // series
    return json.dumps({
        'study_uid': '1.2.3',
        'attachments': [],
        'series': [
            {
                'series_uid': '1.2.3.{0}'.format(s),
                'modality': 'CT',
                'images': [
                    {'id': '1.2.3.{0}.{1}'.format(s, i), 'version': 'abcdef{0}'.format(i),
                     'frame_count': 1, 'tags': {'00080060': 'CT', '00100010': 'X'}}
                    for i in range(per_series)
                ],
            }
            for s in range(series)
        ],
    }).encode()


def check_fast_path(result: Any, body: bytes) -> None:
    """Stop the bench unless ``result`` came from the lazy builder of storage Boxes."""
    require(type(result) is Box, 'schema() returns exactly Box, got {0}'.format(type(result).__name__))
    series = dict.__getitem__(result, 'series')
    require(type(series).__name__ == 'LazyNestedBoxList',
            'nested values are lazy stand-ins, got {0}'.format(type(series).__name__))
    require(type(list.__getitem__(series, 0)) is dict, 'nested values are not built before they are read')
    require(result == json.loads(body), 'the result equals the decoded body')


def timed_schema(api: Api, server: LoopbackServer) -> Callable[[], Any]:
    """The user's call."""
    def call() -> Any:
        return api.Storage.Study.schema(engine_fqdn=server.engine_fqdn, namespace='ns', study_uid='1.2.3')
    return call


def measure_schema(rounds: int = 7, number: int = 3, images: int = 10000) -> Tuple[float, float]:
    """Median seconds of ``schema()`` and of ``json.loads`` of its body (path checked)."""
    body = schema_body(images)
    with LoopbackServer({'/schema': body}) as server:
        api = Api.with_sid('http://127.0.0.1:9/api/v3', 'sid-bench', storage_base_url='http://{engine_fqdn}/api/v3/storage')
        call = timed_schema(api, server)
        check_fast_path(call(), body)
        before = server.count('/schema')
        sdk, base = interleaved(call, lambda: json.loads(body), rounds=rounds, number=number)
        require(server.count('/schema') - before == rounds * number, 'every timed call reached the server')
        check_fast_path(call(), body)
    return sdk, base


def main(rounds: int = 7, number: int = 3) -> bool:
    sdk, base = measure_schema(rounds=rounds, number=number)
    ok = report('Storage.Study.schema (10 000 images)', sdk, base, SCHEMA_TARGET)

    body = schema_body()
    eager, base2 = interleaved(lambda: Box(json.loads(body)), lambda: json.loads(body), rounds=min(rounds, 3))
    print('{0:<48} ratio {1:5.2f} (eager Box, as the reference built, for comparison)'.format(
        'eager Box', eager / base2))

    with LoopbackServer({'/schema': body}) as server:
        api = Api.with_sid('http://127.0.0.1:9/api/v3', 'sid-bench', storage_base_url='http://{engine_fqdn}/api/v3/storage')
        result = timed_schema(api, server)()
    check_fast_path(result, body)
    plain = Box(json.loads(body))

    def walk(obj: Any) -> int:
        total = 0
        for series in obj.series:
            for image in series.images:
                total += len(image.version)
        return total

    require(walk(result) == walk(plain), 'the walk reads the same values')
    access_sdk, access_box = interleaved(lambda: walk(result), lambda: walk(plain), rounds=7)
    ok = report('attribute access over 10 000 images', access_sdk, access_box, ACCESS_TARGET) and ok
    return ok


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
