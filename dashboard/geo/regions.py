"""Countries and regions a place name can be qualified by ("Leeds, UK", "Portland OR")."""

from __future__ import annotations

from dashboard.geo.keys import name_key

# --- countries and regions ---------------------------------------------------------

_GB_NATIONS = {"england": "ENG", "scotland": "SCT", "wales": "WLS", "northern ireland": "NIR",
               "cymru": "WLS", "alba": "SCT", "eng": "ENG", "sct": "SCT", "wls": "WLS", "nir": "NIR"}
_CA_PROVINCES = {
    "01": ("Alberta", "AB"), "02": ("British Columbia", "BC"), "03": ("Manitoba", "MB"),
    "04": ("New Brunswick", "NB"), "05": ("Newfoundland and Labrador", "NL"),
    "07": ("Nova Scotia", "NS"), "08": ("Ontario", "ON"), "09": ("Prince Edward Island", "PE"),
    "10": ("Quebec", "QC"), "11": ("Saskatchewan", "SK"), "12": ("Yukon", "YT"),
    "13": ("Northwest Territories", "NT"), "14": ("Nunavut", "NU"),
}
_AU_STATES = {
    "01": ("Australian Capital Territory", "ACT"), "02": ("New South Wales", "NSW"),
    "03": ("Northern Territory", "NT"), "04": ("Queensland", "QLD"), "05": ("South Australia", "SA"),
    "06": ("Tasmania", "TAS"), "07": ("Victoria", "VIC"), "08": ("Western Australia", "WA"),
}
_COUNTRY_ALIASES = {
    "GB": ("uk", "u k", "united kingdom", "great britain", "britain", "gb", "gbr", "the uk", "england uk"),
    "US": ("usa", "us", "u s", "u s a", "united states", "united states of america", "america", "the us",
           "the usa", "the states"),
    "NL": ("holland", "the netherlands", "nederland"),
    "DE": ("deutschland",), "CH": ("schweiz", "suisse", "svizzera"), "AT": ("osterreich",),
    "ES": ("espana",), "IT": ("italia",), "BR": ("brasil",), "IE": ("eire", "republic of ireland", "roi"),
    "CZ": ("czechia", "czech republic"), "KR": ("south korea", "korea"), "RU": ("russia",),
    "AE": ("uae", "u a e"), "BE": ("belgie", "belgique"), "PL": ("polska",), "SE": ("sverige",),
    "DK": ("danmark",), "NO": ("norge",), "FI": ("suomi",), "GR": ("hellas",), "TR": ("turkiye",),
    "NZ": ("aotearoa",), "MX": ("mexico",), "CN": ("prc",), "VN": ("vietnam",),
}
# a few English counties and regions: enough to keep "Richmond, North Yorkshire" in England
_ENGLISH_AREAS = (
    "yorkshire", "west yorkshire", "south yorkshire", "north yorkshire",
    "east yorkshire", "east riding of yorkshire", "lancashire", "merseyside",
    "cheshire", "cumbria", "northumberland", "tyne and wear", "county durham", "durham",
    "lincolnshire", "nottinghamshire", "derbyshire", "leicestershire", "staffordshire",
    "east midlands", "warwickshire", "worcestershire", "herefordshire",
    "shropshire", "gloucestershire", "oxfordshire", "buckinghamshire", "bedfordshire",
    "hertfordshire", "cambridgeshire", "norfolk", "suffolk", "essex", "kent", "surrey",
    "east sussex", "west sussex", "sussex", "hampshire", "berkshire", "wiltshire", "dorset",
    "somerset", "devon", "cornwall", "isle of wight", "rutland", "northamptonshire",
    "north east", "north west", "south east", "south west", "east anglia", "the midlands",
    "midlands", "home counties",
)
_SCOTTISH_AREAS = ("highlands", "scottish highlands", "fife", "lothian", "ayrshire", "aberdeenshire",
                   "lanarkshire", "perthshire", "argyll", "borders", "scottish borders")
_WELSH_AREAS = ("gwynedd", "powys", "glamorgan", "pembrokeshire", "ceredigion", "carmarthenshire",
                "south wales", "north wales", "mid wales")

Region = tuple[str, str]  # (ISO country, GeoNames admin1 code or "" for the whole country)


def qualifier_table(countries: dict, us_states: dict) -> dict[str, tuple[Region, ...]]:
    """Folded alias -> the countries/regions it can mean (e.g. "ca": Canada or California)."""
    table: dict[str, set[Region]] = {}

    def add(alias: str, region: Region) -> None:
        key = name_key(alias)
        if key:
            table.setdefault(key, set()).add(region)

    for iso, c in countries.items():
        add(c["name"], (iso, ""))
        add(iso, (iso, ""))
        add(c.get("iso3", ""), (iso, ""))
    for iso, aliases in _COUNTRY_ALIASES.items():
        for a in aliases:
            add(a, (iso, ""))
    for name, code in _GB_NATIONS.items():
        add(name, ("GB", code))
    for area in _ENGLISH_AREAS:
        add(area, ("GB", "ENG"))
    for area in _SCOTTISH_AREAS:
        add(area, ("GB", "SCT"))
    for area in _WELSH_AREAS:
        add(area, ("GB", "WLS"))
    for code, s in us_states.items():
        add(s["name"], ("US", code))
        add(code, ("US", code))
    add("washington dc", ("US", "DC"))
    add("d c", ("US", "DC"))
    for admin1, (name, abbr) in _CA_PROVINCES.items():
        add(name, ("CA", admin1))
        add(abbr, ("CA", admin1))
    add("quebec", ("CA", "10"))
    for admin1, (name, abbr) in _AU_STATES.items():
        add(name, ("AU", admin1))
        add(abbr, ("AU", admin1))
    return {k: tuple(sorted(v)) for k, v in table.items()}


def region_names(countries: dict, us_states: dict) -> dict[Region, str]:
    """Display names of countries and of the admin1 regions we know by name."""
    names: dict[Region, str] = {(iso, ""): c["name"] for iso, c in countries.items()}
    names.update({("GB", "ENG"): "England", ("GB", "SCT"): "Scotland", ("GB", "WLS"): "Wales",
                  ("GB", "NIR"): "Northern Ireland"})
    names.update({("US", code): s["name"] for code, s in us_states.items()})
    names.update({("CA", a1): name for a1, (name, _abbr) in _CA_PROVINCES.items()})
    names.update({("AU", a1): name for a1, (name, _abbr) in _AU_STATES.items()})
    return names

