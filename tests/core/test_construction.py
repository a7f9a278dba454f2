"""Constructor arguments: clear errors, no secrets in repr."""

import pytest

from ambra_sdk.api import Api
from ambra_sdk.api.base_api import DEFAULT_RATE_LIMITS, RateLimit, RateLimits
from ambra_sdk.exceptions.base import AmbraException, ApiConfigurationError, MissingCredentials

URL = 'http://127.0.0.1:9/api/v3'


@pytest.mark.parametrize('url', [None, 42, b'http://x/api/v3'])
def test_bad_url_type(url):
    with pytest.raises(ApiConfigurationError, match='url'):
        Api.with_sid(url, 'sid-1234')


@pytest.mark.parametrize('url', ['ftp://x', 'ambrahealth_host/api/v3', ''])
def test_any_str_url_is_accepted_and_checked_when_used(url):
    # The reference built an Api from any str; the scheme is checked before a request goes out.
    api = Api.with_sid(url, 'sid-1234')
    with pytest.raises(ApiConfigurationError, match='url'):
        api.Study.list().get()


def test_username_without_password():
    with pytest.raises(ApiConfigurationError, match='password is missing'):
        Api(URL, username='someone')


def test_no_credentials_and_no_sid_is_allowed():
    # As in the reference: the Api is built; a call that needs a sid raises MissingCredentials.
    api = Api(url=URL, client_name='Some name (ex: Hospital-ABC)')
    with pytest.raises(MissingCredentials, match='with_creds'):
        api.get_sid()
    with pytest.raises(MissingCredentials):
        api.Study.list().get()


def test_with_creds_none_password():
    with pytest.raises(ApiConfigurationError, match='password'):
        Api.with_creds(URL, 'someone', None)


def test_bad_timeout():
    with pytest.raises(ValueError, match='timeout'):
        Api.with_sid(URL, 'sid-1234', timeout=-1)


def test_bad_storage_base_url():
    with pytest.raises(ApiConfigurationError, match='engine_fqdn'):
        Api.with_sid(URL, 'sid-1234', storage_base_url='http://x/api/v3/storage')


def test_errors_are_sdk_exceptions():
    assert issubclass(ApiConfigurationError, AmbraException)
    assert issubclass(ApiConfigurationError, ValueError)
    assert issubclass(MissingCredentials, RuntimeError)


def test_repr_hides_secrets():
    api = Api(URL, username='user@example.com', password='pa55word-secret', sid='sid-secret-value')
    text = repr(api)
    assert 'pa55word-secret' not in text
    assert 'sid-secret-value' not in text
    assert 'user@example.com' not in text
    assert 'pa55word' not in repr(api._creds)


def test_url_normalised():
    api = Api.with_sid(URL + '/', 'sid-1234')
    assert api.service_full_url('/study/list') == URL + '/study/list'
    assert api.ws_url == URL + '/channel/websocket'


def test_missing_credentials_message():
    api = Api.with_sid(URL, 'sid-1234')
    with pytest.raises(MissingCredentials, match='with_creds'):
        api.get_new_sid()


def test_rate_limits_call_period():
    limits = RateLimits(default=RateLimit(3, 2), get_limit=RateLimit(4, 2), special={'special': RateLimit(5, 2)})
    assert limits.call_period('abc') == pytest.approx(2 / 3)
    assert limits.call_period('abc/get') == 0.5
    assert limits.call_period('special') == 0.4
    assert DEFAULT_RATE_LIMITS.call_period('/study/list') == 0.5
    assert DEFAULT_RATE_LIMITS.call_period('/study/get') == 0.2


def test_default_headers():
    api = Api.with_sid(URL, 'sid-1234', client_name='Hospital-ABC')
    assert api.default_headers == {'SDK-CLIENT-NAME': 'Hospital-ABC', 'SDK-VERSION': '3.21.6.0-1'}
    assert api.service_default_headers == {}
    assert api.storage_default_headers == {}
