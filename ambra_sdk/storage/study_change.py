"""Commands of ``Storage.Study`` that change or derive studies."""

import json as jsonlib
from typing import Any, Dict, Optional

from box import Box

from ambra_sdk.storage.args import (
    JSON_CONTENT_TYPE,
    bool_to_int,
    file_argument,
    job_headers,
    true_false,
)
from ambra_sdk.storage.namespace import BoxResult, ResponseResult, StorageNamespace
from ambra_sdk.storage.paths import STUDY
from ambra_sdk.storage.request import StorageMethod
from ambra_sdk.storage.typed import OnlyPrepare, UseBox, box_method, response_method


class StudyChangeCommands(StorageNamespace):
    """Commands of ``Storage.Study`` that change or derive studies."""

    @response_method
    def delete(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        keep_attachments: Optional[bool] = None,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Delete the study (answer 202).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param keep_attachments: delete the images but keep reports and attachments.
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.delete,
            STUDY,
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            {'keep_attachments': bool_to_int(keep_attachments, 'keep_attachments')},
        )
        return self._response(prepared, only_prepare)

    @response_method
    def delete_image(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        image_uid: str,
        x_ambrahealth_job_id: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Delete one image of the study.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param image_uid: image UID.
        :param x_ambrahealth_job_id: job id (``X-AmbraHealth-Job-Id`` header).
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.delete,
            STUDY + '/image/{image_uid}',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid, 'image_uid': image_uid},
            {},
            headers=job_headers(x_ambrahealth_job_id),
        )
        return self._response(prepared, only_prepare)

    @response_method
    def delete_images(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        request_body: str,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Delete some images of the study.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param request_body: comma-separated image UIDs (the raw request body).
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.delete,
            STUDY + '/images',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            {},
            data=request_body,
        )
        return self._response(prepared, only_prepare)

    @response_method
    def post_attachment(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        opened_file: Any,
        phi_namespace: Optional[str] = None,
        wrap_images: Optional[bool] = None,
        wrap_html_as_pdf: Optional[bool] = None,
        return_html: Optional[bool] = None,
        synchronous_wrap: Optional[bool] = None,
        static_ids: Optional[bool] = None,
        x_ambrahealth_job_id: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Upload an attachment (multipart part ``data``).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param opened_file: a binary file, a path (opened here and closed after sending;
            with ``only_prepare=True`` the caller closes it), or a requests tuple
            ``(filename, fileobj[, content_type[, headers]])``.
        :param phi_namespace: namespace to take the PHI from.
        :param wrap_images: wrap jpeg/bmp/pdf into DICOM.
        :param wrap_html_as_pdf: wrap HTML as PDF.
        :param return_html: answer with HTML.
        :param synchronous_wrap: wrap synchronously.
        :param static_ids: deterministic UIDs.
        :param x_ambrahealth_job_id: job id (``X-AmbraHealth-Job-Id`` header).
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        :raises FileNotFoundError: ``opened_file`` is a missing path.
        :raises ValueError: ``opened_file`` is closed.
        """
        params = {
            'phi_namespace': phi_namespace,
            'wrap_images': bool_to_int(wrap_images, 'wrap_images'),
            'wrap_html_as_pdf': bool_to_int(wrap_html_as_pdf, 'wrap_html_as_pdf'),
            'return_html': bool_to_int(return_html, 'return_html'),
            'synchronous_wrap': bool_to_int(synchronous_wrap, 'synchronous_wrap'),
            'static_ids': bool_to_int(static_ids, 'static_ids'),
        }
        file_value, owned = file_argument(opened_file, 'opened_file')
        prepared = self._prepare(
            StorageMethod.post,
            STUDY + '/attachment',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            params,
            files={'data': file_value},
            headers=job_headers(x_ambrahealth_job_id),
        )
        return self._response(prepared, only_prepare, owned_files=owned)

    @box_method(Box)
    def attachment_image(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        attachment_uid: str,
        version: str,
        static_ids: Optional[bool] = None,
        phi_namespace: Optional[str] = None,
        use_box: UseBox = True,
        only_prepare: OnlyPrepare = False,
    ) -> BoxResult:
        """Render an attachment into a DICOM image.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param attachment_uid: attachment id.
        :param version: attachment version.
        :param static_ids: deterministic UIDs.
        :param phi_namespace: namespace to take the PHI from.
        :param use_box: return a Box.
        :param only_prepare: return the request unsent.
        :return: Box, Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.post,
            STUDY + '/attachment/{attachment_uid}/version/{version}/image',
            engine_fqdn,
            {
                'namespace': namespace,
                'study_uid': study_uid,
                'attachment_uid': attachment_uid,
                'version': version,
            },
            {'static_ids': bool_to_int(static_ids, 'static_ids'), 'phi_namespace': phi_namespace},
        )
        return self._box(prepared, only_prepare, use_box, Box)

    @response_method
    def delete_attachment(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        attachment_id: str,
        hash_arg: str,
        phi_namespace: Optional[str] = None,
        x_ambrahealth_job_id: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Delete an attachment version.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param attachment_id: attachment id.
        :param hash_arg: attachment version (the server's ``{hash}``).
        :param phi_namespace: namespace to take the PHI from.
        :param x_ambrahealth_job_id: job id (``X-AmbraHealth-Job-Id`` header).
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.delete,
            STUDY + '/attachment/{attachment_id}/version/{hash_arg}',
            engine_fqdn,
            {
                'namespace': namespace,
                'study_uid': study_uid,
                'attachment_id': attachment_id,
                'hash_arg': hash_arg,
            },
            {'phi_namespace': phi_namespace},
            headers=job_headers(x_ambrahealth_job_id),
        )
        return self._response(prepared, only_prepare)

    @response_method
    def split(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        phi_namespace: Optional[str] = None,
        to_namespace: Optional[str] = None,
        series_uid: Optional[str] = None,
        delete_series_from_original: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Split series off the study into a new study (``response.text`` is its UID).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param phi_namespace: namespace to take the PHI from.
        :param to_namespace: namespace of the new study.
        :param series_uid: comma-separated series UIDs.
        :param delete_series_from_original: ``'1'`` to remove them from this study (sent as given).
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.post,
            STUDY + '/split',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            {
                'phi_namespace': phi_namespace,
                'to_namespace': to_namespace,
                'series_uid': series_uid,
                'delete_series_from_original': delete_series_from_original,
            },
        )
        return self._response(prepared, only_prepare)

    @response_method
    def merge(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        secondary_study_uid: str,
        delete_secondary_study: Optional[bool] = None,
        series_uids: Optional[str] = None,
        x_ambrahealth_job_id: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Merge other studies into this one (asynchronous on the server, GET).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param secondary_study_uid: comma-separated UIDs of the studies to merge.
        :param delete_secondary_study: delete them afterwards (sent as 1/0).
        :param series_uids: only these series.
        :param x_ambrahealth_job_id: job id (``X-AmbraHealth-Job-Id`` header).
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.get,
            STUDY + '/merge',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            {
                'secondary_study_uid': secondary_study_uid,
                'delete_secondary_study': bool_to_int(delete_secondary_study, 'delete_secondary_study'),
                'series_uids': series_uids,
            },
            headers=job_headers(x_ambrahealth_job_id),
        )
        return self._response(prepared, only_prepare)

    @response_method
    def anonymize(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        region: Dict[str, Any],
        phi_namespace: Optional[str] = None,
        to_namespace: Optional[str] = None,
        new_study_uid: Optional[str] = None,
        keep_image_uids: Optional[str] = None,
        color: Optional[str] = None,
        x_ambrahealth_job_id: Optional[str] = None,
        is_ai: bool = False,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Anonymize regions of the images into a new study (``response.text`` is its UID).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param region: regions (sent as the JSON body).
        :param phi_namespace: namespace to take the PHI from.
        :param to_namespace: namespace of the new study.
        :param new_study_uid: UID of the new study.
        :param keep_image_uids: ``'1'`` to keep the image UIDs (sent as given).
        :param color: fill color ``rrggbb``.
        :param x_ambrahealth_job_id: job id (``X-AmbraHealth-Job-Id`` header).
        :param is_ai: anonymized by a system (sends ``is_ai=true``).
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.post,
            STUDY + '/anonymize',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            {
                'phi_namespace': phi_namespace,
                'to_namespace': to_namespace,
                'new_study_uid': new_study_uid,
                'keep_image_uids': keep_image_uids,
                'color': color,
                'is_ai': 'true' if is_ai else None,
            },
            headers=job_headers(x_ambrahealth_job_id, **{'Content-Type': JSON_CONTENT_TYPE}),
            data=jsonlib.dumps(region),
        )
        return self._response(prepared, only_prepare)

    @response_method
    def crop(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        region: Dict[str, Any],
        phi_namespace: Optional[str] = None,
        to_namespace: Optional[str] = None,
        new_study_uid: Optional[str] = None,
        keep_image_uids: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Crop the images into a new study (``response.text`` is its UID).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param region: crop region (sent as the JSON body).
        :param phi_namespace: namespace to take the PHI from.
        :param to_namespace: namespace of the new study.
        :param new_study_uid: UID of the new study.
        :param keep_image_uids: ``'1'`` to keep the image UIDs (sent as given).
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.post,
            STUDY + '/crop',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            {
                'phi_namespace': phi_namespace,
                'to_namespace': to_namespace,
                'new_study_uid': new_study_uid,
                'keep_image_uids': keep_image_uids,
            },
            headers={'Content-Type': JSON_CONTENT_TYPE},
            data=jsonlib.dumps(region),
        )
        return self._response(prepared, only_prepare)

    @response_method
    def cache(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Clear the image and metadata cache of the study.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.delete,
            STUDY + '/cache',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            {},
        )
        return self._response(prepared, only_prepare)

    @response_method
    def hl7_to_sr(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        hl7uuid: str,
        phi_namespace: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Convert an HL7 report into a DICOM SR of the study.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param hl7uuid: HL7 message uuid.
        :param phi_namespace: namespace to take the PHI from.
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.post,
            STUDY + '/hl7/{hl7uuid}/sr',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid, 'hl7uuid': hl7uuid},
            {'phi_namespace': phi_namespace},
        )
        return self._response(prepared, only_prepare)

    @response_method
    def clone(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        phi_namespace: Optional[str] = None,
        new_image_uids: Optional[bool] = None,
        new_series_uids: Optional[bool] = None,
        x_ambrahealth_job_id: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Clone the study (``response.text`` is the new study UID).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param phi_namespace: namespace to take the PHI from.
        :param new_image_uids: give the images new UIDs (sent as true/false).
        :param new_series_uids: give the series new UIDs (sent as true/false).
        :param x_ambrahealth_job_id: job id (``X-AmbraHealth-Job-Id`` header).
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.post,
            STUDY + '/clone',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            {
                'phi_namespace': phi_namespace,
                'new_image_uids': true_false(new_image_uids),
                'new_series_uids': true_false(new_series_uids),
            },
            headers=job_headers(x_ambrahealth_job_id),
        )
        return self._response(prepared, only_prepare)

    @box_method(Box)
    def create_rt(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        body: str,
        phi_namespace: Optional[str] = None,
        use_box: UseBox = True,
        only_prepare: OnlyPrepare = False,
    ) -> BoxResult:
        """Create an RTSTRUCT image from JSON.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param body: the RTSTRUCT JSON text (sent verbatim).
        :param phi_namespace: namespace to take the PHI from.
        :param use_box: return a Box.
        :param only_prepare: return the request unsent.
        :return: Box, Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.post,
            STUDY + '/rt',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            {'phi_namespace': phi_namespace},
            headers={'Content-Type': JSON_CONTENT_TYPE},
            data=body,
        )
        return self._box(prepared, only_prepare, use_box, Box)
