import pytest

from bot.core.permissions import Access, Grant, Scope, grant_for

ADMIN = Access("console:carol", is_admin=True)
MANAGER = Access("console:mia", managed_channels=frozenset({"console:sales"}))
MEMBER = Access("console:bob")
EVERYONE, SALES, SUPPORT = Scope(), Scope(channel="console:sales"), Scope(channel="console:support")


@pytest.mark.parametrize(
    ("access", "scope", "expected"),
    [
        (ADMIN, EVERYONE, Grant(None)),
        (ADMIN, SUPPORT, Grant(frozenset({"console:support"}))),
        (ADMIN, Scope(person="console:bob"), Grant(None)),
        (MANAGER, EVERYONE, Grant(frozenset({"console:sales"}))),
        (MANAGER, SALES, Grant(frozenset({"console:sales"}))),
        (MANAGER, SUPPORT, None),
        (MANAGER, Scope(person="console:bob"), Grant(frozenset({"console:sales"}))),
        (MEMBER, Scope(person="console:bob"), Grant(None)),
        (MEMBER, Scope(person="console:dan"), None),
        (MEMBER, EVERYONE, None),
        (MEMBER, SALES, None),
    ],
)
def test_who_reads_what(access, scope, expected):
    """Members read themselves, managers their channels, admins everything."""
    assert expected == grant_for(access, scope)


def test_a_reporting_line_manager_reads_a_report_everywhere_but_not_a_channel_or_a_stranger():
    from bot.core.permissions import Access, Grant, Scope, grant_for

    sam = Access("slack:SAM", reports=frozenset({"slack:OLGA"}))

    assert grant_for(sam, Scope(person="slack:OLGA")) == Grant(channels=None)
    assert grant_for(sam, Scope(person="slack:BOB")) is None
    assert grant_for(sam, Scope(channel="slack:C1")) is None
    assert grant_for(sam, Scope(person="slack:OLGA", channel="slack:C1")) is None
