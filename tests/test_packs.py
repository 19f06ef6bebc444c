"""Rubric packs: both shipped packs are valid, broken ones are reported line by line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.packs import RUBRICS, PackError, load_pack, pack_path

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "002_36b0225ceb0ce0c5.txt"
SEEDED = {"customer-first": (1, 2, 3, 4, 5), "teamwork": (1, 2, 3, 4, 5), "embrace-change": (1, 2)}


@pytest.mark.parametrize("name", ["alibaba-six-vein", "jd-customer-first"])
def test_shipped_packs_pass_rubric_check(name, capsys):
    assert main(["rubric", "check", name]) == 0
    assert "OK" in capsys.readouterr().out


def test_the_default_pack_has_six_values_of_five_levels(rubric):
    assert [len(v.criteria) for v in rubric.values] == [5] * 6
    assert all(v.name_zh and v.name_en for v in rubric.values)
    assert all(c.title_zh and c.title_en for c in rubric.criteria)


def test_unsourced_levels_have_no_cases_and_inferred_rules(rubric):
    """Where the sources give no case, none is made up; unsourced rules are marked inferred."""
    for criterion in rubric.criteria:
        if criterion.level not in SEEDED.get(criterion.value_key, ()):
            assert criterion.conforming + criterion.nonconforming == (), criterion.key
            assert criterion.rule_inferred, criterion.key


def _squash(text: str) -> str:
    """Compare text without spaces, line breaks or list numbering the PDF extract added."""
    return re.sub(r"\s+|\d\)|[–•]", "", text)


def _in_seed(text: str, seed: str) -> bool:
    """In the seed as is, or split once where the extract broke a sentence across pages."""
    if text in seed:
        return True
    return any(text[:i] in seed and text[i:] in seed for i in range(3, len(text) - 2))


@pytest.mark.skipif(
    not SEED.exists(), reason="shared/seeds is beside the repository in CI and development"
)
def test_the_default_pack_matches_the_seed_wherever_the_seed_covers_a_level(rubric):
    """Titles, key meanings and cases of the seeded levels are the seed's own sentences."""
    seed = _squash(SEED.read_text(encoding="utf-8"))
    missing = []
    for value_key, levels in SEEDED.items():
        for level in levels:
            criterion = rubric.criterion(f"{value_key}:{level}")
            texts = [criterion.title_zh, *criterion.conforming, *criterion.nonconforming]
            texts += [part for part in re.split(r"[;;]\s*|。", criterion.meaning) if len(part) > 6]
            missing += [(criterion.key, t) for t in texts if not _in_seed(_squash(t), seed)]

    assert missing == []


BROKEN = {
    "missing level": ("      - level: 2\n", "      - level: 7\n", "missing level 2"),
    "duplicate level": ("      - level: 3\n", "      - level: 2\n", "duplicate level 2"),
    "unknown rule": (
        "rule: needs_conforming\n",
        "rule: whenever\n",
        "unknown scoring rule 'whenever'",
    ),
    "empty title": ('zh: "感恩客户"', 'zh: ""', "empty title"),
    "duplicate key": (
        "        meaning: 具有主动",
        "        meaning: x\n        meaning: 具有主动",
        "duplicate key 'meaning'",
    ),
}


@pytest.mark.parametrize("problem", sorted(BROKEN))
def test_a_broken_pack_names_the_file_and_line_of_each_problem(problem, tmp_path, capsys):
    """`rubric check` exits non-zero and points at the line."""
    source = (
        (RUBRICS / "jd-customer-first.yaml")
        .read_text(encoding="utf-8")
        .replace("zh: 感恩客户", 'zh: "感恩客户"')
    )
    old, new, message = BROKEN[problem]
    assert old in source
    broken = tmp_path / "broken.yaml"
    broken.write_text(source.replace(old, new, 1), encoding="utf-8")

    code = main(["rubric", "check", str(broken)])

    err = capsys.readouterr().err
    assert code == 1
    assert re.search(rf"{re.escape(str(broken))}:\d+: .*{re.escape(message)}", err), err


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    source = (RUBRICS / "jd-customer-first.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "two.yaml"
    broken.write_text(
        source.replace("rule: needs_conforming\n", "rule: sometimes\n").replace(
            "level: 3", "level: 5"
        ),
        encoding="utf-8",
    )

    with pytest.raises(PackError) as error:
        load_pack(broken)

    lines = [p.line for p in error.value.problems]
    assert len(lines) == 2
    assert all(line > 1 for line in lines)


def test_packs_are_found_by_name_or_path(tmp_path):
    copy = tmp_path / "mine.yaml"
    shutil.copy(RUBRICS / "jd-customer-first.yaml", copy)

    assert load_pack(pack_path(str(copy))) == load_pack(pack_path("jd-customer-first"))
