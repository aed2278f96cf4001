"""Splitting registry eligibility text into one criterion per item.

The text is markdown as ClinicalTrials.gov stores it: escapes (`\\>`, `\\[`), bullets
(`*`, `-`, `1.`, `a)`), nesting by indentation, and headings such as
"Inclusion Criteria:" or "Key Exclusion Criteria". Legacy XML records use the same
structure as indented plain text with wrapped lines.

Each item keeps its text verbatim (minus the markdown escapes). A nested item carries
its parent's words in front of its own ("Adequate organ function: ANC ≥ 1.5 × 10^9/L").
Nested items that are alternatives of one another ("…, OR") stay together as one item,
one line per alternative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Section = Literal["inclusion", "exclusion"]


@dataclass(frozen=True)
class Item:
    section: Section
    text: str
    """The criterion as it should read: parent context, then the item's own words."""
    own_text: str
    """The item's own words, without the parent context."""
    context: str | None = None


@dataclass
class SplitCriteria:
    inclusion: list[Item] = field(default_factory=list)
    exclusion: list[Item] = field(default_factory=list)
    has_headings: bool = True
    warnings: list[str] = field(default_factory=list)


_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~^=\"'&$%@/:;,?])")
_BULLET = re.compile(
    r"^(?P<marker>[*\-+•·▪◦]|o(?=\s)|\d{1,2}[.)](?!\d)|\(\d{1,2}\)|[a-zA-Z][.)](?=\s)"
    r"|\([a-z]\)|(?:i{1,3}|iv|v|vi{1,3}|ix|x)[.)](?=\s))\s*(?P<text>\S.*)$"
)
_HEADING = re.compile(
    r"^(?:[\w-]+\s+){0,4}?(?P<kind>inclusion|exclusion|eligibility)"
    r"(?:\s+(?:criteria|criterion))?\b[^.!?]{0,60}$",
    re.IGNORECASE,
)
_EXCLUDED_INTRO = re.compile(r"\b(?:will be|are|is|be)\s+excluded\b|\bineligible\b", re.I)
_INCLUDED_INTRO = re.compile(
    r"\bmust (?:meet|fulfil+|satisfy) (?:all )?(?:of )?the following\b|\bfor study entry\b", re.I
)
_NOTHING = re.compile(r"^(?:nil|none|n/?a|not applicable|-+)\.?$", re.I)
_ALTERNATIVE_END = re.compile(r"(?:\bor|\bOR)\s*[,;:]?\s*$")
_ALTERNATIVE_INTRO = re.compile(
    r"\b(?:either|one of the following|at least one of|any one of)\b", re.IGNORECASE
)


def unescape(text: str) -> str:
    """The text without markdown backslash escapes (`\\>` -> `>`)."""
    return _ESCAPE.sub(r"\1", text)


@dataclass
class _Node:
    indent: int
    text: str
    bullet: bool
    section: Section | None
    children: list[_Node] = field(default_factory=list)
    text_indent: int = 0


def _indent_of(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))


def _heading(content: str) -> Section | None:
    stripped = content.strip().strip("*_#").strip()
    bare = stripped.rstrip(":").strip()
    match = _HEADING.match(bare)
    if match and len(bare) <= 80:
        kind = match.group("kind").lower()
        if kind == "exclusion":
            return "exclusion"
        if kind == "inclusion":
            return "inclusion"
        return "inclusion" if stripped.endswith(":") and len(bare.split()) <= 3 else None
    if stripped.endswith(":") and len(stripped) <= 160:
        if _EXCLUDED_INTRO.search(stripped):
            return "exclusion"
        if _INCLUDED_INTRO.search(stripped):
            return "inclusion"
    return None


def split_criteria(text: str) -> SplitCriteria:
    """Split eligibility text into inclusion and exclusion items."""
    result = SplitCriteria()
    roots: list[_Node] = []
    stack: list[_Node] = []
    section: Section | None = None
    headings = 0
    previous_blank = True
    last: _Node | None = None
    for raw_line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = unescape(raw_line.rstrip())
        if not line.strip():
            previous_blank = True
            continue
        indent = _indent_of(line)
        content = line.strip()
        raw_content = raw_line.strip()
        escaped_marker = raw_content[:2] in ("\\*", "\\-", "\\+")
        bullet = None if escaped_marker else _BULLET.match(content)
        heading = None if bullet else _heading(content)
        if heading is not None:
            section = heading
            headings += 1
            stack = []
            last = None
            previous_blank = True
            continue
        if (
            bullet is None
            and last is not None
            and _continues(last, indent, previous_blank, content)
        ):
            last.text = f"{last.text} {content}"
            previous_blank = False
            continue
        if bullet is not None:
            node = _Node(indent, bullet.group("text").strip(), True, section)
            node.text_indent = indent + (len(content) - len(bullet.group("text")))
            while stack and (stack[-1].indent >= indent and stack[-1].bullet):
                stack.pop()
            if stack and not stack[-1].bullet and stack[-1].indent > indent:
                stack.pop()
        else:
            node = _Node(indent, content, False, section)
            node.text_indent = indent
            while stack and stack[-1].indent >= indent:
                stack.pop()
        if stack:
            stack[-1].children.append(node)
        else:
            roots.append(node)
        if bullet is not None or content.endswith(":"):
            stack.append(node)
        last = node
        previous_blank = False

    result.has_headings = headings > 0
    if not result.has_headings:
        result.warnings.append(
            "the eligibility text has no 'Inclusion Criteria' / 'Exclusion Criteria' "
            "headings: every item was put under inclusion; move the exclusions by hand"
        )
    for root in roots:
        for raw in _flatten(root, []):
            item = raw.item
            if raw.section is None and result.has_headings:
                if not root.bullet:
                    result.warnings.append(
                        f"text before the first heading ignored: {item.text[:60]!r}"
                    )
                    continue
                result.warnings.append(
                    f"item before the first heading put under inclusion: {item.text[:60]!r}"
                )
            getattr(result, item.section).append(item)
    return result


def _continues(last: _Node, indent: int, previous_blank: bool, content: str) -> bool:
    """A plain line that continues the previous item (wrapped or a follow-on paragraph)."""
    if not last.bullet:
        # Plain lines: one item per line, unless the line goes on with a lower-case word
        # (a wrapped sentence in a legacy record).
        return (
            not previous_blank
            and indent >= last.indent
            and not last.text.endswith(":")
            and content[:1].islower()
        )
    if previous_blank:
        return indent >= last.text_indent and indent > last.indent
    return indent > last.indent or indent >= last.text_indent


def _flatten(node: _Node, context: list[str]) -> list[_Raw]:
    section: Section | None = node.section
    if not node.children:
        if _NOTHING.match(node.text):
            return []
        return [_item(section, context, node.text)]
    if _are_alternatives(node):
        return [_item(section, context, _merged(node, 0))]
    items: list[_Raw] = []
    for child in node.children:
        items += _flatten(child, [*context, node.text])
    return items


def _are_alternatives(node: _Node) -> bool:
    if _ALTERNATIVE_INTRO.search(node.text) and node.section != "exclusion":
        return True
    return any(_ALTERNATIVE_END.search(c.text) for c in node.children)


def _merged(node: _Node, depth: int) -> str:
    lines = [node.text]
    for child in node.children:
        sub = _merged(child, depth + 1).split("\n")
        lines.append("  " * depth + "- " + sub[0])
        lines += sub[1:]
    return "\n".join(lines)


def _join_context(context: list[str], text: str) -> str:
    parts = [*context, text]
    out = parts[0]
    for part in parts[1:]:
        out = f"{out} {part}" if out.endswith((":", "-", "—")) else f"{out}: {part}"
    return out


def _item(section: Section | None, context: list[str], text: str) -> _Raw:
    return _Raw(
        section,
        Item(
            section=section or "inclusion",
            text=_join_context(context, text),
            own_text=text,
            context=_join_context(context[:-1], context[-1]) if context else None,
        ),
    )


@dataclass(frozen=True)
class _Raw:
    section: Section | None
    item: Item
