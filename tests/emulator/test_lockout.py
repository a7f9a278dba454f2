"""Login lockout (issue 22 point 7): LOCKOUT after too many failed logins, until the window passes."""

from __future__ import annotations

import time

import pytest
import requests

from ambra_sdk.api import Api
from ambra_sdk.emulator import Emulator
from ambra_sdk.emulator.cli import build_parser
from ambra_sdk.emulator.lockout import DEFAULT_ATTEMPTS, DEFAULT_WINDOW, LoginLockout
from ambra_sdk.exceptions.service import InvalidCredentials, Lockout

WINDOW = 1.5


@pytest.fixture(scope='module')
def strict():
    """An emulator that locks a user out after 3 failures for WINDOW seconds."""
    with Emulator(lockout_attempts=3, lockout_window=WINDOW) as emu:
        yield emu


def _login(emu, login, password):
    return requests.post(emu.url + '/session/login', data={'login': login, 'password': password}, timeout=30)


def test_lockout_after_the_bounded_number_of_failures_until_the_window_passes(strict):
    strict.reset()
    strict.add_user('locked@example.com', 'Right-Passw0rd')
    for _ in range(3):
        answer = _login(strict, 'locked@example.com', 'wrong')
        assert answer.status_code == 412 and answer.json()['error_type'] == 'INVALID_CREDENTIALS'
    locked_at = time.monotonic()
    for password in ('wrong', 'Right-Passw0rd'):
        answer = _login(strict, 'locked@example.com', password)
        assert answer.status_code == 412
        assert answer.json() == {'status': 'ERROR', 'error_type': 'LOCKOUT'}
    # another user is not affected
    assert _login(strict, strict.username, strict.password).status_code == 200
    time.sleep(max(0.0, WINDOW - (time.monotonic() - locked_at)) + 0.2)
    assert _login(strict, 'locked@example.com', 'Right-Passw0rd').status_code == 200


def test_a_success_clears_the_count_and_unknown_logins_lock_too(strict):
    strict.reset()
    strict.add_user('count@example.com', 'Right-Passw0rd')
    for _ in range(2):
        _login(strict, 'count@example.com', 'wrong')
    assert _login(strict, 'count@example.com', 'Right-Passw0rd').status_code == 200
    for _ in range(2):
        assert _login(strict, 'count@example.com', 'wrong').json()['error_type'] == 'INVALID_CREDENTIALS'
    for _ in range(3):
        _login(strict, 'nobody@example.com', 'x')
    assert _login(strict, 'NOBODY@example.com', 'x').json()['error_type'] == 'LOCKOUT'


def test_reset_forgets_the_locks(strict):
    strict.reset()
    for _ in range(4):
        _login(strict, strict.username, 'wrong')
    assert _login(strict, strict.username, strict.password).json()['error_type'] == 'LOCKOUT'
    strict.reset()
    assert _login(strict, strict.username, strict.password).status_code == 200


def test_the_sdk_raises_lockout_through_with_creds(strict):
    strict.reset()
    wrong = Api.with_creds(strict.url, strict.username, 'wrong', storage_base_url=strict.storage_base_url)
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            wrong.get_sid()
    right = strict.api()
    with pytest.raises(Lockout) as caught:
        right.Session.user().get()
    assert caught.value.code == 412
    assert strict.password not in str(caught.value)


def test_lockout_off_with_zero_attempts():
    tracker = LoginLockout(0, 10.0)
    for _ in range(100):
        tracker.failed('k')
    assert not tracker.locked('k')


def test_the_lock_lasts_the_window_from_the_locking_failure():
    now = [0.0]
    tracker = LoginLockout(2, 10.0, clock=lambda: now[0])
    tracker.failed('k')
    now[0] = 11.0  # the first failure has left the window
    tracker.failed('k')
    assert not tracker.locked('k')
    now[0] = 12.0
    tracker.failed('k')
    assert tracker.locked('k')
    now[0] = 21.9
    assert tracker.locked('k')
    now[0] = 22.0
    assert not tracker.locked('k')


def test_configuration_defaults_and_cli_options():
    defaults = build_parser().parse_args([])
    assert (defaults.lockout_attempts, defaults.lockout_window) == (DEFAULT_ATTEMPTS, DEFAULT_WINDOW)
    args = build_parser().parse_args(['--lockout-attempts', '0', '--lockout-window', '60'])
    assert (args.lockout_attempts, args.lockout_window) == (0, 60.0)
    emulator = Emulator(lockout_attempts=7, lockout_window=30)
    assert (emulator.config.lockout_attempts, emulator.config.lockout_window) == (7, 30.0)
    with pytest.raises(ValueError):
        Emulator(lockout_attempts=-1)
