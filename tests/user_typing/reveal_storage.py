"""Expected static result types of storage calls (read by tests/typing/test_user_scripts.py).

Each ``reveal_type`` line ends with ``# expect: TYPE`` (the type mypy must reveal).
Not a user script: mypy alone reads it (``reveal_type`` is not called at run time).
"""

from typing import TYPE_CHECKING

from ambra_sdk.api import Api

if TYPE_CHECKING:
    from typing_extensions import reveal_type


def reveal(api: Api, engine_fqdn: str, namespace: str, study_uid: str, flag: bool) -> None:
    study = api.Storage.Study
    image = api.Storage.Image
    reveal_type(study.schema(engine_fqdn, namespace, study_uid))  # expect: box.box.Box
    reveal_type(study.schema(engine_fqdn, namespace, study_uid, use_box=False))  # expect: requests.models.Response
    reveal_type(study.schema(engine_fqdn, namespace, study_uid, only_prepare=True))  # expect: ambra_sdk.storage.request.PreparedRequest
    reveal_type(study.image_json(engine_fqdn, namespace, study_uid, '1.2', '1'))  # expect: ambra_sdk.storage.boxes.ImageJsonBox
    reveal_type(study.json(engine_fqdn, namespace, study_uid))  # expect: ambra_sdk.storage.boxes.JsonBox
    reveal_type(study.json(engine_fqdn, namespace, study_uid, use_box=flag))  # expect: ambra_sdk.storage.boxes.JsonBox | requests.models.Response
    reveal_type(study.count(engine_fqdn, namespace, study_uid, only_prepare=flag))  # expect: box.box.Box | requests.models.Response | ambra_sdk.storage.request.PreparedRequest
    reveal_type(study.pdf(engine_fqdn, namespace, study_uid, '1.2', '1'))  # expect: requests.models.Response
    reveal_type(study.pdf(engine_fqdn, namespace, study_uid, '1.2', '1', only_prepare=True))  # expect: ambra_sdk.storage.request.PreparedRequest
    reveal_type(study.download(engine_fqdn, namespace, study_uid, bundle='dicom'))  # expect: requests.models.Response
    reveal_type(study.create_rt(engine_fqdn, namespace, study_uid, '{}'))  # expect: box.box.Box
    reveal_type(image.upload(engine_fqdn, namespace, 'image.dcm'))  # expect: box.box.Box
    reveal_type(image.upload(engine_fqdn, namespace, 'image.dcm', use_box=False))  # expect: requests.models.Response
    reveal_type(image.wrap(engine_fqdn, namespace, 'report.pdf'))  # expect: requests.models.Response
    reveal_type(study.study_dicomweb(engine_fqdn, namespace, study_uid))  # expect: box.box_list.BoxList
    reveal_type(study.series_dicomweb(engine_fqdn, namespace, study_uid, '1.3'))  # expect: box.box_list.BoxList
    reveal_type(study.series_dicomweb(engine_fqdn, namespace, study_uid, '1.3', use_box=False))  # expect: requests.models.Response
    reveal_type(study.image_dicomweb(engine_fqdn, namespace, study_uid, '1.3', '1.4'))  # expect: box.box.Box
    reveal_type(study.image_dicomweb(engine_fqdn, namespace, study_uid, '1.3', '1.4', only_prepare=True))  # expect: ambra_sdk.storage.request.PreparedRequest
    reveal_type(study.study_dicomweb(engine_fqdn, namespace, study_uid, use_box=flag))  # expect: box.box_list.BoxList | requests.models.Response
    reveal_type(image.multipart_initiate(engine_fqdn))  # expect: box.box.Box
    reveal_type(image.multipart_initiate(engine_fqdn, only_prepare=True))  # expect: ambra_sdk.storage.request.PreparedRequest
    reveal_type(image.multipart_chunk_upload(engine_fqdn, 'u-1', b'chunk', 0))  # expect: requests.models.Response
    reveal_type(image.multipart_complete(engine_fqdn, namespace, 'u-1', 10, study_uid=study_uid))  # expect: requests.models.Response
    reveal_type(image.multipart_complete(engine_fqdn, namespace, 'u-1', 10, only_prepare=True))  # expect: ambra_sdk.storage.request.PreparedRequest
    reveal_type(api.Study.list())  # expect: ambra_sdk.service.query.query.QueryOPSF
    reveal_type(api.Study.get(uuid='x').get())  # expect: box.box.Box
    reveal_type(api.Account.list().first())  # expect: box.box.Box | None
