"""Who may use the statistics routes: the bureau only, except the public 成果转化动态 page."""

from tests.permission_roles import ANY, BUREAU

RULES = {
    "stats.public": ("GET", "/stats", ANY),
    "stats.dashboard": ("GET", "/bureau/stats/", BUREAU),
    "stats.targets": ("GET", "/bureau/stats/targets", BUREAU),
    "stats.add_indicator": ("POST", "/bureau/stats/indicators", BUREAU),
    "stats.export_contracts": ("GET", "/bureau/stats/export/contracts.csv", BUREAU),
    "stats.export_summary": ("GET", "/bureau/stats/export/summary.xlsx", BUREAU),
    "api.stats_summary": ("GET", "/api/v1/stats/summary", BUREAU),
}
