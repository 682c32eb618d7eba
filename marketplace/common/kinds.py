"""The three kinds of listing, their Chinese names and their URL segments: one table for all features."""

from marketplace.common.i18n import N_

KIND_LABELS = {"patent": N_("专利"), "result": N_("科技成果"), "demand": N_("技术需求")}

# kind -> the segment of its public URLs (/patents/<id>, /results/<id>, /demands/<id>).
SEGMENTS = {"patent": "patents", "result": "results", "demand": "demands"}
