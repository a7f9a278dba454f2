"""``api.Storage.Study``: the storage commands of a study (31 methods, plus the 3 DICOMweb
metadata methods of :mod:`ambra_sdk.storage.study_dicomweb`).

Common parameters of every method:

* ``engine_fqdn``: host (``host:port`` allowed) of the storage engine, usually
  ``study.engine_fqdn`` from the service API;
* ``namespace``: storage namespace, usually ``study.storage_namespace``;
* ``study_uid``: the study UID;
* ``use_box``: ``True`` (default) returns a Box of the JSON body, anything
  else the :class:`requests.Response`;
* ``only_prepare``: ``True`` returns the
  :class:`~ambra_sdk.storage.request.PreparedRequest` without sending it.

Streaming methods (``frame``, ``frame_tiff``, ``pdf``, ``attachment``,
``latest``, ``download``, ``video``) also take the keyword-only arguments
``to_path``, ``to_file``, ``progress`` and ``chunk_size`` to save big bodies in
constant memory (see :mod:`ambra_sdk.storage.download`).
"""

from ambra_sdk.storage.boxes import ImageJsonBox, JsonBox
from ambra_sdk.storage.paths import FRAME, IMAGE, STUDY
from ambra_sdk.storage.study_change import StudyChangeCommands
from ambra_sdk.storage.study_dicomweb import StudyDicomwebCommands
from ambra_sdk.storage.study_json import StudyJsonCommands
from ambra_sdk.storage.study_media import StudyMediaCommands

__all__ = ['Study', 'ImageJsonBox', 'JsonBox', 'STUDY', 'IMAGE', 'FRAME']


class Study(StudyJsonCommands, StudyMediaCommands, StudyChangeCommands, StudyDicomwebCommands):
    """Storage commands of a study (31 methods, plus 3 from the vendor's later API).

    JSON metadata: :class:`~ambra_sdk.storage.study_json.StudyJsonCommands`;
    binary content: :class:`~ambra_sdk.storage.study_media.StudyMediaCommands`;
    changes and derived studies:
    :class:`~ambra_sdk.storage.study_change.StudyChangeCommands`;
    DICOMweb metadata (storage API v22):
    :class:`~ambra_sdk.storage.study_dicomweb.StudyDicomwebCommands`.
    """
