"""The contract amount from which a contract counts as a major project (重大项目).

Both the facts' rollups (facts.py, which count major contracts) and the bureau's settings
(settings.py, where the threshold is edited and the rollups then recounted) need it; it lives
below both so that settings may call into the facts without the facts calling back.
"""

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.stats.models import StatSetting

KEY = "major_threshold_fen"
# The city's plan: a technology contract of 1,000万元 or more is a major project.
DEFAULT_FEN = 10_000_000 * 100


def major_threshold_fen() -> int:
    """The bureau's threshold if it set one, else the plan's."""
    raw = db.session.scalar(select(StatSetting.value).where(StatSetting.key == KEY))
    return int(raw if raw is not None else DEFAULT_FEN)
