"""Target 2: per-call cost of the SDK against a bare ``requests.Session`` + ``json.loads``.

Both hit the same emulator on loopback, interleaved, so the server's own cost
is in both figures and the ratio shows what the SDK adds:

* service ``api.Session.user().get()`` (rate limits off) vs a raw POST;
* storage ``api.Storage.Study.count(...)`` (a small JSON GET -> Box) vs a raw GET.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests  # noqa: E402
from _common import interleaved, report  # noqa: E402


def main(number: int = 200) -> bool:
    from pydicom.data import get_testdata_file

    from ambra_sdk.emulator import Emulator

    with Emulator() as emulator:
        api = emulator.api(rate_limits=None)
        user = api.Session.user().get()
        sid = api.sid
        namespace = user.namespace_id
        with open(get_testdata_file('CT_small.dcm'), 'rb') as dicom_file:
            image = api.Storage.Image.upload(engine_fqdn=emulator.engine_fqdn, namespace=namespace,
                                             opened_file=dicom_file)
        raw = requests.Session()
        service_url = emulator.url + '/session/user'
        storage_url = emulator.storage_base_url.format(engine_fqdn=emulator.engine_fqdn) + \
            '/study/{0}/{1}/count'.format(namespace, image.study_uid)

        def raw_service():
            return json.loads(raw.post(service_url, data={'sid': sid}, timeout=30).content)

        def sdk_service():
            return api.Session.user().get()

        def raw_storage():
            return json.loads(raw.get(storage_url, params={'sid': sid}, timeout=30).content)

        def sdk_storage():
            return api.Storage.Study.count(engine_fqdn=emulator.engine_fqdn, namespace=namespace,
                                           study_uid=image.study_uid)

        for fn in (raw_service, sdk_service, raw_storage, sdk_storage):
            fn()
        sdk, base = interleaved(sdk_service, raw_service, rounds=9, number=number)
        ok = report('service get() per call', sdk, base, 1.10)
        sdk, base = interleaved(sdk_storage, raw_storage, rounds=9, number=number)
        ok = report('storage JSON GET -> Box per call', sdk, base, 1.10) and ok
        return ok


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
