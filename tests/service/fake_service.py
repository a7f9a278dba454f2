"""A tiny loopback service for query/pagination tests.

Answers POSTs with whatever a test's ``respond(path, form)`` returns and records
every request. The real :class:`~ambra_sdk.api.Api` talks to it over HTTP.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qs

from ambra_sdk.api import Api

Reply = Tuple[int, Dict[str, str], bytes]


def json_reply(body: Any, status: int = 200) -> Reply:
    return status, {'Content-Type': 'application/json'}, json.dumps(body).encode()


def pager(rows: List[Dict[str, Any]], field: str = 'items', honour_rows: bool = True) -> Callable[[str, Dict], Reply]:
    """A paginated list method over ``rows`` (page numbers from 1)."""

    def respond(path: str, form: Dict[str, Any]) -> Reply:
        size = int(form.get('page.rows', 100)) if honour_rows else 1000
        number = int(form.get('page.number', 1))
        chunk = rows[(number - 1) * size:number * size]
        more = 1 if number * size < len(rows) else 0
        return json_reply({'status': 'OK', 'page': {'rows': size, 'number': number, 'more': more}, field: chunk})

    return respond


class FakeService:
    def __init__(self) -> None:
        self.requests: List[Tuple[str, Dict[str, Any], Dict[str, str]]] = []
        self.respond: Callable[[str, Dict[str, Any]], Reply] = lambda path, form: json_reply({'status': 'OK'})
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get('Content-Length') or 0)
                raw = self.rfile.read(length).decode()
                form = {key: values[0] if len(values) == 1 else values for key, values in parse_qs(raw).items()}
                path = self.path[len('/api/v3'):]
                owner.requests.append((path, form, dict(self.headers)))
                status, headers, body = owner.respond(path, form)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        return 'http://127.0.0.1:{}/api/v3'.format(self._server.server_address[1])

    def api(self, **kwargs: Any) -> Api:
        kwargs.setdefault('rate_limits', None)
        return Api.with_sid(self.url, 'SID-1', **kwargs)

    def forms(self, path: Optional[str] = None) -> List[Dict[str, Any]]:
        return [form for req_path, form, _ in self.requests if path is None or req_path == path]

    def __enter__(self) -> 'FakeService':
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
