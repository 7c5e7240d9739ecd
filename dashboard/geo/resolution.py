"""What resolving a place string gives (``Resolution``, ``ResolvedBatch``), the
thresholds and reasons shared by the resolver and its batch path, and ``PlaceLookup``:
the small interface the column code calls, whatever resolves behind it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

if TYPE_CHECKING:
    from dashboard.geo.index import PlaceIndex

#: confidence at or above which a place counts as resolved
RESOLVED_MIN = 0.8
#: confidence at or above which a guess is placed on the map, flagged for review
LOW_CONFIDENCE_MIN = 0.5
#: a place abroad, unasked for, below these sizes keeps 70% / 90% of its confidence
ABROAD_SMALL_POP = 15_000
ABROAD_MID_POP = 100_000
ABROAD_SMALL, ABROAD_MID = 0.7, 0.9
#: how a resolution explains a whole-name hit (shared by ``resolve`` and ``resolve_many``)
REASON_EXACT = "exact name"
REASON_ALT = "alternative name of {}"
REASON_SEVERAL = "several places are called '{}'; picked the likeliest"
REASON_ABROAD = "{}; a small place outside {}"
#: how a pick among places sharing a name says which rule decided it
REASON_RULE_NEAR = "of the places with this name, the one near the community's members"
REASON_RULE_COUNTRY = "of the places with this name, the one in {}"
REASON_RULE_BIGGEST = "of the places with this name, the biggest"
REASON_FAR = "a small place far from where the members live"
# the same as prefix and suffix: concatenating is three times faster than str.format
REASON_ALT_HEAD = REASON_ALT.split("{}")[0]
REASON_SEVERAL_HEAD, REASON_SEVERAL_TAIL = REASON_SEVERAL.split("{}")


class Resolution(NamedTuple):
    """How one string was resolved: the place (index id) or why not, and best guesses."""

    query: str
    place_id: int | None
    confidence: float
    reason: str
    candidates: tuple[int, ...] = ()
    ambiguous: bool = False

    @property
    def status(self) -> str:
        """resolved | low_confidence | unresolved."""
        if self.place_id is None or self.confidence < LOW_CONFIDENCE_MIN:
            return "unresolved"
        return "resolved" if self.confidence >= RESOLVED_MIN else "low_confidence"


class ResolvedBatch:
    """``Resolver.resolve_many``'s answer, column by column: the stripped queries,
    the place ids and each one's verdict. Whole-name hits mostly share their verdict
    objects (one for "the one place with this name", one per shared name), so most
    allocate nothing; ``batch[i]`` is the ``Resolution``, and iterating gives them all."""

    __slots__ = ("place_ids", "queries", "verdicts")

    def __init__(self, queries: list[str], place_ids: list[int | None], verdicts: list):
        """Parallel lists; a verdict is a ``_Verdict`` or a whole ``Resolution``."""
        self.queries, self.place_ids, self.verdicts = queries, place_ids, verdicts

    @classmethod
    def of(cls, resolutions: list[Resolution]) -> ResolvedBatch:
        """A batch holding ready-made resolutions."""
        return cls([r.query for r in resolutions], [r.place_id for r in resolutions], resolutions)

    def __len__(self) -> int:
        """Number of queries."""
        return len(self.queries)

    def __getitem__(self, i: int) -> Resolution:
        """The ``Resolution`` of query ``i``."""
        verdict = self.verdicts[i]
        if verdict.__class__ is Resolution:
            return verdict
        place = self.place_ids[i]
        conf, reason, cands, ambiguous = verdict
        if cands is None:  # a whole-name hit: the place is its one candidate
            cands = () if place is None else (place,)
        return Resolution(self.queries[i], place, conf, reason, cands, ambiguous)

    def __iter__(self):
        """The resolutions in query order."""
        return map(self.__getitem__, range(len(self.queries)))



@runtime_checkable
class PlaceLookup(Protocol):
    """What the column code needs from an offline resolver (``Resolver`` and the geopy
    adapter ``OfflineGeocoder`` both are one); any other geopy geocoder is used through
    ``geocode`` instead."""

    country_bias: str

    @property
    def index(self) -> PlaceIndex:
        """The place index the resolutions' place ids point into."""
        ...

    def resolve(self, query: object, country_bias: str | None = None) -> Resolution:
        """One string resolved."""
        ...

    def resolve_many(self, texts: Iterable[object], country_bias: str | None = None,
                     weights: Sequence[int] | None = None) -> ResolvedBatch:
        """Many strings resolved, each as ``resolve`` would; with ``weights`` (how many
        members typed each), names several places share settled by where members are."""
        ...
