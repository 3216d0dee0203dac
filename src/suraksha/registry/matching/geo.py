"""States and districts as the registry uses them: names and codes come from suraksha.places.

The synthetic registry's own list of states (weights and sample districts) is in the lab
(suraksha_lab.registry.states).
"""

from __future__ import annotations

# STATE_BY_CODE holds every valid code (the places table's states and union territories); the registry
# only asks `code in STATE_BY_CODE`.
from suraksha.places.model import DISTRICT_RENAMES, OLD_NAMES, STATE_BY_CODE, canonical_district, canonical_state

__all__ = ["DISTRICT_RENAMES", "OLD_NAMES", "STATE_BY_CODE", "canonical_district", "canonical_state"]
