"""Issue 24, point 4: downloads never lose a file (a hostile storage server on loopback).

* two distinct image UIDs never map to one file name (and ordinary UIDs keep their names);
* every path a download creates stays under the target, whatever the UIDs (``..``, absolute,
  backslashes, NUL, very long);
* a malformed schema answer is a clear error per study, honouring ``raise_on_error=False``;
* a ZIP bundle whose entry names would leave the folder when extracted is refused.
"""

import io
import json
import os
import zipfile
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ambra_sdk.addon.download import safe_name
from tests.hardening.conftest import make_api
from tests.hardening.servers import Reply

NAMESPACE = 'ns1'

#: Pairs that earlier versions wrote to one file (the second overwrote the first).
COLLIDING = [('x:1', 'x_1'), ('x 1', 'x_1'), ('1.2.', '1.2'), ('.1.2', '1.2'), ('a\\b', 'a_b'), ('ABC', 'abc'),
             ('é', '_'), ('a%41', 'aA'), ('1' * 300 + 'a', '1' * 300 + 'b')]
HOSTILE = ['..', '.', '', '/', '/etc/passwd', '../../escape', '..\\..\\escape', 'C:\\Windows', 'a\0b', '\n',
           'con', 'NUL.dcm', 'x' * 5000, '\u202e', '%2E%2E', 'a/../../b', '~', ' ', '1.2. ']


def image_payload(image_uid):
    return 'DICOM payload of {0}'.format(image_uid).encode('utf-8')


def storage(schema_body, images=None):
    """A script: the schema answer, then each image's payload (its uid in the bytes), or a ZIP bundle."""

    def script(method, target):
        path = target.split('?', 1)[0]
        if path.endswith('/schema'):
            return Reply(200, schema_body if isinstance(schema_body, bytes) else json.dumps(schema_body).encode())
        if '/image/' in path:
            image_uid = unquote(path.split('/image/', 1)[1].split('/', 1)[0])
            return Reply(200, image_payload(image_uid), (('Content-Type', 'application/dicom'),))
        if images is not None:
            return Reply(200, images, (('Content-Type', 'application/zip'),))
        return Reply(404, b'{}')

    return script


def schema_of(*series):
    """``schema_of(('series-uid', ['image-uid', ...]), ...)`` with the sizes the script serves."""
    return {'series': [
        {'uid': series_uid, 'images': [{'id': uid, 'version': 'v1', 'size': len(image_payload(uid))} for uid in uids]}
        for series_uid, uids in series
    ]}


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, _, names in os.walk(folder) for name in names)


def download(api, server, tmp_path, study_uid='1.2.3', **kwargs):
    kwargs.setdefault('verify', False)
    return api.Addon.Study.download_dir(study_uid=study_uid, namespace_id=NAMESPACE, dest_dir=tmp_path / 'out',
                                        engine_fqdn=server.engine_fqdn, max_workers=2, retries=0, **kwargs)


# ------------------------------------------------------------------------------------------- names
@pytest.mark.parametrize(('first', 'second'), COLLIDING, ids=[repr(pair)[:40] for pair in COLLIDING])
def test_distinct_uids_get_distinct_names_also_without_case(first, second):
    assert safe_name(first).lower() != safe_name(second).lower()


@pytest.mark.parametrize('uid', HOSTILE, ids=[repr(uid)[:20] for uid in HOSTILE])
def test_a_name_is_never_a_path(uid):
    name = safe_name(uid)
    assert name not in ('', '.', '..') and not name.startswith('.') and not name.endswith(('.', ' '))
    assert not set(name) & {'/', '\\', '\0', ':', '\n', ' '}
    assert name.isascii() and name.isprintable() and len(name) <= 200
    assert name.split('.')[0].lower() not in ('con', 'nul', 'prn', 'aux')


@pytest.mark.parametrize('uid', ['1.2.840.113619.2.55.3.604688119.868.1249343483.504', '0', 'abc-def_0123',
                                 '8f0a6e4c-1e2b-4c3d-9e8f-0a1b2c3d4e5f'])
def test_ordinary_uids_keep_their_names(uid):
    assert safe_name(uid) == uid  # a download started by an earlier version resumes


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60))
def test_the_mapping_is_injective(first, second):
    if first != second:
        assert safe_name(first).lower() != safe_name(second).lower()
    name = safe_name(first)
    if '~' not in name and name != '%':
        assert unquote(name, errors='surrogatepass') == first  # the escape decodes back


# --------------------------------------------------------------------------------- over a socket
def test_two_image_uids_that_collided_before_are_both_written(script_server, tmp_path):
    uids = ['x:1', 'x_1', 'x 1', '1' * 300 + 'a', '1' * 300 + 'b']
    server = script_server(storage(schema_of(('1.2.3.1', uids))))
    result = download(make_api(server), server, tmp_path)
    assert result.ok and not result.failed, result.failed
    paths = {uid: result.expected[uid] for uid in uids}
    assert len(set(paths.values())) == len(uids)
    for uid, path in paths.items():
        assert path.read_bytes() == image_payload(uid)  # each file holds its own image
    assert len(files_under(tmp_path / 'out')) == len(uids)


@pytest.mark.parametrize('series_uid', ['..', '/abs', '..\\..\\x', 'a\0b', 's' * 1000, '.', ''])
def test_hostile_series_and_image_uids_stay_under_the_target(script_server, tmp_path, series_uid):
    image_uids = ['..', '...', 'i' * 1000, 'a\\b', '%2e%2e']
    server = script_server(storage(schema_of((series_uid, image_uids))))
    result = download(make_api(server), server, tmp_path, raise_on_error=False)
    # '..' and 'a\\b' cannot even be asked for (format_storage_url refuses them): reported, not written
    assert set(result.failed) == {'..', 'a\\b'} and all(isinstance(error, ValueError)
                                                         for error in result.failed.values())
    target = os.path.realpath(tmp_path / 'out')
    for path in result.expected.values():
        assert os.path.realpath(path).startswith(target + os.sep)
    assert os.listdir(tmp_path) == ['out']  # nothing created beside the target
    written = [uid for uid in image_uids if uid in result.downloaded]
    assert 'i' * 1000 in written and '...' in written  # long names and odd ones are written, not lost
    for uid in written:
        assert result.expected[uid].read_bytes() == image_payload(uid)


@pytest.mark.parametrize('study_uid', ['s' * 400, '1.2.3.'])
def test_hostile_study_uids_make_one_folder_under_the_target(script_server, tmp_path, study_uid):
    server = script_server(storage(schema_of(('1.1', ['1.1.1']))))
    result = download(make_api(server), server, tmp_path, study_uid=study_uid)
    assert result.ok, (result.failed, result.error)
    assert result.directory.parent == tmp_path / 'out'
    assert len(result.directory.name) <= 200
    assert files_under(tmp_path / 'out') == [os.path.join(result.directory.name, '1.1', '1.1.1.dcm')]


# ------------------------------------------------------------------------------ malformed schemas
MALFORMED = [
    'text', 5, None, True, [], [['series', []]], {'series': 'x'}, {'series': [1]}, {'series': [{'images': {'a': 1}}]},
    {'series': [{'uid': '1', 'images': [7]}]}, {'series': [{'uid': '1', 'images': [{'size': 3}]}]},
    {'series': [{'uid': '1', 'images': [{'id': {'x': 1}}]}]}, {'series': [{'uid': '1', 'images': [{'id': ''}]}]},
    {'series': [{'uid': '1', 'images': [{'id': '1.1', 'size': 'abc'}]}]},
    {'series': [{'uid': '1', 'images': [{'id': '1.1', 'version': ['v']}]}]},
]


@pytest.mark.parametrize('schema', MALFORMED, ids=[json.dumps(schema)[:40] for schema in MALFORMED])
def test_a_malformed_schema_is_a_clear_error(script_server, tmp_path, schema):
    from ambra_sdk.addon.exceptions import MalformedSchema

    server = script_server(storage(schema))
    api = make_api(server)
    with pytest.raises(MalformedSchema, match="Study '1.2.3': the storage schema is malformed"):
        download(api, server, tmp_path)
    result = download(api, server, tmp_path, raise_on_error=False)
    assert isinstance(result.error, MalformedSchema) and not result.ok
    assert files_under(tmp_path / 'out') == []


def test_a_schema_that_is_not_json_is_reported_with_raise_on_error_false(script_server, tmp_path):
    from ambra_sdk.exceptions.storage import UnexpectedStorageResponse

    server = script_server(storage(b'[' * 100000))
    result = download(make_api(server), server, tmp_path, raise_on_error=False)
    assert isinstance(result.error, UnexpectedStorageResponse) and 'nested deeper' in str(result.error)


def test_each_study_fails_alone(script_server, tmp_path):
    bad = script_server(storage({'series': [{'uid': '1', 'images': [{'size': 3}]}]}))
    good = script_server(storage(schema_of(('1.1', ['1.1.1', '1.1.2']))))
    results = [download(make_api(server), server, tmp_path, study_uid=uid, raise_on_error=False)
               for server, uid in ((bad, '1.2.3'), (good, '1.2.4'))]
    assert results[0].error is not None and results[1].ok and results[1].error is None
    assert len(results[1].downloaded) == 2


# ----------------------------------------------------------------------------------------- ZIP
def zip_bytes(names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        for name in names:
            archive.writestr(name, b'DICM')
    return buffer.getvalue()


@pytest.mark.parametrize('member', ['../evil.dcm', '/abs/evil.dcm', 'a/../../evil.dcm', 'C:/evil.dcm',
                                    '..\\evil.dcm'])
def test_a_zip_bundle_with_entries_that_leave_the_folder_is_refused(script_server, tmp_path, member):
    from ambra_sdk.addon.exceptions import ImageMismatch

    server = script_server(storage(schema_of(('1.1', ['1.1.1'])), images=zip_bytes([member])))
    api = make_api(server)
    dest = tmp_path / 'out' / 'study.zip'
    with pytest.raises(ImageMismatch, match='would leave the folder'):
        api.Addon.Study.download_zip(study_uid='1.2.3', namespace_id=NAMESPACE, dest_path=dest,
                                     engine_fqdn=server.engine_fqdn, retries=0)
    assert not dest.exists() and files_under(tmp_path) == []


def test_a_whole_zip_bundle_is_kept(script_server, tmp_path):
    server = script_server(storage(schema_of(('1.1', ['1.1.1'])), images=zip_bytes(['DICOM/1.1/1.1.1.dcm'])))
    dest = tmp_path / 'out' / 'study.zip'
    make_api(server).Addon.Study.download_zip(study_uid='1.2.3', namespace_id=NAMESPACE, dest_path=dest,
                                              engine_fqdn=server.engine_fqdn, retries=0)
    assert zipfile.ZipFile(dest).namelist() == ['DICOM/1.1/1.1.1.dcm']


@pytest.mark.parametrize('body', [b'"text"', b'5', b'null', b'true'])
def test_a_scalar_answer_to_a_boxed_storage_call_is_the_storage_response_error(script_server, body):
    from ambra_sdk.exceptions.storage import UnexpectedStorageResponse

    server = script_server(Reply(200, body))
    with pytest.raises(UnexpectedStorageResponse, match='not an object'):
        make_api(server).Storage.Study.schema(server.engine_fqdn, NAMESPACE, '1.2.3')


def test_a_zip_download_with_a_malformed_schema_is_a_clear_error(script_server, tmp_path):
    from ambra_sdk.addon.exceptions import MalformedSchema

    server = script_server(storage({'series': [{'uid': '1', 'images': ['x']}]}, images=zip_bytes(['a.dcm'])))
    dest = tmp_path / 'out' / 'study.zip'
    with pytest.raises(MalformedSchema, match='image #1 is a str'):
        make_api(server).Addon.Study.download_zip(study_uid='1.2.3', namespace_id=NAMESPACE, dest_path=dest,
                                                  engine_fqdn=server.engine_fqdn, retries=0)
    assert not dest.exists()
