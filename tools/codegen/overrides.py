"""Places where api.html and the reference catalogue (spec Appendix A) disagree.

Appendix A is the reference for names, signatures and error mappings.  Each
entry below records one disagreement and how it is resolved.
"""

from __future__ import annotations

#: Endpoints whose documented errors are NOT put in the SDK ``errors_mapping``.
#: The errors stay in endpoints.json (``"mapped": false``) so the emulator can
#: still answer with them; an unmapped error raises plain ``PreconditionFailed``.
UNMAPPED_ERRORS: dict[str, str] = {
    # HTML: Errors cell has MISSING_FIELDS, NOT_FOUND; Appendix A: "errors: -".
    # (a stray ``</a>`` in the Returns cell made the reference parser lose the row)
    '/account/get': 'stray </a> in Returns',
    # HTML: NOT_FOUND; Appendix A: "errors: -" (a doubled </td> in Parameters).
    '/account/md5/counter': 'doubled </td> in Parameters',
    # HTML: MISSING_FIELDS, NOT_PERMITTED, NOT_FOUND; Appendix A: "errors: -"
    # (a doubled </td> in Returns).
    '/audit/failedlogins': 'doubled </td> in Returns',
}

#: Endpoints whose errors are only documented in the Notes cell
#: (/session/permissions); Appendix A maps none of them.
NOTES_ERRORS_ARE_UNMAPPED = True

#: Parameters whose description starts with "Optional ..." but has no
#: "(optional" marker.  The reference rule (spec §2.7, apidocs README §3.1) only
#: looks for "(optional", so Appendix A lists them as REQUIRED; we follow it.
#: (The server probably accepts them missing.)
PROSE_OPTIONAL_BUT_REQUIRED: dict[str, str] = {
    '/study/question': 'detail',
    '/namespace/question': 'detail',
    '/hl7/template/render': 'hl7_id',
    '/destination/search/report': 'email',
    '/namespace/removed/user/report': 'email',
}

#: Endpoints whose required parameters are all made optional (deliberate
#: difference from the reference, listed in docs/source/differences.rst).
#: /link/get: the Parameters cell of the preceding /link/add is never closed,
#: so the reference read the 40 response fields of /link/get as REQUIRED
#: parameters and ``api.Link.get(uuid=...)`` raised TypeError. Keeping the
#: order but giving every parameter a default of None lets ``uuid=`` calls
#: work while calls that passed all 40 still do.
ALL_PARAMS_OPTIONAL: dict[str, str] = {
    '/link/get': 'response fields read as required parameters (unclosed cell in /link/add)',
}


#: Parameters a later document renamed: ``(url, old wire name) -> new wire name``.  Both names
#: stay keywords (each sent under the name the caller used); endpoints.json marks the old one
#: ``renamed_to`` and the new one ``renamed_from``.  Only pairs whose descriptions say the same
#: thing are renames: ``/site/user/set`` ``email`` (v47: "Id or email of the user") and
#: ``site_email`` (v55: "Users contact email for the site") mean different things, so ``email``
#: is only dropped (``until``) there.
RENAMED: dict[tuple[str, str], str] = {
    ('/destination/add', 'can_mwl_search'): 'can_search_mwl',
    ('/destination/set', 'can_mwl_search'): 'can_search_mwl',
    ('/query/add', 'study_id'): 'created_study_id',
}


#: Methods that a hand-written user-facing module (``entrypoints/study.py``, ``session.py``)
#: wraps. The union class inherits them; if a later document changed one of them, a generated
#: override would drop the wrapper, so the generator stops and the change is made by hand.
HANDWRITTEN_METHODS = frozenset({('Study', 'get'), ('Study', 'list')})
