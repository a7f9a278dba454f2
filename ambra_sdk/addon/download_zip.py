"""Downloading a study as the vendor's ZIP bundle, checked and atomic.

The bundle (``Storage.Study.download``) is streamed into a temporary file
next to the destination. It is renamed over the destination only once it is
a readable ZIP whose CRCs match and, for the ``dicom`` bundle, that holds one
``.dcm`` entry per image of the study schema. Transient failures are retried.
A destination that already holds such a ZIP is kept: a second run fetches
nothing. A bundle with an entry name that would leave its folder when
extracted (absolute, a drive, ``..``, NUL: "zip slip") is refused.
"""

import logging
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Optional

from ambra_sdk.addon.download import StudyTransfer, prepare_directory, replace_when_checked, schema_image_items
from ambra_sdk.addon.exceptions import ImageMismatch
from ambra_sdk.addon.pool import with_retries
from ambra_sdk.addon.progress import Progress

if TYPE_CHECKING:
    from ambra_sdk.api.api import Api

logger = logging.getLogger(__name__)

#: Bundles the storage builds (``Storage.Study.download``).
BUNDLES = ('dicom', 'iso', 'osx', 'win')


def check_bundle(bundle: Any) -> str:
    """Validate a bundle name.

    :param bundle: one of :data:`BUNDLES`.
    :return: the name.
    :raises ValueError: anything else.
    """
    if bundle not in BUNDLES:
        raise ValueError('bundle must be one of {0}, got {1!r}'.format(', '.join(BUNDLES), bundle))
    return str(bundle)


def leaves_folder(member: str) -> bool:
    """True when extracting a ZIP entry of this name could write outside the folder ("zip slip").

    :param member: the entry name (``/`` or ``\\`` separated).
    """
    parts = member.replace('\\', '/').split('/')
    return (
        member.startswith(('/', '\\'))
        or '\0' in member
        or (len(member) > 1 and member[1] == ':')  # a Windows drive: C:...
        or '..' in parts
    )


def zip_problem(path: Path, expected_dicoms: Optional[int]) -> Optional[str]:
    """Say what is wrong with a downloaded bundle, or None when it is whole.

    :param path: the ZIP file.
    :param expected_dicoms: ``.dcm`` entries it must hold (None: not checked).
    :return: a description of the problem, or None.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        return 'not a readable ZIP ({0})'.format(error)
    if broken is not None:
        return 'entry {0} is corrupt'.format(broken)
    if any(leaves_folder(name) for name in names):
        return "a ZIP whose entry names would leave the folder when extracted (absolute, a drive, '..' or NUL)"

    if expected_dicoms is not None:
        found = sum(1 for name in names if name.lower().endswith('.dcm'))
        if found != expected_dicoms:
            return '{0} DICOM files in the ZIP, the study has {1} images'.format(found, expected_dicoms)
    return None


class ZipDownloader(StudyTransfer):
    """Download one study as a ZIP bundle.

    :param api: the Api.
    :param engine_fqdn: storage engine host.
    :param namespace_id: storage namespace.
    :param study_uid: study UID.
    :param bundle: ``dicom``, ``iso``, ``osx`` or ``win``.
    :param phi_namespace: PHI namespace passed to the storage.
    :param retries: extra attempts after a transient failure.
    :param progress: ``None``, ``True`` (tqdm bar) or ``callback(done_bytes, total_bytes)``.
    """

    def __init__(  # noqa: WPS211
        self,
        api: 'Api',
        engine_fqdn: str,
        namespace_id: str,
        study_uid: str,
        bundle: str,
        phi_namespace: Optional[str],
        retries: int,
        progress: Progress,
    ) -> None:
        super().__init__(api, engine_fqdn, namespace_id, study_uid, phi_namespace, retries, progress)
        self._bundle = check_bundle(bundle)

    def run(self, dest_path: Path, overwrite: bool) -> Path:
        """Download to ``dest_path`` unless a whole bundle is there already.

        :param dest_path: the ZIP file to write.
        :param overwrite: fetch again even when ``dest_path`` holds a whole bundle.
        :return: ``dest_path``.
        :raises DestinationNotWritable: its folder cannot be created or written.
        :raises ImageMismatch: the bundle received is not whole after every retry.
        """
        prepare_directory(dest_path.parent)
        expected = self._expected_dicoms()
        if not overwrite and dest_path.exists() and zip_problem(dest_path, expected) is None:
            logger.info('%s already holds the study: not downloaded again', dest_path)
            return dest_path
        with_retries(lambda: self._attempt(dest_path, expected), self._retries, 'study {0} zip'.format(
            self._study_uid,
        ))
        return dest_path

    def _expected_dicoms(self) -> Optional[int]:
        if self._bundle != 'dicom':
            return None
        return sum(1 for _ in schema_image_items(self._schema(), self._study_uid))

    def _attempt(self, dest_path: Path, expected: Optional[int]) -> None:
        def write(out: BinaryIO) -> None:
            self._api.Storage.Study.download(
                self._engine_fqdn,
                self._namespace_id,
                self._study_uid,
                bundle=self._bundle,
                phi_namespace=self._phi_namespace,
                to_file=out,
                progress=self._progress,
            )

        def check(temp_path: Path) -> None:
            problem = zip_problem(temp_path, expected)
            if problem is not None:
                raise ImageMismatch('study {0}: the bundle received is {1}'.format(self._study_uid, problem))

        replace_when_checked(dest_path, write, check)
