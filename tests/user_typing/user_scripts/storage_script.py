"""Storage calls: each mode of ``use_box``/``only_prepare`` has its own result type."""

from typing import Optional

from box import Box
from requests import Response

from ambra_sdk.api import Api
from ambra_sdk.storage.boxes import ImageJsonBox, JsonBox
from ambra_sdk.storage.request import PreparedRequest


def storage(api: Api, engine_fqdn: str, namespace: str, study_uid: str) -> None:
    study = api.Storage.Study
    schema: Box = study.schema(engine_fqdn, namespace, study_uid)
    print(schema.series)
    raw: Response = study.schema(engine_fqdn=engine_fqdn, namespace=namespace, study_uid=study_uid, use_box=False)
    print(raw.status_code)
    prepared: PreparedRequest = study.schema(engine_fqdn, namespace, study_uid, only_prepare=True)
    answer: Response = prepared.execute()
    print(answer.status_code)
    image_json: ImageJsonBox = study.image_json(
        engine_fqdn, namespace, study_uid, image_uid='1.2.3', image_version='1',
    )
    manufacturer: Optional[ImageJsonBox] = image_json.tag_by_name('Manufacturer')
    print(manufacturer)
    study_json: JsonBox = study.json(engine_fqdn, namespace, study_uid)
    for image in study_json:
        print(image)
    count: Box = study.count(engine_fqdn, namespace, study_uid, images_only=True)
    print(count.images)
    thumbnail: Response = study.thumbnail(engine_fqdn, namespace, study_uid, '1.2.3', '1', 1)
    print(thumbnail.content[:4])
    frame: Response = study.frame(
        engine_fqdn, namespace, study_uid, '1.2.3', '1', '1', to_path='frame.jpg',
    )
    print(frame.headers)
    prepared_frame: PreparedRequest = study.frame(
        engine_fqdn, namespace, study_uid, '1.2.3', '1', '1', only_prepare=True,
    )
    print(prepared_frame.url)
    deleted: Response = study.delete(engine_fqdn, namespace, study_uid)
    print(deleted.ok)
    with open('image.dcm', 'rb') as dicom_file:
        uploaded: Box = api.Storage.Image.upload(engine_fqdn=engine_fqdn, namespace=namespace, opened_file=dicom_file)
    print(uploaded.image_uid)
    flag = bool(namespace)
    either = study.schema(engine_fqdn, namespace, study_uid, use_box=flag)
    if isinstance(either, Box):
        print(either.series)


def reveal(api: Api, engine_fqdn: str, namespace: str, study_uid: str, flag: bool) -> None:
    study = api.Storage.Study
    boxed_or_raw = study.tag(engine_fqdn, namespace, study_uid, use_box=flag)
    if isinstance(boxed_or_raw, Response):
        print(boxed_or_raw.status_code)
    any_mode = study.tag(engine_fqdn, namespace, study_uid, only_prepare=flag)
    if isinstance(any_mode, PreparedRequest):
        any_mode.execute()
    explicit: Box = study.tag(engine_fqdn, namespace, study_uid, use_box=True, only_prepare=False)
    print(explicit)
    raw_prepared: PreparedRequest = study.tag(engine_fqdn, namespace, study_uid, use_box=False, only_prepare=True)
    print(raw_prepared)
