"""Build once what connexion 3.3 rebuilds for every request from the operation alone.

`AsyncOperation.fn` makes a new decorator for each request, and that decorator's wrapper builds
the parameter and response decorators again (`decorate`), which inspect the handler's signature
and convert each parameter name to snake case with regular expressions. None of it depends on the
request (the request reaches them through connexion's context variables when they run), so each
operation keeps its decorated handler; profiled, this was about a tenth of a simple request's CPU.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from connexion.apps.asynchronous import AsyncOperation
from connexion.decorators import main, parameter

_decorate: Callable[..., Any] = main.BaseDecorator.decorate


def _cached_decorate(self: Any, function: Callable[..., Any]) -> Callable[..., Any]:
    cache: dict[Callable[..., Any], Callable[..., Any]] = self.__dict__.setdefault("_decorated", {})
    decorated = cache.get(function)
    if decorated is None:
        decorated = cache[function] = _decorate(self, function)
    return decorated


def _cached_fn(self: AsyncOperation) -> Callable[..., Any]:
    fn: Callable[..., Any] | None = self.__dict__.get("_harness_fn")
    if fn is None:
        fn = self.__dict__["_harness_fn"] = _uncached_fn(self)
    return fn


_uncached_fn: Callable[[AsyncOperation], Callable[..., Any]] = AsyncOperation.fn.fget


def build_handlers_once() -> None:
    """Idempotent; called by create_app before connexion builds its operations."""
    if main.BaseDecorator.decorate is not _cached_decorate:
        main.BaseDecorator.decorate = _cached_decorate
        AsyncOperation.fn = property(_cached_fn)
        # Names are the spec's, a handful per operation: the regex conversion is a pure function.
        parameter.pythonic = functools.cache(parameter.pythonic)
