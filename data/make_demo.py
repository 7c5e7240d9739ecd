"""Generate Neighbourly's demo community: three CSVs shaped like real exports.

    python data/make_demo.py            # rewrites data/demo_*.csv
    python data/make_demo.py OUT_DIR    # writes them somewhere else

Standard library only, one fixed seed: running it again gives byte-identical
files. The files deliberately look like what organisers export, not like the
dashboard's canonical columns:

* ``demo_members.csv``    a Google Forms sign-up export (day-first timestamps)
* ``demo_events.csv``     the organiser's own event list (ISO dates)
* ``demo_attendance.csv`` an Eventbrite-style attendee report

The community ends on Saturday 2026-11-14 (the latest event with check-ins);
four planned events after that date have no attendance yet. See data/README.md
for the stories the data contains and which members exemplify them.
"""

from __future__ import annotations

import csv
import random
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

SEED = 20261114
#: the latest past event (with check-ins); indicators default to this date
AS_OF = date(2026, 11, 14)
FIRST_EVENT = date(2025, 6, 7)
FORM_OPENED = date(2025, 5, 24)

MEMBERS_FILE = "demo_members.csv"
EVENTS_FILE = "demo_events.csv"
ATTENDANCE_FILE = "demo_attendance.csv"

# --- export headers (exactly as the real tools write them) ---------------------

Q_CITY = "Which town or city do you live in?"
Q_MOVED = "When did you move to your city?"
Q_INTERESTS = "What are you into?"
Q_UCLA = (
    "How often do you feel that you lack companionship?",
    "How often do you feel left out?",
    "How often do you feel isolated from others?",
)
Q_ONS = "How often do you feel lonely?"
MEMBER_HEADERS = [
    "Timestamp",
    "Full name",
    "Email Address",
    Q_CITY,
    Q_MOVED,
    Q_INTERESTS,
    "Role",
    *Q_UCLA,
    Q_ONS,
]
EVENT_HEADERS = ["Event ID", "Event name", "Date", "City", "Venue", "Online"]
ATTENDANCE_HEADERS = [
    "Event ID",
    "Event Name",
    "First Name",
    "Last Name",
    "Email",
    "Attendee Status",
    "Order Date",
]

UCLA_ANSWERS = ("Hardly ever", "Some of the time", "Often")
ONS_ANSWERS = ("Never", "Hardly ever", "Occasionally", "Some of the time", "Often/always")
INTERESTS = (
    "running", "books", "board games", "coffee", "hiking", "parenting",
    "blogging", "photography", "cooking", "crafts", "languages", "wine",
)
DOMAINS = ("example.com", "example.com", "example.org", "example.net")

# --- events --------------------------------------------------------------------

VENUES = {
    "London": {
        "coffee": ["The Hive Café, Bermondsey", "Canal House Coffee, King's Cross"],
        "bloggers": ["The Corner Room, Bethnal Green", "Printworks Bar, Farringdon"],
        "books": ["Marylebone Library – Community Room"],
        "walk": ["Parliament Hill café, Hampstead Heath", "Regent's Canal, Camden Lock"],
        "playdate": ["Little Acorns Soft Play, Walthamstow"],
    },
    "Manchester": {
        "coffee": ["Northern Quarter Coffee Co."],
        "walk": ["Heaton Park, Dower House gate"],
        "bloggers": ["The Brew Room, Ancoats"],
        "books": ["Central Library – Room 2"],
    },
    "Leeds": {
        "coffee": ["Kirkgate Kitchen, Leeds Market"],
        "walk": ["Roundhay Park, Mansion entrance"],
        "books": ["Chapel Allerton Library"],
    },
    "Huddersfield": {
        "coffee": ["Byram Arcade Café"],
        "playdate": ["Kirklees Family Hub, Greenhead Park"],
    },
    "Birmingham": {
        "coffee": ["Jewellery Quarter Coffee House"],
        "walk": ["Cannon Hill Park, boating lake"],
    },
    "Bristol": {
        "coffee": ["Harbourside Kitchen"],
        "walk": ["Leigh Woods car park"],
    },
    "Edinburgh": {
        "coffee": ["Stockbridge Coffee Room"],
        "walk": ["Holyrood Park car park"],
    },
    "Glasgow": {"coffee": ["West End Coffee Collective"]},
    "Cardiff": {"walk": ["Bute Park, Summerhouse café"]},
    "Brighton": {"coffee": ["Kemptown Coffee"]},
    "Sheffield": {"walk": ["Endcliffe Park café"]},
    "Toronto": {
        "coffee": ["Kensington Market Coffee"],
        "walk": ["High Park, Grenadier Café"],
    },
}

KIND = {
    # kind: (title pattern, weekday Mon=0, start time)
    "coffee": ("{city} Coffee Morning", 5, time(10, 30)),
    "walk": ("{city} Sunday Walk", 6, time(11, 0)),
    "books": ("{city} Book Club", 3, time(19, 0)),
    "bloggers": ("{city} Bloggers' Meetup", 2, time(18, 30)),
    "playdate": ("Parents' Playdate – {city}", 1, time(10, 0)),
}

#: (city, kind, every n weeks, first date on or after) for the regular series
SERIES = [
    ("London", "coffee", 8, date(2025, 6, 7)),
    ("London", "bloggers", 12, date(2025, 6, 11)),
    ("London", "books", 14, date(2025, 6, 19)),
    ("London", "walk", 20, date(2025, 7, 6)),
    ("London", "playdate", 26, date(2025, 7, 15)),
    ("Manchester", "coffee", 12, date(2025, 6, 14)),
    ("Manchester", "walk", 26, date(2025, 7, 13)),
    ("Manchester", "bloggers", 36, date(2025, 9, 3)),
    ("Leeds", "coffee", 14, date(2025, 6, 21)),
    ("Leeds", "walk", 30, date(2025, 8, 10)),
    ("Leeds", "books", 40, date(2025, 10, 2)),
    ("Huddersfield", "coffee", 20, date(2025, 7, 5)),
    ("Huddersfield", "playdate", 36, date(2025, 9, 9)),
    ("Birmingham", "coffee", 20, date(2025, 7, 12)),
    ("Birmingham", "walk", 40, date(2025, 9, 21)),
    ("Bristol", "coffee", 22, date(2025, 7, 19)),
    ("Bristol", "walk", 52, date(2025, 10, 12)),
    ("Edinburgh", "coffee", 24, date(2025, 8, 2)),
    ("Edinburgh", "walk", 40, date(2025, 9, 14)),
    ("Glasgow", "coffee", 30, date(2025, 9, 27)),
    ("Cardiff", "walk", 30, date(2025, 10, 5)),
    ("Brighton", "coffee", 30, date(2025, 8, 23)),
    ("Sheffield", "walk", 30, date(2025, 10, 19)),
    ("Toronto", "coffee", 22, date(2025, 8, 16)),
    ("Toronto", "walk", 40, date(2025, 9, 28)),
]

#: online events: (date, title, start time, venue)
ONLINE = [
    (date(2025, 9, 17), "Online Newcomers' Welcome Call", time(19, 30), "Zoom"),
    (date(2025, 12, 10), "Online Winter Check-in", time(19, 30), "Zoom"),
    (date(2026, 2, 18), "Online Blogging Workshop", time(19, 0), "Google Meet"),
    (date(2026, 5, 13), "Online Newcomers' Welcome Call", time(19, 30), "Zoom"),
    (date(2026, 9, 16), "Online Board Games Night", time(20, 0), "Zoom"),
]

#: planned events after AS_OF: nobody has attended them yet
FUTURE = [
    (datetime(2026, 11, 28, 10, 30), "Manchester Coffee Morning", "Manchester",
     "Northern Quarter Coffee Co.", False),
    (datetime(2026, 12, 2, 18, 30), "London Bloggers' Christmas Drinks", "London",
     "Printworks Bar, Farringdon", False),
    (datetime(2026, 12, 9, 19, 30), "Online Winter Check-in", "", "Zoom", True),
    (datetime(2026, 12, 13, 11, 0), "Leeds Winter Walk", "Leeds",
     "Roundhay Park, Mansion entrance", False),
]

#: an event in the attendance export that is missing from the event list
UNKNOWN_EVENT = (761204398817, "Summer Picnic in Victoria Park")


@dataclass
class Event:
    event_id: int
    title: str
    starts_at: datetime
    city: str  # "" when online
    venue: str
    online: bool
    paid: bool = False

    @property
    def past(self) -> bool:
        return self.starts_at.date() <= AS_OF


def build_events(rng: random.Random) -> list[Event]:
    """The organiser's event list: regular series per city, online calls, future plans."""
    raw: list[tuple[datetime, str, str, str, bool]] = []
    for city, kind, weeks, first in SERIES:
        pattern, weekday, at = KIND[kind]
        day = first + timedelta(days=(weekday - first.weekday()) % 7)
        venues = VENUES[city][kind]
        n = 0
        while day <= AS_OF:
            # now and then a meetup slips a week (holidays, venue clashes)
            shift = 7 if rng.random() < 0.15 else 0
            when = day + timedelta(days=shift)
            if when <= AS_OF:
                raw.append((datetime.combine(when, at), pattern.format(city=city), city,
                            venues[n % len(venues)], False))
            n += 1
            day += timedelta(weeks=weeks)
    # the closing event: the latest one with check-ins is exactly AS_OF
    raw = [r for r in raw if not (r[2] == "London" and r[0].date() > AS_OF - timedelta(days=5))]
    raw.append((datetime.combine(AS_OF, time(10, 30)), "London Coffee Morning", "London",
                "The Hive Café, Bermondsey", False))
    for day, title, at, venue in ONLINE:
        raw.append((datetime.combine(day, at), title, "", venue, True))
    for when, title, city, venue, online in FUTURE:
        raw.append((when, title, city, venue, online))
    raw.sort(key=lambda r: (r[0], r[1]))
    events: list[Event] = []
    event_id = 812_437_090_000
    for when, title, city, venue, online in raw:
        event_id += rng.randrange(900_000, 9_000_000)  # Eventbrite ids grow over time
        paid = "Book Club" in title or "Workshop" in title
        events.append(Event(event_id, title, when, city, venue, online, paid))
    return events


# --- names ---------------------------------------------------------------------

NAME_GROUPS = [
    # (weight, first names, surnames)
    (30, ["Oliver", "Amelia", "Harry", "Isla", "Jack", "Sophie", "George", "Emily",
          "Charlotte", "James", "Lucy", "Thomas", "Hannah", "William", "Grace", "Daniel",
          "Chloe", "Samuel", "Megan", "Joseph", "Ellie", "Matthew", "Rebecca", "Luke",
          "Katie", "Ben", "Laura", "Rosie", "Alfie", "Freya", "Jess", "Nick", "Helen",
          "Claire", "Mark", "Zoë", "Poppy", "Toby"],
     ["Barnes", "Whitaker", "Holloway", "Pritchard", "Ashworth", "Fletcher", "Lambert",
      "Dawson", "Kendall", "Marsh", "Ellison", "Harper", "Wainwright", "Sutcliffe",
      "Greenwood", "Thornton", "Crowther", "Haigh", "Booth", "Rowley", "Bramwell",
      "Shaw", "Hodgson", "Pearce", "Tolley", "Frost", "Kemp", "Gibbs", "Nash",
      "Aldridge", "Cartwright", "Beaumont", "Hebden", "Lister", "Page"]),
    (5, ["Callum", "Eilidh", "Fraser", "Ailsa", "Ruaridh", "Kirsty", "Euan", "Iona",
         "Struan", "Catriona"],
     ["MacLeod", "Mackenzie", "Buchanan", "Ross", "Cameron", "Munro", "Sinclair",
      "Gillespie", "Drummond"]),
    (4, ["Rhys", "Siân", "Dylan", "Ffion", "Gethin", "Carys", "Owain", "Bethan"],
     ["Llewellyn", "Jenkins", "Morgan", "Vaughan", "Howells", "Bevan", "Powell"]),
    (5, ["Niamh", "Ciarán", "Aoife", "Seán", "Orla", "Declan", "Saoirse", "Róisín"],
     ["O'Brien", "Byrne", "Doyle", "Kavanagh", "Gallagher", "Murphy", "O'Sullivan"]),
    (16, ["Arjun", "Ananya", "Rohan", "Aisha", "Imran", "Sana", "Zain", "Harpreet",
          "Gurpreet", "Nikhil", "Meera", "Farhan", "Nadia", "Kavya", "Sunil", "Rukhsana",
          "Anil", "Shreya", "Bilal", "Tahmina"],
     ["Patel", "Gupta", "Khan", "Hussain", "Begum", "Chaudhry", "Singh", "Kaur", "Iyer",
      "Nair", "Rahman", "Ahmed", "Mistry", "Malik", "Joshi", "Desai", "Bhatt"]),
    (10, ["Chinedu", "Ngozi", "Kwame", "Ama", "Kofi", "Yetunde", "Tunde", "Folake",
          "Emeka", "Efua", "Abena", "Segun", "Chioma", "Kemi"],
     ["Adeyemi", "Mensah", "Osei", "Boateng", "Balogun", "Asante", "Adebayo", "Nwosu",
      "Oyelaran", "Owusu", "Obi"]),
    (6, ["Marcus", "Shanice", "Jermaine", "Tanisha", "Delroy", "Keisha", "Andre", "Simone"],
     ["Campbell", "Francis", "Thompson", "Grant", "Richards", "Gayle", "Bailey", "Clarke"]),
    (8, ["Wei", "Mei", "Jun", "Hana", "Yuki", "Min-jun", "Ji-woo", "Haruka", "Linh",
         "Minh", "Xin", "Sora"],
     ["Chen", "Wong", "Li", "Zhang", "Tanaka", "Sato", "Kim", "Park", "Nguyen", "Tran",
      "Lau", "Huang"]),
    (6, ["Agnieszka", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Łukasz", "Zofia",
         "Marta", "Bogdan", "Irina", "Andrei"],
     ["Nowak", "Kowalczyk", "Wójcik", "Mazur", "Krawczyk", "Popescu", "Ionescu",
      "Horvat"]),
    (6, ["Leyla", "Omar", "Layla", "Mehmet", "Elif", "Karim", "Rania", "Hassan", "Zeynep",
         "Samir", "Dina"],
     ["Yilmaz", "Haddad", "Nasser", "Aziz", "Kaya", "Hamdan", "Saleh", "Öztürk", "Mansour"]),
    (7, ["Lucía", "Mateo", "Sofia", "Diego", "João", "Inês", "Giulia", "Marco", "Chiara",
         "Camila", "Pablo", "Beatriz"],
     ["Silva", "García", "Rossi", "Romano", "Costa", "Moreno", "Alves", "Herrera",
      "Conti", "Pereira"]),
    (3, ["Lars", "Freja", "Anna", "Jonas", "Lena", "Felix", "Sven"],
     ["Lindqvist", "Becker", "Hoffmann", "Berg", "Nilsen", "Vogel"]),
]


def ascii_fold(text: str) -> str:
    text = text.replace("ł", "l").replace("Ł", "L")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def email_for(rng: random.Random, first: str, last: str) -> str:
    f = ascii_fold(first).lower().replace("-", "").replace("'", "")
    ln = ascii_fold(last).lower().replace("-", "").replace("'", "").replace(" ", "")
    style = rng.random()
    if style < 0.45:
        local = f"{f}.{ln}"
    elif style < 0.62:
        local = f"{f}{ln}"
    elif style < 0.75:
        local = f"{f[0]}{ln}"
    elif style < 0.9:
        local = f"{f}.{ln}{rng.randrange(1, 99)}"
    else:
        local = f"{f}_{ln[:3]}{rng.randrange(70, 100)}"
    return f"{local}@{rng.choice(DOMAINS)}"


class NameBook:
    """Unique invented names and e-mails (except the one same-name pair we add)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.names: set[str] = set()
        self.emails: set[str] = set()
        self.weights = [g[0] for g in NAME_GROUPS]

    def reserve(self, name: str, email: str) -> None:
        self.names.add(name)
        self.emails.add(email.strip().lower())

    def new(self) -> tuple[str, str]:
        rng = self.rng
        while True:
            group = rng.choices(NAME_GROUPS, weights=self.weights)[0]
            first = rng.choice(group[1])
            # about one in six: the surname comes from another background
            surnames = (rng.choices(NAME_GROUPS, weights=self.weights)[0][2]
                        if rng.random() < 0.17 else group[2])
            last = rng.choice(surnames)
            name = f"{first} {last}"
            if name in self.names:
                continue
            email = email_for(rng, first, last)
            if email in self.emails:
                continue
            self.reserve(name, email)
            return name, email


# --- people --------------------------------------------------------------------

@dataclass
class Person:
    name: str
    email: str  # as typed in the sign-up form
    city: str  # canonical city used to pick events; "" for none
    city_text: str = ""  # as typed in the form
    story: str = "regular"
    joined: datetime | None = None  # None: never filled the form
    moved: str = ""
    interests: str = ""
    role: str = ""
    ucla: tuple[str, str, str] = ("", "", "")
    ons: str = ""
    att_email: str = ""  # the address used on Eventbrite (may differ in case)
    params: dict = field(default_factory=dict)
    exemplar: bool = False

    def __post_init__(self) -> None:
        if not self.city_text:
            self.city_text = self.city
        if not self.att_email:
            self.att_email = self.email.strip()


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


#: named members whose stories the tests and the lead can assert on
EXEMPLARS: list[Person] = [
    Person("Adaeze Okonkwo", "adaeze.okonkwo@example.com", "London", story="host",
           joined=ts("2025-05-26 09:14:02"), role="host", interests="books, coffee, blogging",
           moved="August 2011", ucla=("Hardly ever",) * 3, ons="Hardly ever", exemplar=True),
    Person("Tom Hartley", "tom.hartley@example.org", "London", story="organiser",
           joined=ts("2025-05-24 21:03:44"), role="organiser",
           interests="blogging, coffee, hiking, photography", exemplar=True),
    Person("Nasreen Akhtar", "nasreen.akhtar@example.com", "Manchester", story="organiser",
           joined=ts("2025-05-25 10:41:19"), role="organiser",
           interests="parenting, coffee, crafts", moved="2009", exemplar=True),
    Person("Ruth Ackroyd", "ruth.ackroyd@example.net", "Huddersfield", story="host",
           joined=ts("2025-06-02 13:27:50"), role="host", interests="parenting, crafts, coffee",
           ucla=("Hardly ever", "Hardly ever", "Some of the time"), ons="Occasionally",
           exemplar=True),
    Person("Kelechi Obi", "kelechi.obi@example.com", "Leeds", story="volunteer",
           joined=ts("2025-06-18 19:05:33"), role="volunteer", interests="running, hiking",
           exemplar=True),
    # the seed post: a blogger new to London, previously in Toronto and Huddersfield
    Person("Marisol Ferreira", "marisol.ferreira@example.com", "London",
           city_text="London, UK", story="newcomer_few", joined=ts("2026-04-21 22:48:10"),
           moved="March 2026", interests="blogging, coffee, wine, photography",
           ucla=("Often", "Some of the time", "Often"), ons="Often/always",
           params={"events": 2, "kinds": ("Bloggers",)}, exemplar=True),
    Person("Kenji Watanabe", "kenji.watanabe@example.net", "Leeds", story="newcomer_never",
           joined=ts("2026-09-20 08:12:45"), moved="August 2026",
           interests="board games, languages", ucla=("Often", "Often", "Some of the time"),
           ons="Some of the time", exemplar=True),
    Person("Ingrid Solberg", "ingrid.solberg@example.org", "Edinburgh",
           city_text="Edinbrugh", story="newcomer_once", joined=ts("2026-01-19 17:30:02"),
           moved="13/01/2026", interests="hiking, photography, languages",
           ons="Some of the time", params={"before": date(2026, 3, 31)}, exemplar=True),
    Person("Tendai Moyo", "tendai.moyo@example.com", "Manchester", story="newcomer_settling",
           joined=ts("2026-02-03 12:00:31"), moved="January 2026",
           interests="running, cooking, board games",
           ucla=("Some of the time", "Hardly ever", "Some of the time"), ons="Occasionally",
           params={"p": 1.0}, exemplar=True),
    Person("Gareth Pryce", "gareth.pryce@example.com", "Cardiff", city_text="Cardiff, Wales",
           story="never", joined=ts("2025-11-08 20:15:09"), interests="books, wine",
           exemplar=True),
    Person("Callum Reid", "callum.reid@example.org", "Glasgow", story="never_noshow",
           joined=ts("2026-03-02 07:55:40"), interests="running, coffee",
           ucla=("Some of the time", "Often", "Often"), ons="Often/always",
           params={"noshows": 2}, exemplar=True),
    Person("Hannah Whitfield", "hannah.whitfield@example.com", "Manchester",
           city_text="Manchestr", story="lapsed", joined=ts("2025-06-09 18:22:13"),
           interests="coffee, books, crafts", params={"stop": date(2026, 3, 15), "k": 7},
           exemplar=True),
    Person("Olumide Bankole", "olumide.bankole@example.net", "London", story="lapsed",
           joined=ts("2025-06-16 12:40:51"), interests="photography, hiking",
           ons="Some of the time", params={"stop": date(2026, 1, 31), "k": 5}, exemplar=True),
    Person("Rohan Mehta", "rohan.mehta@example.com", "London", story="drifting",
           joined=ts("2025-09-04 21:17:26"), interests="board games, books, coffee",
           ucla=("Some of the time", "Some of the time", "Hardly ever"), ons="Occasionally",
           params={"slow": date(2026, 8, 12)}, exemplar=True),
    Person("Beth Lockwood", "beth.lockwood@example.org", "Leeds", city_text="leeds",
           story="drifting", joined=ts("2025-06-25 09:03:58"), interests="running, coffee",
           params={"slow": date(2026, 8, 1)}, exemplar=True),
    Person("Siobhan Kelly", "siobhan.kelly@example.com", "Brighton", story="once_old",
           joined=ts("2026-03-29 16:44:12"), interests="wine, books, languages",
           ucla=("Often", "Some of the time", "Some of the time"), ons="Some of the time",
           params={"before": date(2026, 5, 31)}, exemplar=True),
    Person("Morag Fraser", "morag.fraser@example.com", "Inverness", story="far_online",
           joined=ts("2025-10-02 10:10:10"), interests="crafts, books, blogging",
           ucla=("Often", "Often", "Often"), ons="Often/always", exemplar=True),
    Person("Duncan Mackay", "duncan.mackay@example.net", "Aberdeen", story="far_never",
           joined=ts("2026-01-27 19:45:00"), interests="hiking, photography",
           ons="Occasionally", exemplar=True),
    Person("Kerenza Trewin", "kerenza.trewin@example.org", "Penzance", story="far_never",
           joined=ts("2026-06-14 14:14:14"), interests="crafts, running",
           ucla=("Some of the time", "Often", "Some of the time"), exemplar=True),
    Person("Yusuf Demir", "yusuf.demir@example.com", "Birmingham", story="no_ties",
           joined=ts("2025-07-30 11:31:07"), interests="photography, coffee, languages",
           ucla=("Some of the time", "Some of the time", "Often"), exemplar=True),
    Person("Jordan Blake", "jordan.blake@example.net", "London", story="recent",
           joined=ts("2026-11-03 18:02:37"), interests="running, board games", exemplar=True),
    Person("Priya Sharma", "priya.sharma@example.com", "London", story="regular",
           joined=ts("2025-07-07 08:30:00"), interests="parenting, coffee, cooking",
           params={"p": 0.55}, exemplar=True),
    Person("Priya Sharma", "priya.sharma87@example.net", "Birmingham", story="once_old",
           joined=ts("2025-11-22 13:13:13"), interests="books, languages",
           params={"before": date(2026, 2, 28)}, exemplar=True),
    Person("<img src=x onerror=alert(1)>", "html.name@example.org", "Bristol", story="regular",
           joined=ts("2025-08-15 23:59:01"), params={"p": 1.0}, exemplar=True),
    Person("**bold**", "bold.name@example.org", "Sheffield", story="never",
           joined=ts("2026-02-14 14:02:00"), interests="books", exemplar=True),
    Person("Aisha Thompson", "aisha.thompson@example.com", "Toronto",
           city_text="Toronto, Ontario", story="regular", joined=ts("2025-08-01 15:20:45"),
           interests="blogging, coffee, running", params={"p": 0.8}, exemplar=True),
    Person("Sam Nakamura", "sam.nakamura@example.com", "", city_text="Online only",
           story="online", joined=ts("2025-09-12 20:20:20"), interests="board games, blogging",
           ons="Occasionally", exemplar=True),
    Person("Élodie Marchand", "elodie.marchand@example.org", "Paris", story="abroad",
           joined=ts("2025-10-17 17:17:17"), interests="languages, wine, cooking",
           exemplar=True),
]

#: people who appear only in the Eventbrite export (never filled the form)
ATTENDANCE_ONLY: list[Person] = [
    Person("Chidi Eze", "chidi.eze@example.org", "London", story="guest", joined=None,
           params={"events": 3}),
    Person("Freddie Lamb", "freddie.lamb@example.net", "Manchester", story="guest",
           joined=None, params={"events": 2}),
    Person("Greta Lindahl", "greta.lindahl@example.com", "Leeds", story="guest", joined=None,
           params={"events": 1}),
    Person("Ravi Krishnan", "ravi.krishnan@example.org", "London", story="guest",
           joined=None, params={"events": 1}),
]

#: same person signing up twice: (form e-mail of the duplicate row, days later, city text)
DUPLICATES = {
    "adaeze.okonkwo@example.com": (" Adaeze.Okonkwo@example.com", 41, "London"),
    "beth.lockwood@example.org": ("Beth.Lockwood@Example.org ", 12, "Leeds, England"),
    "tendai.moyo@example.com": ("TENDAI.MOYO@EXAMPLE.COM", 3, "Manchester"),
    "hannah.whitfield@example.com": ("hannah.whitfield@example.com  ", 95, "Manchester, UK"),
}

#: members whose Eventbrite address differs in case from the form's
EVENTBRITE_CASE = {
    "rohan.mehta@example.com": "Rohan.Mehta@example.com",
    "aisha.thompson@example.com": "Aisha.Thompson@Example.com",
}

#: bulk members: story -> how many
BULK = {
    "host": 9,
    "volunteer": 7,
    "regular": 70,
    "occasional": 62,
    "newcomer_few": 13,
    "newcomer_never": 9,
    "newcomer_settling": 9,
    "never": 24,
    "never_noshow": 6,
    "recent": 9,
    "once_old": 16,
    "lapsed": 20,
    "drifting": 10,
    "abroad": 3,
    "online": 2,
}

CITY_WEIGHTS = [
    ("London", 34), ("Manchester", 12), ("Leeds", 9), ("Huddersfield", 5),
    ("Birmingham", 7), ("Bristol", 6), ("Edinburgh", 5), ("Glasgow", 3), ("Cardiff", 3),
    ("Brighton", 3), ("Sheffield", 3), ("Toronto", 4), ("York", 1), ("Salford", 1),
    ("Bradford", 1), ("Stockport", 1),
]
#: every city with meetups has someone who keeps them going
HOST_CITIES = ["London", "London", "Manchester", "Leeds", "Birmingham", "Bristol",
               "Edinburgh", "Glasgow", "Toronto"]
VOLUNTEER_CITIES = ["London", "Manchester", "Cardiff", "Brighton", "Sheffield",
                    "Huddersfield", "Toronto"]
#: stories that need a city with frequent meetups
BUSY_CITIES = [("London", 6), ("Manchester", 2), ("Leeds", 1)]
ABROAD = ["Dublin", "Dublin", "New York", "Paris"]

SUFFIX = {
    "London": "London, UK", "Manchester": "Manchester, UK", "Leeds": "Leeds, England",
    "Birmingham": "Birmingham, UK", "Bristol": "Bristol, England", "Glasgow": "Glasgow, Scotland",
    "Edinburgh": "Edinburgh, Scotland", "Cardiff": "Cardiff, Wales", "Toronto": "Toronto, Ontario",
    "Dublin": "Dublin, Ireland", "New York": "New York, NY", "Sheffield": "Sheffield, UK",
}
#: one bulk member in each of these cities typed it like this
MISSPELT = {"Huddersfield": "Huddersfeild", "Birmingham": "Birmingam",
            "Sheffield": "Sheffeild"}

LATENT = {  # how lonely each story tends to be (0..1) before noise
    "organiser": 0.1, "host": 0.12, "volunteer": 0.15, "regular": 0.22, "occasional": 0.35,
    "newcomer_few": 0.65, "newcomer_never": 0.7, "newcomer_settling": 0.45,
    "newcomer_once": 0.65, "never": 0.5, "never_noshow": 0.55, "recent": 0.42,
    "once_old": 0.5, "lapsed": 0.45, "drifting": 0.5, "abroad": 0.55, "online": 0.5,
    "far_online": 0.75, "far_never": 0.7, "no_ties": 0.55,
}

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def rand_datetime(rng: random.Random, start: date, end: date) -> datetime:
    """A plausible form-filling moment between two dates (inclusive)."""
    day = start + timedelta(days=rng.randrange((end - start).days + 1))
    hour = rng.choices(range(24), weights=[1, 1, 0, 0, 0, 0, 1, 3, 4, 4, 4, 4, 5, 5, 4, 4,
                                           4, 4, 5, 6, 7, 7, 5, 3])[0]
    return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)))


def interests_for(rng: random.Random) -> str:
    if rng.random() < 0.08:
        return ""
    pool = list(INTERESTS)
    weights = [3, 4, 3, 5, 3, 2, 2, 2, 3, 2, 2, 3]
    picked: list[str] = []
    for _ in range(rng.choice([1, 2, 2, 3, 3, 4])):
        choice = rng.choices(pool, weights=weights)[0]
        if choice not in picked:
            picked.append(choice)
    # Google Forms lists ticked boxes in the order the options appear
    return ", ".join(sorted(picked, key=INTERESTS.index))


def survey(rng: random.Random, story: str) -> tuple[tuple[str, str, str], str]:
    """Self-reported loneliness: correlated with the story, never a perfect match."""
    latent = min(1.0, max(0.0, LATENT.get(story, 0.35) + rng.gauss(0, 0.18)))
    ucla = ("", "", "")
    ons = ""
    answered_ucla = rng.random() < 0.42
    if answered_ucla:
        items = []
        for _ in range(3):
            level = round(0.85 + 2 * latent + rng.gauss(0, 0.55))
            items.append(UCLA_ANSWERS[min(3, max(1, level)) - 1])
        if rng.random() < 0.05:  # skipped one item
            items[rng.randrange(3)] = ""
        ucla = (items[0], items[1], items[2])
    if rng.random() < (0.8 if answered_ucla else 0.11):
        level = round(4 * latent + rng.gauss(0, 0.7))
        ons = ONS_ANSWERS[min(4, max(0, level))]
    return ucla, ons


def moved_text(rng: random.Random, story: str) -> str:
    """When they moved to their city: newcomers within the last 12 months."""
    if story.startswith("newcomer"):
        month = rng.randrange(11, 22)  # Dec 2025 .. Oct 2026, as months since Jan 2025
        year, mon = 2025 + month // 12, month % 12 + 1
        if rng.random() < 0.2:
            return f"{rng.randrange(13, 29):02d}/{mon:02d}/{year}"
        return f"{MONTHS[mon - 1]} {year}"
    r = rng.random()
    if r < 0.62:
        return ""
    if r < 0.67:
        return rng.choice(["Always lived here", "Born here"])
    if r < 0.77:
        return str(rng.randrange(1998, 2024))
    if r < 0.82:  # moved a while back: 13 to 30 months before the end
        month = rng.randrange(-8, 10)  # May 2024 .. Oct 2025
        year, mon = 2025 + month // 12, month % 12 + 1
        return f"{MONTHS[mon - 1]} {year}"
    return f"{rng.choice(MONTHS)} {rng.randrange(2003, 2024)}"


def join_window(story: str) -> tuple[date, date]:
    if story in ("recent",):
        return date(2026, 10, 16), date(2026, 11, 12)
    if story in ("lapsed",):
        return FORM_OPENED, date(2025, 11, 30)
    if story in ("drifting",):
        return FORM_OPENED, date(2026, 1, 31)
    if story in ("host", "volunteer"):
        return FORM_OPENED, date(2025, 6, 30)
    if story in ("never", "never_noshow"):
        return FORM_OPENED, date(2026, 10, 10)
    if story == "once_old":
        return FORM_OPENED, date(2026, 7, 31)
    return FORM_OPENED, date(2026, 11, 10)


def build_people(rng: random.Random) -> list[Person]:
    names = NameBook(rng)
    for p in EXEMPLARS + ATTENDANCE_ONLY:
        names.reserve(p.name, p.email)
    people: list[Person] = []
    misspelt_left = dict(MISSPELT)
    lower_left = 4
    abroad = list(ABROAD)
    seats = {"host": list(HOST_CITIES), "volunteer": list(VOLUNTEER_CITIES)}
    for story, count in BULK.items():
        for _ in range(count):
            name, email = names.new()
            if story in ("abroad",):
                city = abroad.pop(0)
            elif story in ("host", "volunteer"):
                city = seats[story].pop(0)
            elif story == "online":
                city = ""
            elif story in ("drifting", "lapsed"):
                city = rng.choices([c for c, _ in BUSY_CITIES],
                                   weights=[w for _, w in BUSY_CITIES])[0]
            else:
                city = rng.choices([c for c, _ in CITY_WEIGHTS],
                                   weights=[w for _, w in CITY_WEIGHTS])[0]
            text = city
            r = rng.random()
            if story == "online":
                text = ""  # online-only people often leave the city blank
            elif city in misspelt_left:
                text = misspelt_left.pop(city)
            elif r < 0.08 and lower_left > 0:
                text, lower_left = city.lower(), lower_left - 1
            elif r < 0.2 and city in SUFFIX:
                text = SUFFIX[city]
            elif r < 0.23:
                text = f" {city} " if rng.random() < 0.5 else f"{city} "
            if story.startswith("newcomer"):
                # moved within the last year: they can only have signed up after that
                moved = moved_text(rng, story)
                start = _moved_date(moved) + timedelta(days=rng.randrange(3, 40))
                end = date(2026, 10, 12) if story == "newcomer_never" else date(2026, 11, 6)
                start = min(start, end)
            else:
                moved = moved_text(rng, story)
                start, end = join_window(story)
            joined = rand_datetime(rng, start, end)
            ucla, ons = survey(rng, story)
            role = ""
            if story in ("host", "volunteer"):
                role = story
            elif rng.random() < 0.25:
                role = "member"
            people.append(Person(
                name=name, email=email, city=city, city_text=text,
                story=story, joined=joined, moved=moved,
                interests=interests_for(rng), role=role, ucla=ucla, ons=ons,
            ))
    # a couple of lower-case names typed in a hurry, a couple of capitalised roles
    for p in [p for p in people if p.story == "regular"][5:7]:
        p.name = p.name.lower()
    for p in [p for p in people if p.role == "host"][:2]:
        p.role = "Host"
    return EXEMPLARS + people + ATTENDANCE_ONLY


def _moved_date(text: str) -> date:
    if "/" in text:
        d, m, y = (int(x) for x in text.split("/"))
        return date(y, m, d)
    month, year = text.split()
    return date(int(year), MONTHS.index(month) + 1, 1)


# --- attendance ----------------------------------------------------------------

def country(city: str) -> str:
    return {"Toronto": "CA", "Dublin": "IE", "Paris": "FR", "New York": "US"}.get(city, "GB")


CHECKED_IN, ATTENDING, CANCELLED, REFUNDED = "Checked In", "Attending", "Cancelled", "Refunded"
#: "came once" and "never came" are judged this many days before AS_OF
ONCE_CUTOFF = AS_OF - timedelta(days=60)


class Planner:
    """Decides, story by story, which events each person registered for."""

    def __init__(self, rng: random.Random, events: list[Event]):
        self.rng = rng
        self.past = [e for e in events if e.past]
        self.per_city: dict[str, int] = {}
        for e in self.past:
            self.per_city[e.city] = self.per_city.get(e.city, 0) + 1

    def pick(self, p: Person, *, home: bool = False, online: bool = False,
             other: bool = False, start: date | None = None,
             end: date | None = None) -> list[Event]:
        out = []
        for e in self.past:
            if p.joined is not None and e.starts_at <= p.joined:
                continue
            if start and e.starts_at.date() < start or end and e.starts_at.date() > end:
                continue
            if e.online:
                ok = online
            elif e.city == p.city:
                ok = home
            else:  # travelling to another city's meetup, within their own country
                ok = other and country(e.city) == country(p.city)
            if ok:
                out.append(e)
        return out

    def status(self, e: Event) -> str:
        r = self.rng.random()
        if r < 0.88:
            return CHECKED_IN
        if r < 0.94:
            return ATTENDING  # registered, never checked in: a no-show
        if r < 0.985:
            return REFUNDED if e.paid and self.rng.random() < 0.6 else CANCELLED
        return REFUNDED if e.paid else CANCELLED

    def chance(self, events: list[Event], prob: float) -> list[tuple[Event, str]]:
        return [(e, self.status(e)) for e in events if self.rng.random() < prob]

    def some(self, events: list[Event], k: int) -> list[tuple[Event, str]]:
        chosen = self.rng.sample(events, min(k, len(events)))
        return [(e, CHECKED_IN) for e in sorted(chosen, key=lambda e: e.starts_at)]

    def plan(self, p: Person) -> list[tuple[Event, str]]:
        """The bookings for one person: at most one event a day, home events first."""
        got = self._plan(p)
        got.sort(key=lambda g: (g[0].city != p.city, g[0].online, g[0].starts_at))
        days: list[date] = []
        out = []
        for e, status in got:
            if e.starts_at.date() not in days:
                days.append(e.starts_at.date())
                out.append((e, status))
        return sorted(out, key=lambda g: g[0].starts_at)

    def _plan(self, p: Person) -> list[tuple[Event, str]]:
        rng, s, prm = self.rng, p.story, p.params
        if s in ("organiser", "host", "volunteer", "regular", "occasional",
                 "newcomer_settling"):
            home_p, online_p, other_p = {
                "organiser": (0.97, 0.8, 0.05), "host": (0.93, 0.3, 0.02),
                "volunteer": (0.7, 0.2, 0.01), "newcomer_settling": (0.6, 0.3, 0.0),
                "regular": (rng.uniform(0.35, 0.65), 0.1, 0.005),
                "occasional": (rng.uniform(0.06, 0.18), 0.04, 0.0),
            }[s]
            if self.per_city.get(p.city, 0) <= 8:
                home_p = min(0.95, home_p * 1.6)  # a rare local meetup is a bigger draw
            if p.exemplar and s in ("organiser", "host", "volunteer"):
                home_p = 1.0  # the people who run the meetups
            home_p = prm.get("p", home_p)
            got = (self.chance(self.pick(p, home=True), home_p)
                   + self.chance(self.pick(p, online=True), online_p)
                   + self.chance(self.pick(p, other=True), other_p))
            if p.exemplar:  # keep exemplars' stories exact: everyone they booked came
                got = [(e, CHECKED_IN) for e, _ in got]
            return got
        if s == "newcomer_few":
            k = prm.get("events", rng.choice([1, 2, 2]))
            pool = self.pick(p, home=True, online=True)
            kinds = prm.get("kinds")
            if kinds:
                pool = [e for e in pool if any(kind in e.title for kind in kinds)] or pool
            return self.some(pool, k)
        if s in ("newcomer_once", "once_old"):
            end = min(prm.get("before", ONCE_CUTOFF), ONCE_CUTOFF)
            pool = self.pick(p, home=True, online=True, end=end)
            if not pool:  # nothing near them before the cut-off: go further afield
                pool = self.pick(p, other=True, end=end)
            return self.some(pool, 1)
        if s in ("newcomer_never", "never"):
            pool = self.pick(p, home=True)
            if pool and not p.exemplar and rng.random() < 0.15:
                return [(rng.choice(pool), CANCELLED)]
            return []
        if s == "never_noshow":
            pool = self.pick(p, home=True, online=True)
            k = prm.get("noshows", rng.choice([1, 1, 2]))
            chosen = self.rng.sample(pool, min(k, len(pool)))
            return [(e, ATTENDING) for e in sorted(chosen, key=lambda e: e.starts_at)]
        if s == "recent":
            pool = self.pick(p, home=True, online=True)
            if pool and not p.exemplar and rng.random() < 0.45:
                return self.some(pool, 1)
            return []
        if s == "lapsed":
            stop = prm.get("stop") or (date(2025, 10, 20)
                                       + timedelta(days=rng.randrange(192)))
            pool = self.pick(p, home=True, end=stop)
            got = self.some(pool, prm.get("k", rng.randrange(3, 9)))
            later = self.pick(p, home=True, start=stop + timedelta(days=30))
            if later and not p.exemplar and rng.random() < 0.3:
                got.append((rng.choice(later), CANCELLED))  # booked once more, thought better
            return got
        if s == "drifting":
            slow = prm.get("slow") or (date(2026, 7, 15) + timedelta(days=rng.randrange(31)))
            before = self.pick(p, home=True, end=slow)
            # exemplars came to everything near them until they slowed down
            keep = 1.0 if p.exemplar else 0.75
            got = [(e, CHECKED_IN) for e in before if rng.random() < keep]
            # a steady rhythm in the 90 days before the last 90 ...
            window = [e for e in before
                      if AS_OF - timedelta(days=180) < e.starts_at.date()
                      <= AS_OF - timedelta(days=90)]
            have = {e.event_id for e, _ in got}
            for e in window:
                if e.event_id not in have and sum(
                        1 for g, _ in got if g in window) < 3:
                    got.append((e, CHECKED_IN))
            # ... then at most one since
            after = self.pick(p, home=True, start=slow + timedelta(days=1),
                              end=AS_OF - timedelta(days=30))
            if after and not p.exemplar and rng.random() < 0.4:
                got.append((after[0], CHECKED_IN))
            return sorted(got, key=lambda g: g[0].starts_at)
        if s in ("far_online", "online"):
            got = self.chance(self.pick(p, online=True), 0.6)
            return [(e, CHECKED_IN) for e, _ in got] if p.exemplar else got
        if s == "abroad":
            return self.chance(self.pick(p, online=True), 0.3)
        if s == "guest":
            return self.some(self.pick(p, home=True), prm.get("events", 1))
        if s in ("far_never", "no_ties"):
            return []  # no_ties is planned last, once everyone else is known
        raise ValueError(f"unknown story {s!r}")


def plan_no_ties(person: Person, planner: Planner,
                 booked: list[tuple[Event, Person, str]]) -> list[tuple[Event, str]]:
    """Three events in different places whose other attendees never overlap."""
    who: dict[int, list[str]] = {}
    for e, p, _ in booked:
        who.setdefault(e.event_id, []).append(p.att_email.lower())
    pool = planner.pick(person, home=True, other=True)
    pool.sort(key=lambda e: (e.city != person.city, e.starts_at))
    chosen: list[Event] = []
    seen: list[str] = []
    cities: list[str] = []
    for e in pool:
        others = who.get(e.event_id, [])
        if (len(others) < 2 or e.city in cities or any(o in seen for o in others)
                or any(c.starts_at.date() == e.starts_at.date() for c in chosen)):
            continue
        chosen.append(e)
        seen.extend(others)
        cities.append(e.city)
        if len(chosen) == 3:
            break
    if len(chosen) < 3:
        raise RuntimeError("could not plan the no-repeat-ties story")
    return [(e, CHECKED_IN) for e in sorted(chosen, key=lambda e: e.starts_at)]


def order_date(rng: random.Random, e: Event, joined: datetime | None) -> datetime:
    hi = e.starts_at - timedelta(hours=2)
    lo = e.starts_at - timedelta(days=28)
    if joined is not None and joined > lo:
        lo = min(joined + timedelta(minutes=5), hi - timedelta(hours=1))
    seconds = int((hi - lo).total_seconds())
    return lo + timedelta(seconds=rng.randrange(max(seconds, 1)))


def build_attendance(rng: random.Random, people: list[Person],
                     events: list[Event]) -> list[list[str]]:
    planner = Planner(rng, events)
    booked: list[tuple[Event, Person, str]] = []
    for p in people:
        for e, status in planner.plan(p):
            booked.append((e, p, status))
    # no meetup went completely unattended: the local regulars turned up
    came = {e.event_id for e, _, status in booked if status == CHECKED_IN}
    for e in planner.past:
        if e.event_id in came or e.online:
            continue
        locals_ = [p for p in people if p.city == e.city and not p.exemplar
                   and p.story in ("host", "volunteer", "regular")
                   and p.joined is not None and p.joined < e.starts_at
                   and not any(b[0].starts_at.date() == e.starts_at.date()
                               for b in booked if b[1] is p)]
        for p in locals_[:2]:
            booked.append((e, p, CHECKED_IN))
    for p in people:
        if p.story == "no_ties":
            for e, status in plan_no_ties(p, planner, booked):
                booked.append((e, p, status))
    rows: list[tuple[datetime, datetime, list[str]]] = []
    for e, p, status in booked:
        rows.append(_row(rng, e.event_id, e.title, e.starts_at, p, status))
    # an event that happened but never made it onto the organiser's event list
    picnic_at = datetime(2026, 7, 18, 12, 0)
    regulars = [p for p in people if p.story == "regular" and p.city == "London"
                and not p.exemplar][:2]
    guest = [p for p in people if p.email == "chidi.eze@example.org"]
    for p in regulars + guest:
        rows.append(_row(rng, UNKNOWN_EVENT[0], UNKNOWN_EVENT[1], picnic_at, p, CHECKED_IN))
    rows.sort(key=lambda r: (r[0], r[1], r[2][4].lower()))
    return [r[2] for r in rows]


def _row(rng: random.Random, event_id: int, title: str, starts_at: datetime, p: Person,
         status: str) -> tuple[datetime, datetime, list[str]]:
    first, _, last = p.name.partition(" ")
    email = EVENTBRITE_CASE.get(p.email.strip().lower(), p.att_email)
    ev = Event(event_id, title, starts_at, "", "", False)
    ordered = order_date(rng, ev, p.joined)
    return starts_at, ordered, [str(event_id), title, first, last, email, status,
                                ordered.strftime("%Y-%m-%d %H:%M:%S")]


# --- the sign-up form ------------------------------------------------------------

def member_rows(rng: random.Random, people: list[Person]) -> list[list[str]]:
    rows: list[tuple[datetime, list[str]]] = []
    for p in people:
        if p.joined is None:
            continue
        rows.append((p.joined, _form_row(p.joined, p, p.email, p.city_text, p.ucla, p.ons,
                                         p.role)))
        if p.email in DUPLICATES:
            email, days, city_text = DUPLICATES[p.email]
            again = p.joined + timedelta(days=days, minutes=rng.randrange(-600, 600),
                                         seconds=rng.randrange(60))
            # the second time they skipped the survey and the role
            ons = "Occasionally" if p.story == "lapsed" else ""
            rows.append((again, _form_row(again, p, email, city_text, ("", "", ""), ons, "")))
    rows.sort(key=lambda r: r[0])
    return [r[1] for r in rows]


def _form_row(when: datetime, p: Person, email: str, city_text: str,
              ucla: tuple[str, str, str], ons: str, role: str) -> list[str]:
    return [when.strftime("%d/%m/%Y %H:%M:%S"), p.name, email, city_text, p.moved,
            p.interests, role, *ucla, ons]


def event_rows(events: list[Event]) -> list[list[str]]:
    return [[str(e.event_id), e.title, e.starts_at.strftime("%Y-%m-%d %H:%M"), e.city,
             e.venue, "Yes" if e.online else "No"] for e in events]


# --- entry point -----------------------------------------------------------------

def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def build() -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """The three tables as rows of strings (members, events, attendance)."""
    events = build_events(random.Random(f"{SEED}-events"))
    people = build_people(random.Random(f"{SEED}-people"))
    attendance = build_attendance(random.Random(f"{SEED}-attendance"), people, events)
    members = member_rows(random.Random(f"{SEED}-form"), people)
    return members, event_rows(events), attendance


def main(out_dir: str | Path | None = None) -> list[Path]:
    """Write the three demo CSVs into ``out_dir`` (default: this folder)."""
    out = Path(out_dir) if out_dir is not None else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    members, events, attendance = build()
    paths = [out / MEMBERS_FILE, out / EVENTS_FILE, out / ATTENDANCE_FILE]
    _write(paths[0], MEMBER_HEADERS, members)
    _write(paths[1], EVENT_HEADERS, events)
    _write(paths[2], ATTENDANCE_HEADERS, attendance)
    return paths


if __name__ == "__main__":
    for written in main(sys.argv[1] if len(sys.argv) > 1 else None):
        print(written)
