"""The plain resolver: one string to a place of the index, with a confidence and a
reason. It parses the string (a name, then qualifiers: "Leeds, UK", "Portland OR"),
finds the places indexed under the name (or a variant, or a typo's closest spellings)
and picks among places that share it: the qualifiers, the community's country, size.
No geopy here: ``OfflineGeocoder`` (``dashboard.geo.adapter``) speaks geopy over it."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from dashboard.distance import haversine1_km
from dashboard.geo import batch
from dashboard.geo.index import PlaceIndex, get_place_index
from dashboard.geo.keys import (
    NON_PLACE_KEYS,
    PART_SEPARATORS,
    REASON_EMPTY,
    REASON_NO_LETTERS,
    REASON_NOT_FOUND,
    REASON_NOT_FOUND_SCRIPT,
    REASON_NOT_TEXT,
    REASON_POSTCODE,
    REASON_REGION,
    junk_reason,
    name_key,
)
from dashboard.geo.local import LOCAL_MIN_SHARE, MembersArea, settle_near_members
from dashboard.geo.regions import Region
from dashboard.geo.resolution import (
    ABROAD_MID,
    ABROAD_MID_POP,
    ABROAD_SMALL,
    ABROAD_SMALL_POP,
    REASON_ABROAD,
    REASON_ALT,
    REASON_EXACT,
    REASON_FAR,
    REASON_RULE_BIGGEST,
    REASON_RULE_COUNTRY,
    REASON_RULE_NEAR,
    REASON_SEVERAL,
    RESOLVED_MIN,
    Resolution,
    ResolvedBatch,
)

#: places closer than this are "the same place" when judging ambiguity
SAME_PLACE_KM = 30.0
#: a place named like a region ("Washington", "Quebec") counts as a city at this size
_REGION_CITY_MIN_POP = 50_000
_PREFIXES = ("greater ", "central ", "city of ", "downtown ", "inner ", "outer ", "near ", "nr ",
             "north ", "south ", "east ", "west ", "metro ", "old ", "new ", "the ", "central london ")
_SUFFIXES = (" city centre", " city center", " town centre", " centre", " center", " city", " area",
             " region", " metro", " metropolitan area", " district", " suburbs", " and surrounds",
             " and surrounding area", " town", " village", " borough")


#: two-letter country/region codes that are also English words: read as codes in capitals only
_WORDLIKE_CODES = frozenset({"am", "an", "as", "at", "be", "by", "do", "go", "he", "hi", "id", "if", "in", "is",
                             "it", "la", "me", "my", "no", "of", "oh", "ok", "on", "or", "so", "to", "up", "us",
                             "we"})
_WORDS = re.compile(r"[^\W_]+")
#: points for a place near the community's members: more than the country bias and any
#: size difference between namesakes can give, plus a little more the more members are near
_LOCAL_POINTS, _LOCAL_PER_SHARE = 8.0, 4.0


def _first(pair: tuple[float, int]) -> float:
    return pair[0]


class Resolver:
    """Resolves place strings against the GeoNames index: no network, typo-tolerant,
    country-biased. A ``PlaceLookup``."""

    def __init__(self, country_bias: str = "", index: PlaceIndex | None = None):
        """``country_bias``: ISO alpha-2 the community mostly lives in ("" for none)."""
        self.country_bias = (country_bias or "").upper()
        self._index = index
        #: where the community's members are (set by ``resolve_many`` given weights)
        self.area: MembersArea | None = None

    @property
    def index(self) -> PlaceIndex:
        """The place index (the shared one unless another was given)."""
        if self._index is None:
            self._index = get_place_index()
        return self._index

    def _bias(self, country_bias: str | None) -> str:
        return self.country_bias if country_bias is None else (country_bias or "").upper()

    def resolve(self, query: object, country_bias: str | None = None) -> Resolution:
        """Resolve one string to a place id with a confidence and a reason."""
        bias = self.country_bias if country_bias is None else (country_bias or "").upper()
        if query is None or (isinstance(query, float) and math.isnan(query)):
            return Resolution("", None, 0.0, REASON_EMPTY)
        if not isinstance(query, str):
            return Resolution(str(query), None, 0.0, REASON_NOT_TEXT if not isinstance(query, (int, float)) else REASON_NO_LETTERS)
        ix = self._index or self.index
        text = query.strip()
        # fast path: a whole name, in any case or accents ("zurich", "ZÜRICH")
        key = name_key(text)
        hit = ix.keys.get(key)
        if hit is not None and key not in NON_PLACE_KEYS and key not in ix.qualifiers:
            if isinstance(hit, int):  # the common case: one place has this name
                if ix.primary[hit] == key:
                    conf, reason = 1.0, REASON_EXACT
                else:
                    conf, reason = 0.97, REASON_ALT.format(ix.names[hit])
                if bias and ix.cc[hit] != bias:
                    conf *= self.abroad_factor(hit, bias, False)
                    if conf < RESOLVED_MIN:
                        reason = REASON_ABROAD.format(reason, bias)
                return Resolution(text, hit, conf, reason, (hit,))
            return self.pick(text, hit, key, bias)
        reason = junk_reason(text)
        if reason:
            return Resolution(text, None, 0.0, reason)
        parts = [name_key(p) for p in PART_SEPARATORS.split(text)]
        parts = [p for p in parts if p]
        if not parts:
            return Resolution(text, None, 0.0, REASON_NO_LETTERS)
        head, quals = parts[0], parts[1:]
        if not quals and head not in ix.keys:
            head, quals = self._split_trailing_qualifier(text, head)
        return self._resolve_parts(text, head, quals, bias)


    def resolve_many(self, texts: Iterable[object], country_bias: str | None = None,
                     weights: Sequence[int] | None = None) -> ResolvedBatch:
        """Every text resolved as ``resolve`` resolves it (``list(...)`` of the answer equals
        ``[self.resolve(t, country_bias) for t in texts]``), faster for whole names (see
        ``dashboard.geo.batch``).

        ``weights``: how many members typed each text. Given, names several places share
        are then picked again knowing where those members are (``dashboard.geo.local``)."""
        bias = self._bias(country_bias)
        items = texts if isinstance(texts, list) else list(texts)
        cls = type(self)
        if cls.resolve is not Resolver.resolve or cls.pick is not Resolver.pick \
                or cls.abroad_factor is not Resolver.abroad_factor or self.area is not None:
            resolved = ResolvedBatch.of([self.resolve(t, bias) for t in items])  # a subclass resolves its own way
        else:
            resolved = batch.resolve_many(self, items, bias)
        return resolved if weights is None else settle_near_members(self, resolved, weights, bias)

    def warm(self) -> None:
        """Do now what the first community load would do once per process: read the place
        index, build the whole-name table ``resolve_many`` starts from, and import the KD-tree
        code that places shared names near the members (``dashboard.distance``: scipy)."""
        batch.fast_tables(self.index)
        from dashboard import distance

        distance.load_kd_tree()

    def prepare(self, country_bias: str | None = None) -> None:
        """Build ``resolve_many``'s tables now (about 0.3 s once per process, a little more for
        a bias) instead of after enough use: for a server that wants even latency, or a benchmark."""
        batch.prepare(self, self._bias(country_bias))

    def _split_trailing_qualifier(self, text: str, head: str) -> tuple[str, list[str]]:
        """"Portland OR" / "Leeds England" -> ("portland", ["or"]) when the tail is a region."""
        tokens = head.split()
        raw_tokens = _WORDS.findall(text)  # "Leeds-UK", "leeds uk.": the words as typed
        for n in (3, 2, 1):
            if len(tokens) <= n:
                continue
            tail = " ".join(tokens[-n:])
            if tail not in self.index.qualifiers:
                continue
            # a two-letter code that is also a word counts only in capitals ("Portland OR",
            # not "sutton or"); the others in any case ("leeds uk", "LEEDS Uk")
            if tail in _WORDLIKE_CODES and not (raw_tokens and raw_tokens[-1].isupper()):
                continue
            return " ".join(tokens[:-n]), [tail]
        return head, []

    def _regions(self, qual: str) -> tuple[Region, ...]:
        """Countries/regions a qualifier can mean, allowing a small typo in longer ones."""
        q = self.index.qualifiers
        hit = q.get(qual)
        if hit is not None:
            return hit
        if len(qual) >= 5:
            best = process.extractOne(qual, q.keys(), scorer=fuzz.ratio, score_cutoff=88)
            if best is not None:
                return q[best[0]]
        return ()

    def _resolve_parts(self, text: str, head: str, quals: list[str], bias: str) -> Resolution:
        ix = self.index
        regions: list[tuple[Region, ...]] = []
        near: list[int] = []
        unknown: list[str] = []
        for qual in quals:
            r = self._regions(qual)
            if r:
                regions.append(r)
                continue
            place = ix.candidates(qual)
            if place:
                near.append(self.pick(qual, place, qual, bias).place_id)  # type: ignore[arg-type]
            else:
                unknown.append(qual)
        head_regions = ix.qualifiers.get(head)
        cands = ix.candidates(head)
        if head_regions and not quals:
            # "Luxembourg", "Quebec" or "Washington" are places too; "England" or "UK" are not
            inside = [c for c in cands if ix.pop[c] >= _REGION_CITY_MIN_POP
                      or any(ix.cc[c] == cc and a1 in ("", ix.admin1[c]) for cc, a1 in head_regions)]
            if not inside:
                for variant, dropped in self._variants(head):  # "Greater Manchester"
                    vc = ix.candidates(variant)
                    if vc and variant not in ix.qualifiers:
                        res = self.pick(text, vc, variant, bias)
                        return Resolution(text, res.place_id, res.confidence * 0.9,
                                          f"matched '{variant}' after dropping '{dropped.strip()}'",
                                          res.candidates, res.ambiguous)
                return Resolution(text, None, 0.0, REASON_REGION)
            cands = tuple(inside)
        note = ""
        key = head
        if not cands:
            for variant, dropped in self._variants(head):
                cands = ix.candidates(variant)
                if cands:
                    key, note = variant, f"matched '{variant}' after dropping '{dropped.strip()}'"
                    break
        if not cands:
            # "Flat 2, 10 High St, Leeds" or "HD1 2QA, Huddersfield": use a later part that is a place
            for qual in reversed(quals):
                qc = ix.candidates(qual)
                if qc and not self._regions(qual):
                    others = [q for q in quals if q != qual]
                    res = self._resolve_parts(text, qual, others, bias)
                    if res.place_id is not None:
                        return Resolution(text, res.place_id, min(res.confidence, 0.85),
                                          f"used '{qual}' from the text", res.candidates, res.ambiguous)
            if regions and not head:
                return Resolution(text, None, 0.0, REASON_REGION)
            if junk_reason(head) == REASON_POSTCODE:
                return Resolution(text, None, 0.0, REASON_POSTCODE)
            return self._fuzzy(text, head, regions, near, bias)
        res = self.pick(text, cands, key, bias, regions, near)
        if note and res.place_id is not None:
            res = Resolution(text, res.place_id, res.confidence * 0.9, note, res.candidates, res.ambiguous)
        if unknown and res.place_id is not None:
            res = Resolution(text, res.place_id, res.confidence * 0.95,
                             f"{res.reason}; ignored '{', '.join(unknown)}'", res.candidates, res.ambiguous)
        return res

    @staticmethod
    def _variants(head: str) -> Iterable[tuple[str, str]]:
        for p in _PREFIXES:
            if head.startswith(p) and len(head) > len(p) + 2:
                yield head[len(p):], p
        for s in _SUFFIXES:
            if head.endswith(s) and len(head) > len(s) + 2:
                yield head[: -len(s)], s

    def _score(self, i: int, key: str, bias: str, country_given: bool) -> float:
        """Log-population, a little for the primary name, more for the community's country."""
        ix = self.index
        primary = ix.primary[i] == key
        s = ix.lpop[i] + (0.5 if primary else 0.0)
        if bias and not country_given and ix.cc[i] == bias:
            s += 2.0 if primary else 1.0  # a historic alias abroad shouldn't beat a real name at home
        return s

    def pick(self, text: str, cands: tuple[int, ...], key: str, bias: str,
             regions: list[tuple[Region, ...]] | None = None, near: list[int] | None = None,
             sim: dict[int, float] | None = None) -> Resolution:
        """Choose among places sharing a name, using the qualifiers, the bias and size."""
        ix = self.index
        regions = regions or []
        cands, note = self._within_regions(cands, regions)
        country_given = bool(regions) and not note
        if len(cands) == 1 and not near and sim is None:
            return self._one_place(text, cands[0], key, bias, note, country_given)
        scored = self._scored(cands, key, bias, country_given, near, sim)
        best_s, best = scored[0]
        lat, lon = ix.lat, ix.lon
        rival = rival_s = None
        for sc, c in scored[1:]:
            if abs(lat[c] - lat[best]) > 0.28 or haversine1_km(lat[c], lon[c], lat[best], lon[best]) > SAME_PLACE_KM:
                rival, rival_s = c, sc
                break
        gap = math.inf if rival_s is None else best_s - rival_s
        conf = min(1.0, 0.55 + 0.3 * gap)
        ambiguous = gap < 1.0  # within a factor of ten in size: a real toss-up
        primary = ix.primary[best] == key
        if sim is None:
            if ambiguous and rival is not None and conf < RESOLVED_MIN:
                reason = REASON_SEVERAL.format(text)
            else:
                reason = REASON_EXACT if primary else REASON_ALT.format(ix.names[best])
                conf = conf if primary else conf * 0.97
                rule = self._deciding_rule(best, rival, bias, country_given)
                reason = f"{reason}; {rule}" if rule else reason
        else:
            reason = f"closest spelling: '{ix.names[best]}'"
        if note:
            conf, reason = min(conf, 0.6), f"{reason}; {note}"
        conf *= self.abroad_factor(best, bias, country_given)
        if self._far_from_members(best):
            conf, reason = conf * ABROAD_SMALL, f"{reason}; {REASON_FAR}"
        top = tuple(c for _s, c in scored[:5])
        return Resolution(text, best, conf, reason, top, ambiguous)

    def _local_points(self, i: int) -> float:
        """Points for place ``i`` being near the community's members (0 without an area)."""
        if self.area is None:
            return 0.0
        share = self.area.share_near(self.index.lat[i], self.index.lon[i])
        return _LOCAL_POINTS + _LOCAL_PER_SHARE * share if share >= LOCAL_MIN_SHARE else 0.0

    def _far_from_members(self, i: int) -> bool:
        """A small place with no members near it, in a community that lives in one area:
        more likely a place of that name GeoNames lacks ("Clapham" typed in London)."""
        area = self.area
        return (area is not None and area.concentrated and self.index.pop[i] < ABROAD_SMALL_POP
                and self._local_points(i) == 0.0)

    def _deciding_rule(self, best: int, rival: int | None, bias: str, country_given: bool) -> str:
        """Which rule put ``best`` ahead of the first namesake elsewhere: near the members,
        then the community's country, then size ("" when only the spelling did)."""
        if rival is None:
            return ""
        ix = self.index
        if self._local_points(best) > self._local_points(rival):
            return REASON_RULE_NEAR
        if bias and not country_given and ix.cc[best] == bias != ix.cc[rival]:
            return REASON_RULE_COUNTRY.format(ix.region_names.get((bias, ""), bias))
        return REASON_RULE_BIGGEST if ix.pop[best] > ix.pop[rival] else ""

    def _within_regions(self, cands: tuple[int, ...], regions: list[tuple[Region, ...]]) -> tuple[tuple[int, ...], str]:
        """The candidates in every region given (else in any), and a note when none is."""
        if not regions:
            return cands, ""
        ix = self.index

        def ok(c: int, rs: tuple[Region, ...]) -> bool:
            return any(ix.cc[c] == cc and a1 in ("", ix.admin1[c]) for cc, a1 in rs)

        matching = [c for c in cands if all(ok(c, rs) for rs in regions)]
        if not matching:
            matching = [c for c in cands if any(ok(c, rs) for rs in regions)]
        if matching:
            return tuple(matching), ""
        return cands, "the country or region given doesn't match any place of that name"

    def _one_place(self, text: str, i: int, key: str, bias: str, note: str, country_given: bool) -> Resolution:
        """The resolution when one place is left."""
        ix = self.index
        primary = ix.primary[i] == key
        conf = 1.0 if primary else 0.97
        reason = REASON_EXACT if primary else REASON_ALT.format(ix.names[i])
        if note:
            conf, reason = 0.6, f"{reason}; {note}"
        conf *= self.abroad_factor(i, bias, country_given)
        if conf < RESOLVED_MIN:
            reason = REASON_ABROAD.format(reason, bias) if not note else reason
        return Resolution(text, i, conf, reason, (i,))

    def _scored(self, cands: tuple[int, ...], key: str, bias: str, country_given: bool,
                near: list[int] | None, sim: dict[int, float] | None) -> list[tuple[float, int]]:
        """(score, place) for the candidates worth scoring, best first."""
        ix = self.index
        scored: list[tuple[float, int]] = []
        lpop, primary, ccs = ix.lpop, ix.primary, ix.cc
        if sim is None and not near:
            local = [0.0] * len(cands[:200]) if self.area is None else [self._local_points(c) for c in cands[:200]]
            most_local = max(local, default=0.0)
            # index order is population order: stop once nobody left can win or come close
            bias_on = bool(bias) and not country_given
            top_s = -math.inf
            for c, near_members in zip(cands[:200], local, strict=True):
                lp = lpop[c]
                if len(scored) >= 5 and lp + 2.5 + most_local < top_s - 1.5:
                    break
                is_primary = primary[c] == key
                sc = lp + 0.5 if is_primary else lp
                if bias_on and ccs[c] == bias:
                    sc += 2.0 if is_primary else 1.0  # a historic alias at home shouldn't beat a real name abroad
                sc += near_members
                top_s = max(top_s, sc)
                scored.append((sc, c))
        else:
            for c in cands[:200]:
                sc = self._score(c, key if sim is None else primary[c], bias, country_given)
                if sim is not None:
                    sc += (sim[c] - 1.0) * 30.0  # 0.033 similarity is worth one order of magnitude of size
                if near:
                    d = min(haversine1_km(ix.lat[c], ix.lon[c], ix.lat[n], ix.lon[n]) for n in near)
                    sc += 3.0 if d <= 60 else 0.0
                scored.append((sc + self._local_points(c), c))
        scored.sort(key=_first, reverse=True)
        return scored

    def abroad_factor(self, i: int, bias: str, country_given: bool) -> float:
        """A small place abroad, unasked for, is more likely a local place GeoNames lacks."""
        if not bias or country_given or self.index.cc[i] == bias:
            return 1.0
        p = self.index.pop[i]
        return ABROAD_SMALL if p < ABROAD_SMALL_POP else (ABROAD_MID if p < ABROAD_MID_POP else 1.0)

    def near_spellings(self, head: str, prefix: str, within: Mapping[str, Sequence[str]] | None = None) -> dict[str, float]:
        """Indexed names within a length of one of ``head`` (two for long names) in the
        buckets named by ``prefix``, with their OSA similarity (a swap counts as one edit).

        ``within``: bucket name -> the names in it that can score near ``head`` (in bucket
        order), to rank those alone; the answer is the same."""
        if within is None:
            known = batch.KNOWN_SPELLINGS.get()
            if known is not None:
                hit = known.get((head, prefix))
                if hit is not None:
                    return dict(hit)
            within = self.index.buckets
        n = len(head)
        band = 1 if n <= 8 else 2
        out: dict[str, float] = {}
        for length in range(n - band, n + band + 1):
            bucket = within.get(f"{prefix}{length}")
            if bucket:
                for key, _score, _ in process.extract(head, bucket, scorer=fuzz.ratio, score_cutoff=70, limit=8):
                    out[key] = OSA.normalized_similarity(head, key)
        return out

    def _fuzzy(self, text: str, head: str, regions: list[tuple[Region, ...]], near: list[int], bias: str) -> Resolution:
        """Typo search among names with the same first letter and a similar length."""
        ix = self.index
        if not head.isascii():
            return Resolution(text, None, 0.0, REASON_NOT_FOUND_SCRIPT)
        n = len(head)
        if n < 4:
            return Resolution(text, None, 0.0, REASON_NOT_FOUND)
        sims = self.near_spellings(head, f"{head[0]}{head[-1]}")
        if not sims or max(sims.values()) < 0.85:  # the last letter may be the typo
            sims.update(self.near_spellings(head, head[0]))
        if not sims:
            return Resolution(text, None, 0.0, REASON_NOT_FOUND)
        top = max(sims.values())
        sim: dict[int, float] = {}
        for k, s in sims.items():
            if s < top - 0.1:
                continue
            for c in ix.candidates(k)[:20]:
                if s > sim.get(c, -1.0):
                    sim[c] = s
        res = self.pick(text, tuple(sim), head, bias, regions, near, sim=sim)
        if res.place_id is None:
            return res
        s = sim[res.place_id]
        # as sure as the spelling is close, and never surer than the name itself would be
        conf = min(res.confidence, s**1.5)
        if s < 0.7:
            return Resolution(text, None, conf, f"{REASON_NOT_FOUND}; closest: '{ix.names[res.place_id]}'",
                              res.candidates, res.ambiguous)
        return Resolution(text, res.place_id, conf, res.reason, res.candidates, res.ambiguous)


# --- whole columns -----------------------------------------------------------------------
