"""The words and post bodies of the benchmark data, shared by Commons' ``bench_seed``, the
load test and the reference forum's seed (which runs in another venv, so this module
imports nothing but the standard library)."""

import random

_WORD_TEXT = (
    "garden water soil seed compost share tool bench season harvest neighbour plan meet rota "
    "shed path fence rain sun bed weed mulch tomato bean squash kale onion leek"
)
WORDS = _WORD_TEXT.split()


def markdown_bodies(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct Markdown bodies: a paragraph or two, some emphasis, a list, a
    link. The caller renders each once; posts reuse them."""
    bodies = []
    for i in range(count):
        sentences = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16))).capitalize() + "."
            for _ in range(rng.randint(2, 6))
        ]
        text = " ".join(sentences)
        if i % 3 == 0:
            text += "\n\n*Tip:* keep the **" + rng.choice(WORDS) + "** covered."
        if i % 5 == 0:
            text += "\n\n- " + "\n- ".join(rng.sample(WORDS, 3))
        if i % 7 == 0:
            text += "\n\nSee [the guide](https://example.org/guide) for more."
        bodies.append(text)
    return bodies
