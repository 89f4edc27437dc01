"""Decisions of the internal-control system (INJ-V1..V5, LAW-Q, INJ-O3), one module per area.

`emergency_preparedness(clinic=..., at=...)` is the one function the injection readiness gate calls.
"""

from kanyle.quality.rules.documents import *  # noqa: F403
from kanyle.quality.rules.safety import *  # noqa: F403
