"""From match to deal: inquiries (意向), broker introductions and the deal pipeline."""
