"""The SDK's own storage client against the storage emulator (a smoke test of the wiring)."""

from __future__ import annotations

import pytest

from .conftest import dicom_path

pytest.importorskip('ambra_sdk.storage.storage')


def test_sdk_upload_schema_image_json_delete(emulator, api):
    from ambra_sdk.exceptions.storage import StudyNotFound

    fqdn, ns = emulator.engine_fqdn, emulator.namespace_id
    with open(dicom_path('CT_small.dcm'), 'rb') as fp:
        up = api.Storage.Image.upload(engine_fqdn=fqdn, namespace=ns, opened_file=fp)
    schema = api.Storage.Study.schema(engine_fqdn=fqdn, namespace=ns, study_uid=up.study_uid)
    image = schema.series[0].images[0]
    assert (image.id, image.version) == (up.image_uid, up.image_version)
    image_json = api.Storage.Study.image_json(
        engine_fqdn=fqdn, namespace=ns, study_uid=up.study_uid, image_uid=image.id, image_version=image.version,
    )
    assert image_json.tag_by_name('Manufacturer').value == 'GE MEDICAL SYSTEMS'
    assert len(list(image_json.get_tags({'group': 2}))) == 7
    study_json = api.Storage.Study.json(engine_fqdn=fqdn, namespace=ns, study_uid=up.study_uid)
    assert study_json[0].tag_by_name('Manufacturer').value == 'GE MEDICAL SYSTEMS'
    assert api.Storage.Study.delete(engine_fqdn=fqdn, namespace=ns, study_uid=up.study_uid).status_code == 202
    with pytest.raises(StudyNotFound):
        api.Storage.Study.schema(engine_fqdn=fqdn, namespace=ns, study_uid=up.study_uid)
