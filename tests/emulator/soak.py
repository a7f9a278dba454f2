"""16 clients uploading real DICOM and listing studies at once, over plain requests.

Used by ``test_soak.py`` (a few seconds) and ``bench/bench_emulator_soak.py``
(a minute). Each client loops until the time is up: it uploads a new
instance (CT_small with fresh UIDs) through storage, then lists studies
through the service. Every answer's status is counted; at the end every
uploaded study must be listed exactly once. Uploads reach the service after
the emulator's processing step, so the final check lists again (as a user's
script polls) until every upload is there or ``settle`` seconds passed.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import requests

from tests.helpers.dicoms import dicom_bytes


def run_soak(
    emulator: Any, seconds: float, clients: int = 16, max_uploads_per_client: int = 10000, settle: float = 30.0,
) -> dict:
    """Run the soak and return counts (statuses, uploads, listed, missing, duplicated)."""
    from pydicom.uid import generate_uid

    sid = emulator.login()
    namespace = emulator.namespace_id
    storage = emulator.storage_base_url.format(engine_fqdn=emulator.engine_fqdn)
    statuses: Counter = Counter()
    uploaded: list = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        session = requests.Session()
        for _ in range(max_uploads_per_client):
            if time.monotonic() >= deadline:
                return
            study_uid = generate_uid()
            response = session.post(
                '{0}/namespace/{1}/image'.format(storage, namespace), params={'sid': sid},
                data=dicom_bytes(study_uid), timeout=60,
            )
            with lock:
                statuses[response.status_code] += 1
                if response.status_code in (200, 202):
                    uploaded.append(study_uid)
            listing = session.post(emulator.url + '/study/list', data={
                'sid': sid, 'page.rows': '20', 'filter.study_uid.equals': study_uid,
            }, timeout=60)
            with lock:
                statuses[listing.status_code] += 1

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    settled = time.monotonic() + settle
    while True:
        listed = _listed(emulator, sid)
        if all(listed[uid] for uid in uploaded) or time.monotonic() >= settled:
            break
        time.sleep(0.1)
    return {
        'statuses': dict(statuses),
        'uploads': len(uploaded),
        'missing': [uid for uid in uploaded if listed[uid] == 0],
        'duplicated': [uid for uid in uploaded if listed[uid] > 1],
        'server_errors': sum(count for status, count in statuses.items() if status >= 500),
    }


def _listed(emulator: Any, sid: str) -> Counter:
    """How many times each study UID is listed by ``/study/list`` (every page)."""
    listed: Counter = Counter()
    page = 1
    while True:
        body = requests.post(emulator.url + '/study/list', data={
            'sid': sid, 'page.rows': '5000', 'page.number': str(page),
        }, timeout=120).json()
        for study in body['studies']:
            listed[study['study_uid']] += 1
        if not body['page'].get('more'):
            return listed
        page += 1
