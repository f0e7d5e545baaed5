"""YAML documents with node positions, read with PyYAML's safe composer only (libyaml's C composer
where it is safe, see :func:`_fast_loader_class`; PyYAML's for any text it refuses, so that the
messages are always the same).

We compose nodes (never construct arbitrary objects) and convert them to plain data ourselves, so
that each key and value keeps its mark, duplicate keys are caught, and alias expansion is bounded
(a "billion laughs" file is refused before it is expanded).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import Problem
from .located import TEXT_KEYS, Block, Located, text_block


def _loader_class() -> type:
    """libyaml's parser (fast) under PyYAML's safe Python composer and resolver.

    Not ``CSafeLoader`` itself: its composer recurses in C and crashes the interpreter (SIGSEGV) on
    deeply nested input, where the Python composer raises a catchable RecursionError.
    """
    try:
        from yaml._yaml import CParser
    except ImportError:  # pragma: no cover - PyYAML without libyaml
        return yaml.SafeLoader
    from yaml.composer import Composer
    from yaml.resolver import Resolver

    class SafeComposingCLoader(Composer, CParser, SafeConstructor, Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    return SafeComposingCLoader


Loader = _loader_class()


def _fast_loader_class() -> type | None:
    """``CSafeLoader`` (libyaml's composer too: about twice as fast) where it is safe, else None.

    Its composer recurses in C without a bound of its own; it is safe only when libyaml itself refuses
    deep nesting (libyaml 0.2.5+ stops at 1,000 levels, with a YAMLError). Checked once, on a text
    just past that limit: an unbounded libyaml composes it (harmlessly) and is not used.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is None:  # pragma: no cover - PyYAML without libyaml
        return None
    try:
        yaml.compose("[" * 1100 + "]" * 1100, Loader=fast)
    except yaml.YAMLError:
        return fast
    return None  # pragma: no cover - an old libyaml


FastLoader = _fast_loader_class()

MAX_NODES = 100_000  # nodes after alias expansion, per file
MAX_CHARS = 50_000_000  # scalar characters after alias expansion, per file

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_TAG = "tag:yaml.org,2002:"
_CONSTRUCT = SafeConstructor()


def _wants_text(path: tuple) -> bool:
    """True where a plain ``001`` means the text ``001`` (an id, a table, a migration path)."""
    if path and path[-1] in TEXT_KEYS:
        return True
    return len(path) == 2 and isinstance(path[-1], int) and path[-2] == "migrations"


class YamlDocument(Located):
    def __init__(self, file: str, lines: list[str], root: Node) -> None:
        super().__init__(file, None, (root.start_mark.line + 1, root.start_mark.column + 1))
        self._lines = lines
        self._nodes: dict[tuple, ScalarNode] = {}
        self.problems: list[Problem] = []

    # -- conversion -------------------------------------------------------------------------------
    def convert(self, node: Node, path: tuple) -> Any:
        self.values.setdefault(path, _pos(node))
        if isinstance(node, MappingNode):
            out: dict[str, Any] = {}
            first: dict[str, Node] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    self._problem(key_node, "a key must be a plain string, not a list or mapping")
                    continue
                if key_node.tag == _TAG + "merge":
                    self._problem(key_node, "merge keys (<<) are not supported: write the keys out")
                    continue
                key = key_node.value
                if key in first:
                    self._problem(
                        key_node,
                        f"duplicate key {key!r} (first at line {first[key].start_mark.line + 1})",
                        key=key,
                    )
                    continue
                first[key] = key_node
                self.keys[path + (key,)] = _pos(key_node)
                out[key] = self.convert(value_node, path + (key,))
            return out
        if isinstance(node, SequenceNode):
            return [self.convert(item, path + (i,)) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _scalar(self, node: ScalarNode, path: tuple) -> Any:
        tag = node.tag
        if tag == _TAG + "str":
            self._nodes[path] = node
            return node.value
        if tag == _TAG + "null":
            return None
        if not node.style and _wants_text(path) and tag in (_TAG + "int", _TAG + "float", _TAG + "timestamp", _TAG + "bool"):
            self._nodes[path] = node
            return node.value
        try:
            if tag == _TAG + "bool":
                return _CONSTRUCT.construct_yaml_bool(node)
            if tag == _TAG + "int":
                return _CONSTRUCT.construct_yaml_int(node)
            if tag == _TAG + "float":
                return _CONSTRUCT.construct_yaml_float(node)
            if tag == _TAG + "binary":
                return _CONSTRUCT.construct_yaml_binary(node)
            if tag == _TAG + "timestamp":  # a date, not text: refused where text is expected
                return _CONSTRUCT.construct_yaml_timestamp(node)
        except (yaml.YAMLError, ValueError, TypeError) as exc:  # pragma: no cover - defensive
            self._problem(node, f"invalid {tag.rsplit(':', 1)[-1]} value {node.value!r}: {exc}")
            return node.value
        self._problem(node, f"unsupported YAML tag {tag!r}")
        return node.value

    def _problem(self, node: Node, message: str, key: str | None = None) -> None:
        line, column = _pos(node)
        self.problems.append(Problem(message, self.file, line, column, key=key))

    # -- positions of text ------------------------------------------------------------------------
    def block(self, path: tuple) -> Block:
        node = self._nodes.get(tuple(path))
        if node is None:
            return super().block(path)
        start = node.start_mark  # the C loader says "" for plain
        return text_block(self._lines, start.line, start.column, node.style or None, node.value)


def _pos(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Cycle(Exception):
    pass


def _expanded_size(root: Node, max_nodes: int = MAX_NODES) -> tuple[int, int] | None:
    """(nodes, scalar characters) of ``root`` with aliases expanded (counted up to past ``max_nodes``);
    None for a recursive alias."""
    memo: dict[int, tuple[int, int]] = {}
    active: set[int] = set()
    Cycle = _Cycle

    def size(node: Node) -> tuple[int, int]:
        key = id(node)
        if key in memo:
            return memo[key]
        if key in active:
            raise Cycle
        if isinstance(node, ScalarNode):
            result = (1, len(node.value))
        else:
            active.add(key)
            nodes, chars = 1, 0
            children = node.value if isinstance(node, SequenceNode) else [c for kv in node.value for c in kv]
            for child in children:
                n, c = size(child)
                nodes, chars = nodes + n, chars + c
                if nodes > max_nodes or chars > MAX_CHARS:
                    break  # big enough to refuse; stop counting
            active.discard(key)
            result = (nodes, chars)
        memo[key] = result
        return result

    try:
        return size(root)
    except Cycle:
        return None
    except RecursionError:
        return (max_nodes + 1, 0)  # nested too deeply to even count: refuse as too big


def _compose(text: str) -> list[Node]:
    """The document nodes of ``text``: libyaml's composer first, and for a text it refuses, the
    Python composer, whose messages we report (libyaml's name no alias, for one)."""
    fast_error = None
    if FastLoader is not None:
        try:
            return list(yaml.compose_all(text, Loader=FastLoader))
        except (yaml.YAMLError, RecursionError) as exc:
            fast_error = exc
    try:
        return list(yaml.compose_all(text, Loader=Loader))
    except RecursionError:
        if isinstance(fast_error, yaml.MarkedYAMLError):  # libyaml's depth limit names the line
            raise fast_error from None
        raise


def read_yaml(text: str, file: str, *, max_nodes: int = MAX_NODES) -> tuple[list[YamlDocument], list[Problem]]:
    """Every document of ``text`` (empty documents skipped), and the problems found. Aliases may
    expand the documents to ``max_nodes`` nodes in all."""
    try:
        roots = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = "invalid YAML: " + " ".join(x for x in (exc.context, exc.problem) if x)
        if mark is None:
            return [], [Problem(message, file)]
        return [], [Problem(message, file, mark.line + 1, mark.column + 1)]
    except yaml.YAMLError as exc:
        return [], [Problem(f"invalid YAML: {exc}", file)]
    except RecursionError:
        return [], [Problem("invalid YAML: nested too deeply", file)]
    lines = _LINE_BREAK.split(text)
    docs: list[YamlDocument] = []
    problems: list[Problem] = []
    total_nodes = 0
    # No alias can hide in a text without "*", and a small one cannot hold too many nodes (at most
    # about one and a half per character; 4 leaves a margin) or characters: no need to count them.
    small = "*" not in text and len(text) * 4 < max_nodes
    for root in roots:
        if isinstance(root, ScalarNode) and root.tag == _TAG + "null" and not root.value:
            continue  # an empty document, e.g. after a trailing '---'
        size = (0, 0) if small else _expanded_size(root, max_nodes)
        if size is not None:
            total_nodes += size[0]
        if size is None or total_nodes > max_nodes or size[1] > MAX_CHARS:
            line, column = _pos(root)
            why = "refers to itself" if size is None else f"expands to more than {max_nodes:,} nodes or {MAX_CHARS:,} characters"
            problems.append(Problem(
                f"YAML aliases (*name) in this document {why}; refusing to expand it", file, line, column,
            ))
            return [], problems
        doc = YamlDocument(file, lines, root)
        try:
            doc.data = doc.convert(root, ())
        except RecursionError:
            return [], problems + [Problem("invalid YAML: nested too deeply", file, *_pos(root))]
        problems.extend(doc.problems)
        docs.append(doc)
    return docs, problems
