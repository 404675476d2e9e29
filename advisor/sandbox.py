"""A Jinja2 sandbox for user templates that also bounds memory, output and time.

Jinja's own sandbox stops attribute tricks and caps ``range()``, but a template
such as ``{{ 'a' * 10**9 }}`` still builds a gigabyte string, ``[s, s, s]|join``
multiplies a long string, and ``str()`` of a list of a million references to one
long string is enormous although the list is small. So there are three layers:

* Every operation that can grow a value much faster than its input is checked
  *before* it allocates: repetition, powers, ``%`` and ``str.format`` (widths,
  ``*`` widths taken from the arguments, the text of each argument), the string
  methods that pad, ``replace``, ``join`` or ``translate``, the filters that
  multiply their input (:data:`_FILTER_CHECKS`, ``join`` and ``sum``), and every
  value turned into text: output, ``~``, captured blocks and the filters and
  helper functions that print their argument (:func:`text_size`).
* Every filter result, call result, binary operation, ``~`` and captured block is
  checked *after* it is built (:func:`check_size`), so nothing grows far past
  :data:`MAX_ITEMS` in one step.
* Whatever still slips through meets :func:`memory_limit`: the render runs with the
  process's address space capped at its current size plus :data:`MAX_MEMORY`, so
  it ends in a ``MemoryError`` (reported as a template error), not an exhausted host.

Jinja's optimizer is off and printed expressions are not pre-computed while compiling:
both would build values there, outside these checks. Loops that print nothing cannot be
bounded by size, so a render also has a wall-clock budget, :data:`MAX_SECONDS`
(enforced with ``SIGALRM`` where the platform has it and the render runs in the
main thread, as it does in the CLI).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import signal
import string
import threading
import types
from collections.abc import Callable, Mapping, MappingView
from contextlib import contextmanager
from numbers import Integral
from typing import Any

from jinja2 import nodes, pass_environment, pass_eval_context
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS as BUILTIN_FILTERS
from jinja2.filters import make_attrgetter
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace, _PassArg

try:
    import resource
except ImportError:  # not on Windows: the specific checks still apply
    resource = None  # type: ignore[assignment]

MAX_ITEMS = 1_000_000  # characters of a string, items of a list
MAX_EXPONENT = 100
MAX_INT_BITS = 100_000
MAX_OUTPUT = 20_000_000  # characters of the rendered report
MAX_SECONDS = 10.0  # the built-in report renders in about 50 ms
MAX_MEMORY = 1 << 30  # bytes of address space a render may add; the built-in report needs ~10 MB

# A printf field: optional (key), flags, width, .precision (either may be "*"), type.
_PRINTF_FIELD = re.compile(r"%(?:\(([^)]*)\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.?)", re.DOTALL)
# The width and precision at the start of a str.format spec such as ">20,.3f".
_FORMAT_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?(\d*)[,_]?(?:\.(\d*))?")
_SIZED = (str, bytes, list, tuple)
_CONTAINERS = (list, tuple, set, frozenset, Mapping, MappingView, Namespace)
_END = object()


class TimeLimitExceeded(SecurityError):
    """The render ran past its wall-clock budget (raised from a signal handler)."""


@contextmanager
def time_limit(seconds: float | None = None):
    """Raise :class:`TimeLimitExceeded` inside the block once ``seconds`` have passed.

    A no-op where SIGALRM does not exist or off the main thread (signals are only
    delivered there); an already-running timer of the caller's is left alone.
    """
    seconds = MAX_SECONDS if seconds is None else seconds
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield
        return

    def expire(signum, frame):
        raise TimeLimitExceeded(f"rendering took longer than {seconds:g} s (a loop too long for a report?)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class ChildFailed(Exception):
    """The isolated render's process died (a memory or CPU limit) or sent nothing back."""


def run_isolated(render: Callable[[], str], failed: Callable[[Exception], Exception]) -> str:
    """``render()`` in a forked child process with the address space limited to its current size
    plus :data:`MAX_MEMORY` and the CPU time to :data:`MAX_SECONDS` (plus a second); the text it
    returns, or ``failed(exc)`` raised here for the exception it raised (its ``message`` and
    ``file`` kept when it has them) or for a :class:`ChildFailed`.

    The limits are the child's only: the CLI's own process is never limited. Where there is no
    ``fork`` (or no ``resource``), ``render()`` runs here under :func:`time_limit` alone.
    """
    if not hasattr(os, "fork") or resource is None:
        return render()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child (measured through the parent's results)
        status = 0
        try:
            os.close(read)
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_CPU, (int(MAX_SECONDS) + 1, int(MAX_SECONDS) + 2))
            reply: dict[str, Any]
            try:
                with memory_limit():
                    reply = {"text": render()}
            except Exception as exc:  # noqa: BLE001  (described to the parent, which decides)
                reply = {"error": getattr(exc, "message", str(exc)), "file": getattr(exc, "file", None),
                         "problems": [vars(problem) for problem in getattr(exc, "problems", [])],
                         "kind": type(exc).__name__}
            data = json.dumps(reply).encode("utf-8", "surrogatepass")
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
        except BaseException:  # noqa: BLE001  (the child must reach os._exit whatever happened)
            status = 70
        finally:
            os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, wait_status = os.waitpid(pid, 0)
    try:
        answer = json.loads(data.decode("utf-8", "surrogatepass")) if data else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        code = os.waitstatus_to_exitcode(wait_status)
        raise failed(ChildFailed(f"the render process ended without a result (status {code})"))
    if "text" in answer:
        return str(answer["text"])
    raise failed(Reported(str(answer.get("error")), answer.get("file"), list(answer.get("problems") or []),
                          str(answer.get("kind"))))


class Reported(Exception):
    """An exception the isolated render raised, as the child described it."""

    def __init__(self, message: str, file: str | None, problems: list[dict], kind: str):
        super().__init__(message)
        self.message, self.file, self.problems, self.kind = message, file, problems, kind


@contextmanager
def memory_limit(budget: int | None = None):
    """Inside the block, let the process's address space grow by at most ``budget`` bytes.

    The backstop behind the specific checks: an allocation past the cap raises
    ``MemoryError`` instead of exhausting the host. The limit is process-wide, so the
    block must only render (other threads that allocate meanwhile would be refused
    too); the caller's own limit is restored on the way out, and a lower one is kept.
    A no-op where ``RLIMIT_AS`` or ``/proc/self/statm`` does not exist.
    """
    previous = _cap_address_space(MAX_MEMORY if budget is None else budget)
    try:
        yield
    finally:
        if previous is not None:
            resource.setrlimit(resource.RLIMIT_AS, previous)


def _cap_address_space(budget: int) -> tuple[int, int] | None:
    """Lower the soft ``RLIMIT_AS`` to the current size plus ``budget``; the old limits, or None."""
    size = _address_space_size()
    if size is None or not hasattr(resource, "RLIMIT_AS"):
        return None
    soft, hard = previous = resource.getrlimit(resource.RLIMIT_AS)
    cap = min(limit for limit in (soft, hard, size + budget) if limit != resource.RLIM_INFINITY)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError):
        return None
    return previous


def _address_space_size() -> int | None:
    """The process's virtual size in bytes (what RLIMIT_AS counts), or None if unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------- sizes

def refuse(what: str) -> SecurityError:
    return SecurityError(f"{what} (limit {MAX_ITEMS} items); the template would exhaust memory")


def check_size(value):
    """Pass ``value`` through unless it is a string or sequence beyond the limit."""
    if isinstance(value, _SIZED) and len(value) > MAX_ITEMS:
        raise refuse(f"result too large: {len(value)} items")
    return value


def text_size(value, limit: int = MAX_ITEMS) -> int:
    """About ``len(str(value))`` (a lower bound), counted only until it passes ``limit``.

    Containers are walked item by item, so the count takes at most ``limit`` steps
    however many references to long strings a small list holds.
    """
    total, pending = _own_size(value), [_items(value)]
    while pending and total <= limit:
        item = next(pending[-1], _END)
        if item is _END:
            pending.pop()
            continue
        total += _own_size(item) + 1  # +1: the separator or quotes around an item
        pending.append(_items(item))
    return total


def _own_size(value) -> int:
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, Integral):
        return int(value).bit_length() // 4 + 1  # digits; a 100,000-bit number has 30,103
    return 2 if isinstance(value, _CONTAINERS) else 1


def _items(value):
    if isinstance(value, Namespace):  # prints as <Namespace {its attributes}>
        value = value._Namespace__attrs
    if isinstance(value, Mapping):
        return iter(value.items())
    return iter(value) if isinstance(value, _CONTAINERS) else iter(())


def check_text(value):
    """Pass ``value`` through unless printing it would pass the limit."""
    if text_size(value) > MAX_ITEMS:
        raise refuse("value too large to print: its text is over the limit")
    return value


def check_joined(parts, separator=""):
    """Pass ``parts`` (a list or tuple) through unless joined as text they pass the limit."""
    budget = MAX_ITEMS - text_size(separator) * max(len(parts) - 1, 0)
    for part in parts:
        if budget < 0:
            break
        budget -= text_size(part, budget)
    if budget < 0:
        raise refuse(f"result too large: joining {len(parts)} items")
    return parts


def _width(value) -> int:
    """A width or count as the template gave it: a number, or the length of a string."""
    if isinstance(value, str):
        return len(value)
    return abs(int(value)) if isinstance(value, Integral) else 0


def _digits(spec: str) -> int:
    # More than 12 digits is over any limit anyway; int() of a huge digit string would fail.
    return int(spec[:12]) if spec else 0


# ---------------------------------------------------------------- operators and formats

def _check_repeat(left, right) -> None:
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, _SIZED) and isinstance(times, Integral) and len(seq) * max(int(times), 0) > MAX_ITEMS:
            raise refuse(f"repetition too large: {len(seq)} x {int(times)} items")


def _check_power(base, exponent) -> None:
    if not (isinstance(base, Integral) and isinstance(exponent, Integral)):
        return  # float powers overflow to an error, not to a huge value
    if abs(int(exponent)) > MAX_EXPONENT:
        raise SecurityError(f"exponent {int(exponent)} is over the limit of {MAX_EXPONENT}")
    if int(base).bit_length() * int(exponent) > MAX_INT_BITS:
        raise SecurityError(f"power too large: over {MAX_INT_BITS} bits")


def check_printf(fmt, values) -> None:
    """Refuse ``fmt % values`` if its widths and precisions (a ``*`` one comes from
    ``values``) and the text of the values add up past the limit."""
    if not isinstance(fmt, str):
        return
    positional = iter(values if isinstance(values, tuple) else (values,))
    total = len(fmt)
    for key, width, precision, kind in _PRINTF_FIELD.findall(fmt):
        width, precision = _printf_number(width, positional), _printf_number(precision, positional)
        if kind == "%":
            continue
        value = values.get(key) if key and isinstance(values, Mapping) else next(positional, None)
        total += max(width, precision + text_size(value, MAX_ITEMS - total))
        if total > MAX_ITEMS:
            raise refuse(f"format result too wide at {_quote(fmt)}")


def _printf_number(spec: str, positional) -> int:
    return _width(next(positional, 0)) if spec == "*" else _digits(spec)


def check_str_format(fmt, values) -> None:
    """Refuse ``fmt.format(...)`` if its fields could add up past the limit: any field may
    print the longest argument, and a nested ``{}`` width may be the largest number."""
    longest = max((text_size(value) for value in values), default=0)
    largest = max((_width(value) for value in values if isinstance(value, Integral)), default=0)
    total = len(fmt)
    for _literal, field, spec, _conversion in _format_fields(fmt):
        if field is None:
            continue
        match = _FORMAT_SPEC.match(spec)  # every part is optional: it matches any spec
        digits = match.groups("") if match else ("", "")
        width, precision = (largest, largest) if "{" in spec else map(_digits, digits)
        total += max(width, precision + longest)
        if total > MAX_ITEMS:
            raise refuse(f"format result too wide at {_quote(fmt)}")


def _format_fields(fmt: str) -> list:
    try:
        return list(string.Formatter().parse(fmt))
    except ValueError:
        return []  # a malformed format: the call itself reports it


def _quote(text: str) -> str:
    return repr(text[:40] + ("..." if len(text) > 40 else ""))


# ---------------------------------------------------------------- methods and functions

def _checked_arguments(func, args: tuple, kwargs: dict) -> tuple:
    """Pre-check a call that could build a huge value from small arguments. Returns the
    arguments to call with (an iterator the check had to consume comes back as a list)."""
    owner = getattr(func, "__self__", None)
    if isinstance(owner, (str, bytes)):
        check = _STRING_METHOD_CHECKS.get(getattr(func, "__name__", ""))
        return check(owner, args, kwargs) if check else args
    if isinstance(func, types.FunctionType):  # the report's helpers print their arguments
        for value in (*args, *kwargs.values()):
            check_text(value)
    return args


def _check_padding(owner, args, kwargs):
    sizes = [_width(value) for value in (*args, *kwargs.values()) if isinstance(value, Integral)]
    return _check_padded(max(sizes, default=0), args)


def _check_tabs(owner, args, kwargs):
    tab = "\t" if isinstance(owner, str) else b"\t"
    sizes = [_width(value) for value in (*args, *kwargs.values()) if isinstance(value, Integral)]
    return _check_padded(len(owner) + max(sizes, default=8) * owner.count(tab), args)


def _check_padded(size: int, args):
    if size > MAX_ITEMS:
        raise refuse(f"result too large: padding to {size} characters")
    return args


def _check_replace(text, old, new, count=-1) -> None:
    """Refuse ``text.replace(old, new, count)`` whose result would pass the limit."""
    try:
        hits, growth = text.count(old), max(len(new) - len(old), 0)
    except TypeError:
        return  # the wrong kind of argument: replace() itself says so
    if isinstance(count, Integral) and int(count) >= 0:
        hits = min(hits, int(count))
    if len(text) + hits * growth > MAX_ITEMS:
        raise refuse("result too large: replace() would grow the text past the limit")


def _check_replace_method(owner, args, kwargs):
    if len(args) >= 2:
        _check_replace(owner, *args[:3])
    return args


def _check_join_method(owner, args, kwargs):
    if not args:
        return args
    items = list(args[0])  # it may be a one-shot iterator: the real call gets the list
    return (check_joined(items, owner), *args[1:])


def _check_translate(owner, args, kwargs):
    table = args[0] if args else None
    values = table.values() if isinstance(table, Mapping) else table if isinstance(table, (list, tuple)) else ()
    longest = max((len(value) for value in values if isinstance(value, (str, bytes))), default=1)
    if len(owner) * longest > MAX_ITEMS:
        raise refuse(f"result too large: translate() to strings of {longest} characters")
    return args


def _check_format_method(owner, args, kwargs):
    check_str_format(owner, [*args, *kwargs.values()])
    return args


def _check_format_map(owner, args, kwargs):
    if args and isinstance(args[0], Mapping):
        check_str_format(owner, list(args[0].values()))
    return args


_STRING_METHOD_CHECKS = {
    "center": _check_padding, "ljust": _check_padding, "rjust": _check_padding, "zfill": _check_padding,
    "expandtabs": _check_tabs, "replace": _check_replace_method, "join": _check_join_method,
    "translate": _check_translate, "format": _check_format_method, "format_map": _check_format_map,
}


# ---------------------------------------------------------------- filters
# Each check takes the filter's own arguments (after the context Jinja passes) and
# accepts extra ones, so a wrong call is reported by the filter, not by its check.

def _check_indent(s="", width=4, *_, **__) -> None:
    lines = str(s).count("\n") + 1
    if len(str(s)) + lines * _width(width) > MAX_ITEMS:
        raise refuse(f"result too large: indent() of {lines} lines by {_width(width)} characters")


def _check_center(value="", width=80, *_, **__) -> None:
    if isinstance(width, Integral) and int(width) > MAX_ITEMS:
        raise refuse(f"result too large: center() to {int(width)} characters")


def _check_wordwrap(s="", width=79, break_long_words=True, wrapstring=None, *_, **__) -> None:
    if not isinstance(width, Integral) or width < 1:
        return  # wordwrap() itself refuses it
    text, separator = str(s), "\n" if wrapstring is None else str(wrapstring)
    breaks = len(text) // int(width) + text.count("\n") + 1
    if len(text) + breaks * len(separator) > MAX_ITEMS:
        raise refuse(f"result too large: wordwrap() with {breaks} line breaks of {len(separator)} characters")


def _check_urlize(value="", trim_url_limit=None, nofollow=False, target=None, rel=None, *_, **__) -> None:
    extra = text_size(target or "") + text_size(rel or "")
    if extra and len(str(value)) + extra * len(re.findall(r"\S+", str(value))) > MAX_ITEMS:
        raise refuse("result too large: urlize() repeats target and rel in every link")


def _check_tojson(value=None, indent=None, *_, **__) -> None:
    if text_size(value) * (1 + _width(indent)) > MAX_ITEMS:
        raise refuse(f"result too large: tojson() indented by {_width(indent)}")


def _check_format_filter(value="", *args, **kwargs) -> None:
    check_printf(value if isinstance(value, str) else str(value), kwargs or args)


def _check_replace_filter(s="", old="", new="", count=None, *_, **__) -> None:
    _check_replace(str(s), str(old), str(new), -1 if count is None else count)


def _check_group_count(value=None, count=1, *_, **__) -> None:
    if isinstance(count, Integral) and int(count) > MAX_ITEMS:
        raise refuse(f"result too large: {int(count)} items per group")


_FILTER_CHECKS = {
    "indent": _check_indent, "center": _check_center, "wordwrap": _check_wordwrap, "urlize": _check_urlize,
    "tojson": _check_tojson, "format": _check_format_filter, "replace": _check_replace_filter,
    "batch": _check_group_count, "slice": _check_group_count,
}
# Filters that pass their value on without printing it; every other one (the report's
# own too) must be able to print its value within the limit.
_STRUCTURAL_FILTERS = {
    "abs", "attr", "batch", "count", "d", "default", "dictsort", "first", "float", "groupby", "int",
    "items", "join", "last", "length", "list", "map", "max", "min", "random", "reject", "rejectattr",
    "reverse", "round", "select", "selectattr", "slice", "sort", "sum", "unique",
}


def _combined_items(environment, value, attribute) -> list:
    """What ``join``/``sum`` combine, as a list (an iterator can only be read once)."""
    if attribute is None:
        return list(value)
    return list(map(make_attrgetter(environment, attribute), value))


@pass_eval_context
def _limited_join(eval_ctx, value, d="", attribute=None):
    items = _combined_items(eval_ctx.environment, value, attribute)
    return BUILTIN_FILTERS["join"](eval_ctx, check_joined(items, d), d)


@pass_environment
def _limited_sum(environment, iterable, attribute=None, start=0):
    items = _combined_items(environment, iterable, attribute)
    # Summing lists or tuples concatenates them; numbers stay small.
    size = sum(len(item) for item in (start, *items) if isinstance(item, _SIZED))
    if size > MAX_ITEMS:
        raise refuse(f"result too large: sum() of {size} items")
    return BUILTIN_FILTERS["sum"](environment, items, start=start)


@functools.lru_cache(maxsize=256)
def limited_filter(name: str, func):
    """``func`` (the filter called ``name``) with its pre-check and a size check of its result."""
    check = _FILTER_CHECKS.get(name)
    prints_value = name not in _STRUCTURAL_FILTERS
    passed = 1 if _PassArg.from_obj(func) is not None else 0  # the context Jinja passes first

    @functools.wraps(func)
    def limited(*args, **kwargs):
        own = args[passed:]
        if prints_value and own:
            check_text(own[0])
        if check is not None:
            check(*own, **kwargs)
        return check_size(func(*args, **kwargs))
    return limited


class _LimitedFilters(dict):
    """The filter table, handing out every filter through :func:`limited_filter`, so that
    filters added after the environment is built (report.py adds its own) are bounded too.
    Jinja looks filters up only with ``[]`` and ``get``."""

    def __getitem__(self, name):
        return limited_filter(name, super().__getitem__(name))

    def get(self, name, default=None):
        try:
            return self[name]
        except KeyError:
            return default


# ---------------------------------------------------------------- the environment

def _checked_output(finalize):
    """``finalize`` (run on every ``{{ ... }}``; it must not take a context) after
    :func:`check_text`: printing a value is the commonest way to turn it into text."""
    def checked(value):
        check_text(value)
        return value if finalize is None else finalize(value)
    return checked


class _CapturedOutput(list):
    """The output a macro or a ``{% set %}``/``{% filter %}`` block captures: it refuses to
    grow past the limit, however many pieces a loop appends (each print of a long string
    adds a copy, and only the final output is bounded by ``MAX_OUTPUT``)."""

    size = 0

    def append(self, piece) -> None:
        self._grow(piece)
        super().append(piece)

    def extend(self, pieces) -> None:
        pieces = tuple(pieces)
        for piece in pieces:
            self._grow(piece)
        super().extend(pieces)

    def _grow(self, piece) -> None:
        self.size += len(piece) if isinstance(piece, str) else 1
        if self.size > MAX_ITEMS:
            raise refuse("result too large: a macro or block captures text past the limit")


class _LimitedCodeGenerator(CodeGenerator):
    """Checks every ``~`` concatenation before and after it is built (it is not an
    interceptable binary operator, yet ``a ~ a ~ a ...`` multiplies and a recursive macro
    doubles), bounds captured output, and evaluates no expression at compile time."""

    def buffer(self, frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.captured_output()")

    def visit_Concat(self, node, frame) -> None:
        join = "(markup_join if context.eval_ctx.autoescape else str_join)"
        self.write(f"environment.check_size({join}(environment.check_joined((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))))")

    def _output_child_to_const(self, node, frame, finalize):
        # The compile-time path would build the value with none of the checks above.
        if not isinstance(node, nodes.TemplateData):
            raise nodes.Impossible()
        return super()._output_child_to_const(node, frame, finalize)


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """Immutable sandbox (no ``list.append``/``dict.update`` on the data) with the size
    limits of this module; render it through :func:`run_isolated` and :func:`time_limit`."""

    intercepted_binops = frozenset(["*", "**", "%", "+"])
    code_generator_class = _LimitedCodeGenerator

    def __init__(self, **options):
        options["optimized"] = False  # the optimizer folds constants outside the checks
        super().__init__(**options)
        self.filters = _LimitedFilters(self.filters, join=_limited_join, sum=_limited_sum)
        self.finalize = _checked_output(self.finalize)
        self.globals.pop("lipsum", None)  # lipsum(10**6) is a huge text, and no report needs it
        self.check_size = check_size
        self.check_joined = check_joined
        self.captured_output = _CapturedOutput

    def concat(self, parts) -> str:
        """Joins captured output: macros, ``{% set %}`` and ``{% filter %}`` blocks."""
        return check_size("".join(check_joined(list(parts))))

    def call_binop(self, context, operator, left, right):
        if operator == "*":
            _check_repeat(left, right)
        elif operator == "**":
            _check_power(left, right)
        elif operator == "%":
            check_printf(left, right)
        return check_size(super().call_binop(context, operator, left, right))

    def wrap_str_format(self, value):
        # Jinja swaps ``str.format`` for its own wrapper when the attribute is read, so
        # :meth:`call` never sees the method: the check goes into the wrapper.
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        check, owner = _STRING_METHOD_CHECKS[value.__name__], value.__self__

        @functools.wraps(wrapper)
        def checked(*args, **kwargs):
            check(owner, args, kwargs)
            return check_size(wrapper(*args, **kwargs))
        return checked

    def call(__self, __context, __obj, *args, **kwargs):
        args = _checked_arguments(__obj, args, kwargs)
        return check_size(super().call(__context, __obj, *args, **kwargs))
