"""``api.Addon``: the helper namespaces ``Study``, ``Job`` and ``Dicom``."""

from typing import TYPE_CHECKING

from ambra_sdk.addon.dicom import Dicom
from ambra_sdk.addon.job import Job
from ambra_sdk.addon.study import Study

if TYPE_CHECKING:
    from ambra_sdk.api.api import Api


class Addon:
    """Helpers built on the service and storage APIs, reached as ``api.Addon``.

    :param api: the :class:`~ambra_sdk.api.Api`.
    """

    def __init__(self, api: 'Api') -> None:
        self._api = api
        self.Study = Study(api)  # noqa: N815 (public name of the reference)
        self.Job = Job(api)  # noqa: N815
        self.Dicom = Dicom(api)  # noqa: N815

    @property
    def api(self) -> 'Api':
        """The Api these helpers use."""
        return self._api
