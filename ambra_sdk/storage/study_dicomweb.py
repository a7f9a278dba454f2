"""``api.Storage.Study`` DICOMweb (WADO-RS) metadata: a study, a series or one instance as DICOM JSON.

Not in the v16 storage document of 3.21.6.0-1: storage API v22 documents
these three endpoints and the vendor's SDK 3.22.3 added the methods, with
these names and arguments:

* ``GET /dicomweb/{namespace}/studies/{study_uid}/metadata``;
* ``GET /dicomweb/{namespace}/studies/{study_uid}/series/{series_uid}/metadata``;
* ``GET /dicomweb/{namespace}/studies/{study_uid}/series/{series_uid}/instances/{image_uid}/metadata``;

each with ``?sid=`` and an optional ``phi_namespace``. The answer is a JSON
array of DICOM JSON objects (PS3.18 F.2: ``{"00100010": {"vr": "PN",
"Value": [...]}}``), without bulk data, pixel data or other binary values.
"""

from typing import Any, Dict, Optional

from box import Box, BoxList

from ambra_sdk.storage.namespace import BoxResult, StorageNamespace
from ambra_sdk.storage.request import StorageMethod
from ambra_sdk.storage.typed import OnlyPrepare, UseBox, box_method

STUDY_METADATA = '/dicomweb/{namespace}/studies/{study_uid}/metadata'
SERIES_METADATA = '/dicomweb/{namespace}/studies/{study_uid}/series/{series_uid}/metadata'
IMAGE_METADATA = '/dicomweb/{namespace}/studies/{study_uid}/series/{series_uid}/instances/{image_uid}/metadata'

__all__ = ['StudyDicomwebCommands', 'InstanceBox']


class InstanceBox(Box):
    """The DICOM JSON object of one instance.

    The server answers a one-element array (as WADO-RS does); the Box is
    that element (an answer that is already an object is boxed as is).
    """

    def __init__(self, answer: Any = None, **box_options: Any) -> None:
        if isinstance(answer, list):
            if len(answer) != 1:
                raise ValueError('expected the metadata of one instance, got {0} objects'.format(len(answer)))
            answer = answer[0]
        super().__init__(answer if answer is not None else {}, **box_options)


class StudyDicomwebCommands(StorageNamespace):
    """The three DICOMweb metadata commands of ``api.Storage.Study``."""

    def _metadata(
        self,
        template: str,
        engine_fqdn: str,
        path_args: Dict[str, Any],
        phi_namespace: Optional[str],
        use_box: bool,
        only_prepare: bool,
        box_class: Any,
    ) -> BoxResult:
        prepared = self._prepare(StorageMethod.get, template, engine_fqdn, path_args, {'phi_namespace': phi_namespace})
        return self._box(prepared, only_prepare, use_box, box_class)

    @box_method(BoxList)
    def study_dicomweb(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        phi_namespace: Optional[str] = None,
        use_box: UseBox = True,
        only_prepare: OnlyPrepare = False,
    ) -> BoxResult:
        """Get the DICOM JSON of every instance of a study.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param phi_namespace: namespace to take the PHI from (a shared copy of the study).
        :param use_box: return a BoxList (one DICOM JSON object per instance).
        :param only_prepare: return the request unsent.
        :return: BoxList, Response or PreparedRequest.
        """
        path_args = {'namespace': namespace, 'study_uid': study_uid}
        return self._metadata(STUDY_METADATA, engine_fqdn, path_args, phi_namespace, use_box, only_prepare, BoxList)

    @box_method(BoxList)
    def series_dicomweb(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        series_uid: str,
        phi_namespace: Optional[str] = None,
        use_box: UseBox = True,
        only_prepare: OnlyPrepare = False,
    ) -> BoxResult:
        """Get the DICOM JSON of every instance of a series.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param series_uid: series UID.
        :param phi_namespace: namespace to take the PHI from (a shared copy of the study).
        :param use_box: return a BoxList (one DICOM JSON object per instance).
        :param only_prepare: return the request unsent.
        :return: BoxList, Response or PreparedRequest.
        """
        path_args = {'namespace': namespace, 'study_uid': study_uid, 'series_uid': series_uid}
        return self._metadata(SERIES_METADATA, engine_fqdn, path_args, phi_namespace, use_box, only_prepare, BoxList)

    @box_method(Box)  # an InstanceBox (a Box) at run time
    def image_dicomweb(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        series_uid: str,
        image_uid: str,
        phi_namespace: Optional[str] = None,
        use_box: UseBox = True,
        only_prepare: OnlyPrepare = False,
    ) -> BoxResult:
        """Get the DICOM JSON of one instance.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param series_uid: series UID.
        :param image_uid: image (SOP Instance) UID.
        :param phi_namespace: namespace to take the PHI from (a shared copy of the study).
        :param use_box: return a Box of the instance's DICOM JSON object
            (:class:`InstanceBox`: the one element of the answer's array).
        :param only_prepare: return the request unsent.
        :return: Box, Response or PreparedRequest.
        """
        path_args = {'namespace': namespace, 'study_uid': study_uid, 'series_uid': series_uid, 'image_uid': image_uid}
        return self._metadata(
            IMAGE_METADATA, engine_fqdn, path_args, phi_namespace, use_box, only_prepare, InstanceBox,
        )
