"""Real images for the demo studies of ``seed=True`` / ``--seed``.

Each demo study gets DICOM files in storage, made from a file that pydicom
ships (``CT_small.dcm``, ``MR_small.dcm``; never downloaded) with the study's
patient and study tags and UIDs derived from its StudyInstanceUID, so that
``schema``, ``image_json``, downloads and ``ambra study download`` work on the
seeded studies as on uploaded ones.
"""

from __future__ import annotations

import functools
import hashlib
import io
from typing import TYPE_CHECKING, Any, Mapping, Tuple

from pydicom import dcmread
from pydicom.data import get_testdata_file

from ambra_sdk.emulator.private_files import open_private
from ambra_sdk.emulator.storage.derive import write_dataset
from ambra_sdk.emulator.storage.routing import index_for
from ambra_sdk.emulator.storage.studies import SERVICE_FIELDS, sync_service_study
from ambra_sdk.emulator.storage.upload import file_dicom

if TYPE_CHECKING:  # pragma: no cover
    from ambra_sdk.emulator.state import State

__all__ = ['bundled_file', 'store_demo_images', 'TEMPLATES', 'DEFAULT_TEMPLATE']

#: Bundled pydicom file used as the template of a modality.
TEMPLATES = {'CT': 'CT_small.dcm', 'MR': 'MR_small.dcm'}
#: Template of the other modalities (its Modality tag is replaced).
DEFAULT_TEMPLATE = 'CT_small.dcm'

#: Demo study field -> DICOM keyword written into its images (the service fields storage reads back, and Modality).
_TAGS = {**SERVICE_FIELDS, 'modality': 'Modality'}


def bundled_file(name: str) -> str:
    """Path of a test file shipped inside pydicom (never downloaded), on pydicom 2 and 3.

    :raises FileNotFoundError: this pydicom does not ship ``name``.
    """
    try:
        path = get_testdata_file(name, download=False)  # type: ignore[call-arg,unused-ignore]
    except TypeError:  # pydicom < 3 has no ``download`` (and downloads only files it does not ship)
        path = get_testdata_file(name)
    if not path:
        raise FileNotFoundError(name)
    return str(path)


@functools.lru_cache(maxsize=64)
def _demo_file(template: str, study_uid: str, number: int, tags: Tuple[Tuple[str, str], ...]) -> bytes:
    """The bytes of one demo image (made once per process: every ``reset()`` of a seeded emulator re-seeds)."""
    ds = dcmread(bundled_file(template))
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = '{0}.1'.format(study_uid)
    ds.SOPInstanceUID = '{0}.1.{1}'.format(study_uid, number)
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.SeriesNumber = 1
    ds.InstanceNumber = number
    ds.SeriesDescription = 'Demo series'
    for keyword, value in tags:
        setattr(ds, keyword, value)
    body = io.BytesIO()
    write_dataset(ds, body)
    return body.getvalue()


def store_demo_images(
    state: State, namespace: str, study_uid: str, engine_fqdn: str, fields: Mapping[str, Any], count: int = 2,
) -> None:
    """Store ``count`` images of a demo study and bring its service row up to date (synchronously).

    :param fields: the study's service fields (``patient_name``, ``modality``...), written as tags.
    """
    template = TEMPLATES.get(str(fields.get('modality') or ''), DEFAULT_TEMPLATE)
    tags = tuple((keyword, str(fields[field])) for field, keyword in _TAGS.items() if fields.get(field))
    index = index_for(state)
    last = None
    for number in range(1, count + 1):
        content = _demo_file(template, study_uid, number, tags)
        tmp = index.new_tmp_path()
        with open_private(tmp) as out:  # the data folder's files are private
            out.write(content)
        last = file_dicom(index, namespace, tmp, len(content), hashlib.sha1(content).hexdigest())
    sync_service_study(state, index, namespace, study_uid, engine_fqdn, last.dataset if last else None)
