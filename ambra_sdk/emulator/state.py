"""Emulator state: one SQLite database plus a files directory.

This module is the contract between the service routes and the storage
routes (``ambra_sdk/emulator/storage/``). Every table, its columns and the
helper methods are listed here; other modules never write SQL themselves.

Tables
------

``sessions``
    ``sid`` (pk), ``user_uuid``, ``created``, ``expires`` (epoch seconds).
``objects``
    Generic rows for every "simple" vendor object (user, account, namespace,
    group, location, role, customfield, link, ...): ``kind``, ``uuid`` (pk
    with kind), ``seq`` (insertion order), ``created``, ``updated``,
    ``data`` (JSON of all vendor fields).
``studies``
    ``uuid`` (pk), ``seq``, ``study_uid``, ``storage_namespace``,
    ``phi_namespace``, ``engine_fqdn``, ``patient_name``, ``patientid``,
    ``modality``, ``study_date``, ``accession_number``, ``image_count``,
    ``phantom`` (0/1), ``created``, ``updated``, ``data`` (JSON of every
    other vendor field, including ``customfields``). Unique on
    ``(storage_namespace, study_uid)``.
``images``
    ``namespace``, ``study_uid``, ``series_uid``, ``image_uid``,
    ``version`` (hex string), ``path`` (file under :attr:`State.files_dir`),
    ``size``, ``created``, ``data`` (JSON of extra attributes, e.g. the
    transfer syntax or the tags the storage side wants to keep).
    Primary key ``(namespace, study_uid, image_uid, version)``.
``image_stats``
    ``namespace``, ``study_uid`` (pk), ``data`` (JSON): storage's cached
    per-study image aggregates (see :mod:`ambra_sdk.emulator.storage.index`).
    Every :class:`State` method that changes ``images`` drops the row of the
    study it touches, so a cached row is never stale.
``storage_studies``
    ``namespace``, ``study_uid`` (pk): every study storage has held an image
    of (written by :meth:`State.add_image`). Storage deletes leave the row (a
    storage study DELETE of an emptied study still answers 202, as the real
    server does); only the service's ``/study/delete`` (:meth:`State.delete_study`)
    removes it.
``jobs``
    ``id`` (pk; the client's ``X-AmbraHealth-Job-Id`` or a uuid), ``kind``,
    ``state`` (``QUEUED`` -> ``RUNNING`` -> ``DONE`` | ``FAILED``; the SDK's
    ``Addon.Job.wait`` expects ``DONE``), ``created``, ``updated``, ``data``
    (JSON: parameters and the result once done). ``/job/get`` returns it.

Threading: one connection shared by all server threads, guarded by an
:class:`threading.RLock`; every helper that writes runs inside
:meth:`State.transaction` so a read-modify-write is atomic (no lost writes
with 16 client threads). Helpers that only read run one statement under the
lock without ``BEGIN``/``COMMIT`` (:meth:`State._read`), which is cheaper and
just as consistent.

Timestamps are UTC strings ``YYYY-MM-DD HH:MM:SS.ffffff`` (what Ambra
returns, minus the zone suffix). Booleans are stored and returned as the
integers 1/0 (vendor "flags").
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid as uuid_module
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Collection, ContextManager, Iterator, Mapping, Optional, Sequence

from .events import EventBus
from .private_files import create_private_file, make_private_dir
from .processing import Processor

__all__ = ['State', 'new_uuid', 'now_str', 'STUDY_COLUMNS']

#: Study fields kept in real columns (everything else lives in ``data``).
STUDY_COLUMNS = (
    'uuid',
    'seq',
    'study_uid',
    'storage_namespace',
    'phi_namespace',
    'engine_fqdn',
    'patient_name',
    'patientid',
    'modality',
    'study_date',
    'accession_number',
    'image_count',
    'phantom',
    'created',
    'updated',
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    sid TEXT PRIMARY KEY,
    user_uuid TEXT NOT NULL,
    created TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    uuid TEXT NOT NULL,
    seq INTEGER NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, uuid)
);
CREATE TABLE IF NOT EXISTS studies (
    uuid TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    study_uid TEXT NOT NULL,
    storage_namespace TEXT NOT NULL,
    phi_namespace TEXT NOT NULL,
    engine_fqdn TEXT NOT NULL,
    patient_name TEXT,
    patientid TEXT,
    modality TEXT,
    study_date TEXT,
    accession_number TEXT,
    image_count INTEGER NOT NULL DEFAULT 0,
    phantom INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    UNIQUE (storage_namespace, study_uid)
);
CREATE INDEX IF NOT EXISTS studies_seq ON studies (seq);
CREATE INDEX IF NOT EXISTS studies_phi_seq ON studies (phi_namespace, seq);
CREATE INDEX IF NOT EXISTS studies_created ON studies (created, seq);
CREATE INDEX IF NOT EXISTS studies_updated ON studies (updated, seq);
CREATE INDEX IF NOT EXISTS studies_study_uid ON studies (study_uid COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS studies_patient_name ON studies (patient_name COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS studies_patientid ON studies (patientid COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS studies_modality ON studies (modality COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS studies_study_date ON studies (study_date COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS studies_accession ON studies (accession_number COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS studies_sort_patient_name
    ON studies ((NULLIF(patient_name, '') IS NULL), NULLIF(patient_name, '') COLLATE NOCASE, seq);
CREATE INDEX IF NOT EXISTS studies_sort_patientid
    ON studies ((NULLIF(patientid, '') IS NULL), NULLIF(patientid, '') COLLATE NOCASE, seq);
CREATE INDEX IF NOT EXISTS studies_sort_modality
    ON studies ((NULLIF(modality, '') IS NULL), NULLIF(modality, '') COLLATE NOCASE, seq);
CREATE INDEX IF NOT EXISTS studies_sort_study_date
    ON studies ((NULLIF(study_date, '') IS NULL), NULLIF(study_date, '') COLLATE NOCASE, seq);
CREATE INDEX IF NOT EXISTS studies_sort_accession_number
    ON studies ((NULLIF(accession_number, '') IS NULL), NULLIF(accession_number, '') COLLATE NOCASE, seq);
CREATE TABLE IF NOT EXISTS images (
    namespace TEXT NOT NULL,
    study_uid TEXT NOT NULL,
    series_uid TEXT NOT NULL,
    image_uid TEXT NOT NULL,
    version TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (namespace, study_uid, image_uid, version)
);
CREATE INDEX IF NOT EXISTS images_path ON images (path);
CREATE TABLE IF NOT EXISTS image_stats (
    namespace TEXT NOT NULL,
    study_uid TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (namespace, study_uid)
);
CREATE TABLE IF NOT EXISTS storage_studies (
    namespace TEXT NOT NULL,
    study_uid TEXT NOT NULL,
    PRIMARY KEY (namespace, study_uid)
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}'
);
"""

#: Field names that may be spliced into a ``json_extract`` path.
_PLAIN_KEY = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')

_TABLES = ('sessions', 'objects', 'studies', 'images', 'image_stats', 'storage_studies', 'jobs')

#: Default session lifetime in seconds (the vendor default is 3 hours).
SESSION_TTL = 3 * 3600.0


def new_uuid() -> str:
    """Return a new random UUID string (vendor ids are UUIDs)."""
    return str(uuid_module.uuid4())


#: The UTC offset the emulator writes after its timestamps (the server's PostgreSQL writes its
#: own zone's offset the same way, e.g. ``2021-06-30 09:18:31.264772-07``; the emulator runs in UTC).
TIMESTAMP_OFFSET = '+00'


def now_str() -> str:
    """Return the current UTC time as the server writes timestamps: ``YYYY-MM-DD HH:MM:SS.ffffff+00``."""
    return datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M:%S.%f') + TIMESTAMP_OFFSET


class _Locked:
    """``with`` block holding the state lock; ``as`` gives a cursor.

    A class, not a ``contextlib.contextmanager`` generator: entering and
    leaving one costs a fraction of a generator's, and an upload takes many.
    """

    __slots__ = ('_conn', '_lock')

    def __init__(self, lock: threading.RLock, conn: sqlite3.Connection) -> None:
        self._lock = lock
        self._conn = conn

    def __enter__(self) -> sqlite3.Cursor:
        self._lock.acquire()
        try:
            return self._conn.cursor()
        except BaseException:
            self._lock.release()
            raise

    def __exit__(self, *exc_info: Any) -> None:
        self._lock.release()


class _Transaction(_Locked):
    """:class:`_Locked` plus ``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on an exception).

    Inside a transaction of the same thread it only joins it (the outer one commits).
    """

    __slots__ = ('_cursor',)

    def __enter__(self) -> sqlite3.Cursor:
        cursor = super().__enter__()
        if self._conn.in_transaction:
            self._cursor: Optional[sqlite3.Cursor] = None  # joined: the outer block commits
            return cursor
        try:
            cursor.execute('BEGIN IMMEDIATE')
        except BaseException:
            self._lock.release()
            raise
        self._cursor = cursor
        return cursor

    def __exit__(self, exc_type: Any, *exc_info: Any) -> None:
        try:
            if self._cursor is not None:
                self._cursor.execute('ROLLBACK' if exc_type is not None else 'COMMIT')
        finally:
            self._lock.release()


def _loads(text: Optional[str]) -> dict[str, Any]:
    if not text:
        return {}
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


class State:
    """All emulator state: SQLite tables and the uploaded files.

    :param data_dir: directory for ``emulator.sqlite3`` and ``files/``;
        a temporary directory (removed by :meth:`close`) when None.
    """

    def __init__(self, data_dir: Optional[str] = None) -> None:
        self._own_dir = data_dir is None
        self.data_dir = make_private_dir(data_dir or tempfile.mkdtemp(prefix='ambra-emulator-'))
        #: Directory where the storage routes keep uploaded files.
        self.files_dir = make_private_dir(self.data_dir / 'files')
        self.db_path = self.data_dir / 'emulator.sqlite3'
        create_private_file(self.db_path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            str(self.db_path),
            check_same_thread=False,
            isolation_level=None,
        )
        self._conn.row_factory = sqlite3.Row
        self._conn.execute('PRAGMA journal_mode=WAL')
        self._conn.execute('PRAGMA synchronous=OFF')
        self._conn.executescript(_SCHEMA)
        self._json_sql = _has_json_functions(self._conn)
        self._seq = 0
        #: Events for the websocket channel (:mod:`ambra_sdk.emulator.events`).
        self.events = EventBus()
        #: Deferred processing of storage uploads (:mod:`ambra_sdk.emulator.processing`; delay 0 = inline).
        self.processing = Processor()
        #: How many times :meth:`wipe` emptied :attr:`files_dir` (folders made inside it are gone after one).
        self.wipes = 0
        with self.transaction() as cur:
            for table in ('objects', 'studies'):
                row = cur.execute(f'SELECT MAX(seq) FROM {table}').fetchone()
                self._seq = max(self._seq, row[0] or 0)

    # ------------------------------------------------------------------ core

    def transaction(self) -> ContextManager[sqlite3.Cursor]:
        """Run a block atomically (lock + ``BEGIN IMMEDIATE`` ... ``COMMIT``).

        ``with state.transaction() as cur:``; an exception rolls back. Nested
        use in the same thread joins the outer transaction.
        """
        return _Transaction(self._lock, self._conn)

    def _read(self) -> ContextManager[sqlite3.Cursor]:
        """Run read-only statements under the lock, without ``BEGIN``/``COMMIT``.

        One ``SELECT`` in autocommit mode is atomic on its own; inside a
        :meth:`transaction` of the same thread it simply joins it.
        """
        return _Locked(self._lock, self._conn)

    def next_seq(self) -> int:
        """Return a strictly increasing insertion counter."""
        with self._lock:
            self._seq += 1
            return self._seq

    def wipe(self) -> None:
        """Delete every row and every uploaded file (used by ``reset``); drop pending processing."""
        self.processing.clear()
        with self.transaction() as cur:
            for table in _TABLES:
                cur.execute(f'DELETE FROM {table}')
        with self._lock:
            self._seq = 0
            shutil.rmtree(self.files_dir, ignore_errors=True)
            make_private_dir(self.files_dir)
            self.wipes += 1

    def set_engine_fqdn(self, engine_fqdn: str) -> None:
        """Point every study and namespace at ``engine_fqdn`` (a restarted emulator has a new port)."""
        with self.transaction() as cur:
            cur.execute('UPDATE studies SET engine_fqdn = ?', (engine_fqdn,))
            rows = cur.execute("SELECT uuid, data FROM objects WHERE kind = 'namespace'").fetchall()
            for row in rows:
                obj = _loads(row['data'])
                obj['engine_fqdn'] = engine_fqdn
                cur.execute(
                    "UPDATE objects SET data = ? WHERE kind = 'namespace' AND uuid = ?", (json.dumps(obj), row['uuid'])
                )

    def close(self) -> None:
        """Stop processing, close the database; remove the data directory if it is temporary."""
        self.processing.close()
        self.events.close()
        with self._lock:
            self._conn.close()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # -------------------------------------------------------------- sessions

    def create_session(self, user_uuid: str, ttl: float = SESSION_TTL) -> str:
        """Create a session for ``user_uuid`` and return its sid."""
        sid = secrets.token_hex(16)
        with self.transaction() as cur:
            cur.execute(
                'INSERT INTO sessions (sid, user_uuid, created, expires) VALUES (?, ?, ?, ?)',
                (sid, user_uuid, now_str(), time.time() + ttl),
            )
        return sid

    def session_user_uuid(self, sid: str) -> Optional[str]:
        """Return the user uuid of a live session, or None (unknown/expired)."""
        with self._read() as cur:
            row = cur.execute(
                'SELECT user_uuid, expires FROM sessions WHERE sid = ?', (sid,)
            ).fetchone()
        if row is None or row['expires'] < time.time():
            return None
        return str(row['user_uuid'])

    def session_user(self, sid: str) -> Optional[dict[str, Any]]:
        """Return the user object of a live session (storage auth helper).

        One query (session joined with its user): it runs for every storage call.
        """
        with self._read() as cur:
            row = cur.execute(
                "SELECT o.data, s.expires FROM sessions s JOIN objects o ON o.kind = 'user' AND o.uuid = s.user_uuid "
                'WHERE s.sid = ?',
                (sid,),
            ).fetchone()
        if row is None or row['expires'] < time.time():
            return None
        return _loads(row['data'])

    def delete_session(self, sid: str) -> bool:
        """Delete (log out / expire) a session; True when it existed."""
        with self.transaction() as cur:
            cur.execute('DELETE FROM sessions WHERE sid = ?', (sid,))
            return cur.rowcount > 0

    def set_session_ttl(self, sid: str, ttl: float) -> None:
        """Change the remaining lifetime of a session (seconds from now)."""
        with self.transaction() as cur:
            cur.execute(
                'UPDATE sessions SET expires = ? WHERE sid = ?', (time.time() + ttl, sid)
            )

    def expire_sessions(self, user_uuid: Optional[str] = None) -> None:
        """Expire every session (or every session of one user)."""
        with self.transaction() as cur:
            if user_uuid is None:
                cur.execute('DELETE FROM sessions')
            else:
                cur.execute('DELETE FROM sessions WHERE user_uuid = ?', (user_uuid,))

    # --------------------------------------------------------------- objects

    def add_object(self, kind: str, fields: Mapping[str, Any], uuid: Optional[str] = None) -> dict[str, Any]:
        """Insert an object of ``kind``; return it with ``uuid``/``created``/``updated``."""
        obj = dict(fields)
        obj['uuid'] = uuid or obj.get('uuid') or new_uuid()
        stamp = now_str()
        obj.setdefault('created', stamp)
        obj.setdefault('updated', stamp)
        with self.transaction() as cur:
            cur.execute(
                'INSERT INTO objects (kind, uuid, seq, created, updated, data) VALUES (?, ?, ?, ?, ?, ?)',
                (kind, obj['uuid'], self.next_seq(), obj['created'], obj['updated'], json.dumps(obj)),
            )
        return obj

    def get_object(self, kind: str, uuid: str) -> Optional[dict[str, Any]]:
        """Return one object or None."""
        with self._read() as cur:
            row = cur.execute(
                'SELECT data FROM objects WHERE kind = ? AND uuid = ?', (kind, uuid)
            ).fetchone()
        return None if row is None else _loads(row['data'])

    def list_objects(self, kind: str, **where: Any) -> list[dict[str, Any]]:
        """Return every object of ``kind`` whose fields equal ``where``, newest first.

        String conditions are also checked in SQL (``json_extract``), so only
        the matching rows are decoded; the Python check below stays the rule.
        """
        sql = 'SELECT data FROM objects WHERE kind = ?'
        args: list[Any] = [kind]
        for key, value in where.items():
            if self._json_sql and isinstance(value, str) and _PLAIN_KEY.match(key):
                sql += f" AND json_extract(data, '$.{key}') = ?"
                args.append(value)
        with self._read() as cur:
            rows = cur.execute(sql + ' ORDER BY seq DESC', args).fetchall()
        objs = [_loads(row['data']) for row in rows]
        return [o for o in objs if all(o.get(k) == v for k, v in where.items())]

    def find_object(self, kind: str, **where: Any) -> Optional[dict[str, Any]]:
        """Return the first object of ``kind`` matching ``where`` or None."""
        found = self.list_objects(kind, **where)
        return found[0] if found else None

    def update_object(self, kind: str, uuid: str, fields: Mapping[str, Any]) -> Optional[dict[str, Any]]:
        """Merge ``fields`` into an object atomically; return it (None if missing)."""
        with self.transaction() as cur:
            row = cur.execute(
                'SELECT data FROM objects WHERE kind = ? AND uuid = ?', (kind, uuid)
            ).fetchone()
            if row is None:
                return None
            obj = _loads(row['data'])
            obj.update(fields)
            obj['updated'] = now_str()
            cur.execute(
                'UPDATE objects SET data = ?, updated = ? WHERE kind = ? AND uuid = ?',
                (json.dumps(obj), obj['updated'], kind, uuid),
            )
        return obj

    def delete_object(self, kind: str, uuid: str) -> bool:
        """Delete an object; True when it existed."""
        with self.transaction() as cur:
            cur.execute('DELETE FROM objects WHERE kind = ? AND uuid = ?', (kind, uuid))
            return cur.rowcount > 0

    # --------------------------------------------------------------- studies

    @staticmethod
    def _study_from_row(row: sqlite3.Row) -> dict[str, Any]:
        study = _loads(row['data'])
        for col in STUDY_COLUMNS:
            if col != 'seq':
                study[col] = row[col]
        return study

    def add_study(
        self,
        storage_namespace: str,
        study_uid: str,
        phi_namespace: Optional[str] = None,
        engine_fqdn: str = '',
        **fields: Any,
    ) -> dict[str, Any]:
        """Insert a study and return it (a dict of vendor ``/study/get`` fields).

        :raises KeyError: a study with this ``(storage_namespace, study_uid)``
            already exists (``KeyError.args[0]`` is its uuid).
        """
        stamp = now_str()
        study: dict[str, Any] = {
            'uuid': fields.pop('uuid', None) or new_uuid(),
            'study_uid': study_uid,
            'storage_namespace': storage_namespace,
            'phi_namespace': phi_namespace or storage_namespace,
            'engine_fqdn': engine_fqdn,
            'image_count': 0,
            'phantom': 0,
            'created': stamp,
            'updated': stamp,
        }
        study.update(fields)
        columns = {c: study.get(c) for c in STUDY_COLUMNS if c != 'seq'}
        columns['image_count'] = int(columns['image_count'] or 0)
        columns['phantom'] = int(columns['phantom'] or 0)
        extra = {k: v for k, v in study.items() if k not in STUDY_COLUMNS}
        with self.transaction() as cur:
            row = cur.execute(
                'SELECT uuid FROM studies WHERE storage_namespace = ? AND study_uid = ?',
                (storage_namespace, study_uid),
            ).fetchone()
            if row is not None:
                raise KeyError(row['uuid'])
            names = list(columns) + ['seq', 'data']
            values = list(columns.values()) + [self.next_seq(), json.dumps(extra)]
            cur.execute(
                f'INSERT INTO studies ({", ".join(names)}) VALUES ({", ".join("?" * len(names))})',
                values,
            )
        saved = self.get_study(study['uuid']) or study
        self.events.study_saved(None, saved)
        return saved

    def get_study(
        self,
        uuid: Optional[str] = None,
        *,
        storage_namespace: Optional[str] = None,
        study_uid: Optional[str] = None,
        phi_namespace: Optional[str] = None,
    ) -> Optional[dict[str, Any]]:
        """Return a study by uuid or by its storage triplet, or None."""
        with self._read() as cur:
            if uuid is not None:
                row = cur.execute('SELECT * FROM studies WHERE uuid = ?', (uuid,)).fetchone()
            else:
                row = cur.execute(
                    'SELECT * FROM studies WHERE storage_namespace = ? AND study_uid = ?',
                    (storage_namespace, study_uid),
                ).fetchone()
        if row is None:
            return None
        study = self._study_from_row(row)
        if phi_namespace is not None and study['phi_namespace'] != phi_namespace:
            return None
        return study

    def list_studies(self, **where: Any) -> list[dict[str, Any]]:
        """Return studies whose fields equal ``where``, newest first."""
        with self._read() as cur:
            rows = cur.execute('SELECT * FROM studies ORDER BY seq DESC').fetchall()
        studies = [self._study_from_row(r) for r in rows]
        return [s for s in studies if all(s.get(k) == v for k, v in where.items())]

    @staticmethod
    def _namespace_clause(phi_namespaces: Optional[Collection[str]]) -> tuple[str, list[Any]]:
        if phi_namespaces is None:
            return '', []
        names = sorted(set(phi_namespaces))
        return f' WHERE phi_namespace IN ({", ".join("?" * len(names))})', names

    def list_studies_page(
        self, offset: int, limit: int, phi_namespaces: Optional[Collection[str]] = None
    ) -> list[dict[str, Any]]:
        """Return ``limit`` studies from ``offset`` in :meth:`list_studies` order (newest first).

        ``LIMIT``/``OFFSET`` over the ``seq`` index: the cost is one page, not the table.

        :param phi_namespaces: only studies of these PHI namespaces (None = every study).
        """
        where, args = self._namespace_clause(phi_namespaces)
        if phi_namespaces is not None and not args:
            return []
        with self._read() as cur:
            rows = cur.execute(
                f'SELECT * FROM studies{where} ORDER BY seq DESC LIMIT ? OFFSET ?', [*args, int(limit), int(offset)]
            ).fetchall()
        return [self._study_from_row(r) for r in rows]

    def select_studies(
        self, where: str, args: Sequence[Any], order_by: str, offset: int, limit: int
    ) -> list[dict[str, Any]]:
        """One page of studies: ``SELECT * FROM studies {where} ORDER BY {order_by} LIMIT/OFFSET``.

        :param where: a ``WHERE ...`` clause with ``?`` placeholders ('' for none),
            built by :mod:`ambra_sdk.emulator.study_sql` from known column names only.
        :param args: the placeholders' values.
        :param order_by: the ``ORDER BY`` expression list (column names only).
        """
        with self._read() as cur:
            rows = cur.execute(
                f'SELECT * FROM studies{where} ORDER BY {order_by} LIMIT ? OFFSET ?', [*args, int(limit), int(offset)]
            ).fetchall()
        return [self._study_from_row(r) for r in rows]

    def count_studies_where(self, where: str, args: Sequence[Any]) -> int:
        """``SELECT COUNT(*) FROM studies {where}`` (see :meth:`select_studies`)."""
        with self._read() as cur:
            return int(cur.execute(f'SELECT COUNT(*) FROM studies{where}', list(args)).fetchone()[0])

    def count_studies(self, phi_namespaces: Optional[Collection[str]] = None) -> int:
        """Return the number of studies (of these PHI namespaces when given)."""
        where, args = self._namespace_clause(phi_namespaces)
        if phi_namespaces is not None and not args:
            return 0
        with self._read() as cur:
            return int(cur.execute(f'SELECT COUNT(*) FROM studies{where}', args).fetchone()[0])

    def add_studies_bulk(
        self,
        count: int,
        namespace: str,
        phi_namespace: Optional[str] = None,
        engine_fqdn: str = '',
        **fields: Any,
    ) -> int:
        """Insert ``count`` synthetic studies in one transaction (for benchmarks and big fixtures).

        Each study gets a new uuid and ``2.25.<uuid>`` study UID, ``patient_name``
        ``BULK^<n>``, ``patientid`` ``BULK<n>``, modality ``CT`` and ``image_count``
        0; ``fields`` (e.g. ``account_id``, ``namespace_id``) are added to every
        study. About 100 000 studies a second, against ~2 000 for :meth:`add_study`.

        :return: the number of studies inserted.
        """
        stamp = now_str()
        phi = phi_namespace or namespace
        columns = [*STUDY_COLUMNS, 'data']
        extra = json.dumps({k: v for k, v in fields.items() if k not in STUDY_COLUMNS})
        plain = {k: v for k, v in fields.items() if k in STUDY_COLUMNS and k != 'seq'}

        def rows() -> Iterator[list[Any]]:
            for _ in range(int(count)):
                uid = uuid_module.uuid4()
                seq = self.next_seq()
                study: dict[str, Any] = {
                    'uuid': str(uid), 'seq': seq, 'study_uid': f'2.25.{uid.int}', 'storage_namespace': namespace,
                    'phi_namespace': phi, 'engine_fqdn': engine_fqdn, 'patient_name': f'BULK^{seq}',
                    'patientid': f'BULK{seq}', 'modality': 'CT', 'study_date': stamp[:10].replace('-', ''),
                    'accession_number': f'A{seq}', 'image_count': 0, 'phantom': 0, 'created': stamp,
                    'updated': stamp, **plain,
                }
                yield [*(study[c] for c in STUDY_COLUMNS), extra]

        with self.transaction() as cur:
            cur.executemany(
                f'INSERT INTO studies ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})', rows()
            )
            # fresh statistics: SQLite's planner then prefers the sort indexes over an unselective filter's
            cur.execute('ANALYZE studies')
        return int(count)

    def update_study(self, uuid: str, **fields: Any) -> Optional[dict[str, Any]]:
        """Merge ``fields`` into a study atomically; return it (None if missing)."""
        with self.transaction() as cur:
            row = cur.execute('SELECT * FROM studies WHERE uuid = ?', (uuid,)).fetchone()
            if row is None:
                return None
            before = self._study_from_row(row)
            self._write_study(cur, dict(before), fields)
        saved = self.get_study(uuid)
        self.events.study_saved(before, saved)
        return saved

    def merge_study(self, study: Mapping[str, Any], fields: Mapping[str, Any]) -> Optional[dict[str, Any]]:
        """:meth:`update_study` for a caller that holds the current row (from :meth:`get_study`).

        Call it inside the :meth:`transaction` that read ``study``, so nothing
        changed the row in between; it saves reading the row again.

        :param study: the study as :meth:`get_study` returned it.
        :param fields: the fields to merge into it.
        :return: the study as stored now (None if it is gone).
        """
        with self.transaction() as cur:
            self._write_study(cur, dict(study), fields)
        saved = self.get_study(study['uuid'])
        self.events.study_saved(study, saved)
        return saved

    @staticmethod
    def _write_study(cur: sqlite3.Cursor, study: dict[str, Any], fields: Mapping[str, Any]) -> None:
        """Write ``study`` (the current row, as a dict) with ``fields`` merged in."""
        uuid = study['uuid']
        study.update(fields)
        study['uuid'] = uuid
        study['updated'] = now_str()
        columns = {c: study.get(c) for c in STUDY_COLUMNS if c not in ('seq', 'uuid')}
        columns['image_count'] = int(columns['image_count'] or 0)
        columns['phantom'] = int(columns['phantom'] or 0)
        extra = {k: v for k, v in study.items() if k not in STUDY_COLUMNS}
        sets = ', '.join(f'{c} = ?' for c in columns)
        cur.execute(
            f'UPDATE studies SET {sets}, data = ? WHERE uuid = ?',
            [*columns.values(), json.dumps(extra), uuid],
        )

    def delete_study(self, uuid: str) -> bool:
        """Delete a study, its image rows and storage's record of it (files are left to the caller)."""
        with self.transaction() as cur:
            row = cur.execute(
                'SELECT storage_namespace, study_uid FROM studies WHERE uuid = ?', (uuid,)
            ).fetchone()
            if row is None:
                return False
            cur.execute(
                'DELETE FROM images WHERE namespace = ? AND study_uid = ?',
                (row['storage_namespace'], row['study_uid']),
            )
            self._drop_image_stats(cur, row['storage_namespace'], row['study_uid'])
            cur.execute(
                'DELETE FROM storage_studies WHERE namespace = ? AND study_uid = ?',
                (row['storage_namespace'], row['study_uid']),
            )
            cur.execute('DELETE FROM studies WHERE uuid = ?', (uuid,))
            return True

    # ---------------------------------------------------------------- images

    def add_image(
        self,
        namespace: str,
        study_uid: str,
        series_uid: str,
        image_uid: str,
        path: str,
        size: int,
        version: Optional[str] = None,
        *,
        replaces_stats: bool = False,
        **data: Any,
    ) -> dict[str, Any]:
        """Insert (or replace) one image version and return its row.

        :param replaces_stats: the caller writes the study's new image
            aggregates in the same transaction (:meth:`set_image_stats`): the
            cached ones are not dropped first.
        """
        image = {
            'namespace': namespace,
            'study_uid': study_uid,
            'series_uid': series_uid,
            'image_uid': image_uid,
            'version': version or secrets.token_hex(16),
            'path': str(path),
            'size': int(size),
            'created': now_str(),
        }
        with self.transaction() as cur:
            cur.execute(
                'INSERT OR REPLACE INTO images (namespace, study_uid, series_uid, image_uid, '
                'version, path, size, created, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
                (*image.values(), json.dumps(data)),
            )
            if not replaces_stats:
                self._drop_image_stats(cur, namespace, study_uid)
            cur.execute(
                'INSERT OR IGNORE INTO storage_studies (namespace, study_uid) VALUES (?, ?)', (namespace, study_uid)
            )
        image.update(data)
        return image

    @staticmethod
    def _image_from_row(row: sqlite3.Row) -> dict[str, Any]:
        image = _loads(row['data'])
        for key in ('namespace', 'study_uid', 'series_uid', 'image_uid', 'version', 'path', 'size', 'created'):
            image[key] = row[key]
        return image

    def list_images(
        self,
        namespace: str,
        study_uid: str,
        series_uid: Optional[str] = None,
        image_uid: Optional[str] = None,
    ) -> list[dict[str, Any]]:
        """Return the image rows of a study (optionally one series, or the versions of one image), oldest first."""
        sql = 'SELECT * FROM images WHERE namespace = ? AND study_uid = ?'
        args: list[Any] = [namespace, study_uid]
        if series_uid is not None:
            sql += ' AND series_uid = ?'
            args.append(series_uid)
        if image_uid is not None:
            sql += ' AND image_uid = ?'
            args.append(image_uid)
        with self._read() as cur:
            rows = cur.execute(sql + ' ORDER BY created, rowid', args).fetchall()
        return [self._image_from_row(r) for r in rows]

    def image_version_paths(self, namespace: str, study_uid: str, image_uid: str) -> dict[str, str]:
        """Return ``{version: path}`` of every stored version of one image (empty when it has none).

        One primary-key range read of two columns (no JSON decoding).
        """
        with self._read() as cur:
            rows = cur.execute(
                'SELECT version, path FROM images WHERE namespace = ? AND study_uid = ? AND image_uid = ?',
                (namespace, study_uid, image_uid),
            ).fetchall()
        return {row[0]: row[1] for row in rows}

    def all_image_paths(self) -> list[str]:
        """Return the file path of every stored image version (to find files no row references)."""
        with self._read() as cur:
            return [row[0] for row in cur.execute('SELECT path FROM images').fetchall()]

    def has_images(self, namespace: str, study_uid: str, image_uid: Optional[str] = None) -> bool:
        """True when the study (or one image of it) has at least one stored version.

        A ``LIMIT 1`` probe of the primary key: it does not grow with the study.
        """
        sql = 'SELECT 1 FROM images WHERE namespace = ? AND study_uid = ?'
        args: list[Any] = [namespace, study_uid]
        if image_uid is not None:
            sql += ' AND image_uid = ?'
            args.append(image_uid)
        with self._read() as cur:
            return cur.execute(sql + ' LIMIT 1', args).fetchone() is not None

    def mark_storage_study(self, namespace: str, study_uid: str) -> None:
        """Record that storage holds (or held) the study (:meth:`add_image` does it for images)."""
        with self.transaction() as cur:
            cur.execute(
                'INSERT OR IGNORE INTO storage_studies (namespace, study_uid) VALUES (?, ?)', (namespace, study_uid)
            )

    def storage_study_known(self, namespace: str, study_uid: str) -> bool:
        """True when storage has held the study and the service has not deleted it since."""
        with self._read() as cur:
            return cur.execute(
                'SELECT 1 FROM storage_studies WHERE namespace = ? AND study_uid = ?', (namespace, study_uid)
            ).fetchone() is not None

    def get_image_stats(self, namespace: str, study_uid: str) -> Optional[dict[str, Any]]:
        """Return the cached image aggregates of a study, or None (never computed, or images changed since)."""
        with self._read() as cur:
            row = cur.execute(
                'SELECT data FROM image_stats WHERE namespace = ? AND study_uid = ?', (namespace, study_uid)
            ).fetchone()
        return None if row is None else _loads(row['data'])

    def set_image_stats(self, namespace: str, study_uid: str, stats: Mapping[str, Any]) -> None:
        """Cache the image aggregates of a study (dropped by the next change to its images)."""
        with self.transaction() as cur:
            cur.execute(
                'INSERT OR REPLACE INTO image_stats (namespace, study_uid, data) VALUES (?, ?, ?)',
                (namespace, study_uid, json.dumps(dict(stats))),
            )

    @staticmethod
    def _drop_image_stats(cur: sqlite3.Cursor, namespace: str, study_uid: str) -> None:
        cur.execute('DELETE FROM image_stats WHERE namespace = ? AND study_uid = ?', (namespace, study_uid))

    def get_image(
        self, namespace: str, study_uid: str, image_uid: str, version: Optional[str] = None
    ) -> Optional[dict[str, Any]]:
        """Return one image (the latest version when ``version`` is None) or None."""
        sql = 'SELECT * FROM images WHERE namespace = ? AND study_uid = ? AND image_uid = ?'
        args: list[Any] = [namespace, study_uid, image_uid]
        if version is not None:
            sql += ' AND version = ?'
            args.append(version)
        with self._read() as cur:
            row = cur.execute(sql + ' ORDER BY created DESC, rowid DESC', args).fetchone()
        return None if row is None else self._image_from_row(row)

    def delete_image(
        self, namespace: str, study_uid: str, image_uid: str, version: Optional[str] = None
    ) -> int:
        """Delete one image (all versions when ``version`` is None); return rows deleted."""
        sql = 'DELETE FROM images WHERE namespace = ? AND study_uid = ? AND image_uid = ?'
        args: list[Any] = [namespace, study_uid, image_uid]
        if version is not None:
            sql += ' AND version = ?'
            args.append(version)
        with self.transaction() as cur:
            cur.execute(sql, args)
            deleted = cur.rowcount
            self._drop_image_stats(cur, namespace, study_uid)
            return deleted

    def file_in_use(self, path: str) -> bool:
        """True when an image row still references the stored file ``path``."""
        with self._read() as cur:
            return cur.execute('SELECT 1 FROM images WHERE path = ? LIMIT 1', (str(path),)).fetchone() is not None

    def image_file_path(self, namespace: str, study_uid: str, image_uid: str, version: str) -> Path:
        """Return (and create the folder of) the file path for an image version."""
        folder = make_private_dir(self.files_dir / _safe(namespace) / _safe(study_uid))
        return folder / f'{_safe(image_uid)}.{_safe(version)}.dcm'

    # ------------------------------------------------------------------ jobs

    def add_job(
        self, kind: str, state: str = 'QUEUED', job_id: Optional[str] = None, **data: Any
    ) -> dict[str, Any]:
        """Create (or replace) a job and return it (``id``, ``kind``, ``state``, ...)."""
        stamp = now_str()
        job_id = job_id or new_uuid()
        with self.transaction() as cur:
            cur.execute(
                'INSERT OR REPLACE INTO jobs (id, kind, state, created, updated, data) VALUES (?, ?, ?, ?, ?, ?)',
                (job_id, kind, state, stamp, stamp, json.dumps(data)),
            )
        job = {'id': job_id, 'kind': kind, 'state': state, 'created': stamp, 'updated': stamp, **data}
        self.events.job_saved(None, job)
        return job

    def get_job(self, job_id: str) -> Optional[dict[str, Any]]:
        """Return a job or None."""
        with self._read() as cur:
            row = cur.execute('SELECT * FROM jobs WHERE id = ?', (job_id,)).fetchone()
        if row is None:
            return None
        job = _loads(row['data'])
        job.update({k: row[k] for k in ('id', 'kind', 'state', 'created', 'updated')})
        return job

    def update_job(self, job_id: str, state: Optional[str] = None, **data: Any) -> Optional[dict[str, Any]]:
        """Change a job's state and/or merge data into it; return it."""
        with self.transaction() as cur:
            row = cur.execute('SELECT * FROM jobs WHERE id = ?', (job_id,)).fetchone()
            if row is None:
                return None
            before = {'state': row['state']}
            merged = _loads(row['data'])
            merged.update(data)
            cur.execute(
                'UPDATE jobs SET state = ?, updated = ?, data = ? WHERE id = ?',
                (state or row['state'], now_str(), json.dumps(merged), job_id),
            )
        job = self.get_job(job_id)
        self.events.job_saved(before, job)
        return job


def _has_json_functions(conn: sqlite3.Connection) -> bool:
    """True when this SQLite has ``json_extract`` (JSON1; built in since 3.38, usually before)."""
    try:
        conn.execute('SELECT json_extract(\'{"a": 1}\', \'$.a\')').fetchone()
    except sqlite3.OperationalError:
        return False
    return True


def _safe(part: str) -> str:
    """Make one path component safe for the files directory."""
    cleaned = ''.join(c if c.isalnum() or c in '.-_' else '_' for c in str(part))
    return cleaned.strip('.') or '_'

