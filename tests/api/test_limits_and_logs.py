"""Request limits per token and per member (429, Retry-After and the draft-07 RateLimit
fields), and the reads of the moderation log and health figures."""

from datetime import timedelta

import pytest
from django.utils import timezone

from engagement.snapshots import take_snapshots
from moderation.log import do_log
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


def test_every_answer_says_where_the_caller_stands(api, world):
    response = api.get("/me/memberships", token=bearer(world.member))
    assert response.status_code == 200
    assert response["RateLimit-Limit"] == "120"
    assert response["RateLimit-Remaining"] == "119"
    assert 1 <= int(response["RateLimit-Reset"]) <= 60
    assert response["RateLimit-Policy"] == "120;w=60"


def test_a_token_over_its_limit_gets_429_with_retry_after(api, world, settings):
    settings.API_RATE_TOKEN_PER_MINUTE = 2
    token = bearer(world.member)
    assert [api.get("/me/memberships", token=token).status_code for _ in range(2)] == [200, 200]
    refused = api.get("/me/memberships", token=token)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused["Retry-After"] == refused["RateLimit-Reset"]
    assert refused["RateLimit-Remaining"] == "0"
    # another token of the same member still works: the limit was this token's
    assert api.get("/me/memberships", token=bearer(world.member)).status_code == 200


def test_a_member_over_their_limit_is_refused_whichever_token(api, world, settings):
    settings.API_RATE_MEMBER_PER_MINUTE = 3
    tokens = [bearer(world.member) for _ in range(4)]
    statuses = [api.get("/me/memberships", token=t).status_code for t in tokens]
    assert statuses == [200, 200, 200, 429]
    assert api.get("/me/memberships", token=bearer(world.other)).status_code == 200


def test_anonymous_reads_are_limited_per_address(api, world, settings):
    settings.API_RATE_ANONYMOUS_PER_MINUTE = 1
    assert api.get("/communities").status_code == 200
    refused = api.get("/communities")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1


def test_moderation_log_reads_as_the_page_shows_it(api, world):
    do_log(
        community=world.den, kind="suspend", actor=world.moderator, member=world.suspended,
        reason="Shouting", until=timezone.now() + timedelta(days=7),
    )  # fmt: skip
    do_log(community=world.den, kind="hide", post=world.others_post, member=world.other)
    log = api.get("/communities/den/moderation", token=bearer(world.member)).json()
    assert [e["kind"] for e in log["entries"]] == ["hide", "suspend"]
    hide, suspend = log["entries"]
    assert hide["thread_title"] == "Garden plans" and hide["post_id"] == world.others_post.pk
    assert suspend["actor"]["username"] == "mod" and suspend["reason"] == "Shouting"
    assert suspend["label"] == "suspended"
    assert (log["page"], log["pages"]) == (1, 1)


def test_health_reads_the_figures_of_the_health_page(api, world):
    empty = api.get("/communities/den/health", token=bearer(world.member)).json()
    assert empty == {
        "stage": None, "explanation": None, "next_steps": [], "latest": None, "history": []
    }  # fmt: skip
    take_snapshots(day=timezone.localdate() - timedelta(days=1))
    health = api.get("/communities/den/health", token=bearer(world.member)).json()
    assert health["stage"] in ("gathering", "network", "community")
    assert health["explanation"]
    assert health["latest"]["figures"]["members"] == 4
    assert len(health["history"]) == 1
