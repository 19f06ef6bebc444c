"""Rubric packs: both shipped packs are valid, broken ones are reported line by line."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.rubric import Criterion, ScoringRule
from bot.words.packs import RUBRICS, PackError, load_pack, pack_path

# The user's seed 002 (../shared/seeds/002_36b0225ceb0ce0c5.txt), kept here as test data so the
# two-way check runs wherever the tests do; test_the_seed_copy_is_the_users_own compares them.
SEED = Path(__file__).resolve().parent / "data" / "seed-002-alibaba-rubric.txt"
SHARED_SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "002_36b0225ceb0ce0c5.txt"
SEEDED = {"customer-first": (1, 2, 3, 4, 5), "teamwork": (1, 2, 3, 4, 5), "embrace-change": (1, 2)}


@pytest.mark.parametrize("name", ["alibaba-six-vein", "jd-customer-first"])
def test_shipped_packs_pass_rubric_check(name, capsys):
    assert main(["rubric", "check", name]) == 0
    assert "：通过：" in capsys.readouterr().out  # BOT_LOCALE is zh by default


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


# Seed 002, re-solved (shared/design/rubric-audit.md §1.2): which level, intro or nothing each
# line belongs to, in reading order (a line continuing another follows it). "-" is the header,
# table of contents, preface and the document site's boilerplate.
OWNERS: dict[str, tuple[int, ...]] = {
    "customer-first:1": (48, 49, 50, 42, 29, 30),
    "customer-first:2": (32, 92, 93, 94),
    "customer-first:3": (96, 97, 99, 65, 66, 67, 68, 69, 70),
    "customer-first:4": (59, 60, 61, 7, 8, 57, 10, 11),
    "customer-first:5": (101, 102, 33),
    "teamwork:1": (72, 73, 74),
    "teamwork:2": (76, 77, 78, 79, 80, 12, 13),
    "teamwork:3": (15,),
    "teamwork:4": (54, 55, 56),
    "teamwork:5": (84, 85, 86, 87, 88),
    "embrace-change:1": (82,),
    "embrace-change:2": (37, 38, 39, 40),
    "intro:customer-first": (21, 22, 23, 24, 89, 91, 45, 46),
    "intro:teamwork": (35, 63),
    "intro:embrace-change": (26, 52),
    "-": (1, 2, 3, 4, 5, 6, 9, 14, 16, 17, 18, 19, 20, 25, 27, 28, 31, 34, 36, 41, 43, 44, 47,
          51, 53, 58, 62, 64, 71, 75, 81, 83, 90, 95, 98, 100, 103, 104),
}  # fmt: skip
BAIDU = "Байду номын сангаас"  # "from the Baidu library": the extract's stand-in for 释 (l.12)
LABEL = re.compile(r"(不?符合的?案例|\d分)[:：]")


def _sentences(text: str) -> list[str]:
    """Sentences without the layout the PDF extract added: spaces, bullets, numbering, labels."""
    text = re.sub(r"\s+", "", text.replace(BAIDU, "释"))
    text = re.sub(r"[–•]|\d\)", ";", LABEL.sub(";", text))
    return [part.strip(".,") for part in re.split(r"[;;。!:：]", text) if part.strip(".,")]


def _is_rule(sentence: str) -> bool:
    return "给分" in sentence or "得分" in sentence


def _seed_parts() -> dict[str, list[str]]:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    return {
        owner: _sentences("".join(lines[n - 1] for n in numbers))
        for owner, numbers in OWNERS.items()
    }


def _pack_sentences(criterion: Criterion) -> set[str]:
    texts = [criterion.title_zh, criterion.meaning, criterion.half_point]
    return {
        s for t in (*texts, *criterion.conforming, *criterion.nonconforming) for s in _sentences(t)
    }


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="../shared is not beside this clone")
def test_the_seed_copy_is_the_users_own():
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_every_line_of_the_seed_has_one_owner():
    numbers = [n for owned in OWNERS.values() for n in owned]
    assert sorted(numbers) == list(range(1, len(SEED.read_text(encoding="utf-8").split("\n")) + 1))


def test_the_pack_and_the_seed_say_the_same_both_ways(rubric):
    """Every sentence of a seeded level is in that level of the pack and in no other, and every
    sentence of a seeded level of the pack is in its part of the seed."""
    parts = _seed_parts()
    packed = {c.key: _pack_sentences(c) for c in rubric.criteria if c.key in parts}
    assert set(packed) == {k for k in parts if not k.startswith(("intro:", "-"))}
    for key, sentences in packed.items():
        seed = {s for s in parts[key] if not _is_rule(s)}
        assert sentences - seed == set(), f"{key}: in the pack, not in its part of the seed"
        assert seed - sentences == set(), f"{key}: in the seed, missing from the pack"
        elsewhere = [k for k, other in packed.items() if k != key and seed & other]
        assert elsewhere == [], f"{key}: its seed sentences also appear under {elsewhere}"


def test_every_seed_scoring_line_is_used_exactly_once_with_its_rule(rubric):
    parts = _seed_parts()
    rules = {key: [s for s in found if _is_rule(s)] for key, found in parts.items()}
    assert sum(len(found) for found in rules.values()) == 12  # 12 rule lines for 12 levels
    for key, found in rules.items():
        if key.startswith(("intro:", "-")):
            assert found == [], key
            continue
        criterion = rubric.criterion(key)
        assert found == _sentences(criterion.rule_note), key
        text = found[0]
        expected = (
            ScoringRule.NEEDS_CONFORMING_AND_NO_NONCONFORMING
            if "有不符合" in text and "无符合" in text
            else ScoringRule.UNLESS_NONCONFORMING
            if "没有不符合" in text
            else ScoringRule.NEEDS_CONFORMING
        )
        assert (criterion.rule, criterion.rule_inferred) == (expected, False), key


def test_the_value_intros_are_the_seeds_own(rubric):
    """The same characters, in sentences of the seed (its bullets joined by the pack's `;`)."""
    parts = _seed_parts()
    for value in rubric.values[:3]:
        seed = "".join(parts[f"intro:{value.key}"])
        assert Counter(seed) == Counter("".join(_sentences(value.intro))), value.key
        assert all(s in seed for s in _sentences(value.intro)), value.key


def test_levels_not_in_the_seed_say_where_their_words_come_from(rubric):
    for criterion in rubric.criteria:
        seeded_level = criterion.level in SEEDED.get(criterion.value_key, ())
        assert (criterion.wording == "seed") == seeded_level, criterion.key
        assert bool(criterion.wording_note) != seeded_level, criterion.key
    titles = " ".join(c.title_zh for c in rubric.criteria)
    assert "直言有讳" not in titles and "热爱阿里巴巴" not in titles and "不背后" not in titles


@pytest.mark.parametrize("name", ["alibaba-six-vein", "jd-customer-first"])
def test_every_criterion_reads_in_english(name):
    pack = load_pack(pack_path(name))
    for value in pack.values:
        assert value.name_en and (value.motto_en or not value.motto), value.key
        assert value.intro_en or not value.intro, value.key
    for criterion in pack.criteria:
        english = criterion.en
        assert criterion.title_en, criterion.key
        if criterion.meaning or criterion.conforming or criterion.nonconforming:
            assert english is not None, criterion.key
            assert bool(english.meaning) == bool(criterion.meaning), criterion.key
            assert criterion.cases_in("en") != (criterion.conforming, criterion.nonconforming) or (
                not criterion.conforming and not criterion.nonconforming
            ), criterion.key
            assert not re.search(r"[\u4e00-\u9fff]", english.meaning), criterion.key
        if criterion.half_point:
            assert english is not None and english.half_point, criterion.key


def test_posts_and_rubric_show_carry_every_case(rubric, capsys):
    from bot.words.render_text import TextRenderer
    from bot.words.templates import Templates

    for locale in ("zh", "en"):
        text = TextRenderer(Templates(locale), rubric, min_story=10)
        for criterion in rubric.criteria:
            conforming, nonconforming = criterion.cases_in(locale)
            post = text.daily_post(criterion)
            assert all(case in post for case in (*conforming, *nonconforming)), criterion.key
    assert main(["rubric", "show"]) == 0
    shown = capsys.readouterr().out
    assert all(case in shown for c in rubric.criteria for case in c.conforming + c.nonconforming)
    assert "你的同事也是你的唯一" in shown  # the value intros are shown too


def test_the_trimmed_post_pointer_names_a_command_that_works(rubric, capsys):
    from bot.words.templates import Templates

    for locale in ("zh", "en"):
        pointer = Templates(locale).render("dingtalk_trimmed", criterion="teamwork:3")
        command = re.search(r"values-bot (rubric show \S+?)[`）)]", pointer)
        assert command is not None, pointer
        assert main(command.group(1).split()) == 0
        assert "善于利用团队的力量" in capsys.readouterr().out


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
