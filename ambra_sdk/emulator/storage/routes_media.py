"""Binary routes: rendered frames, encapsulated PDF/video, raw DICOM, study zip."""

from __future__ import annotations

from typing import Iterator, Optional

from pydicom import dcmread
from werkzeug.wrappers import Response

from ambra_sdk.emulator.storage.bundle import (
    BUNDLES,
    DownloadOptions,
    parse_anonymize_tags,
    parse_uid_list,
    select_images,
    zip_entries,
)
from ambra_sdk.emulator.storage.errors import StorageError
from ambra_sdk.emulator.storage.index import ImageRecord
from ambra_sdk.emulator.storage.render import (
    CONTENT_TYPES,
    THUMBNAIL_EDGE,
    RenderOptions,
    parse_depth,
    parse_frame_number,
    parse_quality,
    parse_size,
    render_frame,
)
from ambra_sdk.emulator.storage.routing import StorageRequest, storage_route
from ambra_sdk.emulator.storage.zipstream import file_chunks, stream_zip

IMG = '/study/<namespace>/<study_uid>/image/<image_uid>/version/<image_version>'


def _frame_response(
    req: StorageRequest, rec: ImageRecord, frame_text: str, fmt: str,
    max_size: Optional[tuple[int, int]] = None,
) -> Response:
    frame, suffix_fmt = parse_frame_number(frame_text)
    fmt = suffix_fmt or fmt
    if not rec.frames:
        raise StorageError(
            'IMAGE_NOT_FOUND', 'The image has no pixel data',
            {'image_uid': rec.image_uid, 'frame': frame_text},
        )
    if frame >= rec.frames:
        raise StorageError(
            'IMAGE_NOT_FOUND', f'Frame {frame} not found (image has {rec.frames})',
            {'image_uid': rec.image_uid, 'frame': frame},
        )
    options = RenderOptions(
        fmt=fmt,
        depth=parse_depth(req.arg('depth')),
        max_size=parse_size(req.arg('size')) if max_size is None else max_size,
        quality=parse_quality(req.arg('quality')),
    )
    data = render_frame(rec.path, frame, options)
    return Response(data, status=200, content_type=CONTENT_TYPES[fmt])


@storage_route(IMG + '/frame/<frame_number>/thumbnail')
def thumbnail(
    req: StorageRequest, namespace: str, study_uid: str, image_uid: str, image_version: str,
    frame_number: str,
) -> Response:
    """A small JPEG of one frame."""
    rec = req.require_image(namespace, study_uid, image_uid, image_version)
    return _frame_response(req, rec, frame_number, 'jpeg', (THUMBNAIL_EDGE, THUMBNAIL_EDGE))


@storage_route(IMG + '/frame/<frame_number>/diagnostic')
def diagnostic(
    req: StorageRequest, namespace: str, study_uid: str, image_uid: str, image_version: str,
    frame_number: str,
) -> Response:
    """A diagnostic PNG of one frame (16-bit when ``depth=16``)."""
    rec = req.require_image(namespace, study_uid, image_uid, image_version)
    return _frame_response(req, rec, frame_number, 'png')


@storage_route(IMG + '/frame/<frame_number>')
def frame(
    req: StorageRequest, namespace: str, study_uid: str, image_uid: str, image_version: str,
    frame_number: str,
) -> Response:
    """A JPEG of one frame (``N.png`` / ``N.tiff`` pick another format)."""
    rec = req.require_image(namespace, study_uid, image_uid, image_version)
    return _frame_response(req, rec, frame_number, 'jpeg')


@storage_route(IMG + '/frame/<frame_number>/tiff')
def frame_tiff(
    req: StorageRequest, namespace: str, study_uid: str, image_uid: str, image_version: str,
    frame_number: str,
) -> Response:
    """An uncompressed TIFF of one frame."""
    rec = req.require_image(namespace, study_uid, image_uid, image_version)
    return _frame_response(req, rec, frame_number, 'tiff')


def _encapsulated(rec: ImageRecord) -> bytes:
    ds = dcmread(rec.path)
    value = ds.get('EncapsulatedDocument')
    data = bytes(value) if value is not None else b''
    if rec.mime == 'application/pdf':
        end = data.rfind(b'%%EOF')
        if end >= 0:
            data = data[:end + 5] + b'\n'
    return data


@storage_route(IMG + '/pdf')
def pdf(
    req: StorageRequest, namespace: str, study_uid: str, image_uid: str, image_version: str,
) -> Response:
    """The encapsulated PDF, or 415 NOT_PDF_FILE."""
    rec = req.require_image(namespace, study_uid, image_uid, image_version)
    if rec.mime != 'application/pdf':
        raise StorageError('NOT_PDF_FILE', exception_data={'image_uid': image_uid})
    data = _encapsulated(rec)
    return Response(data, status=200, content_type='application/pdf')


def _fragments(pixel_data: bytes) -> bytes:
    """The fragments of encapsulated pixel data, joined (pydicom 2 and 3)."""
    try:
        from pydicom.encaps import generate_fragments  # type: ignore[attr-defined,unused-ignore]  # pydicom 2
    except ImportError:  # pydicom < 3
        from pydicom.encaps import decode_data_sequence

        return b''.join(decode_data_sequence(pixel_data))
    return b''.join(generate_fragments(pixel_data))


@storage_route(IMG + '/video')
def video(
    req: StorageRequest, namespace: str, study_uid: str, image_uid: str, image_version: str,
) -> Response:
    """The encapsulated video, or 415 NOT_VIDEO_IN_IMAGE."""
    rec = req.require_image(namespace, study_uid, image_uid, image_version)
    req.flag('reencode_video')
    if not rec.mime.startswith('video/'):
        raise StorageError('NOT_VIDEO_IN_IMAGE', exception_data={'image_uid': image_uid})
    ds = dcmread(rec.path)
    data = bytes(ds.EncapsulatedDocument) if 'EncapsulatedDocument' in ds else _fragments(ds.PixelData)
    return Response(data, status=200, content_type='video/mp4')


@storage_route(IMG)
def dicom_payload(
    req: StorageRequest, namespace: str, study_uid: str, image_uid: str, image_version: str,
) -> Response:
    """The stored DICOM bytes, streamed, with Content-Length."""
    rec = req.require_image(namespace, study_uid, image_uid, image_version)
    req.flag('pretranscode')
    response = Response(
        file_chunks(rec.path)(), status=200, content_type='application/dicom')
    response.headers['Content-Length'] = str(rec.size)
    return response


@storage_route('/study/<namespace>/<study_uid>/download', methods=('GET', 'POST'), permission='study_download')
def download(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """The study as a zip, streamed (chunked, no Content-Length)."""
    bundle = req.arg('bundle')
    if bundle not in BUNDLES:
        raise StorageError(
            'VALIDATION_ERROR', 'bundle must be one of dicom, iso, osx, win', {'bundle': bundle},
        )
    req.require_study(namespace, study_uid)
    opts = DownloadOptions(
        bundle=bundle,
        series_uids=parse_uid_list(req.arg('series_uid')),
        image_uids=parse_uid_list(req.arg('image_uid')),
        exclude_viewer=req.flag('exclude_viewer'),
        flat_directory=req.flag('flat_directory'),
        roche_directory=req.flag('roche_directory'),
        anonymize_tags=parse_anonymize_tags(req.arg('anonymize_tags')),
    )
    for name in ('include_wrapped_dicoms', 'stop_on_failure', 'v3'):
        req.flag(name)
    images = select_images(req.index.images(namespace, study_uid), opts)
    attachments = req.index.attachments(namespace, study_uid)

    def body() -> Iterator[bytes]:
        yield from stream_zip(zip_entries(images, attachments, opts))

    response = Response(body(), status=200, content_type='application/zip')
    response.headers['Content-Disposition'] = f'attachment; filename="{study_uid}.zip"'
    return response
