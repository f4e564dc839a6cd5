"""NUL and other control characters in an address: a 400 from one middleware, before any
view or database sees them (PostgreSQL refuses NUL in text and answered 500 on
``/u/%00/``, ``/c/?q=%00``, ``?after=%00``, unauthenticated).

Every route of the URL configuration is tried, each path parameter filled with a
NUL-bearing value, and each route again with ``?q=%00&after=%00&page=%00``."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

HOSTILE_QUERY = "q=%00&after=%00&page=%00"
CONTROL_VALUES = ["%00", "a%00b", "%01", "%1b", "%7f", "%0a", "%0d", "%c2%85", "%09"]
_ROUTE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<\w+>(?:[^()]|\([^()]*\))*\)")


def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def fill(route: str, value: str, plain: str = "x") -> str:
    """The route as an address, each parameter given ``value`` (ints get ``1`` + value,
    so the converter's own refusal does not decide the answer)."""
    path = _ROUTE_PARAM.sub(lambda m: ("1" if m.group(1) == "int" else plain) + value, route)
    path = _REGEX_GROUP.sub(lambda m: plain + value, path)
    path = re.sub(r"\\(.)", r"\1", path).replace("^", "").replace("$", "").replace("\\Z", "")
    path = path.replace("?", "")
    return "/" + path


def every_address() -> list[str]:
    routes = sorted(set(walk(get_resolver().url_patterns)))
    assert len(routes) > 60  # the site's own, allauth's and the admin's
    addresses = []
    for route in routes:
        has_param = bool(_ROUTE_PARAM.search(route) or _REGEX_GROUP.search(route))
        if has_param:
            addresses += [fill(route, value) for value in CONTROL_VALUES[:3]]
        addresses.append(fill(route, "", plain="inner") + "?" + HOSTILE_QUERY)
    return addresses


@pytest.fixture
def clients(django_user_model):
    from tests.security.world import build_world

    world = build_world()
    member = Client()
    member.force_login(world.users["member"])
    return {"anonymous": Client(), "member": member}


def test_control_characters_in_any_path_or_query_answer_400_item_5(clients):
    addresses = every_address()
    wrong = []
    for who, client in clients.items():
        for address in addresses:
            for method in (client.get, client.post):
                response = method(address)
                if response.status_code != 400:
                    wrong.append((who, method.__name__, address, response.status_code))
    assert wrong == [], wrong[:20]


def test_every_control_payload_in_every_route_answers_400_item_5(client):
    """The corpus's control-character class through every route, as a path parameter (where
    the route has one) and as a query value."""
    from urllib.parse import quote

    from tests.security.payloads import CONTROL

    # Every fourth of the class (all C0, C1 and separator kinds are in the middleware's
    # one character class), to keep the walk to a few seconds.
    values = [quote(payload, safe="") for payload in [*CONTROL[::4], *CONTROL[-3:]]]
    routes = sorted(set(walk(get_resolver().url_patterns)))
    wrong = []
    for route in routes:
        has_param = bool(_ROUTE_PARAM.search(route) or _REGEX_GROUP.search(route))
        for value in values:
            addresses = [fill(route, "", plain="inner") + "?q=" + value]
            if has_param:
                addresses.append(fill(route, value))
            for address in addresses:
                status = client.get(address).status_code
                if status != 400:
                    wrong.append((address, status))
    assert wrong == [], wrong[:20]


def test_each_control_character_in_a_query_value_or_name_is_refused_item_5(client):
    for value in CONTROL_VALUES:
        assert client.get(f"/c/?q={value}").status_code == 400, value
        assert client.get(f"/search/?q=ok&{value}=1").status_code == 400, value
        assert client.get(f"/u/{value}/").status_code == 400, value


def test_ordinary_addresses_still_answer_item_5(client):
    assert client.get("/c/?q=caf%C3%A9+%E2%80%94+soup").status_code == 200
    assert client.get("/search/?q=%D8%B3%D9%84%D8%A7%D9%85").status_code == 200
    assert client.get("/healthz").status_code in {200, 503}
