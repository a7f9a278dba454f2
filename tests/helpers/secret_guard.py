"""pytest plugin: no sid, password or patient value in logs, exception messages or reprs.

Enable it for the whole suite in ``tests/conftest.py``::

    pytest_plugins = ['ambra_sdk.emulator.pytest_plugin', 'tests.helpers.secret_guard']

or for one run: ``pytest -p tests.helpers.secret_guard``.

For every test it:

* sets the root logger to DEBUG and attaches a handler that checks every
  record (message, arguments, formatted exception and stack) after the
  loggers' filters ran, i.e. exactly what any handler would write;
* records every SDK (:class:`~ambra_sdk.exceptions.base.AmbraException`) and
  requests (:class:`requests.RequestException`) exception created during the
  test and, at teardown, checks ``str()`` and ``repr()`` of those that reached
  the test (or any caller outside the library), with the chain a traceback
  would print;
* fails the test at teardown (an ERROR in the report) when one of the secrets
  shows up: the values registered with :func:`ambra_sdk.redact.register_secret`
  (every sid and password an Api has seen), the emulator's admin password and
  the patient values of :data:`PHI_VALUES` (plus :func:`register_phi`).

Tests can check any text or object themselves with :func:`assert_clean`.
The report never prints a secret: it names its kind and masks it.
"""

import logging
import os
import sys
import threading
from typing import Any, Callable, Iterator, List, Optional, Set, Tuple

import pytest

#: Patient values used by the test suite and the emulator's demo seed.
PHI_VALUES: Set[str] = {
    'DOE^JANE', 'Doe^Jane', 'DOE^JOHN', 'Doe^John', 'ROE^RICHARD', 'SMITH^ANNA', 'Wrap^Test', 'Anon^Patient',
    'CompressedSamples^CT1', 'Big^File', 'Changed^Name', 'PID001', 'PID002', 'PID003',
    'Reliab^Patient', 'RELIAB-PID-7',
}
_extra_phi: Set[str] = set()
_lock = threading.Lock()
_MIN_LENGTH = 4


def register_phi(value: str) -> None:
    """Add a patient value that must never be logged.

    :param value: a patient name, id, birth date...
    """
    if isinstance(value, str) and len(value) >= _MIN_LENGTH:
        with _lock:
            _extra_phi.add(value)


def _ordinary_word(value: str) -> bool:
    """``'password'``, ``'secret'``: test passwords that are plain words are not checked.

    They also appear in vendor error texts ("Invalid user name or password").
    """
    return value.isalpha() and value.islower() and len(value) <= 10


def _emulator_password() -> Optional[str]:
    server = sys.modules.get('ambra_sdk.emulator.server')
    return getattr(server, 'DEFAULT_PASSWORD', None) if server is not None else None


def secrets() -> List[Tuple[str, str]]:
    """Return ``(kind, value)`` of every value that must not leak."""
    from ambra_sdk import redact

    with redact._secrets_lock:  # noqa: SLF001 - the registry is the source of truth
        registered = set(redact._secrets)  # noqa: SLF001
    found = [('sid/password', value) for value in registered if not _ordinary_word(value)]
    password = _emulator_password()
    if password:
        found.append(('emulator password', password))
    with _lock:
        phi = PHI_VALUES | _extra_phi
    found.extend(('patient value', value) for value in phi if len(value) >= _MIN_LENGTH)
    return found


def find_leaks(text: str) -> List[str]:
    """Return the kinds of secrets found in ``text`` (empty when clean).

    :param text: any text.
    """
    return sorted({kind for kind, value in secrets() if value in text})


def mask_all(text: str) -> str:
    """Return ``text`` with every secret replaced by ``<LEAK:kind>``."""
    for kind, value in sorted(secrets(), key=lambda item: -len(item[1])):
        text = text.replace(value, '<LEAK:{0}>'.format(kind))
    return text


def excerpt(text: str, width: int = 200) -> str:
    """Masked ``text`` around its first leak (the whole text when short)."""
    masked = mask_all(text)
    index = masked.find('<LEAK:')
    if len(masked) <= 2 * width or index < 0:
        return masked[: 2 * width]
    start = max(index - width, 0)
    return ('...' if start else '') + masked[start:index + width] + '...'


def assert_clean(*objects: Any) -> None:
    """Fail when ``str()`` or ``repr()`` of an object holds a secret.

    :param objects: texts, exceptions, any objects.
    """
    for obj in objects:
        for text in (str(obj), repr(obj)):
            leaks = find_leaks(text)
            if leaks:
                pytest.fail('secret ({0}) in {1}: {2}'.format(', '.join(leaks), type(obj).__name__, excerpt(text)))


class LeakHandler(logging.Handler):
    """Collects log records that carry a secret."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.leaks: List[str] = []
        self._formatter = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            parts = [record.getMessage()]
        except Exception:  # noqa: BLE001 - a broken record is reported, not raised
            parts = [str(record.msg), repr(record.args)]
        if record.exc_info:
            parts.append(self._formatter.formatException(record.exc_info))
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        text = '\n'.join(parts)
        leaks = find_leaks(text)
        if leaks:
            self.leaks.append('log {0}/{1} ({2}): {3}'.format(
                record.name, record.levelname, ', '.join(leaks), excerpt(text),
            ))


class ExceptionRecorder:
    """Records SDK and requests exceptions created while installed."""

    def __init__(self) -> None:
        self.created: List[BaseException] = []
        self._restore: List[Callable[[], None]] = []

    def install(self) -> None:
        import requests

        from ambra_sdk.exceptions.base import AmbraException

        for cls in (AmbraException, requests.exceptions.RequestException):
            self._wrap(cls)

    def _wrap(self, cls: type) -> None:
        had_own = '__init__' in cls.__dict__
        original = cls.__dict__.get('__init__')
        recorder = self

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N807
            if original is not None:
                original(self, *args, **kwargs)
            else:
                super(cls, self).__init__(*args, **kwargs)  # type: ignore[misc]
            if len(recorder.created) < 10000:
                recorder.created.append(self)

        cls.__init__ = __init__  # type: ignore[misc]

        def restore() -> None:
            if had_own:
                cls.__init__ = original  # type: ignore[misc]
            else:
                del cls.__init__  # type: ignore[misc]

        self._restore.append(restore)

    def uninstall(self) -> None:
        for restore in reversed(self._restore):
            restore()
        self._restore = []

    def leaks(self) -> List[str]:
        """Secrets in the exceptions that reached the caller.

        An exception counts when it reached code outside the library (the
        test, or a caller): the frame that caught it is not in ``ambra_sdk``
        or an installed package. Its visible chain (``__cause__``, and
        ``__context__`` unless suppressed with ``raise ... from None``) is
        checked too, as a traceback would print it. Exceptions the SDK
        handled itself are not.
        """
        found = []
        seen: Set[int] = set()
        for error in self.created:
            if not _reached_caller(error):
                continue
            for shown in _visible_chain(error):
                if id(shown) in seen:
                    continue
                seen.add(id(shown))
                for label, render in (('str', str), ('repr', repr)):
                    try:
                        text = render(shown)
                    except Exception:  # noqa: BLE001 - a half-built exception
                        continue
                    kinds = find_leaks(text)
                    if kinds:
                        found.append('{0}({1}) {2}: {3}'.format(
                            type(shown).__name__, label, ', '.join(kinds), excerpt(text),
                        ))
        return found


_LIBRARY_MARKERS = (os.sep + 'ambra_sdk' + os.sep, 'site-packages', 'dist-packages', os.sep + 'lib' + os.sep + 'python')


def _reached_caller(error: BaseException) -> bool:
    traceback = error.__traceback__
    if traceback is None:
        return False
    filename = traceback.tb_frame.f_code.co_filename
    return not (filename.startswith('<') or any(marker in filename for marker in _LIBRARY_MARKERS))


def _visible_chain(error: BaseException) -> List[BaseException]:
    chain: List[BaseException] = []
    current: Optional[BaseException] = error
    while current is not None and current not in chain:
        chain.append(current)
        if current.__cause__ is not None:
            current = current.__cause__
        elif not current.__suppress_context__:
            current = current.__context__
        else:
            current = None
    return chain


@pytest.fixture(autouse=True)
def secret_guard() -> Iterator[LeakHandler]:
    """Check logs at DEBUG and the exceptions of one test for secrets (autouse)."""
    root = logging.getLogger()
    handler = LeakHandler()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    recorder = ExceptionRecorder()
    recorder.install()
    try:
        yield handler
    finally:
        recorder.uninstall()
        root.removeHandler(handler)
        root.setLevel(old_level)
    problems = handler.leaks + recorder.leaks()
    if problems:
        pytest.fail('secrets leaked:\n' + '\n'.join(problems[:20]), pytrace=False)
