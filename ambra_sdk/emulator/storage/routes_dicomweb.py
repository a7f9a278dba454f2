"""DICOMweb (WADO-RS) metadata of storage API v22: a study, a series or one instance as DICOM JSON.

``GET /dicomweb/{namespace}/studies/{studyUid}[/series/{seriesUid}[/instances/{imageUid}]]/metadata``
answers ``application/dicom+json``: a JSON array with one DICOM JSON object
(PS3.18 F.2) per instance (the newest version of each), built from the stored
files with pydicom's ``Dataset.to_json_dict``. As the document says, bulk
data, pixel data and every other binary value (VR OB, OD, OF, OL, OV, OW,
UN) are left out, also inside sequences. ``phi_namespace`` is accepted and
ignored, as everywhere in the storage emulator. Unknown study, series or
instance: 404 ``STUDY_NOT_FOUND``, ``SERIES_NOT_FOUND``, ``IMAGE_NOT_FOUND``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from pydicom.dataset import Dataset
from werkzeug.wrappers import Response

from ambra_sdk.emulator.storage.errors import StorageError, image_not_found
from ambra_sdk.emulator.storage.index import ImageRecord
from ambra_sdk.emulator.storage.routing import StorageRequest, storage_route
from ambra_sdk.emulator.storage.upload import load_header

#: Content type of a DICOM JSON answer (PS3.18).
DICOM_JSON = 'application/dicom+json'
#: Value representations of binary values, never sent.
BINARY_VRS = frozenset(('OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN', 'OB or OW', 'US or OW', 'US or SS or OW'))
STUDY = '/dicomweb/<namespace>/studies/<study_uid>'


def strip_binary(dataset: Dataset) -> Dataset:
    """Remove every binary element (pixel data included) from ``dataset`` and its sequences, in place."""
    for element in list(dataset):
        if element.VR in BINARY_VRS:
            del dataset[element.tag]
        elif element.VR == 'SQ':
            for item in element.value or ():
                strip_binary(item)
    return dataset


def instance_json(record: ImageRecord) -> Dict[str, Any]:
    """The DICOM JSON object of one stored image (no binary values)."""
    dataset = load_header(record.path, force=True)
    return strip_binary(dataset).to_json_dict(bulk_data_threshold=2 ** 62)


def _answer(records: List[ImageRecord]) -> Response:
    body = json.dumps([instance_json(record) for record in records])
    return Response(body, status=200, content_type=DICOM_JSON)


def _study_images(req: StorageRequest, namespace: str, study_uid: str, series_uid: Optional[str]) -> List[ImageRecord]:
    req.require_study(namespace, study_uid)
    records = req.index.images(namespace, study_uid)
    if series_uid is None:
        return records
    records = [record for record in records if record.series_uid == series_uid]
    if not records:
        raise StorageError(
            'SERIES_NOT_FOUND', f'Series {series_uid} not found in study {study_uid}',
            {'namespace': namespace, 'study_uid': study_uid, 'series_uid': series_uid},
        )
    return records


@storage_route(STUDY + '/metadata')
def study_metadata(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Every instance of the study."""
    return _answer(_study_images(req, namespace, study_uid, None))


@storage_route(STUDY + '/series/<series_uid>/metadata')
def series_metadata(req: StorageRequest, namespace: str, study_uid: str, series_uid: str) -> Response:
    """Every instance of one series."""
    return _answer(_study_images(req, namespace, study_uid, series_uid))


@storage_route(STUDY + '/series/<series_uid>/instances/<image_uid>/metadata')
def instance_metadata(
    req: StorageRequest, namespace: str, study_uid: str, series_uid: str, image_uid: str,
) -> Response:
    """One instance (a one-element array, as WADO-RS answers)."""
    record = req.require_image(namespace, study_uid, image_uid)
    if record.series_uid != series_uid:
        raise image_not_found(namespace, study_uid, image_uid)
    return _answer([record])
