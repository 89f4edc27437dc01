"""The chart's timeline entries, with the rendered HTML of signed notes cached.

A signed note cannot change (PostgreSQL trigger; services refuse it), so its rendered body is kept in
Django's cache under a key made of everything the body shows that *can* change: amendments and
attachments (only ever added, so their counts), the co-author's signed part, the encounter's time,
contact type and episode title, the author's and co-author's names and professions, the language and
the time zone, and the body templates' own source. A new amendment gives a new key, so a stale body
is never served; old keys expire (``KANYLE_NOTE_FRAGMENT_SECONDS``). Not in the key: the display name
of an amendment's author, which a later rename reaches only when the key changes or expires. Drafts are
rendered on every request.

The cached body (``journal/_note_body.html``) is the same for every viewer: what depends on the viewer
(their actions, the upload form with the request's CSRF token) is ``journal/_note_tools.html``, which
differs between notes only by the note's id and a few flags: it is rendered once per request for each
combination of flags, with a placeholder id that is then replaced. Whoever opens the chart has passed
the access checks and is audited in the view; the cache only saves rendering.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from kanyle.journal import selectors

KEY_PREFIX = "journal.note.html"
BODY_TEMPLATES = ("journal/_note_body.html", "journal/_attachments.html")
PLACEHOLDER = 987654321987  # stands for the note's id in the tools rendered once per request; never a real id


@dataclass(frozen=True)
class TimelineEntry:
    """One note of the timeline as chart.html needs it: the user-independent body and the viewer's tools."""

    pk: int
    is_signed: bool
    body: SafeString
    tools: SafeString


@functools.cache
def _templates_digest() -> str:
    """The body templates' source, hashed: a deploy that changes them never serves bodies made by the old ones."""
    sources = "".join(get_template(name).template.source for name in BODY_TEMPLATES)
    return hashlib.blake2b(sources.encode(), digest_size=4).hexdigest()


def fragment_key(row: dict, *, staff: dict[int, Any], episode_titles: dict[int, str]) -> str:
    """The cache key of a signed note's body (see the module docstring for what it covers)."""

    def who(pk: int | None) -> tuple:
        practitioner = staff.get(pk) if pk else None
        if practitioner is None:
            return (pk,)
        return (pk, practitioner.user.display_name, practitioner.profession)

    parts = (
        row["signed_at"].isoformat(),
        row["encounter__occurred_at"].isoformat(),
        row["encounter__contact_type"],
        episode_titles.get(row["encounter__episode_id"], row["encounter__episode_id"]),
        who(row["author_id"]),
        who(row["co_author_id"]),
        row["co_part__signed_at"].isoformat() if row["co_part__signed_at"] else "",
        row["diagnosis_count"],
        row["amendment_count"],
        row["attachment_count"],
        translation.get_language(),
        timezone.get_current_timezone_name(),
        _templates_digest(),
    )
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
    return f"{KEY_PREFIX}:{row['id']}:{digest}"


def timeline_entries(
    rows: list[dict], *, request: HttpRequest, staff: list[Any], episodes: list[Any], practitioner: Any, caps: Any
) -> list[TimelineEntry]:
    """The page's rows (selectors.chart_timeline) as entries: cached bodies for signed notes seen before,
    the others loaded in one query (plus one per child relation some of them have) and rendered."""
    by_pk = {p.pk: p for p in staff}
    titles = {e.pk: e.title for e in episodes}
    keys = {row["id"]: fragment_key(row, staff=by_pk, episode_titles=titles) for row in rows if row["signed_at"]}
    found = cache.get_many(list(keys.values())) if keys else {}
    missing = [row for row in rows if keys.get(row["id"]) not in found]
    notes = selectors.notes_to_render(
        clinic=request.clinic,
        ids=[row["id"] for row in missing],
        diagnoses=any(row["diagnosis_count"] for row in missing),
        amendments=any(row["amendment_count"] for row in missing),
        attachments=any(row["attachment_count"] for row in missing),
    )
    entries, fresh, tools = [], {}, {}
    context = {"practitioner": practitioner, "caps": caps, "csrf_token": get_token(request)}
    for row in rows:
        key = keys.get(row["id"])
        body = found.get(key) if key else None
        if body is None:
            note = notes[row["id"]]
            counts = {
                "diagnoses": row["diagnosis_count"],
                "amendments": row["amendment_count"],
                "attachments": row["attachment_count"],
            }
            body = render_to_string(
                "journal/_note_body.html",
                {"note": note, "sections": selectors.note_sections(note), "counts": counts},
            )
            if key:
                fresh[key] = body
        own_draft = row["signed_at"] is None and practitioner is not None and row["author_id"] == practitioner.pk
        co_part_pending = (
            practitioner is not None and row["co_author_id"] == practitioner.pk and row["co_part__signed_at"] is None
        )
        shape = (row["signed_at"] is not None, own_draft, co_part_pending)
        if shape not in tools:
            tools[shape] = render_to_string(
                "journal/_note_tools.html",
                {
                    **context,
                    "entry": {"pk": PLACEHOLDER, "is_signed": shape[0]},
                    "own_draft": own_draft,
                    "co_part_pending": co_part_pending,
                },
            )
        entries.append(
            TimelineEntry(
                pk=row["id"],
                is_signed=row["signed_at"] is not None,
                body=mark_safe(body),  # noqa: S308  (our own template's output, escaped when it was rendered)
                tools=mark_safe(tools[shape].replace(str(PLACEHOLDER), str(row["id"]))),  # noqa: S308  (as above)
            )
        )
    if fresh:
        cache.set_many(fresh, timeout=settings.KANYLE_NOTE_FRAGMENT_SECONDS)
    return entries
