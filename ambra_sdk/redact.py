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
"""

import logging
import re
import threading
from typing import Any, Dict, Iterable, Mapping, Set

MASK = '***'

_SECRET_KEY_RE = re.compile(
    r'(sid|password|passwd|token|secret|login|username|pin|key|auth|cookie|credential)',
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
    text = _SID_IN_TEXT_RE.sub(lambda match: match.group(1) + MASK, text)
    if _secrets:
        with _secrets_lock:
            secrets = sorted(_secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
    return text


def is_secret_key(key: str) -> bool:
    """Tell whether a parameter name may hold a secret.

    :param key: a parameter name.
    """
    return bool(_SECRET_KEY_RE.search(key))


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


class SecretFilter(logging.Filter):
    """Logging filter that masks secrets in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003
        try:
            message = record.getMessage()
        except Exception:  # a broken record is not ours to fix
            return True
        cleaned = redact_text(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        return True


_installed = False
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


def install_log_filter() -> None:
    """Install :class:`SecretFilter` on the SDK, requests and urllib3 loggers (once)."""
    global _installed
    if _installed:
        return
    with _install_lock:
        if _installed:
            return
        log_filter = SecretFilter()
        for name in _LOGGER_NAMES:
            logging.getLogger(name).addFilter(log_filter)
        _installed = True


_DICOM_VALUE_RE = re.compile(r'(Invalid value for VR \w+: ).*?(?=\. Please see|$)', re.DOTALL)


class DicomValueFilter(logging.Filter):
    """Logging filter for pydicom: masks the tag values its validation warnings quote.

    pydicom logs ``Invalid value for VR PN: '<the value>'`` when it reads a
    malformed element; in a corrupt file that value can be any patient data.
    """

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003
        try:
            message = record.getMessage()
        except Exception:  # a broken record is not ours to fix
            return True
        cleaned = _DICOM_VALUE_RE.sub(r'\1' + MASK, message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


_dicom_filter_installed = False


def install_dicom_log_filter() -> None:
    """Install :class:`DicomValueFilter` on the ``pydicom`` logger (once)."""
    global _dicom_filter_installed
    if _dicom_filter_installed:
        return
    with _install_lock:
        if not _dicom_filter_installed:
            logging.getLogger('pydicom').addFilter(DicomValueFilter())
            _dicom_filter_installed = True
