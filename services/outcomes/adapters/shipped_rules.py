"""The collection policies a network's holds service would run with: those of its shipped
holds config.

Lastu's is shipped (``services/holds/sample/lastu.toml``). No other network has one, so for
Helmet the sample that the holds service's generator writes for it is read instead
(``python -m kulkuri.holds.adapters.consortium_config Helmet``): the same rules, with
Helmet's libraries. Only the rules are taken (collection policies, the default policy and
the rebalance window and least gain); the comparison keeps its own libraries, opening and
transport cost, the same for every policy.
"""

from __future__ import annotations

from kulkuri.holds.adapters.consortium_config import (
    SAMPLE_LASTU,
    load_consortium_config,
    parse_consortium_config,
    write_sample_config,
)
from kulkuri.outcomes.domain.rules import CollectionRules, rules_of


def shipped_collection_rules(network: str) -> CollectionRules:
    shipped = load_consortium_config(SAMPLE_LASTU)
    if shipped.name.lower() == network.lower():
        return rules_of(shipped, "services/holds/sample/lastu.toml")
    generated = parse_consortium_config(write_sample_config(network), f"sample for {network}")
    return rules_of(generated, f"the holds config sample generated for {network}")
