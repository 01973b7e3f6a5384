"""The simulated collection: titles with a long-tail popularity and copies spread over the
libraries in proportion to their size.

Popularity is Zipf-Mandelbrot over the titles' ranks (``Behaviour.zipf_exponent`` and
``zipf_head_share``). A title has one copy, plus extra copies in proportion to
popularity^``copies_exponent``, at most ``max_copies_per_outlet`` per outlet; the titles are
as many as give ``mean_copies`` per title. Each copy belongs to a library drawn by size.
Collections and formats follow the national collection's make-up (tilastot.kirjastot.fi,
2018): books for adults and children, and recordings, videos and scores.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass

from kulkuri.simulator.core.config import Behaviour
from kulkuri.simulator.core.network import SimNetwork

# (collection, format, items in Finland's public libraries in 2018, millions). Children's
# books are split 9:1 into "children" and "young-adult" (an assumption: the statistics
# have no young-adult class); recordings, videos and scores form a "media" collection.
COLLECTION_MIX: tuple[tuple[str, str, float], ...] = (
    ("adult-fiction", "book", 8.97),
    ("adult-nonfiction", "book", 10.94),
    ("children", "book", (8.27 + 1.32) * 0.9),
    ("young-adult", "book", (8.27 + 1.32) * 0.1),
    ("media", "music", 2.13),
    ("media", "audiobook", 0.59),
    ("media", "dvd", 1.07),
    ("media", "score", 0.81),
)


@dataclass(frozen=True)
class Title:
    bib_id: str
    rank: int  # 1 = the most popular
    collection: str
    format: str


@dataclass(frozen=True)
class Copy:
    item_id: str
    bib_id: str
    owner: str


class Catalogue:
    def __init__(self, titles: list[Title], popularity: list[float], copies: list[Copy]) -> None:
        self.titles = titles
        self.by_bib = {title.bib_id: title for title in titles}
        self.copies = copies
        self.copies_of: dict[str, list[Copy]] = {}
        for copy in copies:
            self.copies_of.setdefault(copy.bib_id, []).append(copy)
        self.popularity = {title.bib_id: p for title, p in zip(titles, popularity, strict=True)}
        self._cum = list(itertools.accumulate(popularity))

    def pick_title(self, rng: random.Random) -> Title:
        """A title drawn by popularity: what a patron wants."""
        return self.titles[bisect.bisect_right(self._cum, rng.random() * self._cum[-1])]


def popularity(titles: int, behaviour: Behaviour) -> list[float]:
    """Zipf-Mandelbrot weights of ranks 1..titles, summing to 1."""
    head = behaviour.zipf_head_share * titles
    weights = [(rank + head) ** -behaviour.zipf_exponent for rank in range(1, titles + 1)]
    total = sum(weights)
    return [w / total for w in weights]


def copies_per_title(
    weights: list[float], items: int, behaviour: Behaviour, outlets: int
) -> list[int]:
    """One each, and the rest in proportion to weight^copies_exponent (largest remainders),
    at most ``max_copies_per_outlet`` per outlet."""
    cap = max(1, round(behaviour.max_copies_per_outlet * outlets))
    counts = [1] * len(weights)
    shares = [w**behaviour.copies_exponent for w in weights]
    total = sum(shares)
    ideal = [max(0, items - len(weights)) * share / total for share in shares]
    for i, wanted in enumerate(ideal):
        counts[i] += min(int(wanted), cap - 1)
    left = items - sum(counts)
    for i in sorted(range(len(counts)), key=lambda i: (-(ideal[i] % 1), i)):
        if left <= 0:
            break
        if counts[i] < cap:
            counts[i] += 1
            left -= 1
    # Copies the cap turned away go to the most popular titles with room left.
    for i in range(len(counts)):
        if left <= 0:
            break
        add = min(cap - counts[i], left)
        counts[i] += add
        left -= add
    return counts


def build_catalogue(
    rng: random.Random, network: SimNetwork, items: int, behaviour: Behaviour, run: str
) -> Catalogue:
    if items < 1:
        raise ValueError("the collection needs at least one item")
    count = max(1, round(items / behaviour.mean_copies))
    weights = popularity(count, behaviour)
    mix_cum = list(itertools.accumulate(share for _, _, share in COLLECTION_MIX))
    titles = []
    for rank in range(1, count + 1):
        collection, fmt, _ = COLLECTION_MIX[
            bisect.bisect_right(mix_cum, rng.random() * mix_cum[-1])
        ]
        titles.append(Title(f"sim-{run}-b{rank:07d}", rank, collection, fmt))
    copies = []
    numbers = itertools.count(1)
    for title, n in zip(
        titles, copies_per_title(weights, items, behaviour, len(network.libraries)), strict=True
    ):
        for _ in range(n):
            owner = network.pick_by_size(rng)
            copies.append(Copy(f"sim-{run}-i{next(numbers):08d}", title.bib_id, owner))
    return Catalogue(titles, weights, copies)
