"""Speed patches to experta's beta network and matcher: join and NOT nodes,
conflict-set nodes, collecting their changes, and resetting the network.

Each patch's docstring says why it keeps experta's behaviour and what it saved
alone against plain experta (measured as ``_experta`` describes).
"""

from __future__ import annotations

import logging

from .experta_compat import ConflictSetNode, NoMemory, ReteMatcher, TwoInputNode, watchers
from .patch_registry import PATCHES, Patch, register

_DEBUG = logging.DEBUG
_MATCHER = watchers.MATCHER


# --- beta network and conflict set -----------------------------------------

def _two_input(side: str):
    method = "_activate_" + side

    def activate(self, token):
        if _MATCHER.isEnabledFor(_DEBUG):
            _MATCHER.debug(f"Node <%s> activated {side} with token %r", self, token)
        return getattr(self, method)(token)

    activate.__name__ = f"two_input_{side}"
    activate.__doc__ = (
        f"A join (or NOT) node's {side} input, without experta's defensive token copy.\n\n"
        "Join and NOT nodes never change a token: they store a frozen copy "
        "(``to_info``) and pass on new tokens or the one they got; the only node that "
        "changes a token's context (the alpha test, patches_alpha) copies it first.  "
        "About 30 per intake.")
    return activate


PATCHES["two_input_left"] = Patch("two_input_left", TwoInputNode, "activate_left",
                                  _two_input("left"))
PATCHES["two_input_right"] = Patch("two_input_right", TwoInputNode, "activate_right",
                                   _two_input("right"))
PATCHES["two_input_left"].__doc__ += " Within noise alone (each side)."
PATCHES["two_input_right"].__doc__ += " Within noise alone (each side)."


@register(ConflictSetNode, "activate")
def _conflict_set_activate(self, token):
    """A rule's conflict-set node: no token copy (it only reads the token), and it
    notes that it has changes for ``matcher_changes`` below (when that patch
    has set the node up).  Within noise alone; what it enables is
    ``matcher_changes``."""
    if 0 < _MATCHER.level <= _DEBUG:
        _MATCHER.debug("Node <%s> activated with token %r", self, token)
    self._activate(token)
    dirty = getattr(self, "_hipguide_dirty", None)
    if dirty is not None:
        dirty.add(self._hipguide_index)


_conflict_set_activate.marks_changes = True  # what matcher_changes looks for


@register(ReteMatcher, "changes", needs=("conflict_set_activate",))
def _matcher_changes(self, adding=None, deleting=None):
    """Collect activations from the conflict-set nodes that were activated since
    the last call, instead of asking all ~80 of them on each of the ~27 match
    cycles of an intake.  They are visited in experta's order, so the agenda
    receives the same activations in the same order.  The first call marks
    every node (so changes made before the patch are not lost); a network
    built without ``conflict_set_activate`` is polled as experta does.  -23%."""
    try:
        dirty, nodes = self._hipguide_dirty
    except AttributeError:
        dirty, nodes = self._hipguide_dirty = _track_conflict_sets(self)
    root = self.root_node
    if deleting is not None:
        for fact in deleting:
            root.remove(fact)
    if adding is not None:
        for fact in adding:
            root.add(fact)
    added, removed = [], []
    if dirty is None:  # a network built without the marking: ask every node
        dirty = range(len(nodes))
    elif not dirty:
        return added, removed
    for index in sorted(dirty):
        node_added, node_removed = nodes[index].get_activations()
        added.extend(node_added)
        removed.extend(node_removed)
    if type(dirty) is set:
        dirty.clear()
    return added, removed


def _walk(root):
    """Every node of a RETE network, once (shared nodes are reached several times)."""
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(child.node for child in node.children)


def _track_conflict_sets(matcher):
    """(set of changed node indices, conflict-set nodes in experta's order), the
    nodes set up to mark themselves; (None, nodes) when the network was built
    before ``conflict_set_activate`` was applied (its callbacks do not mark)."""
    nodes = matcher._get_conflict_set_nodes()
    marking = all(getattr(getattr(child.callback, "__func__", None), "marks_changes", False)
                  for node in _walk(matcher.root_node) for child in node.children
                  if isinstance(child.node, ConflictSetNode))
    if not marking:
        return None, nodes
    dirty = set(range(len(nodes)))  # changes made before the first call are not lost
    for index, node in enumerate(nodes):
        node._hipguide_dirty, node._hipguide_index = dirty, index
    return dirty, nodes


@register(ReteMatcher, "reset")
def _matcher_reset(self):
    """Clear each node's memory once.  experta walks the network recursively from
    the root, ~425 visits with shared nodes visited several times (and a
    logger call each).  Clearing a node's memory is idempotent, so once is the
    same.  With MATCHER debugging on, experta's walk runs (for its log lines).
    -7%."""
    if _MATCHER.isEnabledFor(_DEBUG):
        return PATCHES["matcher_reset"].original(self)
    try:
        nodes = self._hipguide_memory_nodes
    except AttributeError:
        nodes = self._hipguide_memory_nodes = tuple(
            node for node in _walk(self.root_node) if type(node)._reset is not NoMemory._reset)
    for node in nodes:
        node._reset()
    return None

