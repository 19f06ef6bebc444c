"""The buttons under a case: [Record] [No] when the bot asks, [Undo] and a menu of criteria
(and a one-click move to a suggested one) when a case is recorded. Each button's value names
the message the case came from; the click is checked against its author by the service."""

from __future__ import annotations

import json
from typing import Any

from bot.core.rubric import Rubric
from bot.words.templates import Templates

CASE_ACTION = "values_case"  # values_case_record, _discard, _undo, _move, _move_to
OPTION_TEXT = 75  # Slack's limit on an option's text


def case_value(message_id: str, thread_of: str | None, key: str = "") -> str:
    value = {"m": message_id, "t": thread_of or ""}
    return json.dumps(value | ({"k": key} if key else {}))


def _button(action: str, text: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": f"{CASE_ACTION}_{action}",
        "text": {"type": "plain_text", "text": text[:OPTION_TEXT]},
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def doubt_actions(t: Templates, message_id: str, thread_of: str | None) -> dict[str, Any]:
    value = case_value(message_id, thread_of)
    return {
        "type": "actions",
        "block_id": "case_doubt",
        "elements": [
            _button("record", t.render("slack_case_record"), value, "primary"),
            _button("discard", t.render("slack_case_discard"), value),
        ],
    }


def criterion_label(rubric: Rubric, key: str, locale: str) -> str:
    criterion = rubric.criterion(key)
    value = rubric.value(criterion.value_key) if criterion else None
    if criterion is None or value is None:
        return key
    return f"{value.name(locale)} L{criterion.level} · {criterion.title(locale)}"


def criterion_options(rubric: Rubric, locale: str) -> list[dict[str, Any]]:
    """Every criterion of the pack as a menu's options (the form's criterion menu)."""
    return [
        {
            "text": {
                "type": "plain_text",
                "text": criterion_label(rubric, c.key, locale)[:OPTION_TEXT],
            },
            "value": c.key,
        }
        for c in rubric.criteria
    ][:100]


def recorded_actions(
    t: Templates,
    rubric: Rubric,
    message_id: str,
    thread_of: str | None,
    *,
    current: str,
    suggested: str = "",
) -> dict[str, Any]:
    """[Undo], [Move to the suggested criterion], and a menu of every other criterion."""
    locale = t.locale
    elements = [_button("undo", t.render("slack_case_undo"), case_value(message_id, thread_of))]
    if suggested:
        label = criterion_label(rubric, suggested, locale)
        elements.append(
            _button(
                "move_to",
                t.render("slack_case_move_to", criterion=label),
                case_value(message_id, thread_of, suggested),
            )
        )
    options = [
        {
            "text": {
                "type": "plain_text",
                "text": criterion_label(rubric, c.key, locale)[:OPTION_TEXT],
            },
            "value": case_value(message_id, thread_of, c.key),
        }
        for c in rubric.criteria
        if c.key != current
    ][:100]
    elements.append(
        {
            "type": "static_select",
            "action_id": f"{CASE_ACTION}_move",
            "placeholder": {"type": "plain_text", "text": t.render("slack_case_move")},
            "options": options,
        }
    )
    return {"type": "actions", "block_id": "case_recorded", "elements": elements}
