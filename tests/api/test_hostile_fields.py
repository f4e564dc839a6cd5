"""The hostile corpus through the API's fields: every payload as a reply body, and a share
of them through every other text field a write takes. Nothing crashes (a 201 or a 4xx JSON
refusal, never a 500), rendered HTML carries nothing live, and answers are JSON that a
browser will not sniff into a page."""

import pytest
from django.core.cache import cache

from tests.api.conftest import amending, bearer
from tests.security.payloads import load_payloads
from tests.security.test_xss_threads import live_content

pytestmark = pytest.mark.django_db
EVERY_NTH = 8  # the other fields take every 8th payload: the same code paths, a lighter run


def sent(api, method, path, body, token):
    cache.clear()  # the rate limits are not under test here
    response = api.call(method, path, body, token=token)
    assert response.status_code < 500, (path, body, response.content[:200])
    assert response["Content-Type"].startswith("application/json"), (path, response.status_code)
    assert response["X-Content-Type-Options"] == "nosniff"
    return response


def test_every_payload_as_a_reply_comes_back_inert(api, world):
    token = bearer(world.member)
    path = f"/communities/den/threads/{world.thread.pk}/posts"
    made = 0
    for payload in load_payloads():
        response = sent(api, "POST", path, {"parent_id": world.root.pk, "body": payload}, token)
        if response.status_code == 201:
            made += 1
            assert live_content(response.json()["body_html"]) == [], payload
    assert made > 1000
    thread = api.get(f"/communities/den/threads/{world.thread.pk}", token=token).json()
    htmls = [reply["body_html"] or "" for reply in thread["posts"][0]["replies"]]
    assert all(live_content(html) == [] for html in htmls)


def test_a_share_of_the_corpus_through_every_other_field(api, world):
    member, other = bearer(world.member), bearer(world.other)
    den = "/communities/den"
    amend = amending(world)
    amendments = f"{den}/proposals/{amend.others.pk}/amendments"
    decline = f"{den}/proposals/{amend.mine.pk}/amendments/{amend.waiting.pk}/decline"
    moderator = bearer(world.moderator)
    for n, payload in enumerate(load_payloads()[::EVERY_NTH]):
        sent(api, "POST", f"{den}/threads", {"title": payload, "body": payload}, member)
        sent(
            api,
            "PATCH",
            f"{den}/posts/{world.root.pk}",
            {"body": payload, "title": payload},
            member,
        )
        sent(
            api,
            "POST",
            f"{den}/posts/{world.root.pk}/flags",
            {"reason": "other", "note": payload},
            other,
        )
        proposal = {
            "kind": "purpose",
            "title": payload,
            "rationale": payload,
            "purpose": payload,
            "goals": [payload],
        }
        sent(api, "POST", f"{den}/proposals", proposal, member)
        sent(
            api,
            "PUT",
            f"{den}/proposals/{world.in_vote.pk}/vote",
            {"choice": "for", "reason": payload},
            member,
        )
        if n % 2:  # the amendments' fields: half as many again, to keep the run short
            amendment = {"purpose": payload, "goals": [payload], "reason": payload}
            sent(api, "POST", amendments, amendment, moderator)
        else:
            sent(api, "POST", decline, {"reason": payload}, member)
        sent(api, "POST", f"{den}/join", {"charter_version": 1}, bearer(world.outsider))
        sent(api, "GET", f"{den}/threads?cursor={payload[:200]}", None, member)
        sent(api, "GET", f"/users/{payload[:100]}", None, None)
        hook = {"url": payload, "events": [payload[:50]], "community": payload[:100]}
        sent(api, "POST", "/me/webhooks", hook, member)
        hook = {"url": f"https://93.184.215.14/{payload}", "events": ["notification.created"]}
        sent(api, "POST", "/me/webhooks", hook, member)
    root = api.get(f"{den}/threads/{world.thread.pk}", token=member).json()["posts"][0]
    assert live_content(root["body_html"] or "") == []
    # the addresses that were accepted show inert on the webhook settings page
    api.client.force_login(world.member)
    page = api.client.get("/settings/webhooks/").content.decode()
    assert page.count('class="token-list"') == 1
    assert live_content(page) == []
