"""The resolver's batch path: ``Resolver.resolve_many`` gives exactly what ``resolve``
gives for each string, faster for whole names.

A stripped string spelled exactly as GeoNames spells a place's name ("London", "Zürich",
"St. Albans") is looked up in a plain dict of those spellings (built once per index,
about 0.1 s); any other ASCII string under its lower case in the folded-name index
("munich", "KOLN": for ASCII text ``name_key`` depends on the lower case only, and every
index key is its own key). What ``resolve`` then does depends only on the name and the
country bias: a name one place has gets its confidence computed as ``resolve`` computes
it; a name several places share goes to ``Resolver.pick`` as in ``resolve``, until this
index has picked among shared names about as many times as there are; then (or at
``prepare``) the pick on every shared name is worked out once, and once per bias for the
shared names with a place in that country (for the others the bias only scales the
confidence of a small winner abroad, as ``pick`` does). Everything else (accents spelled
otherwise than GeoNames does, punctuation, qualifiers, typos, junk, non-strings) goes
through ``resolve``. Nothing is remembered from one query to the next. The tables live
on the ``PlaceIndex`` (derived at run time, never written to disk).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from contextvars import ContextVar
from itertools import compress, count, repeat
from operator import not_
from typing import TYPE_CHECKING, Any

import numpy as np
from rapidfuzz import fuzz, process

from dashboard.geo.index import Pick, PlaceIndex, Verdict
from dashboard.geo.keys import NON_PLACE_KEYS, PART_SEPARATORS, name_key
from dashboard.geo.resolution import (
    ABROAD_MID,
    ABROAD_MID_POP,
    ABROAD_SMALL,
    ABROAD_SMALL_POP,
    REASON_ABROAD,
    REASON_ALT,
    REASON_ALT_HEAD,
    REASON_EXACT,
    REASON_RULE_BIGGEST,
    REASON_RULE_COUNTRY,
    REASON_SEVERAL,
    REASON_SEVERAL_HEAD,
    REASON_SEVERAL_TAIL,
    RESOLVED_MIN,
    Resolution,
    ResolvedBatch,
)

if TYPE_CHECKING:
    from dashboard.geo.resolver import Resolver

#: typo searches worked out ahead by ``resolve_many`` for the batch it is resolving:
#: (head, bucket prefix) -> ``Resolver.near_spellings``' answer
KNOWN_SPELLINGS: ContextVar[dict[tuple[str, str], dict[str, float]] | None] = ContextVar(
    "KNOWN_SPELLINGS", default=None)

_ABSENT = object()
#: the verdict on a name only one place has, at home or with no country bias
_EXACT_VERDICT: tuple = (1.0, REASON_EXACT, None, False)
#: guards the lazily built batch tables (``fast_tables`` / ``shared_picks``)
_FAST_LOCK = threading.Lock()
#: country biases whose shared-name verdicts are kept per index (a community has one)
_MAX_BIAS_TABLES = 8
#: shared names ``resolve_many`` settles one by one (``pick``) before it works out all of
#: them at once: about as many as there are (34.7k in cities1000), so a process that never
#: gets that far (one community load) never pays the 0.2-0.3 s, and one that does pays at
#: most twice what either way alone would have cost
_PICKS_BEFORE_TABLES = 30_000


def _abroad_verdict(verdict: Verdict, factor: float, bias: str) -> Verdict:
    """A one-place verdict for a place outside the bias country, as ``resolve`` scales it."""
    conf, reason, cands, ambiguous = verdict
    conf *= factor
    return (conf, REASON_ABROAD.format(reason, bias) if conf < RESOLVED_MIN else reason, cands, ambiguous)


def _likely_typos(texts: Iterable[str], keys: dict) -> list[str]:
    """The folded texts ``resolve`` will likely search typos for: one part, ASCII, at least
    four letters, no indexed name (a guess: a wrong one costs a little time, nothing else)."""
    out = []
    for text in texts:
        if PART_SEPARATORS.search(text):
            continue
        head = name_key(text)
        if len(head) >= 4 and head.isascii() and head not in keys and head not in NON_PLACE_KEYS:
            out.append(head)
    return out


def resolve_many(resolver: Resolver, items: list[object], bias: str) -> ResolvedBatch:
    """Every item resolved as ``resolver.resolve(item, bias)`` resolves it."""
    try:
        queries = list(map(str.strip, items))  # type: ignore[arg-type]
    except TypeError:  # None, NaN, numbers: ``resolve`` says why; the strings still go fast
        return _resolve_mixed(resolver, items, bias)
    ix = resolver.index
    exact, _blocked = fast_tables(ix)
    if "" not in ix._picks and ix._picked >= _PICKS_BEFORE_TABLES:
        prepare(resolver, bias)
    place_ids, verdicts, one_place = _whole_names(ix, exact, queries, bias)
    pending = _the_rest(resolver, queries, place_ids, verdicts, one_place, bias)
    if pending:
        # typos are looked up all at once: scoring every typo-search bucket against all the
        # strings that will search it is several times faster than one string at a time
        rest = [queries[i] for i in pending]
        token = KNOWN_SPELLINGS.set(spellings_many(resolver, _likely_typos(rest, ix.keys)) if len(rest) >= 2 else None)
        try:
            for i in pending:
                res = resolver.resolve(queries[i], bias)
                place_ids[i], verdicts[i] = res.place_id, res
        finally:
            KNOWN_SPELLINGS.reset(token)
    return ResolvedBatch(queries, place_ids, verdicts)


def _whole_names(ix: PlaceIndex, exact: dict, queries: list[str], bias: str) -> tuple[list, list, list[bool]]:
    """Whole names as GeoNames spells them, in bulk: a place id where one place has the
    name, whose verdict is the same for every such query, bar a small place abroad."""
    place_ids: list = list(map(exact.get, queries))
    verdicts: list[Verdict | Resolution] = [_EXACT_VERDICT] * len(queries)
    one_place = list(map(isinstance, place_ids, repeat(int)))
    if bias:
        ccs, pops = ix.cc, ix.pop
        small_abroad, mid_abroad = (_abroad_verdict(_EXACT_VERDICT, f, bias) for f in (ABROAD_SMALL, ABROAD_MID))
        for i in compress(count(), one_place):
            hit = place_ids[i]
            if ccs[hit] != bias and pops[hit] < ABROAD_MID_POP:
                verdicts[i] = small_abroad if pops[hit] < ABROAD_SMALL_POP else mid_abroad
    return place_ids, verdicts, one_place


def _the_rest(resolver: Resolver, queries: list[str], place_ids: list, verdicts: list,
              one_place: list[bool], bias: str) -> list[int]:
    """Settle other spellings and names several places share in place; return the
    positions left for ``resolve`` (typos and the like)."""
    ix = resolver.index
    _exact, blocked = fast_tables(ix)
    shared = ix._picks.get("")
    home = (shared_picks(resolver, bias) if shared is not None else None) if bias else None
    keys_get = ix.keys.get
    ccs, pops, primary, names = ix.cc, ix.pop, ix.primary, ix.names
    picked = 0
    pending: list[int] = []
    for i in compress(count(), map(not_, one_place)):
        s, key = queries[i], place_ids[i]
        if key.__class__ is tuple:  # a shared name as GeoNames spells it: (place, verdict, key)
            if not bias:  # the verdict with no bias, quoting this very spelling
                place_ids[i], verdicts[i] = key[0], key[1]
                continue
            key = key[2]
        elif key is None:  # not spelled as GeoNames spells a name
            key = s.lower()  # == name_key(s) when s is ASCII and key is an index key
            hit = keys_get(key) if s.isascii() else None
            if hit is None or key in blocked:
                pending.append(i)  # typos and the like: resolved by the caller, together
                continue
            if hit.__class__ is int:  # one place's name or one of its alternatives
                verdict = _EXACT_VERDICT if primary[hit] == key else (0.97, REASON_ALT_HEAD + names[hit], None, False)
                if bias and ccs[hit] != bias and pops[hit] < ABROAD_MID_POP:
                    verdict = _abroad_verdict(verdict, ABROAD_SMALL if pops[hit] < ABROAD_SMALL_POP else ABROAD_MID, bias)
                place_ids[i], verdicts[i] = hit, verdict
                continue
        # a name several places share (``key`` is its folded form)
        if shared is None:  # verdicts not worked out yet: as ``resolve`` does, minus the folding
            res = resolver.pick(s, ix.candidates(key), key, bias)
            place_ids[i], verdicts[i] = res.place_id, res
            picked += 1
            continue
        place_ids[i], verdicts[i] = _shared_verdict(resolver, s, key, bias, shared, home)
    ix._picked += picked
    return pending


def _shared_verdict(resolver: Resolver, s: str, key: str, bias: str, shared: dict, home: dict | None) -> tuple:
    """The place and verdict for a shared name from the worked-out tables."""
    if home is None:
        pick = shared.get(key)
    else:
        pick = home.get(key, _ABSENT)
        if pick is _ABSENT:  # no place of that name in the bias country: the bias scales the winner only
            pick = shared.get(key)
            if pick is not None:
                best, (conf, reason, cands, ambiguous) = pick
                pop = resolver.index.pop[best]
                if pop < ABROAD_MID_POP:
                    conf *= ABROAD_SMALL if pop < ABROAD_SMALL_POP else ABROAD_MID
                return best, (conf, reason or REASON_SEVERAL_HEAD + s + REASON_SEVERAL_TAIL, cands, ambiguous)
    if pick is None:
        res = resolver.resolve(s, bias)
        return res.place_id, res
    best, verdict = pick
    if verdict[1] is None:  # "several places are called '<query>'"
        conf, _, cands, ambiguous = verdict
        verdict = (conf, REASON_SEVERAL_HEAD + s + REASON_SEVERAL_TAIL, cands, ambiguous)
    return best, verdict


def prepare(resolver: Resolver, bias: str) -> None:
    """Build ``resolve_many``'s tables now rather than after enough use."""
    fast_tables(resolver.index)
    shared_picks(resolver, "")
    if bias:
        shared_picks(resolver, bias)


def _resolve_mixed(resolver: Resolver, items: list[object], bias: str) -> ResolvedBatch:
    """``resolve_many`` when some items aren't strings: those through ``resolve``."""
    fast = iter(resolve_many(resolver, [t for t in items if isinstance(t, str)], bias))
    return ResolvedBatch.of([next(fast) if isinstance(t, str) else resolver.resolve(t, bias) for t in items])


def fast_tables(ix: PlaceIndex) -> tuple[dict[str, int | str | tuple], frozenset[str]]:
    """GeoNames spelling of each place name -> the place id when no other place has
    that name, else the folded name (once the shared-name verdicts are worked out:
    (place, verdict with no bias, folded name)); and the folded names ``resolve``
    never settles as whole names (non-places such as "online", regions such as "Yorkshire")."""
    fast = ix._fast
    if fast is None:
        with _FAST_LOCK:
            fast = ix._fast
            if fast is None:
                keys, names, primary = ix.keys, ix.names, ix.primary
                blocked = frozenset(k for k in (*NON_PLACE_KEYS, *ix.qualifiers) if k in keys)
                # in bulk: the place id (or tuple of ids) under each place's own name; the
                # int objects are the index's own, and so are the folded names below
                hits = list(map(keys.__getitem__, primary))
                exact: dict[str, int | str | tuple] = dict(zip(names, hits))
                shared = list(map(isinstance, hits, repeat(tuple)))
                # shared: the folded name, for the verdicts
                exact.update(zip(compress(names, shared), compress(primary, shared)))
                for key in blocked:  # "Washington": resolve reads it as a region first
                    for i in ix.candidates(key):  # every place named ``key``, and others
                        if primary[i] == key:
                            exact.pop(names[i], None)
                ix._fast = fast = (exact, blocked)
    return fast


def shared_picks(resolver: Resolver, bias: str) -> dict[str, Pick | None]:
    """``pick``'s verdict (with no qualifiers) on every folded name several places
    share: for ``bias`` "" all of them; for a country, those with a place in it (the
    others keep the unbiased verdict, bar the confidence of a small winner abroad).
    None where the verdict's reason isn't one ``resolve_many`` can rebuild."""
    ix = resolver.index
    table = ix._picks.get(bias)
    if table is not None:
        return table
    exact, blocked = fast_tables(ix)
    with _FAST_LOCK:
        table = ix._picks.get(bias)
        if table is not None:
            return table
        table = _picks_table(resolver, bias, blocked)
        if not bias:  # GeoNames' own spellings of shared names get their verdict spelled out
            for name, key in [(n, k) for n, k in exact.items() if k.__class__ is str]:
                pick = table.get(key)
                if pick is not None:
                    best, (conf, reason, cands, ambiguous) = pick
                    reason = reason or REASON_SEVERAL.format(name)
                    exact[name] = (best, (conf, reason, cands, ambiguous), key)
        biased = [b for b in ix._picks if b]
        if len(biased) >= _MAX_BIAS_TABLES:
            del ix._picks[biased[0]]  # the oldest country's
        ix._picks[bias] = table
    return table


def _picks_table(resolver: Resolver, bias: str, blocked: frozenset[str]) -> dict[str, Pick | None]:
    """``pick``'s verdict on each shared name (see ``shared_picks``)."""
    ix = resolver.index
    table: dict[str, Pick | None] = {}
    ccs, names = ix.cc, ix.names
    # the reasons that don't quote the query: the name, then the rule that picked it
    rules = ("", "; " + REASON_RULE_BIGGEST, "; " + REASON_RULE_COUNTRY.format(ix.region_names.get((bias, ""), bias)))
    exact_reasons = {REASON_EXACT + rule for rule in rules}
    for key, hit in ix.keys.items():
        if hit.__class__ is int or key in blocked:
            continue
        if bias and not any(ccs[c] == bias for c in hit):  # type: ignore[union-attr]
            continue
        res = resolver.pick(key, hit, key, bias)  # type: ignore[arg-type]
        best: Any = res.place_id
        if res.reason == REASON_SEVERAL.format(key):
            reason = None  # quotes the query: filled in per query
        elif res.reason in exact_reasons or res.reason in {REASON_ALT.format(names[best]) + rule for rule in rules}:
            reason = res.reason
        else:
            table[key] = None
            continue
        table[key] = (best, (res.confidence, reason, res.candidates, res.ambiguous))
    return table


def spellings_many(resolver: Resolver, heads: Iterable[str]) -> dict[tuple[str, str], dict[str, float]]:
    """``near_spellings`` for every (head, prefix) ``_fuzzy`` asks about each head: the
    first and last letter's buckets, and the first letter's where those find nothing
    within 0.85.

    Each bucket is scored against all the heads that read it in one ``cdist`` (SIMD
    across the heads, rounded to whole numbers); the names within a point of the cutoff
    are then ranked by ``near_spellings`` itself, in bucket order, so the answers are
    exactly its own."""
    heads = list(dict.fromkeys(heads))
    out = _spellings_for(resolver, [(h, f"{h[0]}{h[-1]}") for h in heads])
    out.update(_spellings_for(resolver, [(h, h[0]) for h in heads
                                         if max(out[h, f"{h[0]}{h[-1]}"].values(), default=0.0) < 0.85]))
    return out


def _spellings_for(resolver: Resolver, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, float]]:
    buckets = resolver.index.buckets
    readers: dict[str, list[int]] = {}  # bucket name -> the pairs that read it
    for j, (head, prefix) in enumerate(pairs):
        n = len(head)
        band = 1 if n <= 8 else 2
        for length in range(n - band, n + band + 1):
            name = f"{prefix}{length}"
            if name in buckets:
                readers.setdefault(name, []).append(j)
    within: list[dict[str, list[str]]] = [{} for _ in pairs]
    for name, js in readers.items():
        bucket = buckets[name]
        scores = process.cdist([pairs[j][0] for j in js], bucket, scorer=fuzz.ratio, score_cutoff=69,
                               dtype=np.uint8, workers=1)
        rows, cols = np.nonzero(scores >= 69)  # 70 and over, rounded whichever way
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            within[js[r]].setdefault(name, []).append(bucket[c])
    return {pair: resolver.near_spellings(*pair, within=w) for pair, w in zip(pairs, within, strict=True)}
