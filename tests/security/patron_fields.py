"""Names that would carry a patron's identity: in event fields, table columns, log lines.

A name is patron-like when one of its words (split at ``_``, ``-``, ``.``, case changes) is
one of ``PATRON_WORDS``, or when it is exactly ``name`` (a bare name is a person's; a
library's name is ``library_name`` or sits in a library's record). Finnish words are there
because the consortia are Finnish: ``hetu`` is the personal identity code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

PATRON_WORDS = frozenset(
    {
        "patron", "patrons", "borrower", "borrowers", "borrowernumber", "card", "cardnumber",
        "librarycard", "user", "users", "userid", "username", "person", "personal", "customer",
        "email", "phone", "telephone", "mobile", "ssn", "hetu", "birth", "birthdate", "dob",
        "address", "street", "postcode", "zipcode", "firstname", "lastname", "surname",
        "fullname", "givenname", "familyname", "asiakas", "lainaaja", "kortti",
    }
)  # fmt: skip
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_TWO_WORDS = {("first", "name"), ("last", "name"), ("full", "name"), ("given", "name")}


def is_patron_field(name: str) -> bool:
    words = [w.lower() for w in _WORD.findall(name)]
    pairs = set(pairwise(words))
    return name.lower() == "name" or bool(PATRON_WORDS & set(words)) or bool(_TWO_WORDS & pairs)


def keys(value: Any) -> Iterator[str]:
    """Every key of every object nested in a JSON value."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            yield from keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys(inner)


def patron_fields(value: Any) -> set[str]:
    return {key for key in keys(value) if is_patron_field(key)}
