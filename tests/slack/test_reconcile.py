"""Slack has no idempotency key: lost answers and dead replicas are settled from history (R3)."""

from __future__ import annotations

from datetime import timedelta

from bot.app.posting import LEASE, DailyPosts
from bot.ops.metrics import METRICS
from tests.fake_slack import TEAM
from tests.fakes import shanghai
from tests.slack.conftest import CHANNEL, SlackWorld


def _quick(world: SlackWorld) -> None:
    world.bot.poster().sleep = lambda _seconds: None  # type: ignore[attr-defined]
    world.clock.set(shanghai(2026, 11, 23, 9, 31))


def _stored(world: SlackWorld, channel: str = CHANNEL):  # type: ignore[no-untyped-def]
    post = world.repo.posts.latest(platform="slack", workspace=TEAM, channel=channel)
    assert post is not None
    return post


def test_a_5xx_after_slack_kept_the_post_is_found_in_history_not_posted_again(world: SlackWorld):
    _quick(world)
    world.subscribe()
    world.fake.fail_every, world.fake.fail_after_accept = 1, True  # accepted, then 503

    world.runtime.posts.tick(world.bot.poster_for)

    assert len(world.fake.posts_in(CHANNEL)) == 1
    assert len(world.fake.of("chat.postMessage")) == 1
    assert world.fake.of("conversations.history")[0].params["include_all_metadata"] in (
        True,
        "true",
        "1",
    )
    post = _stored(world)
    assert post.status == "posted"
    assert post.message_id == world.fake.posts_in(CHANNEL)[0]["ts"]


def test_a_5xx_before_slack_kept_the_post_is_posted_again_once(world: SlackWorld):
    _quick(world)
    world.subscribe()
    world.fake.fail_every = 2  # the 2nd chat.postMessage fails before Slack keeps it
    world.subscribe("C222")

    world.runtime.posts.tick(world.bot.poster_for)

    assert len(world.fake.posts_in(CHANNEL)) == 1 and len(world.fake.posts_in("C222")) == 1
    assert len(world.fake.of("chat.postMessage")) == 3
    assert {_stored(world).status, _stored(world, "C222").status} == {"posted"}


def test_a_replica_that_died_after_claiming_is_replaced_once_its_lease_runs_out(
    world: SlackWorld,
):
    _quick(world)
    sub = world.subscribe()
    dead = DailyPosts(
        world.repo, world.runtime.rubric, world.runtime.posts.calendars, world.clock, replica="dead"
    )
    assert dead.claim(sub, world.clock.now().date()) is not None  # …and then it was killed

    world.runtime.posts.tick(world.bot.poster_for)
    assert world.fake.posts_in(CHANNEL) == []  # the lease still holds: nobody posts

    world.clock.advance(seconds=LEASE.total_seconds() + 1)
    world.runtime.posts.tick(world.bot.poster_for)
    world.runtime.posts.tick(world.bot.poster_for)

    assert len(world.fake.posts_in(CHANNEL)) == 1
    assert _stored(world).status == "posted"


def test_a_replica_that_died_after_slack_took_the_post_is_not_posted_twice(world: SlackWorld):
    _quick(world)
    sub = world.subscribe()
    post = world.runtime.posts.claim(sub, world.clock.now().date())
    assert post is not None
    criterion = world.runtime.rubric.criterion(post.criterion_key)
    assert criterion is not None
    world.bot.poster()(sub, post, criterion, True)  # Slack has it; the replica died before saving
    before = METRICS.posts.value(platform="slack", outcome="recovered")

    world.clock.advance(seconds=LEASE.total_seconds() + 1)
    world.runtime.posts.tick(world.bot.poster_for)

    assert len(world.fake.posts_in(CHANNEL)) == 1
    stored = _stored(world)
    assert stored.status == "posted"
    assert stored.message_id == world.fake.posts_in(CHANNEL)[0]["ts"]
    assert METRICS.posts.value(platform="slack", outcome="recovered") == before + 1


def test_an_expired_claim_found_after_the_cutoff_is_missed_not_posted_late(world: SlackWorld):
    _quick(world)
    sub = world.subscribe()
    assert world.runtime.posts.claim(sub, world.clock.now().date()) is not None

    world.clock.set(shanghai(2026, 11, 23, 15, 0))
    world.runtime.posts.tick(world.bot.poster_for)

    assert world.fake.posts_in(CHANNEL) == []
    assert _stored(world).status == "missed"


def test_two_replicas_reconciling_the_same_claim_post_it_once(world: SlackWorld):
    _quick(world)
    sub = world.subscribe()
    assert world.runtime.posts.claim(sub, world.clock.now().date()) is not None
    world.clock.advance(seconds=LEASE.total_seconds() + 1)
    other = DailyPosts(
        world.repo, world.runtime.rubric, world.runtime.posts.calendars, world.clock, replica="b"
    )

    import threading

    threads = [
        threading.Thread(target=p.tick, args=(world.bot.poster_for,))
        for p in (world.runtime.posts, other)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(world.fake.posts_in(CHANNEL)) == 1


def test_a_lease_is_only_taken_over_after_it_ran_out(world: SlackWorld):
    _quick(world)
    sub = world.subscribe()
    post = world.runtime.posts.claim(sub, world.clock.now().date())
    assert post is not None
    now = world.clock.now()

    assert not world.repo.posts.renew(
        post_id=post.id, claimed_by="b", now=now, lease_until=now + timedelta(minutes=5)
    )
    later = now + LEASE + timedelta(seconds=1)
    assert world.repo.posts.renew(
        post_id=post.id, claimed_by="b", now=later, lease_until=later + LEASE
    )
    assert not world.repo.posts.renew(
        post_id=post.id, claimed_by="c", now=later, lease_until=later + LEASE
    )
