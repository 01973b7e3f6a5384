"""Who may call the transport API: bearer tokens checked against the role an endpoint needs.

``staff`` tokens name one library and may act only there; ``driver`` tokens load and unload
crates anywhere; ``coordinator`` tokens read and plan for every library; ``operator`` tokens
read the overdue transfers. See :mod:`kulkuri.shared.auth` for the tokens themselves and
docs/security.md for the whole table.
"""

from kulkuri.shared.auth import Principal, Role
from kulkuri.shared.auth_http import authenticator, problem, require_library, require_role, who

__all__ = ["authenticator", "problem", "require_library", "require_role", "require_scanner"]


def require_scanner(principal: Principal, library: str, *, crate_scan: bool) -> None:
    """403 unless the caller may scan at ``library``: its own staff, or a driver for crate
    loads and unloads. Coordinators plan; they do not scan."""
    if principal.role is Role.STAFF and principal.library == library:
        return
    if principal.role is Role.DRIVER and crate_scan:
        return
    expected = f"a staff token of {library}" + (" or a driver token" if crate_scan else "")
    raise problem(403, "wrong_library", f"{who(principal)}; expected {expected}")
