"""Bad input raises before anything is sent (also with only_prepare=True)."""

import io

import pytest

FRAME_ARGS = ('h', 'n', 's', 'i', 'v', 0)


@pytest.mark.parametrize('method', ['thumbnail', 'diagnostic', 'frame', 'frame_tiff'])
@pytest.mark.parametrize('depth', [7, '8', 32, True, 8.5])
@pytest.mark.parametrize('only_prepare', [True, False])
def test_bad_depth(fake_api, fake_storage, method, depth, only_prepare):
    with pytest.raises(ValueError) as info:
        getattr(fake_storage.Study, method)(*FRAME_ARGS, depth=depth, only_prepare=only_prepare)
    message = str(info.value)
    assert 'Depth must be in (8, 16)' in message
    assert 'depth=' in message and 'None, 8, 16' in message
    assert fake_api.calls == []


@pytest.mark.parametrize('method', ['thumbnail', 'diagnostic', 'frame', 'frame_tiff'])
@pytest.mark.parametrize('depth', [None, 8, 16])
def test_good_depth(fake_storage, method, depth):
    prepared = getattr(fake_storage.Study, method)(*FRAME_ARGS, depth=depth, only_prepare=True)
    assert prepared.params.get('depth') == depth


@pytest.mark.parametrize('size, message', [
    ('10X10', 'Wrong size format'),
    ('1x2x3', 'Wrong size format'),
    ('ax10', 'Wrong width value'),
    ('10xb', 'Wrong height value'),
    ('big', 'Wrong size format'),
    ([1], 'Wrong size format'),
    (object(), 'Wrong size format'),
])
@pytest.mark.parametrize('method', ['diagnostic', 'frame', 'frame_tiff'])
def test_bad_size(fake_api, fake_storage, method, size, message):
    with pytest.raises(ValueError) as info:
        getattr(fake_storage.Study, method)(*FRAME_ARGS, size=size)
    assert message in str(info.value)
    assert 'size=' in str(info.value) and 'WIDTHxHEIGHT' in str(info.value)
    assert fake_api.calls == []


@pytest.mark.parametrize('size', [None, 512, '512', '0', '640x480'])
def test_good_size(fake_storage, size):
    assert fake_storage.Study.frame(*FRAME_ARGS, size=size, only_prepare=True).params.get('size') == size


@pytest.mark.parametrize('bundle', ['image', 'zip', None, 'DICOM'])
@pytest.mark.parametrize('only_prepare', [True, False])
def test_bad_bundle(fake_api, fake_storage, bundle, only_prepare):
    with pytest.raises(ValueError) as info:
        fake_storage.Study.download('h', 'n', 's', bundle, only_prepare=only_prepare)
    assert 'bundle=' in str(info.value)
    assert 'dicom, iso, osx, win' in str(info.value)
    assert fake_api.calls == []


def test_bad_flag_value_names_the_argument(fake_api, fake_storage):
    with pytest.raises(ValueError, match='extended'):
        fake_storage.Study.schema('h', 'n', 's', extended='yes')
    assert fake_api.calls == []


UPLOADS = [
    ('upload', lambda storage, f: storage.Image.upload('h', 'n', f)),
    ('wrap', lambda storage, f: storage.Image.wrap('h', 'n', f)),
    ('post_attachment', lambda storage, f: storage.Study.post_attachment('h', 'n', 's', f)),
]


@pytest.mark.parametrize('name, call', UPLOADS, ids=[u[0] for u in UPLOADS])
def test_missing_path(fake_api, fake_storage, tmp_path, name, call):
    with pytest.raises(FileNotFoundError, match='opened_file'):
        call(fake_storage, str(tmp_path / 'missing.dcm'))
    assert fake_api.calls == []


@pytest.mark.parametrize('name, call', UPLOADS, ids=[u[0] for u in UPLOADS])
def test_directory_instead_of_file(fake_api, fake_storage, tmp_path, name, call):
    with pytest.raises(IsADirectoryError, match='opened_file'):
        call(fake_storage, tmp_path)
    assert fake_api.calls == []


@pytest.mark.parametrize('name, call', UPLOADS, ids=[u[0] for u in UPLOADS])
def test_closed_file(fake_api, fake_storage, tmp_path, name, call):
    path = tmp_path / 'f.dcm'
    path.write_bytes(b'x')
    with open(path, 'rb') as opened:
        pass
    with pytest.raises(ValueError, match='opened_file is closed'):
        call(fake_storage, opened)
    assert fake_api.calls == []


@pytest.mark.parametrize('name, call', UPLOADS, ids=[u[0] for u in UPLOADS])
def test_write_only_file(fake_api, fake_storage, tmp_path, name, call):
    with open(tmp_path / 'w.bin', 'wb') as opened, pytest.raises(ValueError, match='not opened for reading'):
        call(fake_storage, opened)
    assert fake_api.calls == []


@pytest.mark.parametrize('name, call', UPLOADS, ids=[u[0] for u in UPLOADS])
def test_not_a_file(fake_api, fake_storage, name, call):
    with pytest.raises(TypeError, match='opened_file'):
        call(fake_storage, 12345)
    assert fake_api.calls == []


def test_closed_file_inside_tuple(fake_api, fake_storage):
    buffer = io.BytesIO(b'x')
    buffer.close()
    with pytest.raises(ValueError, match='closed'):
        fake_storage.Study.post_attachment('h', 'n', 's', ('a.pdf', buffer))
    assert fake_api.calls == []


def test_download_destination_checked_before_sending(fake_api, fake_storage, tmp_path):
    with pytest.raises(FileNotFoundError, match='to_path'):
        fake_storage.Study.download('h', 'n', 's', 'dicom', to_path=tmp_path / 'no' / 'x.zip')
    with pytest.raises(IsADirectoryError, match='to_path'):
        fake_storage.Study.download('h', 'n', 's', 'dicom', to_path=tmp_path)
    with pytest.raises(ValueError, match='exactly one'):
        fake_storage.Study.download('h', 'n', 's', 'dicom', to_path=tmp_path / 'a', to_file=io.BytesIO())
    with pytest.raises(ValueError, match='progress needs'):
        fake_storage.Study.download('h', 'n', 's', 'dicom', progress=True)
    with pytest.raises(ValueError, match='chunk_size'):
        fake_storage.Study.download('h', 'n', 's', 'dicom', to_path=tmp_path / 'a', chunk_size=0)
    assert fake_api.calls == []


def test_read_only_to_file_rejected_before_sending(fake_api, fake_storage, tmp_path):
    path = tmp_path / 'r.bin'
    path.write_bytes(b'')
    with open(path, 'rb') as read_only, pytest.raises(ValueError, match='opened for writing'):
        fake_storage.Image.dicom_payload('h', 'n', 's', 'i', 'v', to_file=read_only)
    closed = io.BytesIO()
    closed.close()
    with pytest.raises(ValueError, match='to_file is closed'):
        fake_storage.Study.pdf('h', 'n', 's', 'i', 'v', to_file=closed)
    assert fake_api.calls == []
