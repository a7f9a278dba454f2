"""No invented error codes (issue 22 point 5): every ``error_type`` a route can answer is documented for it.

The error sites are read from the source (:mod:`tests.emulator.error_sites`):
every branch of every handler and of what it calls. A token is allowed for a
call when the generated catalogue (``ambra_sdk/service/endpoints.json``, the
vendor document) lists it for that call, or when the document's "Global
information" makes it apply beyond the per-call lists (:data:`GENERIC`,
:data:`LIST_CLAUSES`).
"""

from __future__ import annotations

from typing import Dict, Set

import pytest

from ambra_sdk.emulator.errors import documented_error
from ambra_sdk.emulator.registry import load_route_modules, service_routes
from ambra_sdk.service.spec import load_all_endpoints

from .error_sites import ErrorSites, describe

#: Tokens any call may answer. ``AUTHORIZATION_REQUIRED`` (401) and ``METHOD_NOT_ALLOWED`` (405):
#: "Error handling" applies them to every call. ``MISSING_FIELDS``: "Fields are required unless
#: noted as optional" holds for every call, and MISSING_FIELDS is the document's token for a missing
#: required field (54 calls with required fields leave it out of their list). ``NOT_PERMITTED``:
#: the "Permissions" section puts every call under the role flags; the dispatch's permission check
#: (``permissions.authorize_service``) answers the document's refusal token for all of them.
GENERIC = frozenset({'AUTHORIZATION_REQUIRED', 'METHOD_NOT_ALLOWED', 'MISSING_FIELDS', 'NOT_PERMITTED'})
#: "Filter clauses" and "Sorting": the tokens of a bad ``filter.*`` or ``sort_by``, for any call
#: taking them (allowed only when raised by the list machinery of ``listing.py``/``study_sql.py``).
LIST_CLAUSES = frozenset(
    {'INVALID_FIELD', 'INVALID_CONDITION', 'FILTER_NOT_FOUND', 'INVALID_SORT_FIELD', 'INVALID_SORT_ORDER'}
)
LIST_MACHINERY = ('ambra_sdk.emulator.listing.', 'ambra_sdk.emulator.study_sql.')


def documented() -> Dict[str, Set[str]]:
    return {e['url']: {error['type'] for error in e['errors']} for e in load_all_endpoints()}


def violations(url: str, tokens: Dict[str, Set[str]], listed: Set[str]) -> Dict[str, Set[str]]:
    bad = {}
    for token, origins in tokens.items():
        if token in listed or token in GENERIC:
            continue
        if token in LIST_CLAUSES and all(o.startswith(LIST_MACHINERY) for o in origins):
            continue
        bad[token] = origins
    return bad


@pytest.fixture(scope='module')
def sites() -> ErrorSites:
    load_route_modules()
    return ErrorSites()


def test_the_walk_finds_error_sites_through_helpers_and_closures(sites):
    routes = service_routes()
    assert {'INVALID_TYPE', 'INVALID_LANGUAGE', 'NOT_HASH'} <= set(sites.tokens(routes['/customcode/add'].handler))
    assert 'LOCKOUT' in sites.tokens(routes['/session/login'].handler)
    assert 'USER_NOT_FOUND' in sites.tokens(routes['/group/user/add'].handler)  # a closure of register_subaccount
    assert 'NOT_PERMITTED' in sites.tokens(routes['/group/get'].handler)  # a sibling closure, then common.get_or_404
    assert {'INVALID_SORT_FIELD', 'INVALID_CONDITION'} <= set(sites.tokens(routes['/study/list'].handler))


def test_every_error_type_a_route_can_answer_is_documented_for_it(sites):
    catalogue = documented()
    problems = {}
    for url, route in sorted(service_routes().items()):
        if url not in catalogue:
            continue  # undocumented calls (e.g. /account/add) have no list to keep to
        tokens = sites.tokens(route.handler)
        unresolved = {t: o for t, o in tokens.items() if t.startswith('<unresolved')}
        assert not unresolved, f'{url}: error sites the walk cannot read:\n{describe(unresolved)}'
        bad = violations(url, tokens, catalogue[url])
        if bad:
            problems[url] = bad
    assert not problems, '\n'.join(f'{url}\n{describe(bad)}' for url, bad in problems.items())


def test_the_dispatch_answers_only_generic_tokens(sites):
    from ambra_sdk.emulator.app import EmulatorApp

    tokens = sites.tokens(EmulatorApp._service)
    assert set(tokens) == {'MISSING_FIELDS', 'NOT_PERMITTED'}, describe(tokens)


def test_the_walk_reaches_every_error_site_of_the_emulator(sites):
    """No ``ServiceError(...)`` is out of the walk's sight (else the check above would miss it)."""
    from ambra_sdk.emulator.app import EmulatorApp

    for route in service_routes().values():
        sites.tokens(route.handler)
    sites.tokens(EmulatorApp._service)
    # errors.invalid_json is built only by documented_error, whose sites the catalogue gates at run time
    unreached = sites.sites() - sites.visited - {'ambra_sdk.emulator.errors.invalid_json'}
    assert not unreached, sorted(unreached)


def test_documented_error_answers_only_what_the_call_documents():
    assert documented_error('/customcode/add', ('INVALID_JSON',), 'settings') is None
    assert documented_error('/customcode/deploy', ('ONE_ZIP_ONLY',)) is None
    error = documented_error('/customcode/set', ('ONE_ZIP_ONLY',))
    assert error is not None and error.body()['error_type'] == 'ONE_ZIP_ONLY'
    first_listed = documented_error('/customcode/get', ('INVALID_JSON', 'NOT_FOUND'), 'uuid')
    assert first_listed is not None and first_listed.body()['error_type'] == 'NOT_FOUND'
    invalid = documented_error('/role/add', ('INVALID_JSON',), 'permissions')
    assert invalid is not None and invalid.body()['error_type'] == ['INVALID_JSON', 'permissions']
    # a call the document does not have keeps to nothing: the first token
    undocumented = documented_error('/account/add', ('DUPLICATE_NAME',))
    assert undocumented is not None and undocumented.body()['error_type'] == 'DUPLICATE_NAME'
