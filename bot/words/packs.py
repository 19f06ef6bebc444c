"""Rubric packs: YAML files in prompts/rubrics/, validated with the file and line of every problem.

The format is described in prompts/README.md. Validation walks the YAML node tree (not the
loaded dict) so that duplicate keys are caught and every problem points at its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.rubric import WORDINGS, Criterion, Rubric, ScoringRule, Translation, Value


def _prompts() -> Path:
    """prompts/: inside the installed package (bot/prompts), or beside bot/ in a clone."""
    here = Path(__file__).resolve().parents[1]  # bot/
    for candidate in (here / "prompts", here.parent / "prompts"):
        if (candidate / "templates").is_dir():
            return candidate
    return here / "prompts"


PROMPTS = _prompts()
RUBRICS = PROMPTS / "rubrics"
DEFAULT_PACK = "alibaba-six-vein"

_PACK_FIELDS = {"pack", "name", "source", "values"}
_VALUE_FIELDS = {"key", "name", "motto", "intro", "criteria", "translation_en"}
_CRITERION_FIELDS = {
    "level", "title", "meaning", "conforming", "nonconforming", "scoring", "half_point", "notes",
    "wording", "wording_note", "translation_en",
}  # fmt: skip
_VALUE_TRANSLATION = {"motto", "intro"}
_CRITERION_TRANSLATION = {"meaning", "conforming", "nonconforming", "half_point", "wording_note"}
_SCORING_FIELDS = {"rule", "inferred", "note"}


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class PackError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class _Checker:
    """Checks a pack's YAML node by node, noting each problem with its line (`rubric check`)."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def fail(self, node: Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(Problem(self.path, line, message))

    def mapping(self, node: Node, allowed: set[str], where: str) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            self.fail(node, f"{where} should be a mapping")
            return {}
        found: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in found:
                self.fail(key_node, f"duplicate key '{key}' in {where}")
                continue
            if key not in allowed:
                self.fail(key_node, f"unknown field '{key}' in {where}")
            found[key] = value_node
        return found

    def text(self, fields: dict[str, Node], name: str, parent: Node, where: str) -> str:
        node = fields.get(name)
        if node is None:
            self.fail(parent, f"{where} has no {name}")
            return ""
        if not isinstance(node, ScalarNode):
            self.fail(node, f"{where}: {name} should be text")
            return ""
        return str(node.value).strip()

    def optional(self, fields: dict[str, Node], name: str, parent: Node, where: str) -> str:
        return self.text(fields, name, parent, where) if name in fields else ""

    def texts(self, fields: dict[str, Node], name: str, where: str) -> tuple[str, ...]:
        node = fields.get(name)
        if node is None:
            return ()
        if not isinstance(node, SequenceNode):
            self.fail(node, f"{where}: {name} should be a list")
            return ()
        items = []
        for item in node.value:
            if not isinstance(item, ScalarNode) or not str(item.value).strip():
                self.fail(item, f"{where}: every {name} case should be non-empty text")
                continue
            items.append(str(item.value).strip())
        return tuple(items)

    def bilingual(
        self, fields: dict[str, Node], name: str, parent: Node, where: str
    ) -> tuple[str, str]:
        node = fields.get(name)
        if node is None:
            self.fail(parent, f"{where} has no {name}")
            return "", ""
        if isinstance(node, ScalarNode):
            zh, en = str(node.value).strip(), ""
        else:
            parts = self.mapping(node, {"zh", "en"}, f"{where} {name}")
            zh = self.text(parts, "zh", node, f"{where} {name}") if "zh" in parts else ""
            en = self.text(parts, "en", node, f"{where} {name}") if "en" in parts else ""
            if "en" in parts and not en:
                self.fail(parts["en"], f"{where}: empty {name} (en)")
        if not zh:
            self.fail(node, f"{where}: empty {name}")
        return zh, en


def load_pack(path: Path) -> Rubric:
    """Load and validate a pack file; raises PackError listing every problem."""
    checker = _Checker(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PackError(
            [Problem(str(path), 1, "not UTF-8 text: save the file as UTF-8 (it may be GBK)")]
        ) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise PackError([Problem(str(path), line, f"not valid YAML: {error}")]) from None
    if root is None:
        raise PackError([Problem(str(path), 1, "the file is empty")])
    fields = checker.mapping(root, _PACK_FIELDS, "the pack")
    key = checker.text(fields, "pack", root, "the pack")
    name = checker.text(fields, "name", root, "the pack")
    source = checker.text(fields, "source", root, "the pack") if "source" in fields else ""
    values = _values(checker, fields.get("values"), root)
    if checker.problems:
        raise PackError(checker.problems)
    return Rubric(key=key, name=name, source=source, values=tuple(values))


def _values(checker: _Checker, node: Node | None, root: Node) -> list[Value]:
    if not isinstance(node, SequenceNode) or not node.value:
        checker.fail(node or root, "the pack needs a non-empty list of values")
        return []
    values: list[Value] = []
    seen: dict[str, int] = {}
    for value_node in node.value:
        fields = checker.mapping(value_node, _VALUE_FIELDS, "a value")
        key = checker.text(fields, "key", value_node, "a value")
        where = f"value '{key}'"
        if key in seen:
            checker.fail(
                fields.get("key"), f"duplicate value key '{key}' (first at line {seen[key]})"
            )
        seen[key] = value_node.start_mark.line + 1
        name_zh, name_en = checker.bilingual(fields, "name", value_node, where)
        criteria = _criteria(checker, key, fields.get("criteria"), value_node)
        english: dict[str, Node] = {}
        if "translation_en" in fields:
            english = checker.mapping(fields["translation_en"], _VALUE_TRANSLATION, where)
        values.append(
            Value(
                key=key,
                name_zh=name_zh,
                name_en=name_en,
                motto=checker.optional(fields, "motto", value_node, where),
                intro=checker.optional(fields, "intro", value_node, where),
                criteria=tuple(criteria),
                motto_en=checker.optional(english, "motto", value_node, where),
                intro_en=checker.optional(english, "intro", value_node, where),
            )
        )
    return values


def _criteria(
    checker: _Checker, value_key: str, node: Node | None, parent: Node
) -> list[Criterion]:
    where = f"value '{value_key}'"
    if not isinstance(node, SequenceNode) or not node.value:
        checker.fail(node or parent, f"{where} needs a non-empty list of criteria")
        return []
    criteria: list[Criterion] = []
    lines: dict[int, int] = {}
    for item in node.value:
        fields = checker.mapping(item, _CRITERION_FIELDS, f"a criterion of {where}")
        level = _level(checker, fields.get("level"), item, where)
        here = f"{where} level {level}"
        if level in lines:
            checker.fail(
                fields.get("level"),
                f"duplicate level {level} in {where} (first at line {lines[level]})",
            )
        lines[level] = item.start_mark.line + 1
        title_zh, title_en = checker.bilingual(fields, "title", item, here)
        rule, inferred, note = _scoring(checker, fields.get("scoring"), item, here)
        criterion = Criterion(
            value_key=value_key,
            level=level,
            title_zh=title_zh,
            title_en=title_en,
            meaning=checker.optional(fields, "meaning", item, here),
            conforming=checker.texts(fields, "conforming", here),
            nonconforming=checker.texts(fields, "nonconforming", here),
            rule=rule,
            rule_inferred=inferred,
            half_point=checker.optional(fields, "half_point", item, here),
            rule_note=note,
            wording=_wording(checker, fields.get("wording"), here),
            wording_note=checker.optional(fields, "wording_note", item, here),
        )
        if "translation_en" in fields:
            criterion = replace(
                criterion, en=_translation(checker, fields["translation_en"], criterion, here)
            )
        criteria.append(criterion)
    expected = list(range(1, len(criteria) + 1))
    missing = sorted(set(expected) - set(lines))
    if missing and all(c.level > 0 for c in criteria):
        checker.fail(
            node, f"{where} is missing level {', '.join(map(str, missing))} (levels run 1..n)"
        )
    return sorted(criteria, key=lambda c: c.level)


def _wording(checker: _Checker, node: Node | None, where: str) -> str:
    if node is None:
        return "seed"
    wording = str(node.value).strip() if isinstance(node, ScalarNode) else ""
    if wording not in WORDINGS:
        checker.fail(node, f"{where}: wording should be one of {', '.join(WORDINGS)}")
        return "seed"
    return wording


def _translation(checker: _Checker, node: Node, criterion: Criterion, where: str) -> Translation:
    """The English of a criterion: every list as long as the Chinese it translates."""
    here = f"{where} translation_en"
    fields = checker.mapping(node, _CRITERION_TRANSLATION, here)
    english = Translation(
        meaning=checker.optional(fields, "meaning", node, here),
        conforming=checker.texts(fields, "conforming", here),
        nonconforming=checker.texts(fields, "nonconforming", here),
        half_point=checker.optional(fields, "half_point", node, here),
        wording_note=checker.optional(fields, "wording_note", node, here),
    )
    for name in ("conforming", "nonconforming"):
        chinese, translated = getattr(criterion, name), getattr(english, name)
        if translated and len(translated) != len(chinese):
            checker.fail(
                fields[name],
                f"{here}: {len(translated)} {name} case(s) for the {len(chinese)} in Chinese",
            )
    for name in ("meaning", "half_point", "wording_note"):
        if getattr(english, name) and not getattr(criterion, name):
            checker.fail(fields[name], f"{here}: {name} translates nothing (no Chinese {name})")
    return english


def _level(checker: _Checker, node: Node | None, parent: Node, where: str) -> int:
    if not isinstance(node, ScalarNode):
        checker.fail(node or parent, f"a criterion of {where} has no level")
        return 0
    try:
        level = int(node.value)
    except ValueError:
        level = 0
    if level < 1:
        checker.fail(node, f"{where}: level should be a whole number from 1, not '{node.value}'")
    return level


def _scoring(
    checker: _Checker, node: Node | None, parent: Node, where: str
) -> tuple[ScoringRule, bool, str]:
    if node is None:
        checker.fail(parent, f"{where} has no scoring rule")
        return ScoringRule.NEEDS_CONFORMING, False, ""
    fields = checker.mapping(node, _SCORING_FIELDS, f"{where} scoring")
    name = checker.text(fields, "rule", node, f"{where} scoring")
    try:
        rule = ScoringRule(name)
    except ValueError:
        known = ", ".join(r.value for r in ScoringRule)
        checker.fail(
            fields.get("rule", node), f"{where}: unknown scoring rule '{name}' (known: {known})"
        )
        rule = ScoringRule.NEEDS_CONFORMING
    inferred_node = fields.get("inferred")
    inferred = isinstance(inferred_node, ScalarNode) and inferred_node.value.lower() == "true"
    note = checker.text(fields, "note", node, where) if "note" in fields else ""
    return rule, inferred, note


def pack_path(name_or_path: str) -> Path:
    """A pack by name (prompts/rubrics/NAME.yaml) or by path."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        return candidate
    return RUBRICS / f"{name_or_path}.yaml"


def available_packs() -> list[str]:
    return sorted(p.stem for p in RUBRICS.glob("*.yaml"))
