"""Keep secrets and patient data out of logs, exception messages and reprs.

Two mechanisms:

* :func:`redact_mapping` masks values of request parameters whose names may
  hold a secret (``sid``, ``*password*``, ``*token*``, ...) or patient data
  (``patient_*``, ``*name``, ``birth*``, ...). Only values of keys known to be
  harmless (ids, uuids, flags, paging) are kept.
* :class:`SecretFilter`, a :class:`logging.Filter` installed on the loggers of
  the SDK, requests and urllib3, rewrites every record: ``sid=...`` in URLs
  and every value registered with :func:`register_secret` (sids and passwords
  the Api has seen) become ``***``.

pydicom quotes the values of malformed elements in its warnings:
:func:`redact_dicom_values` masks them, in its log records and in its Python
warnings (:func:`install_dicom_redaction`).
"""

import logging
import os
import re
import sys
import threading
import warnings
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Set, Type

from ambra_sdk.secret_params import secret_param_names

MASK = '***'
#: the names of THE table of secret parameters (shared with the CLI and the emulator's request log)
_TABLE_NAMES = secret_param_names()

_SECRET_KEY_RE = re.compile(
    r'(sid|password|passwd|token|secret|login|username|pin|key|auth|cookie|credential|validate_session|access_code)',
    re.IGNORECASE,
)
_SAFE_KEY_RE = re.compile(
    r'^(uuid|.*_id|id|.*_uid|namespace|phi_namespace|storage_namespace|engine_fqdn|page\..*|'
    r'fields\..*|sort_by|filter\.tz|rows|number|count|extended|.*_only|type|bundle|depth|size|'
    r'quality|version|image_version|frame_number|series_uid|study_uid|image_uid|flat_directory|'
    r'include_.*|exclude_.*|keep_.*|delete_.*|static_ids|wrap_.*|return_html|synchronous_wrap|'
    r'v3|roche_directory|stop_on_failure|transfer_syntax|pretranscode|render_wrapped_pdf|'
    r'all_dicom_values|groups|images_only|count_files|new_image_uids|new_series_uids|is_ai|'
    r'color|region|to_namespace|secondary_study_uid|series_uids|permissions)$'
)
_SID_IN_TEXT_RE = re.compile(r'((?:^|[?&;\s"\'])(?:sid|password|token)=)([^&\s"\'<>]+)', re.IGNORECASE)

_secrets: Set[str] = set()
_secrets_lock = threading.Lock()
_MIN_SECRET_LENGTH = 4


def register_secret(value: Any) -> None:
    """Remember a secret so that it is masked wherever it shows up in logs.

    :param value: a sid, password or token (short or empty values are ignored).
    """
    if isinstance(value, str) and len(value) >= _MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(value)


def redact_text(text: str) -> str:
    """Mask ``sid=...`` style parameters and registered secrets in a text.

    :param text: any text (a URL, a log message).
    :returns: the text with secrets replaced by ``***``.
    """
    return redact_registered(_SID_IN_TEXT_RE.sub(lambda match: match.group(1) + MASK, text))


def redact_registered(text: str) -> str:
    """Mask only the registered secrets (:func:`register_secret`) in a text.

    For messages the SDK or the command line wrote itself (a hint such as
    ``write password=- ...`` must keep its syntax): the values are still masked.

    :param text: any text.
    :returns: the text with every registered secret replaced by ``***``.
    """
    if _secrets:
        with _secrets_lock:
            secrets = sorted(_secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
    return text


def is_secret_key(key: str) -> bool:
    """Tell whether a parameter name may hold a secret.

    Every name of the secret parameter table (:mod:`ambra_sdk.secret_params`) is one, and so is
    any name that looks like one (``*password*``, ``*token*``...), to be safe in logs.

    :param key: a parameter name.
    """
    return key.lower() in _TABLE_NAMES or bool(_SECRET_KEY_RE.search(key))


def redact_mapping(params: Mapping[str, Any]) -> Dict[str, Any]:
    """Return a copy of request params whose sensitive values are masked.

    :param params: request params or form data.
    :returns: a new dict with the same keys.
    """
    redacted: Dict[str, Any] = {}
    for key, value in params.items():
        key_text = str(key)
        if value is None:
            redacted[key] = None
        elif is_secret_key(key_text) and not key_text.endswith(('_id', '_uid')):
            redacted[key] = MASK
        elif _SAFE_KEY_RE.match(key_text):
            redacted[key] = redact_text(value) if isinstance(value, str) else value
        else:
            redacted[key] = MASK
    return redacted


class _RewritingFilter(logging.Filter):
    """A logging filter that rewrites the message of every record with :meth:`clean`."""

    #: Also freeze the message of records that :meth:`clean` left unchanged
    #: (so a handler never formats the arguments again).
    freeze_args = False

    def clean(self, message: str) -> str:
        """Return ``message`` with what must not be logged masked.

        :param message: the formatted message of a record.
        """
        raise NotImplementedError

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003
        try:
            message = record.getMessage()
        except Exception:  # a broken record is not ours to fix
            return True
        cleaned = self.clean(message)
        if cleaned != message or (self.freeze_args and record.args):
            record.msg = cleaned
            record.args = None
        return True


class SecretFilter(_RewritingFilter):
    """Logging filter that masks secrets in a record's message and arguments."""

    freeze_args = True

    def clean(self, message: str) -> str:
        """Mask sids, passwords and registered secrets (:func:`redact_text`).

        :param message: the formatted message of a record.
        """
        return redact_text(message)


_install_lock = threading.Lock()
_LOGGER_NAMES: Iterable[str] = (
    'ambra_sdk',
    'ambra_sdk.api.api',
    'ambra_sdk.storage',
    'urllib3.response',
    'urllib3',
    'urllib3.connectionpool',
    'urllib3.util.retry',
    'urllib3.connection',
    'urllib3.poolmanager',
    'requests',
)


_installed_filters: Set[str] = set()


def _install_once(filter_class: Type[logging.Filter], logger_names: Iterable[str]) -> None:
    """Add one ``filter_class`` filter to the loggers, the first time only."""
    kind = filter_class.__name__
    if kind in _installed_filters:
        return
    with _install_lock:
        if kind in _installed_filters:
            return
        log_filter = filter_class()
        for name in logger_names:
            logging.getLogger(name).addFilter(log_filter)
        _installed_filters.add(kind)


def install_log_filter() -> None:
    """Install :class:`SecretFilter` on the SDK, requests and urllib3 loggers (once)."""
    _install_once(SecretFilter, _LOGGER_NAMES)


#: The texts in which pydicom quotes a value of the file it reads (any patient data, in a corrupt file).
#: Each pattern keeps its group 1 and masks the value after it; a greedy value reaches pydicom's own
#: last suffix, so a value that imitates the suffix is masked whole.
_DICOM_VALUE_RES = (
    # valuerep.validate_value: "Invalid value for VR UI: '<value>'. Please see <https://...> for allowed values"
    re.compile(r'(Invalid value for VR \w+: )(?:.*(?=\. Please see <)|.*)', re.DOTALL),
    # valuerep.DS: 'Value "<value>" is not valid for elements with a VR of DS'
    re.compile(r'(Value ").*(?=" is not valid for elements with a VR of)', re.DOTALL),
    # jsonrep: "Invalid value '<value>' for AT element - ignoring it"
    re.compile(r"(Invalid value ').*(?=' for AT element)", re.DOTALL),
    # valuerep.DA/DT/TM: "Unable to convert [non-conformant value ]'<value>' to 'DT' object"
    re.compile(r"(Unable to convert (?:non-conformant value )?').*(?=' to '\w+' object)", re.DOTALL),
)


def redact_dicom_values(text: str) -> str:
    """Mask the tag values pydicom quotes in its warnings (``Invalid value for VR PN: '<value>'``...).

    THE cleaning of pydicom's messages: its log records (:class:`DicomValueFilter`) and its
    Python warnings (:func:`install_dicom_redaction`) both go through it.

    :param text: a message of pydicom.
    :returns: the message with each quoted value replaced by ``***``.
    """
    for pattern in _DICOM_VALUE_RES:
        text = pattern.sub(r'\1' + MASK, text)
    return text


class DicomValueFilter(_RewritingFilter):
    """Logging filter for pydicom: masks the tag values its validation warnings quote.

    pydicom logs ``Invalid value for VR PN: '<the value>'`` when it reads a
    malformed element; in a corrupt file that value can be any patient data.
    """

    def clean(self, message: str) -> str:
        """Replace the quoted value of a validation warning by ``***`` (:func:`redact_dicom_values`).

        :param message: the formatted message of a record.
        """
        return redact_dicom_values(message)


def _pydicom_folder() -> Optional[str]:
    """The folder of the imported pydicom package (with a trailing separator), None before its import."""
    module = sys.modules.get('pydicom')
    location = getattr(module, '__file__', None)
    return os.path.join(os.path.dirname(os.path.abspath(location)), '') if location else None


def _from_pydicom(filename: str) -> bool:
    folder = _pydicom_folder()
    return folder is not None and os.path.abspath(filename).startswith(folder)


class _DicomWarningFormat:
    """``warnings.formatwarning`` that masks the values in pydicom's warnings, then calls the one it replaced.

    Python's default ``showwarning`` (stderr), ``logging.captureWarnings`` (the ``py.warnings``
    logger, hence ``ambra --debug``) and test runners all format a warning through
    ``warnings.formatwarning``. Warnings raised elsewhere than in pydicom's package pass unchanged.
    Stateless after its creation: safe from any number of threads.
    """

    def __init__(self, previous: Callable[..., str]) -> None:
        self.previous = previous

    def __call__(
        self, message: Any, category: Type[Warning], filename: str, lineno: int, line: Optional[str] = None,
    ) -> str:
        if _from_pydicom(str(filename)):
            message = redact_dicom_values(str(message))
        return self.previous(message, category, filename, lineno, line)


def install_dicom_redaction() -> None:
    """Mask the tag values pydicom quotes, in its log records and in its Python warnings (once per process).

    Installs :class:`DicomValueFilter` on the ``pydicom`` logger and :class:`_DicomWarningFormat`
    as ``warnings.formatwarning`` (chained to the one in place). Neither touches pydicom's
    configuration nor the warnings filters; warnings of other modules are formatted as before.
    Called wherever the SDK reads DICOM (``ambra_sdk.addon.dicom_io.require_pydicom``, the
    command line, ``Emulator.start``).
    """
    _install_once(DicomValueFilter, ('pydicom',))
    if _DicomWarningFormat.__name__ in _installed_filters:
        return
    with _install_lock:
        if _DicomWarningFormat.__name__ not in _installed_filters:
            if not isinstance(warnings.formatwarning, _DicomWarningFormat):
                warnings.formatwarning = _DicomWarningFormat(warnings.formatwarning)
            _installed_filters.add(_DicomWarningFormat.__name__)
