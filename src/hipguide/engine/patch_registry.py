"""The registry of hipguide's speed patches to experta, and switching them.

A ``Patch`` is one experta attribute replaced, its original kept; ``PATCHES``
holds them by name, in the order the ``patches_*`` modules register them
(``_experta`` imports those modules and applies them).  ``apply(name)``,
``revert(name)``, ``apply_all()``, ``revert_all()`` and the ``patched()`` /
``unpatched()`` context managers switch them at run time.
"""

from __future__ import annotations

import contextlib

_ABSENT = object()


class Patch:
    """One experta attribute replaced: ``target.attribute = replacement``.

    The original (or its absence, for an inherited attribute) is kept, so the
    patch can be reverted exactly.  ``needs`` names patches this one relies on;
    ``apply`` applies them first."""

    def __init__(self, name: str, target: type, attribute: str, replacement, needs=()):
        self.name, self.target, self.attribute = name, target, attribute
        self.replacement, self.needs = replacement, tuple(needs)
        self.original = target.__dict__.get(attribute, _ABSENT)
        self.__doc__ = replacement.__doc__

    @property
    def applied(self) -> bool:
        return self.target.__dict__.get(self.attribute, _ABSENT) is not self.original

    def apply(self, replacement=None) -> None:
        """Install the replacement (or another one: the tests install broken ones)."""
        setattr(self.target, self.attribute, replacement or self.replacement)

    def revert(self) -> None:
        if self.original is _ABSENT:
            if self.attribute in self.target.__dict__:
                delattr(self.target, self.attribute)
        else:
            setattr(self.target, self.attribute, self.original)

    def __repr__(self):
        return f"Patch({self.name!r}, {self.target.__name__}.{self.attribute})"


PATCHES: dict[str, Patch] = {}


def register(target: type, attribute: str, needs=()):
    """Register the decorated function as the patch named after it."""
    def decorate(function):
        name = function.__name__.lstrip("_")
        PATCHES[name] = Patch(name, target, attribute, function, needs)
        return function
    return decorate


def apply(*names: str) -> None:
    """Apply the named patches (and the ones they need)."""
    for name in names:
        patch = PATCHES[name]
        apply(*patch.needs)
        if not patch.applied:
            patch.apply()


def revert(*names: str) -> None:
    """Revert the named patches (and the ones that need them)."""
    for name in names:
        revert(*(p.name for p in PATCHES.values() if name in p.needs))
        PATCHES[name].revert()


def apply_all() -> None:
    apply(*PATCHES)


def revert_all() -> None:
    revert(*PATCHES)


def applied() -> list:
    """The names of the patches in place."""
    return [name for name, patch in PATCHES.items() if patch.applied]


@contextlib.contextmanager
def patched(names=None):
    """Exactly ``names`` applied (default: all of them) inside the block; the
    previous set is restored on leaving."""
    before = applied()
    revert_all()
    apply(*(PATCHES if names is None else names))
    try:
        yield
    finally:
        revert_all()
        apply(*before)


def unpatched():
    """experta as shipped inside the block."""
    return patched(())

