"""``POST /api/v3/bundle``: several service calls in one request (vendor "Bundled calls").

The body is a JSON array of hashes; each has a ``URL`` key and the call's
parameters. Calls run in order; the answer is a JSON array of their answers,
each with an extra ``HTTP_STATUS_CODE``. A value of the form ``{{TOKEN}}`` is
replaced by ``TOKEN`` from a previous answer (dot notation, ``[n]`` for
array items, e.g. ``{{studies.[0].uuid}}``). A malformed body is a 400.

Emulator choices where the document is silent (``docs/source/emulator.rst``):
the body is read as JSON whatever its content type; a call that fails inside
the emulator answers an ``INTERNAL_ERROR`` hash (500) instead of failing the
bundle; a ``/bundle`` call inside a bundle answers ``NESTED_BUNDLE`` (400);
faults and the request log see the ``/bundle`` request, not the calls in it.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Optional

from .context import RequestContext

__all__ = ['run_bundle', 'resolve_token']

_TEMPLATE = re.compile(r'^\{\{(.+)\}\}$')
_MISSING = object()


def resolve_token(token: str, answer: Any) -> Any:
    """Follow ``a.b.[0].c`` into ``answer``; return ``_MISSING`` when absent."""
    value = answer
    for part in token.split('.'):
        match = re.fullmatch(r'\[(\d+)\]', part)
        if match:
            index = int(match.group(1))
            if not isinstance(value, list) or index >= len(value):
                return _MISSING
            value = value[index]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return _MISSING
    return value


def _substitute(value: Any, answers: list[Any]) -> Any:
    if not isinstance(value, str):
        return value
    match = _TEMPLATE.match(value.strip())
    if not match:
        return value
    for answer in reversed(answers):
        found = resolve_token(match.group(1).strip(), answer)
        if found is not _MISSING:
            return found
    return value


def _as_form_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)


def run_bundle(
    ctx: RequestContext, call: Callable[[RequestContext], tuple[int, dict[str, Any]]]
) -> Optional[list[dict[str, Any]]]:
    """Run a bundle; None when the body is malformed.

    :param ctx: the ``/bundle`` request.
    :param call: runs one service call and returns ``(http_status, json_answer)``.
    """
    try:
        calls = json.loads(ctx.request.get_data(as_text=True) or 'null')
    except ValueError:
        return None
    if not isinstance(calls, list) or not all(isinstance(c, dict) and isinstance(c.get('URL'), str) for c in calls):
        return None
    answers: list[Any] = []
    results = []
    for item in calls:
        url = '/' + str(item['URL']).strip().lstrip('/')
        if url.rstrip('/') == '/bundle':  # a bundle does not nest (emulator choice)
            answer = {'status': 'ERROR', 'error_type': 'NESTED_BUNDLE'}
            answers.append(answer)
            results.append({**answer, 'HTTP_STATUS_CODE': 400})
            continue
        form = {
            str(key): _as_form_value(_substitute(value, answers))
            for key, value in item.items()
            if key != 'URL' and value is not None
        }
        sub_ctx = RequestContext(ctx.request, ctx.state, ctx.config, url, form=form)
        status, answer = call(sub_ctx)
        answers.append(answer)
        results.append({**answer, 'HTTP_STATUS_CODE': status})
    return results
