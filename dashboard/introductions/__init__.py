"""Introductions: buddies for people at risk, where to meet next, quiet cities.

Modules: ``members`` (the columns read, who is at risk), ``candidates`` (sites, pools,
each person's candidates), ``matching`` (the min-cost rounds), ``buddies`` (costs and
the suggestions with their ``reasons``), ``meetups`` (where to meet, quiet cities) and
``review`` (the organiser's decisions and messages). The network picture is
``dashboard.charts.network_figure``.

Buddies
    People at medium or high risk are matched with *regulars*: members at low
    risk, in the ``active`` or ``core`` segment, with at least
    ``REGULAR_MIN_EVENTS`` events attended. A regular is a candidate when they
    live within ``settings.buddy_radius_km`` (haversine; when either side has no
    coordinates, the same ``city_label`` instead) and the two have not already
    met ``STRONG_TIE_MEETINGS`` or more times. Each candidate pair has a cost

        1 + distance / radius + (1 - quality) + (1 - min(shared interests, 2) / 2)

    where ``quality`` in [0, 1] is half engagement score and half how many other
    regulars the buddy knows (saturating). Unknown distances (city match) count
    as half the radius.

    Assignment runs in rounds, one buddy per person per round (so everyone at
    risk gets a first buddy before anyone gets a second). Each round is an exact
    minimum-cost assignment on the sparse candidate graph
    (``scipy.sparse.csgraph.min_weight_full_bipartite_matching``, LAPJVsp) with
    each regular's remaining capacity expanded into copies of their column and a
    private "no buddy this round" column per person, priced so the solver first
    matches as many people as possible, high risk before medium, then minimises
    the cost. No regular ever takes more than ``settings.buddy_capacity`` people
    in total. The graph falls apart into separate areas (towns, a metropolis);
    each is solved on its own, small ones packed together, because LAPJVsp's
    work grows with rows x columns of whatever it is handed. An area of more
    than ``AREA_ROWS`` people at risk (a metropolis whose members all share one
    city-level place, in a community of several hundred thousand) is solved in
    blocks of that many, high risk and fewest candidates first, each block
    exactly on the buddies' places the blocks before it left: one exact solve
    grew with the square of the city's size (445 s at 500k members, 30 s in
    blocks). Blocks place slightly fewer people in a round than the exact
    optimum (at 100k: 29,491 first buddies instead of 30,051, each nearer on
    average, 2.4 km instead of 3.1), and the areas of smaller communities are
    never cut (the demo's and a 10k community's suggestions are unchanged).

    Candidate set (why it scales): coordinates are city-level, so members
    collapse onto *sites* (a place, or a city label without coordinates).
    Everyone at one site shares a *pool*: every regular at every site within
    reach, best first by the part of the cost that does not depend on the
    person (distance and quality). Each person gets at most ``MAX_CANDIDATES``
    candidates in total, however many places lie within reach (a metropolis of
    boroughs 5 km apart would otherwise multiply pairs): the pool's
    ``TOP_SHARED`` best; up to ``INTEREST_BUDGET`` regulars sharing one of
    their interests; and the rest drafted round-robin from the pool among the
    people at their site, highest risk first, so a thousand newcomers in one
    big city are offered different regulars (each still gets some of the best)
    rather than all competing for the same twenty. A pool of at most
    ``MAX_CANDIDATES`` regulars is taken whole, so on small communities every
    eligible pair is a candidate and each round is the exact optimum.

Meetups: candidate places are members' own resolved cities and in-person event
cities; each is ranked by the number of medium/high-risk members within the
radius, and ``k`` are chosen greedily for maximum coverage.
"""

from dashboard.introductions.buddies import BUDDY_COLUMNS, KNOWS_HALF, suggest_buddies
from dashboard.introductions.candidates import INTEREST_BUDGET, MAX_CANDIDATES, POOL_CHUNK, TOP_SHARED
from dashboard.introductions.matching import (
    AREA_ROWS,
    MATCHING_BATCH_WORK,
    MAX_PAIR_COST,
    assign_rounds,
    min_cost_matching,
)
from dashboard.introductions.meetups import (
    CHOSEN_COLUMNS,
    DORMANT_COLUMNS,
    RANKED_COLUMNS,
    city_choices,
    dormant_cities,
    plan_meetups,
)
from dashboard.introductions.members import (
    AT_RISK_TIERS,
    NO_CITY_LABELS,
    REGULAR_MIN_EVENTS,
    REGULAR_SEGMENTS,
    STRONG_TIE_MEETINGS,
    at_risk_count,
    names_a_city,
)
from dashboard.introductions.reasons import buddy_reason
from dashboard.introductions.review import (
    DECISIONS,
    MESSAGE_FIELDS,
    REVIEW_COLUMNS,
    REVIEW_SHOWN,
    Decisions,
    approved_introductions,
    decision_counts,
    decisions_from,
    message_template,
    render_message,
    render_messages,
    review_key,
    review_table,
)

__all__ = [
    "AREA_ROWS",
    "AT_RISK_TIERS",
    "BUDDY_COLUMNS",
    "CHOSEN_COLUMNS",
    "DECISIONS",
    "DORMANT_COLUMNS",
    "INTEREST_BUDGET",
    "KNOWS_HALF",
    "MATCHING_BATCH_WORK",
    "MAX_CANDIDATES",
    "MAX_PAIR_COST",
    "MESSAGE_FIELDS",
    "NO_CITY_LABELS",
    "POOL_CHUNK",
    "RANKED_COLUMNS",
    "REGULAR_MIN_EVENTS",
    "REGULAR_SEGMENTS",
    "REVIEW_COLUMNS",
    "STRONG_TIE_MEETINGS",
    "TOP_SHARED",
    "Decisions",
    "approved_introductions",
    "assign_rounds",
    "at_risk_count",
    "buddy_reason",
    "city_choices",
    "decision_counts",
    "decisions_from",
    "dormant_cities",
    "min_cost_matching",
    "message_template",
    "names_a_city",
    "plan_meetups",
    "render_message",
    "render_messages",
    "REVIEW_SHOWN",
    "review_key",
    "review_table",
    "suggest_buddies",
]


def __getattr__(name: str) -> object:
    """``introductions.network_figure`` still works: the figure lives with the others in charts."""
    if name == "network_figure":
        from dashboard.charts import network_figure

        return network_figure
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
