"""Webhooks: the address rules (HTTPS, public addresses only, checked again at delivery),
Standard Webhooks signatures verified by the ``standardwebhooks`` package, retries with
backoff, de-duplication by id, visibility checked at delivery time, and a subscription
turned off after failures in a row (its member told). A fake transport stands in for the
network: nothing leaves the machine."""

from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from api import addresses, deliveries, tasks
from api.addresses import AddressRefused, check_url
from api.models import WebhookDelivery, WebhookSubscription
from community.actions import do_create_thread
from members import joining
from notifications.models import Notification
from tests.api.conftest import PUBLIC_HOOK, bearer

pytestmark = pytest.mark.django_db

NAMES = {
    "hooks.example.org": ["93.184.215.14"],
    "inside.example.org": ["10.1.2.3"],
    "mixed.example.org": ["93.184.215.14", "127.0.0.1"],
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    """Names resolve from ``NAMES`` (tests change it); IP literals resolve to themselves."""
    names = dict(NAMES)

    def resolve(host, port):
        if host in names:
            return names[host]
        if host[0].isdigit() or ":" in host:
            return [host]
        raise OSError("not found")

    monkeypatch.setattr(addresses, "resolve", resolve)
    return names


class Receiver:
    """The fake transport: records each request and answers the next status in line."""

    def __init__(self):
        self.requests = []
        self.statuses = []

    def __call__(self, target, headers, body):
        self.requests.append((target, headers, body))
        return self.statuses.pop(0) if self.statuses else 204


@pytest.fixture
def receiver(monkeypatch):
    fake = Receiver()
    monkeypatch.setattr(deliveries, "post", fake)
    return fake


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://hooks.example.org/in", "url_not_https"),
        ("ftp://hooks.example.org/in", "url_not_https"),
        ("https://inside.example.org/in", "url_private"),
        ("https://mixed.example.org/in", "url_private"),
        ("https://127.0.0.1/in", "url_private"),
        ("https://169.254.169.254/latest/meta-data", "url_private"),
        ("https://192.168.1.1/in", "url_private"),
        ("https://100.64.0.1/in", "url_private"),
        ("https://224.0.0.1/in", "url_private"),
        ("https://0.0.0.0/in", "url_private"),
        ("https://[::1]/in", "url_private"),
        ("https://[fe80::1]/in", "url_private"),
        ("https://[::ffff:10.0.0.1]/in", "url_private"),
        ("https://user:pw@hooks.example.org/in", "url_credentials"),
        ("https://nowhere.example.org/in", "url_unresolved"),
        ("https://hooks.example.org:99999/in", "url_invalid"),
        ("https://hooks.example.org/in\x00", "url_invalid"),
        ("https://hooks.example.org/in\x1b[0m", "url_invalid"),
    ],
)
def test_check_url_refuses_what_is_not_public_https(url, code):
    with pytest.raises(AddressRefused) as refused:
        check_url(url)
    assert refused.value.code == code


def test_check_url_allows_a_private_address_only_with_the_setting(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    assert check_url("https://inside.example.org/in?x=1").address == "10.1.2.3"
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    target = check_url("https://hooks.example.org/in?x=1")
    assert (target.host, target.port, target.path, target.address) == (
        "hooks.example.org", 443, "/in?x=1", "93.184.215.14"
    )  # fmt: skip


def test_add_webhook_for_a_community_address_with_a_nul_is_a_clean_refusal(api, world):
    """The community comes in the body, not the URL: a NUL in it is a 404, never a query
    PostgreSQL refuses (a 500)."""
    before = WebhookSubscription.objects.count()
    response = api.post(
        "/me/webhooks",
        {
            "url": "https://hooks.example.org/in",
            "events": ["thread.created"],
            "community": "d\x00n",
        },
        token=bearer(world.member),
    )
    assert response.status_code in (404, 422)
    assert WebhookSubscription.objects.count() == before


def test_add_webhook_refuses_a_private_or_plain_http_address_and_makes_nothing(api, world):
    token = bearer(world.member)
    for url, code in [
        ("https://inside.example.org/in", "url_private"),
        ("http://hooks.example.org/in", "url_not_https"),
    ]:
        response = api.post(
            "/me/webhooks", {"url": url, "events": ["thread.created"], "community": "den"},
            token=token,
        )  # fmt: skip
        assert response.status_code == 422
        assert response.json()["code"] == code
        assert response.json()["fields"]["url"]
    assert WebhookSubscription.objects.filter(user=world.member).count() == 1  # the world's


def test_add_webhook_needs_a_community_for_community_events(api, world):
    response = api.post(
        "/me/webhooks", {"url": PUBLIC_HOOK, "events": ["proposal.closed"]},
        token=bearer(world.member),
    )  # fmt: skip
    assert response.status_code == 422
    assert "community" in response.json()["fields"]


def test_add_webhook_shows_its_secret_once(api, world):
    token = bearer(world.member)
    made = api.post(
        "/me/webhooks", {"url": "https://hooks.example.org/in", "events": ["notification.created"]},
        token=token,
    )  # fmt: skip
    assert made.status_code == 201
    assert made.json()["secret"].startswith("whsec_")
    assert made.json()["community"] is None
    listed = api.get("/me/webhooks", token=token).json()
    assert {hook["url"] for hook in listed} == {PUBLIC_HOOK, "https://hooks.example.org/in"}
    assert all(hook["secret"] is None for hook in listed)


def new_thread(world, title="Compost"):
    return do_create_thread(author=world.other, community=world.den, title=title, body="Heaps.")


def test_delivery_is_signed_and_verifies_with_standardwebhooks(world, receiver):
    thread = new_thread(world)
    assert tasks.sweep_webhooks() == 1
    (target, headers, body) = receiver.requests[0]
    assert target.address == "93.184.215.14" and target.path == "/hooks"
    payload = Webhook(world.hook.secret).verify(body, headers)
    assert payload["type"] == "thread.created"
    assert payload["data"]["id"] == thread.pk and payload["data"]["title"] == "Compost"
    assert headers["webhook-id"] == f"msg_thread_created_{thread.pk}"
    with pytest.raises(Exception, match="signature"):
        Webhook(world.hook.secret).verify(body.replace(b"Compost", b"Compot"), headers)
    delivery = WebhookDelivery.objects.get(subscription=world.hook)
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("delivered", 1, 204)


def test_sweeping_again_sends_an_event_once(world, receiver):
    new_thread(world)
    tasks.sweep_webhooks()
    tasks.sweep_webhooks()
    assert deliveries.do_collect_events(now=timezone.now() + timedelta(seconds=1)) == 1
    assert WebhookDelivery.objects.filter(subscription=world.hook).count() == 1
    assert len(receiver.requests) == 1


def test_failed_delivery_is_retried_after_backoff_with_the_same_id(world, receiver):
    new_thread(world)
    receiver.statuses = [500]
    deliveries.do_collect_events()
    delivery = WebhookDelivery.objects.get(subscription=world.hook)
    now = timezone.now()
    assert deliveries.do_attempt(delivery_id=delivery.pk, now=now) == "pending"
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.response_status == 500
    assert delivery.next_attempt_at == now + timedelta(seconds=deliveries.BACKOFF_SECONDS)
    assert "500" in delivery.error
    assert deliveries.do_attempt(delivery_id=delivery.pk, now=now) == "not due"
    later = now + timedelta(seconds=deliveries.BACKOFF_SECONDS)
    assert deliveries.do_attempt(delivery_id=delivery.pk, now=later) == "delivered"
    ids = [headers["webhook-id"] for _target, headers, _body in receiver.requests]
    assert len(ids) == 2 and ids[0] == ids[1]
    world.hook.refresh_from_db()
    assert world.hook.failures == 0


def test_member_who_left_gets_no_more_events_of_a_members_only_community(world, receiver):
    new_thread(world)
    deliveries.do_collect_events()
    joining.check_leave(actor=world.member, community=world.den)
    tasks.sweep_webhooks()
    assert receiver.requests == []
    assert WebhookDelivery.objects.get(subscription=world.hook).state == "skipped"
    new_thread(world, "After leaving")
    deliveries.do_collect_events(now=timezone.now() + timedelta(seconds=1))
    assert WebhookDelivery.objects.filter(subscription=world.hook).count() == 1


def test_address_that_turns_private_is_not_reached(world, receiver, fake_dns):
    hook = WebhookSubscription.objects.create(
        user=world.member, url="https://hooks.example.org/in", events=["thread.created"],
        community=world.den, secret=world.hook.secret,
    )  # fmt: skip
    new_thread(world)
    deliveries.do_collect_events()
    fake_dns["hooks.example.org"] = ["127.0.0.1"]  # DNS rebinding after the check
    delivery = WebhookDelivery.objects.get(subscription=hook)
    assert deliveries.do_attempt(delivery_id=delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert "private" in delivery.error
    assert receiver.requests == []


def test_failures_in_a_row_turn_the_webhook_off_and_tell_the_member(world, receiver):
    WebhookSubscription.objects.filter(pk=world.hook.pk).update(
        failures=deliveries.DISABLE_AFTER - 1
    )
    new_thread(world, "One")
    new_thread(world, "Two")
    receiver.statuses = [503, 503]
    tasks.sweep_webhooks()
    world.hook.refresh_from_db()
    assert world.hook.is_disabled and "in a row" in world.hook.disabled_reason
    told = Notification.objects.filter(recipient=world.member, text__contains="turned off")
    assert told.count() == 1
    assert len(receiver.requests) == 1  # the second delivery was not sent
    states = set(WebhookDelivery.objects.filter(subscription=world.hook).values_list("state"))
    assert states == {("pending",), ("skipped",)} or states == {("skipped",)}


def test_own_notifications_are_sent_from_the_time_of_subscribing(world, receiver):
    hook = WebhookSubscription.objects.create(
        user=world.other, url=PUBLIC_HOOK, events=["notification.created"],
        secret=world.hook.secret,
    )  # fmt: skip
    from community.actions import do_reply

    do_reply(author=world.member, thread=world.thread, parent_id=world.others_post.pk, body="Yes")
    tasks.sweep_webhooks()
    sent = WebhookDelivery.objects.filter(subscription=hook)
    # only the reply: the notifications from before the webhook existed are not sent
    assert [d.event for d in sent] == ["notification.created"]
    assert "mia replied to you" in sent[0].payload["data"]["text"]
    assert Notification.objects.filter(recipient=world.other).count() == 3


def test_webhook_detail_shows_the_delivery_log(api, world, receiver):
    new_thread(world)
    tasks.sweep_webhooks()
    detail = api.get(f"/me/webhooks/{world.hook.pk}", token=bearer(world.member)).json()
    assert [d["state"] for d in detail["deliveries"]] == ["delivered"]
    assert detail["deliveries"][0]["response_status"] == 204


@pytest.mark.parametrize(
    "url", ["https://hooks.example.org/a b", "https://hooks.example.org/\r\nX: y", "https://-x-/"]
)
def test_check_url_refuses_what_could_not_be_sent(url):
    with pytest.raises(AddressRefused) as refused:
        check_url(url)
    assert refused.value.code == "url_invalid"


def test_settings_page_turns_a_disabled_webhook_back_on_and_deletes_it(client, world):
    deliveries.do_disable(subscription=world.hook, now=timezone.now())
    client.force_login(world.member)
    page = client.get(f"/settings/webhooks/{world.hook.pk}/").content.decode()
    assert "Turned off" in page and "Turn it back on" in page
    client.post(f"/settings/webhooks/{world.hook.pk}/enable/")
    world.hook.refresh_from_db()
    assert not world.hook.is_disabled and world.hook.failures == 0
    assert (
        "Turn it back on" not in client.get(f"/settings/webhooks/{world.hook.pk}/").content.decode()
    )
    response = client.post(f"/settings/webhooks/{world.hook.pk}/delete/", follow=True)
    assert "is deleted" in response.content.decode()
    assert not WebhookSubscription.objects.filter(pk=world.hook.pk).exists()


def test_settings_page_refuses_a_plain_http_address_keeping_what_was_typed(client, world):
    client.force_login(world.member)
    response = client.post(
        "/settings/webhooks/",
        {"url": "http://hooks.example.org/in", "events": ["thread.created"], "community": "den"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Use an https:// address" in page
    assert 'value="http://hooks.example.org/in"' in page
    assert WebhookSubscription.objects.filter(user=world.member).count() == 1
