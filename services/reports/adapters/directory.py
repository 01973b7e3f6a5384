"""A network's member libraries, from the library directory shipped in ``kulkuri.shared``."""

from __future__ import annotations

from kulkuri.reports.domain import MemberLibrary, Network, UnknownNetwork
from kulkuri.shared.libraries import load_outlets


def network_of(name: str) -> Network:
    """The consortium ``name`` ("Lastu", "Helmet"; any case), its members in directory order."""
    try:
        outlets = load_outlets(name)
    except ValueError:
        known = sorted({o.consortium for o in load_outlets() if o.consortium})
        raise UnknownNetwork(
            f"no network {name!r} in the library directory (known: {', '.join(known)})"
        ) from None
    members = tuple(MemberLibrary(o.id, o.name, o.municipality) for o in outlets)
    return Network(outlets[0].consortium or name, members)
