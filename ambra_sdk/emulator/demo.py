"""The demo: a tour of the SDK against an embedded emulator.

Run it with ``python -m ambra_sdk.emulator --demo``. It starts an emulator,
logs in, uploads a real DICOM file (one that pydicom ships), waits for the
server to process it (as a script must on the real cloud), then reads the
study back through service and storage calls.
"""

from typing import Callable, Optional


def run_demo(out: Callable[[str], None] = print, emulator: Optional[object] = None) -> int:
    """Run the demo and return a process exit code.

    :param out: where lines are written (``print`` by default).
    :param emulator: a running :class:`~ambra_sdk.emulator.Emulator` to use
        (one is started and stopped when None).
    """
    from ambra_sdk.emulator import Emulator

    if emulator is None:
        with Emulator() as own_emulator:
            return _tour(own_emulator, out)
    return _tour(emulator, out)


def _tour(emulator: object, out: Callable[[str], None]) -> int:
    from pydicom.data import get_testdata_file

    from ambra_sdk.models import Study
    from ambra_sdk.service.filtering import Filter, FilterCondition

    out('Emulator running at {0}'.format(emulator.url))  # type: ignore[attr-defined]
    api = emulator.api()  # type: ignore[attr-defined]
    user = api.Session.user().get()
    out('Logged in as {0} (namespace {1})'.format(user.email, user.namespace_id))

    namespace_id = user.namespace_id
    engine_fqdn = api.Namespace.engine_fqdn(namespace_id=namespace_id).get().engine_fqdn
    out('Storage engine: {0}'.format(engine_fqdn))

    path = str(get_testdata_file('CT_small.dcm'))
    with open(path, 'rb') as dicom_file:
        image = api.Storage.Image.upload(engine_fqdn=engine_fqdn, namespace=namespace_id, opened_file=dicom_file)
    out('Uploaded CT_small.dcm: study {0}, image {1}'.format(image.study_uid, image.image_uid))

    # The server processes an upload after answering it: wait for the study as on the real cloud
    # (the channel's READY event with the ws extra, else polling /study/get).
    api.Addon.Study.wait(study_uid=image.study_uid, namespace_id=namespace_id, timeout=60, ws_timeout=1)
    out('Processed: the study is in the service API')

    study = (
        api.Study.list()
        .filter_by(Filter('study_uid', FilterCondition.equals, image.study_uid))
        .only([Study.uuid, Study.study_uid, Study.patient_name, Study.modality, Study.storage_namespace])
        .first()
    )
    out('Service sees the study: uuid={0} patient={1} modality={2}'.format(
        study.uuid, study.get('patient_name'), study.get('modality'),
    ))

    schema = api.Storage.Study.schema(
        engine_fqdn=engine_fqdn, namespace=namespace_id, study_uid=image.study_uid,
    )
    series = schema.series[0]
    first_image = series.images[0]
    out('Storage schema: {0} series, {1} image(s) in the first'.format(len(schema.series), len(series.images)))

    image_json = api.Storage.Study.image_json(
        engine_fqdn=engine_fqdn,
        namespace=namespace_id,
        study_uid=image.study_uid,
        image_uid=first_image.id,
        image_version=first_image.version,
    )
    for tag_name in ('Manufacturer', 'Modality', 'Rows', 'Columns'):
        tag = image_json.tag_by_name(tag_name)
        out('  {0}: {1}'.format(tag_name, tag.value if tag is not None else '-'))
    group_2 = [tag.name for tag in image_json.get_tags(filter_dict={'group': 2})]
    out('  {0} file meta tags (group 0002)'.format(len(group_2)))

    api.logout()
    out('Logged out. Done.')
    for line in NEXT_STEPS:
        out(line)
    return 0


#: What the demo suggests next: the command line, a test with the pytest fixtures, the docs.
NEXT_STEPS = (
    'Next, try:',
    '  1. the command line: ambra --help (the cli extra), e.g. ambra emulator --seed in one shell,',
    '     then ambra --url <its url> --username admin@example.com study list in another',
    '  2. a test of your own with the pytest fixtures emulator and api',
    '     (docs/source/emulator.rst, "In your own pytest suite")',
    '  3. the docs: docs/source/quickstart.rst, or build them with',
    "     pip install -e '.[docs]' && sphinx-build docs/source docs/_build/html",
)
