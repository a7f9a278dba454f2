"""Which ``error_type`` each service route of the emulator can answer, read from its source.

A static walk, so every branch counts (a dynamic probe reaches only the
branches its inputs happen to take): starting at a route's handler, follow
every call the emulator's own code makes (module functions, imported names,
nested functions, ``ctx.``/``self.`` methods) and collect each error site:

* ``ServiceError('TOKEN', ...)`` and ``ServiceError(['TOKEN', ...], ...)``;
* ``ServiceError(param)`` where ``param`` is a parameter of the function: the
  constants callers pass for it (or its default);
* the helpers of :mod:`ambra_sdk.emulator.errors` are plain functions holding
  such sites, so they are followed like any other;
* a handler made by a ``register_*`` helper (a closure) calling a function it
  was given (``changes(ctx)`` of ``routes/object_routes.py``): the live
  closure says which emulator function that is, and it is followed too.

Each token is returned with the functions it comes from, so a test can allow
a token by its origin (e.g. the filter clauses of ``listing.py``).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

import ambra_sdk.emulator as emulator_package

ROOT = Path(emulator_package.__file__).resolve().parent
PACKAGE = 'ambra_sdk.emulator'
#: Functions that answer a token only when the call's document lists it (checked at run time, and by
#: their own tests): their error sites are not collected.
CATALOGUE_CHECKED = frozenset({'ambra_sdk.emulator.errors.documented_error'})
#: ``ctx.<method>`` calls are RequestContext methods.
CONTEXT_CLASS = ('ambra_sdk.emulator.context', 'RequestContext')


@dataclass
class Function:
    """One function of the emulator's source."""

    module: str
    qualname: str
    node: ast.AST
    nested: Dict[str, Function] = field(default_factory=dict)
    owner: Optional[str] = None  # class name for methods
    parent: Optional[Function] = None  # the function a nested function is defined in

    @property
    def params(self) -> List[str]:
        args = self.node.args  # type: ignore[attr-defined]
        return [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]

    def default_of(self, name: str) -> Optional[ast.AST]:
        args = self.node.args  # type: ignore[attr-defined]
        positional = [*args.posonlyargs, *args.args]
        for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
            if arg.arg == name:
                return default
        for arg, default in zip(args.kwonlyargs, args.kw_defaults):
            if arg.arg == name:
                return default
        return None


class Source:
    """Every function of ``ambra_sdk/emulator`` with the names each module imports."""

    def __init__(self) -> None:
        self.functions: Dict[Tuple[str, str], Function] = {}
        self.imports: Dict[str, Dict[str, Tuple[str, str]]] = {}  # module -> local name -> (module, name)
        self.module_aliases: Dict[str, Dict[str, str]] = {}  # module -> local name -> module
        for path in sorted(ROOT.rglob('*.py')):
            module = PACKAGE + '.' + '.'.join(path.relative_to(ROOT).with_suffix('').parts)
            module = module.removesuffix('.__init__')
            self._index(module, ast.parse(path.read_text(encoding='utf-8')))

    def _index(self, module: str, tree: ast.Module) -> None:
        imports: Dict[str, Tuple[str, str]] = {}
        aliases: Dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = _absolute(module, node.module, node.level)
                for alias in node.names:
                    imports[alias.asname or alias.name] = (base, alias.name)
                    aliases[alias.asname or alias.name] = f'{base}.{alias.name}'
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    aliases[alias.asname or alias.name] = alias.name
        self.imports[module] = imports
        self.module_aliases[module] = aliases
        for node in tree.body:
            self._add(module, node, prefix='', owner=None)

    def _add(self, module: str, node: ast.AST, prefix: str, owner: Optional[str]) -> Optional[Function]:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = Function(module, prefix + node.name, node, owner=owner)
            self.functions[(module, function.qualname)] = function
            for child in ast.walk(node):
                if child is not node and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    inner = Function(module, f'{function.qualname}.<locals>.{child.name}', child, parent=function)
                    function.nested[child.name] = inner
                    self.functions[(module, inner.qualname)] = inner
            return function
        if isinstance(node, ast.ClassDef):
            for child in node.body:
                self._add(module, child, prefix=f'{node.name}.', owner=node.name)
        return None

    def function_of(self, func: Callable[..., Any]) -> Function:
        """The :class:`Function` of a live function (a route handler)."""
        func = inspect.unwrap(func)
        module = func.__module__
        wanted = func.__qualname__
        found = self.functions.get((module, wanted))
        if found is None:  # a closure: match by name and line
            line = func.__code__.co_firstlineno
            for (mod, _name), candidate in self.functions.items():
                if mod == module and getattr(candidate.node, 'lineno', None) == line:
                    return candidate
                decorators = getattr(candidate.node, 'decorator_list', [])
                if mod == module and decorators and min(d.lineno for d in decorators) == line:
                    return candidate
            raise LookupError(wanted)
        return found

    def resolve(self, caller: Function, call: ast.Call) -> Optional[Function]:
        """The emulator function a call runs, if it is one."""
        target = call.func
        if isinstance(target, ast.Name):
            enclosing: Optional[Function] = caller
            while enclosing is not None:
                if target.id in enclosing.nested:
                    return enclosing.nested[target.id]
                enclosing = enclosing.parent
            local = self.functions.get((caller.module, target.id))
            if local is not None:
                return local
            imported = self.imports.get(caller.module, {}).get(target.id)
            if imported is not None:
                return self._lookup(*imported)
            return None
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            base = target.value.id
            if base == 'ctx' or base == 'sub_ctx':
                return self.functions.get((CONTEXT_CLASS[0], f'{CONTEXT_CLASS[1]}.{target.attr}'))
            if base in ('self', 'cls') and caller.owner:
                return self.functions.get((caller.module, f'{caller.owner}.{target.attr}'))
            module = self.module_aliases.get(caller.module, {}).get(base)
            if module is not None:
                return self._lookup(module, target.attr)
        return None

    def _lookup(self, module: str, name: str) -> Optional[Function]:
        found = self.functions.get((module, name))
        if found is not None:
            return found
        try:  # a name re-exported by a package __init__
            value = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            return None
        if inspect.isfunction(value) and value.__module__.startswith(PACKAGE):
            return self.functions.get((value.__module__, value.__qualname__))
        return None


def _absolute(module: str, name: Optional[str], level: int) -> str:
    if not level:
        return name or ''
    parts = module.split('.')
    base = parts[: len(parts) - level + (1 if _is_package(module) else 0)]
    return '.'.join(base + ([name] if name else []))


def _is_package(module: str) -> bool:
    relative = module[len(PACKAGE):].lstrip('.').replace('.', '/')
    return (ROOT / relative / '__init__.py').exists() if relative else True


def _tokens(node: ast.AST) -> Optional[Set[str]]:
    """The error tokens an expression can be: a string, a list starting with one, or a conditional of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.List) and node.elts:
        return _tokens(node.elts[0])
    if isinstance(node, ast.IfExp):
        body, orelse = _tokens(node.body), _tokens(node.orelse)
        return body | orelse if body is not None and orelse is not None else None
    return None


class ErrorSites:
    """``tokens(handler)``: error token -> the functions it is raised in, for a route handler."""

    def __init__(self, source: Optional[Source] = None) -> None:
        self.source = source or Source()
        #: ``module.qualname`` of every function any walk has reached.
        self.visited: Set[str] = set()
        #: the walked handler -> the functions its closure holds (see :meth:`tokens`).
        self._closure: Dict[Tuple[str, str], Dict[str, Function]] = {}

    def sites(self) -> Set[str]:
        """``module.qualname`` of every function of the emulator holding a ``ServiceError(...)`` call."""
        found = set()
        for function in self.source.functions.values():
            for node in _own_nodes(function.node):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'ServiceError':
                    found.add(f'{function.module}.{function.qualname}')
        return found

    def tokens(self, func: Callable[..., Any]) -> Dict[str, Set[str]]:
        found: Dict[str, Set[str]] = {}
        root = self.source.function_of(func)
        self._closure = {(root.module, root.qualname): self._closure_functions(func)}
        self._walk(root, {}, found, set())
        return found

    def _closure_functions(self, func: Callable[..., Any]) -> Dict[str, Function]:
        """The emulator functions a closure holds in its free variables, by name."""
        held: Dict[str, Function] = {}
        for name, value in inspect.getclosurevars(inspect.unwrap(func)).nonlocals.items():
            if inspect.isfunction(value) and value.__module__.startswith(PACKAGE):
                held[name] = self.source.function_of(value)
        return held

    def _walk(
        self, function: Function, bound: Dict[str, Set[str]], found: Dict[str, Set[str]],
        seen: Set[Tuple[str, str, Tuple[Tuple[str, Tuple[str, ...]], ...]]],
    ) -> None:
        key = (function.module, function.qualname, tuple(sorted((k, tuple(sorted(v))) for k, v in bound.items())))
        if key in seen:
            return
        seen.add(key)
        origin = f'{function.module}.{function.qualname}'
        self.visited.add(origin)
        if origin in CATALOGUE_CHECKED:
            return
        for node in _own_nodes(function.node):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Name) and node.func.id == 'ServiceError' and node.args:
                first = node.args[0]
                tokens = _tokens(first)
                if tokens is not None:
                    for token in tokens:
                        found.setdefault(token, set()).add(origin)
                elif isinstance(first, ast.Name) and first.id in bound:
                    for value in bound[first.id]:
                        found.setdefault(value, set()).add(origin)
                else:
                    found.setdefault(f'<unresolved {ast.unparse(first)}>', set()).add(origin)
                continue
            target = self.source.resolve(function, node)
            if target is None and isinstance(node.func, ast.Name):
                target = self._closure.get((function.module, function.qualname), {}).get(node.func.id)
            if target is not None:
                self._walk(target, _bindings(target, node, bound), found, seen)


def _own_nodes(node: ast.AST) -> Iterable[ast.AST]:
    """The nodes of a function, without those of the functions nested in it."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            if isinstance(child, ast.Lambda):
                stack.extend(ast.iter_child_nodes(child))
            continue
        yield child
        stack.extend(ast.iter_child_nodes(child))


def _bindings(target: Function, call: ast.Call, outer: Dict[str, Set[str]]) -> Dict[str, Set[str]]:
    """String constants the call passes to the target's parameters (defaults when not passed)."""
    params = target.params
    if params and params[0] in ('self', 'cls'):
        params = params[1:]
    bound: Dict[str, Set[str]] = {}
    for name, value in zip(params, call.args):
        _bind(bound, name, value, outer)
    for keyword in call.keywords:
        if keyword.arg:
            _bind(bound, keyword.arg, keyword.value, outer)
    for name in params:
        if name not in bound:
            default = target.default_of(name)
            if default is not None:
                _bind(bound, name, default, outer)
    return bound


def _bind(bound: Dict[str, Set[str]], name: str, value: ast.AST, outer: Dict[str, Set[str]]) -> None:
    tokens = _tokens(value)
    if tokens is not None:
        bound[name] = tokens
    elif isinstance(value, ast.Name) and value.id in outer:
        bound[name] = set(outer[value.id])


def describe(tokens: Dict[str, Set[str]]) -> str:
    """A readable dump (for assertion messages)."""
    return textwrap.indent('\n'.join(f'{t}: {sorted(o)}' for t, o in sorted(tokens.items())), '  ')
