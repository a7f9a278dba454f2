"""Storage side of the emulator: the 35 storage endpoints under ``/api/v3/storage``.

Importing this package registers every route with
:mod:`ambra_sdk.emulator.registry` (the emulator app imports it on start).
Storage shares the emulator :class:`~ambra_sdk.emulator.state.State`: images are
rows of its ``images`` table, attachments ``storage_attachment`` objects, files
live under ``State.files_dir``, and every upload creates or updates the
service ``studies`` row. See ``README.md`` in this folder for the JSON shapes.

Modules: ``errors`` (error JSON), ``index`` (state access), ``upload`` (streamed
ingest), ``tags`` (tag JSON), ``studies`` (schema, counts, service row),
``render`` + ``encoders`` (PNG/JPEG/TIFF), ``zipstream`` + ``bundle`` (download),
``attachments``, ``derive`` (storing and copying), ``generate`` (new DICOM
objects), ``routing`` (auth, errors, registration), ``routes_*`` (the endpoints;
``routes_multipart`` + ``multipart_store`` add the vendor's multipart upload:
initiate, checked chunks, asynchronous complete; ``routes_dicomweb`` the
DICOMweb metadata of storage API v22); ``service_clone`` the service call ``/study/clone``
of LBL0022 v55.0, which copies stored images).
"""

from ambra_sdk.emulator.storage import (  # noqa: F401  (import registers the routes)
    routes_dicomweb,
    routes_media,
    routes_multipart,
    routes_ops,
    routes_read,
    routes_write,
    service_clone,
)
