"""Signals the events hall sends; other features (the broker profiles) listen."""

from blinker import Namespace

# Sent with sender=event when someone is checked in at a 培训 event, with keyword arguments
# user_id: int, event_id: int, hours: float, attended_on: date (the event's Beijing date).
training_attended = Namespace().signal("training-attended")
