"""The reports as printable HTML: one self-contained A4 document each, for the browser's
print dialog. Templates live in ``kulkuri.reports.templates``; autoescaping is on because
library and municipality names come from data files a consortium may supply."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from kulkuri.reports.domain import AnnualStatistics, CostSharing

_THIN_SPACE = "\u202f"  # groups thousands as Finnish print does, without a line break


def render_cost_sharing(report: CostSharing, printed: datetime) -> str:
    title = f"Cost sharing {report.network} {report.period}"
    return _render("cost_sharing.html", report=report, title=title, printed=_stamp(printed))


def render_annual(report: AnnualStatistics, printed: datetime) -> str:
    title = f"Annual statistics {report.year} {report.network}"
    return _render("annual.html", report=report, title=title, printed=_stamp(printed))


def _money(amount: Decimal | None) -> str:
    return "–" if amount is None else f"{amount:,.2f}".replace(",", _THIN_SPACE)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", _THIN_SPACE)


def _percent(share: Fraction | None) -> str:
    return "–" if share is None else f"{float(share) * 100:.2f} %"


def _km(metres: int) -> str:
    return f"{metres / 1000:,.0f}".replace(",", _THIN_SPACE)


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:,.1f}".replace(",", _THIN_SPACE)


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M %Z").strip()


def _render(template: str, **context: object) -> str:
    return _environment().get_template(template).render(**context)


@cache
def _environment() -> Environment:
    # Built on first use, not at import: importing the adapter reads no files.
    env = Environment(
        loader=PackageLoader("kulkuri.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(money=_money, number=_number, percent=_percent, km=_km, hours=_hours)
    return env
