"""The docs' quickstart, as a user writes it (type-checked with ``mypy --strict``)."""

import os

from ambra_sdk.api import Api
from ambra_sdk.exceptions.service import NotFound
from ambra_sdk.service.filtering import Filter, FilterCondition

url = os.environ.get('AMBRA_URL', 'https://ambrahealth_host/api/v3')
username = os.environ.get('AMBRA_USER', 'user@example.com')
password = os.environ.get('AMBRA_PASSWORD', '')


def quickstart() -> None:
    api = Api.with_creds(url, username, password)
    api = Api.with_creds(url, username, password, 'Hospital-ABC')
    user_info = api.Session.user().get()
    print(user_info.email == username)
    account = api.Account.list().first()
    print(account is not None and 'name' in account)
    for row in api.Account.list().all():
        print(row.name)
    accounts = api.Account.list().all()[5:12]
    print(list(accounts))
    try:
        api.Study.get(uuid='no-such-study').get()
    except NotFound as error:
        print(error.description)
    query = api.Study.list().filter_by(Filter('phi_namespace', FilterCondition.equals, user_info.namespace_id))
    first = query.first()
    print(first)
    api.logout()


def with_sid(sid: str) -> Api:
    return Api.with_sid(url, sid)


def without_credentials() -> Api:
    return Api(url=url, client_name='Some name (ex: Hospital-ABC)')
