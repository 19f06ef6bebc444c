"""Whether a story reads as praise, as criticism, or as both (then the bot asks its author).

A conforming case tells what someone did well. "又迟到了…太不专业了" names a colleague too, but
it is a complaint, and recording it as evidence *for* them would be absurd and hurtful. The
check is a short list of words that criticise and words that praise, in Chinese and English;
a negated praise word ("不负责", "not helpful") counts as criticism, never as praise.

- criticism and no praise: not a nomination (refused, with a friendly word);
- criticism and praise both ("虽然迟到了，但是主动帮我…"): in doubt, so the author is asked;
- otherwise: a nomination.
"""

from __future__ import annotations

import re
from enum import StrEnum

# words that judge a person, not words that describe a problem: a good story often starts
# with one ("客户的订单出错后，他当天就上门道歉…" is praise of how someone handled it)
CRITICISM_ZH = (
    "又迟到", "总是迟到", "老是迟到", "经常迟到", "不专业", "太差", "很差", "差劲", "失望",
    "马虎", "敷衍", "推卸", "甩锅", "不靠谱", "偷懒", "态度差", "没礼貌", "离谱", "又忘了",
    "总是忘", "一点都不", "害得", "不认真", "不负责", "不积极", "不配合", "不回消息", "放鸽子",
    "拖后腿", "太不像话",
)  # fmt: skip
CRITICISM_EN = (
    "unprofessional", "late again", "always late", "disappointed in", "disappointing",
    "sloppy", "careless", "lazy", "rude", "useless", "never replies", "forgot again",
    "not helpful", "unhelpful", "irresponsible", "let us down", "let the team down",
    "threw under the bus", "blamed everyone",
)  # fmt: skip
PRAISE_ZH = (
    "感谢", "谢谢", "多谢", "帮", "主动", "点赞", "赞", "辛苦", "认真", "负责", "及时", "解决",
    "支持", "耐心", "优秀", "棒", "厉害", "给力", "靠谱", "用心", "细致", "专业", "坚持", "分享",
    "保住", "挽回", "提前", "创新", "担当", "照顾", "带着", "教", "完成", "搞定",
)  # fmt: skip
PRAISE_EN = (
    "thank", "thanks", "helped", "help", "great", "kudos", "appreciate", "proactive", "solved",
    "fixed", "supported", "patient", "amazing", "awesome", "excellent", "stayed", "went out of",
    "took the time", "owned", "shipped", "saved", "mentored", "taught", "shared", "delivered",
    "well done", "careful", "honest",
)  # fmt: skip
_NEGATED_EN = re.compile(r"\b(not|never|no|wasn't|isn't|didn't|don't)\s+(\w+)", re.IGNORECASE)


class Tone(StrEnum):
    PRAISE = "praise"  # or neutral: a nomination
    CRITICISM = "criticism"  # not a nomination
    MIXED = "mixed"  # both: ask the author


def _count(text: str, words: tuple[str, ...], *, latin: bool) -> int:
    if not latin:
        return sum(text.count(word) for word in words)
    return sum(len(re.findall(rf"\b{re.escape(word)}", text)) for word in words)


def _blank(text: str, words: tuple[str, ...]) -> str:
    """`text` with every occurrence of `words` blanked out (overlapping ones too)."""
    kept = list(text)
    for word in words:
        start = text.find(word)
        while start >= 0:
            kept[start : start + len(word)] = " " * len(word)
            start = text.find(word, start + 1)
    return "".join(kept)


def tone_of(story: str) -> Tone:
    """How a story reads: praise, criticism, or both."""
    text = story.casefold()
    criticism = _count(text, CRITICISM_ZH, latin=False) + _count(text, CRITICISM_EN, latin=True)
    # a praise word inside a criticism ("不负责", "不专业") or negated ("not helpful") is none
    cleared = _NEGATED_EN.sub(" ", _blank(text, CRITICISM_ZH))
    praise = _count(cleared, PRAISE_ZH, latin=False) + _count(cleared, PRAISE_EN, latin=True)
    if criticism and not praise:
        return Tone.CRITICISM
    if criticism:
        return Tone.MIXED
    return Tone.PRAISE
