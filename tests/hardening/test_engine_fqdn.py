"""Issue 14, point 2: ``engine_fqdn`` is a host name or address with an optional port, nothing else."""

import pytest

from ambra_sdk.storage.paths import check_engine_fqdn
from tests.hardening.conftest import make_api
from tests.hardening.servers import SID, Reply

BAD = ['host:1@other:2', 'user@host', None, 'none' * 0, 'a/b', 'host/../x', 'h?x', 'h#x', 'host:', 'host:0',
       'host:65536', 'host:8o', '[::1', '[::1]x', '[zz::1]:80', '::1', 'h h', 'a..b', '-a.com', 'a' * 64 + '.com',
       'h\n', 'h:1:2', 5, b'host']
GOOD = {
    'storelpt.ambrahealth.com': 'storelpt.ambrahealth.com',
    'storelpt.ambrahealth.com.': 'storelpt.ambrahealth.com.',
    '127.0.0.1:8080': '127.0.0.1:8080',
    '[::1]': '[::1]',
    '[2001:db8::1]:8443': '[2001:db8::1]:8443',
    'localhost': 'localhost',
    'bücher.example:81': 'xn--bcher-kva.example:81',
    'store_1.internal': 'store_1.internal',
}


@pytest.mark.parametrize('value', BAD, ids=repr)
def test_bad_engine_fqdn_is_refused_naming_it(value):
    with pytest.raises(ValueError, match='engine_fqdn'):
        check_engine_fqdn(value)


@pytest.mark.parametrize('value, wire', list(GOOD.items()))
def test_good_engine_fqdn(value, wire):
    assert check_engine_fqdn(value) == wire


def test_the_sid_never_goes_to_the_host_after_an_at_sign(script_server):
    """``'host:1@other:2'`` used to send the request, and the sid, to ``other``."""
    other = script_server(Reply(200, b'{}'))
    api = make_api(other)
    with pytest.raises(ValueError, match='engine_fqdn'):
        api.Storage.Study.schema('127.0.0.1:1@{0}'.format(other.engine_fqdn), 'ns', '1.2.3')
    with pytest.raises(ValueError, match='engine_fqdn'):
        api.Storage.Study.schema(None, 'ns', '1.2.3')
    assert other.requests == []
    assert all(SID not in target for _, target, _ in other.requests)


def test_a_checked_host_is_kept_and_a_refused_one_refused_every_time():
    # issue 26.4: every storage call checks its host; the answer is kept per value
    from ambra_sdk.storage.paths import _checked_host

    _checked_host.cache_clear()
    for _ in range(3):
        assert check_engine_fqdn('bücher.example:8080') == 'xn--bcher-kva.example:8080'
        with pytest.raises(ValueError):
            check_engine_fqdn('host:1@other:2')
    assert _checked_host.cache_info().hits == 2 and _checked_host.cache_info().currsize == 1
