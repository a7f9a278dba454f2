"""The state shared by the commands of one ``ambra`` run: options, resolved credentials, the Api."""

import functools
from typing import Any, Callable, Optional

import click

from ambra_sdk.cli.credentials import Resolved, build_api, resolve
from ambra_sdk.cli.streams import is_terminal, text_stream

__all__ = ['CliContext', 'pass_cli']


class CliContext:
    """Global options of ``ambra`` and the lazily built :class:`~ambra_sdk.api.Api`.

    :param profile: ``--profile``.
    :param url: ``--url``.
    :param username: ``--username``.
    :param storage_base_url: ``--storage-base-url``.
    :param rate_limits: keep the SDK's client-side rate limits (None: unless the server is the emulator).
    :param debug: ``--debug``.
    :param progress: show progress bars (``--progress/--no-progress``; None: when stderr is a terminal).
    """

    def __init__(
        self, profile: Optional[str], url: Optional[str], username: Optional[str],
        storage_base_url: Optional[str], rate_limits: Optional[bool], debug: bool, progress: Optional[bool],
    ) -> None:
        self.profile = profile
        self.url = url
        self.username = username
        self.storage_base_url = storage_base_url
        self.rate_limits = rate_limits
        self.debug = debug
        self._progress = progress
        self._api: Any = None
        self._resolved: Optional[Resolved] = None
        #: ``ambra call --csv FILE``: the rows file of a batch of calls.
        self.batch_csv: Any = None
        self.batch_options: dict = {}
        #: ``--connect-timeout`` (None: the SDK's default connect timeout).
        self.connect_timeout: Optional[float] = None

    @property
    def progress(self) -> bool:
        """Whether to draw progress bars (on stderr)."""
        if self._progress is not None:
            return self._progress
        return is_terminal(text_stream('stderr'))

    def resolved(self, need_secret: bool = True) -> Resolved:
        """Return the resolved connection settings (see :func:`ambra_sdk.cli.credentials.resolve`)."""
        if self._resolved is None or (need_secret and not (self._resolved.password or self._resolved.sid)):
            self._resolved = resolve(self.profile, self.url, self.username, self.storage_base_url,
                                     need_secret=need_secret)
        return self._resolved

    @property
    def api(self) -> Any:
        """The Api of this run (built on first use; it logs in on its first call)."""
        if self._api is None:
            from ambra_sdk.api.transport import DEFAULT_TIMEOUT
            from ambra_sdk.cli.reach import probe

            resolved = self.resolved()
            connect = self.connect_timeout or DEFAULT_TIMEOUT[0]
            probe(resolved.url or '', connect)
            self._api = build_api(resolved, rate_limits=self.rate_limits, timeout=(connect, DEFAULT_TIMEOUT[1]))
        return self._api

    def upload_namespace(self) -> str:
        """The namespace uploads use without ``--namespace``: ``$AMBRA_NAMESPACE``, else the profile's.

        :raises CliError: (exit 2) when neither has one.
        """
        namespace = self.resolved(need_secret=False).namespace
        if not namespace:
            from ambra_sdk.cli.errors import CliError

            raise CliError('no namespace to upload into: pass --namespace NS, set AMBRA_NAMESPACE or save one '
                           'with "ambra login --namespace NS" (ambra namespace list shows yours)')
        return namespace

    def close(self) -> None:
        """Log out when this run logged in with a password (a sid given by the user is left alive)."""
        api, self._api = self._api, None
        if api is None or self._resolved is None or self._resolved.sid:
            return
        try:
            api.logout()
        except Exception:  # noqa: BLE001, S110 - logging out is a courtesy
            pass


_pass_state = click.make_pass_decorator(CliContext)


def pass_cli(function: Callable[..., Any]) -> Callable[..., Any]:
    """Pass the :class:`CliContext` as first argument, after :func:`~ambra_sdk.cli.arguments.check_text_arguments`.

    Every command that talks to a server or reads the configuration takes its state through it, so
    an argument that is not UTF-8 text is refused by name before anything runs.
    """

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        from ambra_sdk.cli.arguments import check_text_arguments

        check_text_arguments(click.get_current_context(silent=True))
        return function(*args, **kwargs)

    return _pass_state(checked)
