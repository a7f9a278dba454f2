"""JSON metadata commands of ``Storage.Study``."""

from typing import Optional

from box import Box

from ambra_sdk.storage.args import bool_to_int
from ambra_sdk.storage.boxes import ImageJsonBox, JsonBox
from ambra_sdk.storage.namespace import BoxResult, StorageNamespace
from ambra_sdk.storage.paths import IMAGE, STUDY, image_path
from ambra_sdk.storage.request import StorageMethod
from ambra_sdk.storage.typed import OnlyPrepare, UseBox, box_method


class StudyJsonCommands(StorageNamespace):
    """JSON metadata commands of ``Storage.Study``."""

    @box_method(Box)
    def schema(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        extended: Optional[bool] = None,
        attachments_only: Optional[bool] = None,
        phi_namespace: Optional[str] = None,
        use_box: UseBox = True,
        only_prepare: OnlyPrepare = False,
    ) -> BoxResult:
        """Get the study schema (series, images, attachments).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param extended: add the extended fields.
        :param attachments_only: only the attachments (sent as 1/0).
        :param phi_namespace: namespace to take the PHI from.
        :param use_box: return a Box.
        :param only_prepare: return the request unsent.
        :return: Box, Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.get,
            STUDY + '/schema',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            {
                'extended': bool_to_int(extended, 'extended'),
                'attachments_only': bool_to_int(attachments_only, 'attachments_only'),
                'phi_namespace': phi_namespace,
            },
        )
        return self._box(prepared, only_prepare, use_box, Box)

    @box_method(Box)
    def count(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        images_only: Optional[bool] = None,
        attachments_only: Optional[bool] = None,
        count_files: Optional[bool] = None,
        use_box: UseBox = True,
        only_prepare: OnlyPrepare = False,
    ) -> BoxResult:
        """Count the images and attachments of the study.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param images_only: count images only.
        :param attachments_only: count attachments only.
        :param count_files: count files.
        :param use_box: return a Box.
        :param only_prepare: return the request unsent.
        :return: Box, Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.get,
            STUDY + '/count',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            {
                'images_only': bool_to_int(images_only, 'images_only'),
                'attachments_only': bool_to_int(attachments_only, 'attachments_only'),
                'count_files': bool_to_int(count_files, 'count_files'),
            },
        )
        return self._box(prepared, only_prepare, use_box, Box)

    @box_method(Box)
    def tag(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        phi_namespace: Optional[str] = None,
        use_box: UseBox = True,
        only_prepare: OnlyPrepare = False,
    ) -> BoxResult:
        """Get the study tags.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param phi_namespace: namespace to take the PHI from.
        :param use_box: return a Box.
        :param only_prepare: return the request unsent.
        :return: Box, Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.get,
            STUDY + '/tag',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            {'phi_namespace': phi_namespace},
        )
        return self._box(prepared, only_prepare, use_box, Box)

    @box_method(Box)
    def attribute(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        image_uid: str,
        image_version: str,
        phi_namespace: Optional[str] = None,
        groups: Optional[str] = None,
        include_tags: Optional[str] = None,
        exclude_unnamed: Optional[str] = None,
        use_box: UseBox = True,
        only_prepare: OnlyPrepare = False,
    ) -> BoxResult:
        """Get the attributes of an image.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param image_uid: image UID.
        :param image_version: image version.
        :param phi_namespace: namespace to take the PHI from.
        :param groups: comma-separated DICOM groups (decimal or 0x hex).
        :param include_tags: comma-separated tags, e.g. ``00080018,00080020``.
        :param exclude_unnamed: ``'1'`` to drop unnamed tags (sent as given).
        :param use_box: return a Box.
        :param only_prepare: return the request unsent.
        :return: Box, Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.get,
            IMAGE + '/attribute',
            engine_fqdn,
            image_path(namespace, study_uid, image_uid, image_version),
            {
                'phi_namespace': phi_namespace,
                'groups': groups,
                'include_tags': include_tags,
                'exclude_unnamed': exclude_unnamed,
            },
        )
        return self._box(prepared, only_prepare, use_box, Box)

    @box_method(Box)
    def image_phi(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        image_uid: str,
        image_version: str,
        phi_namespace: Optional[str] = None,
        use_box: UseBox = True,
        only_prepare: OnlyPrepare = False,
    ) -> BoxResult:
        """Get the PHI of an image.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param image_uid: image UID.
        :param image_version: image version.
        :param phi_namespace: namespace to take the PHI from.
        :param use_box: return a Box.
        :param only_prepare: return the request unsent.
        :return: Box, Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.get,
            IMAGE + '/phi',
            engine_fqdn,
            image_path(namespace, study_uid, image_uid, image_version),
            {'phi_namespace': phi_namespace},
        )
        return self._box(prepared, only_prepare, use_box, Box)

    @box_method(Box)
    def phi(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        phi_namespace: Optional[str] = None,
        use_box: UseBox = True,
        only_prepare: OnlyPrepare = False,
    ) -> BoxResult:
        """Get the PHI of the study.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param phi_namespace: namespace to take the PHI from.
        :param use_box: return a Box.
        :param only_prepare: return the request unsent.
        :return: Box, Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.get,
            STUDY + '/phi',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            {'phi_namespace': phi_namespace},
        )
        return self._box(prepared, only_prepare, use_box, Box)

    @box_method(ImageJsonBox)
    def image_json(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        image_uid: str,
        image_version: str,
        phi_namespace: Optional[str] = None,
        exclude_unnamed: Optional[bool] = None,
        all_dicom_values: Optional[bool] = None,
        groups: Optional[str] = None,
        include_tags: Optional[str] = None,
        use_box: UseBox = True,
        only_prepare: OnlyPrepare = False,
    ) -> BoxResult:
        """Get the DICOM tags of an image as an :class:`ImageJsonBox`.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param image_uid: image UID.
        :param image_version: image version.
        :param phi_namespace: namespace to take the PHI from.
        :param exclude_unnamed: drop unnamed tags.
        :param all_dicom_values: all values of multi-valued tags.
        :param groups: comma-separated DICOM groups.
        :param include_tags: comma-separated tags.
        :param use_box: return an ImageJsonBox.
        :param only_prepare: return the request unsent.
        :return: ImageJsonBox, Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.get,
            IMAGE + '/json',
            engine_fqdn,
            image_path(namespace, study_uid, image_uid, image_version),
            {
                'phi_namespace': phi_namespace,
                'exclude_unnamed': bool_to_int(exclude_unnamed, 'exclude_unnamed'),
                'all_dicom_values': bool_to_int(all_dicom_values, 'all_dicom_values'),
                'groups': groups,
                'include_tags': include_tags,
            },
        )
        return self._box(prepared, only_prepare, use_box, ImageJsonBox)

    @box_method(JsonBox)
    def json(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        phi_namespace: Optional[str] = None,
        groups: Optional[str] = None,
        all_dicom_values: Optional[bool] = None,
        include_tags: Optional[str] = None,
        exclude_unnamed: Optional[bool] = None,
        series_uid: Optional[str] = None,
        use_box: UseBox = True,
        only_prepare: OnlyPrepare = False,
    ) -> BoxResult:
        """Get the DICOM tags of every image of the study as a :class:`JsonBox`.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param phi_namespace: namespace to take the PHI from.
        :param groups: comma-separated DICOM groups.
        :param all_dicom_values: all values of multi-valued tags.
        :param include_tags: comma-separated tags.
        :param exclude_unnamed: drop unnamed tags.
        :param series_uid: only this series.
        :param use_box: return a JsonBox.
        :param only_prepare: return the request unsent.
        :return: JsonBox, Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.get,
            STUDY + '/json',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            {
                'phi_namespace': phi_namespace,
                'groups': groups,
                'all_dicom_values': bool_to_int(all_dicom_values, 'all_dicom_values'),
                'include_tags': include_tags,
                'exclude_unnamed': bool_to_int(exclude_unnamed, 'exclude_unnamed'),
                'series_uid': series_uid,
            },
        )
        return self._box(prepared, only_prepare, use_box, JsonBox)
