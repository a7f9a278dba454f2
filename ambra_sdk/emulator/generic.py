"""Endpoint data spec: auth mode, required parameters and the generic answer.

Driven by ``ambra_sdk/service/endpoints.json`` (loaded with
``ambra_sdk.service.spec.load_all_endpoints()``, the union of the documents); see DEVELOPERS.md for its
shape. Every one of the documented endpoints answers: with a registered
handler when there is one, else with :func:`generic_answer`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional, Union

from .state import new_uuid

if TYPE_CHECKING:  # pragma: no cover
    from .context import RequestContext

__all__ = ['EndpointSpec', 'load_spec', 'spec_from_endpoints', 'generic_answer', 'page_params', 'DEFAULT_PAGE_ROWS']

#: Server default page size (the vendor says "100 or 1000 depending on the object type").
DEFAULT_PAGE_ROWS = 100
#: Largest page the server returns.
MAX_PAGE_ROWS = 5000

_PLAIN_NAME = re.compile(r'^[A-Za-z0-9_.\-]+$')


class EndpointSpec:
    """Read-only view of one endpoint of the data spec."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.url: str = str(data['url'])
        self.sid: str = str(data.get('sid') or 'none')
        self.paginated_field: Optional[str] = data.get('paginated_field')

    @property
    def required_params(self) -> list[str]:
        """Names of the plain required parameters (``sid`` excluded)."""
        names = []
        for param in self.data.get('params') or ():
            name = str(param.get('name', ''))
            if (
                param.get('required')
                and name != 'sid'
                and not param.get('dict_prefix')
                and _PLAIN_NAME.match(name)
            ):
                names.append(name)
        return names

    @property
    def post_only(self) -> bool:
        """True when the doc says "The call must be a POST" (a GET is then a 405)."""
        text = f"{self.data.get('notes') or ''} {self.data.get('description') or ''}".lower()
        return 'must be a post' in text

    @property
    def param_names(self) -> list[str]:
        """Names of every documented parameter."""
        return [str(p.get('name', '')) for p in self.data.get('params') or ()]

    @property
    def top_returns(self) -> list[str]:
        """Names of the depth-0 response fields (``status`` excluded)."""
        names = []
        for ret in self.data.get('returns') or ():
            name = str(ret.get('name', ''))
            if int(ret.get('depth') or 0) == 0 and name != 'status' and _PLAIN_NAME.match(name):
                names.append(name)
        return names

    @property
    def alternatives(self) -> list[list[list[str]]]:
        """Alternative groups, e.g. ``[[['uuid'], ['study_uid', 'storage_namespace']]]``."""
        return [
            [[str(name) for name in option] for option in group]
            for group in self.data.get('alternatives') or ()
        ]

    def _optional_group(self, group: list[list[str]]) -> bool:
        """True when the doc marks the group "(optional)" (on every member's description)."""
        descriptions = {
            str(p.get('name')): str(p.get('description') or '').lower() for p in self.data.get('params') or ()
        }
        names = [name for option in group for name in option]
        return all('(optional' in descriptions.get(name, '') for name in names)

    def sid_alternatives(self) -> list[list[str]]:
        """Options that can replace the sid (e.g. ``['node_id', 'serial_no']``)."""
        for group in self.alternatives:
            if ['sid'] in group:
                return [option for option in group if option != ['sid']]
        return []

    def missing(self, form: Mapping[str, str]) -> list[str]:
        """Required parameters absent from ``form`` (or empty).

        Plain required parameters first, then, for every alternative group
        (other than the sid group and groups documented as optional) that no
        option satisfies, the missing parameters of its first option.
        """
        missing = [n for n in self.required_params if not form.get(n)]
        for group in self.alternatives:
            if ['sid'] in group or not group or self._optional_group(group):
                continue
            if any(all(form.get(name) for name in option) for option in group):
                continue
            missing.extend(n for n in group[0] if not form.get(n) and n not in missing)
        return missing


def spec_from_endpoints(endpoints: Union[Mapping[str, Any], Iterable[Mapping[str, Any]]]) -> dict[str, EndpointSpec]:
    """Index endpoint dicts (the JSON document or its ``endpoints`` list) by URL."""
    if isinstance(endpoints, Mapping):
        items: Iterable[Mapping[str, Any]] = endpoints.get('endpoints') or ()
    else:
        items = endpoints
    return {str(e['url']): EndpointSpec(e) for e in items}


def load_spec(path: Optional[Union[str, Path]] = None) -> dict[str, EndpointSpec]:
    """Load the endpoint data spec.

    :param path: a JSON file to read instead of the packaged data spec.
    :return: endpoints keyed by URL (empty when no spec is available yet).
    """
    if path is not None:
        return spec_from_endpoints(json.loads(Path(path).read_text(encoding='utf-8')))
    try:
        from ambra_sdk.service.spec import load_all_endpoints
    except ImportError:
        packaged = Path(__file__).resolve().parent.parent / 'service' / 'endpoints.json'
        if not packaged.exists():
            return {}
        return spec_from_endpoints(json.loads(packaged.read_text(encoding='utf-8')))
    try:
        return spec_from_endpoints(load_all_endpoints())
    except (OSError, ValueError):
        return {}


def page_params(ctx: RequestContext) -> tuple[int, int]:
    """Read ``page.rows`` / ``page.number`` (defaults 100 and 1, rows capped at 5000)."""
    rows = ctx.integer('page.rows', DEFAULT_PAGE_ROWS) or DEFAULT_PAGE_ROWS
    number = ctx.integer('page.number', 1) or 1
    rows = max(1, min(rows, MAX_PAGE_ROWS))
    return rows, max(1, number)


def generic_answer(endpoint: EndpointSpec, ctx: RequestContext) -> dict[str, Any]:
    """A plausible OK answer for an endpoint without real state.

    Paginated endpoints get an empty page. Others get their documented
    top-level fields: echoed from the request when a parameter has the same
    name, a fresh uuid for ``uuid``/``*_id`` fields, else None.
    """
    out: dict[str, Any] = {}
    if endpoint.paginated_field:
        rows, number = page_params(ctx)
        out[endpoint.paginated_field] = []
        out['page'] = {'more': 0, 'number': number, 'rows': rows}
        return out
    for name in endpoint.top_returns:
        if name in ctx.form and name != 'sid':
            out[name] = ctx.form[name]
        elif name == 'uuid' or name.endswith('_id') or name.endswith('_uuid'):
            out[name] = new_uuid()
        else:
            out[name] = None
    return out
