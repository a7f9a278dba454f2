"""Target 3: turning a 10 000-image ``schema`` response into the returned object costs at most 3x ``json.loads``.

Also checks that attribute access on the result is as fast as on a plain Box
(target 1.2x), and prints the eager ``Box`` cost for comparison.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import interleaved, report  # noqa: E402
from box import Box  # noqa: E402

from ambra_sdk.service.lazy_box import LazyBox  # noqa: E402


def schema_body(images: int = 10000, series: int = 20) -> bytes:
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


def storage_box_constructor():
    """The constructor the storage layer uses for Box results."""
    try:
        from ambra_sdk.storage.response import box_from_response_json  # type: ignore[attr-defined]
    except ImportError:
        return LazyBox
    return box_from_response_json


def main() -> bool:
    body = schema_body()
    construct = storage_box_constructor()
    sdk, base = interleaved(lambda: construct(json.loads(body)), lambda: json.loads(body), rounds=7)
    ok = report('schema (10 000 images) -> returned Box', sdk, base, 3.0)
    eager, base2 = interleaved(lambda: Box(json.loads(body)), lambda: json.loads(body), rounds=3)
    print('{0:<48} ratio {1:5.2f} (reference-style eager Box, for comparison)'.format('eager Box', eager / base2))

    lazy_obj = construct(json.loads(body))
    plain = Box(json.loads(body))

    def walk(obj):
        total = 0
        for series in obj.series:
            for image in series.images:
                total += len(image.version)
        return total

    walk(lazy_obj)
    access_sdk, access_box = interleaved(lambda: walk(lazy_obj), lambda: walk(plain), rounds=7)
    ok = report('attribute access over 10 000 images', access_sdk, access_box, 1.2) and ok
    return ok


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
