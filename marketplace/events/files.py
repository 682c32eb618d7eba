"""Files an event hands out: the calendar entry (.ics), the attendee list (XLSX) and the ticket's QR code."""

import io
from datetime import datetime

import segno
from openpyxl import Workbook

from marketplace.common.exports import xlsx_row
from marketplace.common.timeutil import to_beijing, utcnow
from marketplace.events.models import Event, Registration

ATTENDEE_HEADERS = [
    "序号",
    "姓名",
    "手机号",
    "报名状态",
    "签到时间",
    "现场登记",
    "备注",
    "报名时间",
    "同意使用信息时间",
]


def _ics_text(value: str) -> str:
    """Escape TEXT as RFC 5545 section 3.3.11 asks: backslash, semicolon, comma, newline."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _ics_time(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """Fold a content line at 75 octets (RFC 5545 section 3.1), never inside a UTF-8 character."""
    parts, current = [], ""
    for char in line:
        limit = 75 if not parts else 74  # continuation lines start with one space
        if len((current + char).encode("utf-8")) > limit:
            parts.append(current)
            current = char
        else:
            current += char
    parts.append(current)
    return [parts[0]] + [" " + part for part in parts[1:]]


def event_ics(event: Event, site_url: str) -> bytes:
    """One VEVENT in UTC times, lines ending CRLF."""
    url = f"{site_url.rstrip('/')}/events/{event.id}"
    location = event.place or event.online_url
    description = f"{event.type_label}｜主办：{event.organiser_name}\n{event.agenda}".strip()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//sjz-kjcg//events//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:event-{event.id}@sjz-kjcg",
        f"DTSTAMP:{_ics_time(utcnow())}",
        f"DTSTART:{_ics_time(event.starts_at)}",
        f"DTEND:{_ics_time(event.ends_at)}",
        f"SUMMARY:{_ics_text(event.title)}",
        f"LOCATION:{_ics_text(location)}",
        f"DESCRIPTION:{_ics_text(description)}",
        f"URL:{url}",
        "STATUS:CANCELLED" if event.status == "cancelled" else "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    folded = [part for line in lines for part in _fold(line)]
    return ("\r\n".join(folded) + "\r\n").encode("utf-8")


def _local(value: datetime | None):
    local = to_beijing(value)
    return local.replace(tzinfo=None) if local else None


def attendee_workbook(event: Event, registrations: list[Registration]) -> bytes:
    """The attendee list with Chinese headers; times in Beijing time; text never a formula."""
    book = Workbook()
    sheet = book.active
    sheet.title = "参会名单"
    sheet.append(xlsx_row(sheet, ATTENDEE_HEADERS))
    for number, item in enumerate(registrations, start=1):
        sheet.append(
            xlsx_row(
                sheet,
                [
                    number,
                    item.name,
                    item.phone,
                    item.status_label,
                    _local(item.checked_in_at),
                    "是" if item.walk_in else "否",
                    item.note,
                    _local(item.created_at),
                    _local(item.consent_at),
                ],
            )
        )
    for column, width in zip("ABCDEFGHI", (6, 12, 16, 10, 20, 10, 30, 20, 20), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def qr_svg(data: str) -> str:
    """The QR code as an SVG data URI for an <img>: rendered on the server, never inline markup
    (the page then holds no <svg> element that a stored payload could hide among)."""
    return segno.make(data, error="m").svg_data_uri(scale=4, border=2)
