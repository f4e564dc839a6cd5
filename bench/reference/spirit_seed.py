"""Seed the reference forum (Spirit) with data of the shape of Commons' ``bench_seed``,
through Spirit's own models, then print one JSON line: the measured URLs and a session
cookie of member ``bench-3`` made through Django's session store.

Run by bench/reference_forum.py with the reference venv's Python, on a freshly migrated
database: 1,000 members (each with Spirit's profile), 20 categories (Commons' 20
communities), 200 topics of 20 comments (the opening post counts, as in Commons' 20-post
threads), half of them in the first category and the rest spread over the others as
Commons spreads its threads, and one topic of 500 comments in the first category.
Comment HTML is rendered once per distinct body with Spirit's own Markdown renderer, as
Spirit does when a comment is posted.
"""

import json
import random
import sys
from datetime import timedelta

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.text import slugify  # noqa: E402
from spirit.category.models import Category  # noqa: E402
from spirit.comment.models import Comment  # noqa: E402
from spirit.core.utils.markdown import Markdown  # noqa: E402
from spirit.topic.models import Topic  # noqa: E402
from spirit.user.models import UserProfile  # noqa: E402

from bench.vocabulary import WORDS, markdown_bodies  # noqa: E402

SEED = 20260801
MEMBERS, CATEGORIES, TOPICS, PER_TOPIC, BIG = 1000, 20, 200, 20, 500
LOGIN = "bench-3"


def bodies(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Commons' benchmark bodies, rendered by Spirit's own Markdown."""
    return [(text, Markdown().render(text)) for text in markdown_bodies(rng, count)]


def seed() -> dict:
    rng = random.Random(SEED)
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    User = get_user_model()
    password = make_password("bench-password")
    User.objects.bulk_create(
        [
            User(username=f"bench-{i}", email=f"bench-{i}@example.org", password=password,
                 date_joined=now - timedelta(days=200))
            for i in range(1, MEMBERS + 1)
        ],
        batch_size=500,
    )  # fmt: skip
    users = list(User.objects.filter(username__startswith="bench-").order_by("id"))
    UserProfile.objects.bulk_create(
        [UserProfile(user=u, nickname=u.username, slug=u.username, is_verified=True,
                     last_seen=now - timedelta(days=1)) for u in users],
        batch_size=500,
    )  # fmt: skip
    categories = []
    for i in range(CATEGORIES):
        title = f"Bench Gardeners {i}"
        categories.append(Category.objects.create(
            title=title, slug=slugify(title), description="Growing food together, measured.",
            sort=i + 1,
        ))  # fmt: skip
    texts = bodies(rng, 200)
    topics, sizes = [], []
    for t in range(TOPICS + 1):
        big = t == TOPICS
        title = "The big thread" if big else f"Thread {t}: " + " ".join(rng.sample(WORDS, 4))
        size = BIG if big else PER_TOPIC
        topics.append(Topic(
            user=users[rng.randrange(len(users))],
            category=categories[0 if big or t % 2 == 0 else t % CATEGORIES],
            title=title, slug=slugify(title)[:50], date=now - timedelta(days=30, hours=t),
            last_active=now - timedelta(hours=t), comment_count=size,
        ))  # fmt: skip
        sizes.append(size)
    Topic.objects.bulk_create(topics)
    topics = list(Topic.objects.order_by("id"))
    comments = []
    for topic, size in zip(topics, sizes, strict=True):
        for n in range(size):
            text, html = texts[rng.randrange(len(texts))]
            comments.append(Comment(
                user=topic.user if n == 0 else users[rng.randrange(len(users))], topic=topic,
                comment=text, comment_html=html,
                date=topic.date + timedelta(minutes=10 * n),
            ))  # fmt: skip
    Comment.objects.bulk_create(comments, batch_size=500)
    return {"topic20": topics[0], "categories": categories}


def main() -> None:
    with transaction.atomic():
        made = seed()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    member = Client()
    member.force_login(get_user_model().objects.get(username=LOGIN))
    topic = made["topic20"]
    print(json.dumps({
        "kind": "session",
        "cookie": member.cookies[settings.SESSION_COOKIE_NAME].value,
        "urls": {
            "topic20": topic.get_absolute_url(),
            "index": "/",
            "category": made["categories"][0].get_absolute_url(),
        },
        "comments_on_topic20": Comment.objects.filter(topic=topic).count(),
    }))  # fmt: skip
    sys.stdout.flush()


if __name__ == "__main__":
    main()
