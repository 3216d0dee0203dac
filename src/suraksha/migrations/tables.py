"""Every capability's tables, registered on the shared metadata for Alembic and the tests.

The only module outside a capability that imports its `store` (the import contracts allow it).
"""

from suraksha.accounts import store as accounts  # noqa: F401
from suraksha.adapters import leases, outbox  # noqa: F401
from suraksha.adapters.db import metadata
from suraksha.cases import store as cases  # noqa: F401
from suraksha.cases.courts import store as courts  # noqa: F401
from suraksha.cases.dashboards import store as case_dashboards  # noqa: F401
from suraksha.cases.forensics import store as forensics  # noqa: F401
from suraksha.cases.updates import store as case_updates  # noqa: F401
from suraksha.dispatch import position_store as dispatch_positions
from suraksha.dispatch import store as dispatch  # noqa: F401
from suraksha.handsets import store as handsets  # noqa: F401
from suraksha.incidents import interop_store as incidents_interop  # noqa: F401
from suraksha.incidents import store as incidents  # noqa: F401
from suraksha.intake.channels.web_form import store as web_form  # noqa: F401
from suraksha.messaging import store as messaging  # noqa: F401
from suraksha.places import store as places  # noqa: F401
from suraksha.registry import store as registry  # noqa: F401
from suraksha.societies import store as societies  # noqa: F401
from suraksha.stations import store as stations  # noqa: F401
from suraksha.targets import store as targets  # noqa: F401
from suraksha.volunteers import store as volunteers  # noqa: F401

positions_metadata = dispatch_positions.positions_metadata  # the positions' store, kept apart: see its module


def migrated(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's `include_object`: everything but the positions' store, which shares a PostgreSQL database and is
    created by `upgrade` instead (a store of minutes, with no migrations of its own)."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table not in positions_metadata.tables


__all__ = ["metadata", "migrated", "positions_metadata"]
