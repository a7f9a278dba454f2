"""``api.Addon``: upload, download and wait helpers built on the service and storage APIs.

Importing this package is cheap: pydicom and tqdm are imported only by the
functions that need them.
"""

from ambra_sdk.addon.params import UploadedImageParams
from ambra_sdk.addon.upload_type import UploadType

__all__ = ['UploadType', 'UploadedImageParams']
