"""``api.Study.clone`` (LBL0022 v55.0) against the emulator: a new study, in storage too."""

from __future__ import annotations

import pytest

from tests.helpers.dicoms import write_dicoms

pytest.importorskip('ambra_sdk.storage.storage')


def test_clone_copies_every_image_under_new_uids(emulator, api, tmp_path):
    from ambra_sdk.exceptions.service import NotAvailable, NotFound

    fqdn, ns = emulator.engine_fqdn, emulator.namespace_id
    paths = write_dicoms(tmp_path, 3)
    uploads = []
    for path in paths:
        with open(path, 'rb') as fp:
            uploads.append(api.Storage.Image.upload(engine_fqdn=fqdn, namespace=ns, opened_file=fp))
    study_uid = uploads[0].study_uid
    emulator.wait_processed()  # the service study exists once the upload is processed
    study = api.Study.get(storage_namespace=ns, study_uid=study_uid).get()

    clone_uid = api.Study.clone(uuid=study.uuid, new_image_uids=1, new_series_uids=1).get().study_uid
    assert clone_uid != study_uid
    original = api.Storage.Study.schema(engine_fqdn=fqdn, namespace=ns, study_uid=study_uid)
    copied = api.Storage.Study.schema(engine_fqdn=fqdn, namespace=ns, study_uid=clone_uid)
    old_images = {image.id for series in original.series for image in series.images}
    new_images = {image.id for series in copied.series for image in series.images}
    assert len(new_images) == 3 and not old_images & new_images
    assert {s.series_uid for s in original.series}.isdisjoint({s.series_uid for s in copied.series})
    for image_uid in new_images:
        tags = api.Storage.Study.image_json(
            engine_fqdn=fqdn, namespace=ns, study_uid=clone_uid, image_uid=image_uid, image_version='*',
        )
        assert tags.tag_by_name('StudyInstanceUID').value == clone_uid
    # the service knows the new study (the original stays)
    assert api.Study.get(storage_namespace=ns, study_uid=clone_uid).get().image_count == 3
    assert api.Study.get(uuid=study.uuid).get().study_uid == study_uid

    # without the flags: a new study UID, the image UIDs kept (as the document says)
    same_images = api.Study.clone(uuid=study.uuid).get().study_uid
    kept = api.Storage.Study.schema(engine_fqdn=fqdn, namespace=ns, study_uid=same_images)
    assert {image.id for series in kept.series for image in series.images} == old_images

    with pytest.raises(NotFound):
        api.Study.clone(uuid='no-such-study').get()
    phantom = api.Study.add(storage_namespace=ns, phi_namespace=ns, study_uid='1.2.3.99').get().uuid
    with pytest.raises(NotAvailable):
        api.Study.clone(uuid=phantom).get()
