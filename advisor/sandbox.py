"""A Jinja2 sandbox for user templates that also bounds memory and output size.

Jinja's own sandbox stops attribute tricks and caps ``range()``, but a template
such as ``{{ 'a' * 10**9 }}`` still builds a gigabyte string, and a macro that
doubles a string forty times does the same in small steps. Every operation that
can grow a value much faster than the template text is checked here *before*
it allocates (repetition, powers, ``%`` widths, padding and ``replace``) or right
after it (concatenation, ``+``), so no value grows far past ``MAX_ITEMS``.
Loops that print nothing cannot be bounded by size, so a render also has a
wall-clock budget, :data:`MAX_SECONDS` (enforced with ``SIGALRM`` where the
platform has it and the render runs in the main thread, as it does in the CLI).
"""

from __future__ import annotations

import re
import signal
import threading
from contextlib import contextmanager
from numbers import Integral

from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS as BUILTIN_FILTERS
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_ITEMS = 1_000_000  # characters of a string, items of a list
MAX_EXPONENT = 100
MAX_INT_BITS = 100_000
MAX_OUTPUT = 20_000_000  # characters of the rendered report
MAX_SECONDS = 10.0  # the built-in report renders in about 50 ms

# A printf width/precision or a str.format width: the digits that set a field's size.
_PRINTF_WIDTH = re.compile(r"%[-#0 +]*(\d*)(?:\.(\d+))?")
_FORMAT_WIDTH = re.compile(r"\{[^{}]*?:[^{}]*?(\d+)(?:\.(\d+))?[^{}]*\}")
_SIZED = (str, bytes, list, tuple)


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


def refuse(what: str) -> SecurityError:
    return SecurityError(f"{what} (limit {MAX_ITEMS} items); the template would exhaust memory")


def check_size(value):
    """Pass ``value`` through unless it is a string or sequence beyond the limit."""
    if isinstance(value, _SIZED) and len(value) > MAX_ITEMS:
        raise refuse(f"result too large: {len(value)} items")
    return value


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


def check_widths(fmt) -> None:
    """Refuse a format string whose field widths alone would exceed the limit."""
    if not isinstance(fmt, str):
        return
    for pattern in (_PRINTF_WIDTH, _FORMAT_WIDTH):
        for match in pattern.finditer(fmt):
            if any(group and int(group) > MAX_ITEMS for group in match.groups()):
                raise refuse(f"format field too wide: {match.group(0)[:40]!r}")


def _check_replace(text: str, old, new, count=-1) -> None:
    old, new = str(old), str(new)
    hits = text.count(old) if count is None or count < 0 else min(text.count(old), count)
    if len(text) + hits * max(len(new) - len(old), 0) > MAX_ITEMS:
        raise refuse("result too large: replace() would grow the text past the limit")


def _checked_replace(value, old, new, count=None):
    text = str(value)
    _check_replace(text, old, new, count)
    return text.replace(str(old), str(new), -1 if count is None else count)


def _checked_pad(name: str):
    builtin = BUILTIN_FILTERS[name]

    def pad(value, width=80, *args, **kwargs):
        lines = str(value).count("\n") + 1
        if isinstance(width, Integral) and int(width) * lines > MAX_ITEMS:
            raise refuse(f"result too large: {name}({int(width)}) on {lines} lines")
        return builtin(value, width, *args, **kwargs)
    return pad


class _LimitedCodeGenerator(CodeGenerator):
    """Routes every ``~`` concatenation through :func:`check_size`: it is not an
    interceptable binary operator, yet repeated in a recursive macro it doubles."""

    def visit_Concat(self, node, frame) -> None:
        self.write("environment.check_size(")
        super().visit_Concat(node, frame)
        self.write(")")


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """Immutable sandbox (no ``list.append``/``dict.update`` on the data) with size limits."""

    intercepted_binops = frozenset(["*", "**", "%", "+"])
    code_generator_class = _LimitedCodeGenerator

    def __init__(self, **options):
        super().__init__(**options)
        self.check_size = check_size
        self.filters["replace"] = _checked_replace
        for name in ("center", "indent"):
            self.filters[name] = _checked_pad(name)
        self.filters["format"] = _checked_format

    def call_binop(self, context, operator, left, right):
        if operator == "*":
            _check_repeat(left, right)
        elif operator == "**":
            _check_power(left, right)
        elif operator == "%":
            check_widths(left)
        return check_size(super().call_binop(context, operator, left, right))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805  (jinja's signature)
        _check_method(__obj, args, kwargs)
        return check_size(super().call(__context, __obj, *args, **kwargs))


def _checked_format(value, *args, **kwargs):
    check_widths(value)
    return BUILTIN_FILTERS["format"](value, *args, **kwargs)


_PADDING_METHODS = {"center", "ljust", "rjust", "zfill", "expandtabs"}


def _check_method(obj, args, kwargs) -> None:
    """Pre-check the str methods that can build a huge string from small arguments."""
    owner, name = getattr(obj, "__self__", None), getattr(obj, "__name__", "")
    if not isinstance(owner, str):
        return
    if name in _PADDING_METHODS:
        sizes = [int(a) for a in (*args, *kwargs.values()) if isinstance(a, Integral)]
        factor = owner.count("\t") + 1 if name == "expandtabs" else 1
        if sizes and max(sizes) * factor > MAX_ITEMS:
            raise refuse(f"result too large: str.{name}({max(sizes)})")
    elif name == "replace" and len(args) >= 2:
        _check_replace(owner, args[0], args[1], *args[2:3])
    elif name in ("format", "format_map"):
        check_widths(owner)
