"""The three kinds of listing, their Chinese names and their URL segments: one table for all features."""

KIND_LABELS = {"patent": "专利", "result": "科技成果", "demand": "技术需求"}

# kind -> the segment of its public URLs (/patents/<id>, /results/<id>, /demands/<id>).
SEGMENTS = {"patent": "patents", "result": "results", "demand": "demands"}
