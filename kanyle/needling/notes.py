"""The journal note a signed session writes: a readable summary of sites, counts, stimulation and response.

The text is written once, in the clinic's language at the time of signing, and then belongs to the
record like any other signed note (helsepersonelloven §39–§40; INJ-P5 / LAW-J).
"""

from __future__ import annotations

from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kanyle.needling.models import Session, SessionKind, SiteState
from kanyle.outcomes.models import Instrument, Phase


def _time(value) -> str:
    return formats.time_format(timezone.localtime(value), "H:i") if value else "–"


def _number(value) -> str:
    return formats.number_format(value)


def _site_line(site: Any) -> str:
    depth = _(", depth %(depth)s mm") % {"depth": site.depth_mm} if site.depth_mm else ""
    state = {
        SiteState.REMOVED: _("removed"),
        SiteState.LOST: _("MISSING, reported as a deviation"),
        SiteState.IN: _("still in"),
    }[site.state]
    return _(
        "%(number)s. %(region)s, %(side)s: %(length)s × %(gauge)s mm%(depth)s, "
        "%(technique)s, %(stimulation)s (%(state)s)"
    ) % {
        "number": site.number,
        "region": site.region_label,
        "side": site.get_side_display().lower(),
        "length": site.length_mm,
        "gauge": _number(site.gauge_mm),
        "depth": depth,
        "technique": site.get_technique_display().lower(),
        "stimulation": site.get_stimulation_display().lower(),
        "state": state,
    }


def _channel_line(channel: Any) -> str:
    return _("Needles %(a)s–%(b)s: %(frequency)s Hz, %(pulse)s µs, %(intensity)s mA, %(waveform)s, %(minutes)s min") % {
        "a": channel.site_a.number,
        "b": channel.site_b.number,
        "frequency": channel.frequency_hz,
        "pulse": channel.pulse_width_us,
        "intensity": _number(channel.intensity_ma),
        "waveform": channel.get_waveform_display().lower(),
        "minutes": channel.duration_minutes,
    }


def _scores(measurements: list[Any]) -> list[str]:
    lines = []
    pain = {m.phase: m.value for m in measurements if m.instrument == Instrument.NPRS}
    if Phase.BEFORE in pain or Phase.AFTER in pain:
        lines.append(
            _("Pain (NPRS) before %(before)s, after %(after)s.")
            % {"before": pain.get(Phase.BEFORE, "–"), "after": pain.get(Phase.AFTER, "–")}
        )
    for m in measurements:
        if m.instrument == Instrument.PSFS:
            lines.append(_("PSFS “%(activity)s”: %(value)s.") % {"activity": m.item_label, "value": m.value})
    return lines


def session_note_sections(
    *,
    session: Session,
    sites: list[Any],
    channels: list[Any],
    electrodes: list[Any],
    tens: Any,
    measurements: list[Any],
    side_effects: list[Any],
    time_warning: str,
) -> dict[str, str]:
    """The sections of the journal note (journal.Note fields) for a session about to be signed."""
    plan = session.plan
    reason = _("%(kind)s, session %(number)s of %(planned)s planned. Indication: %(indication)s") % {
        "kind": session.get_kind_display(),
        "number": session.number,
        "planned": plan.planned_sessions,
        "indication": plan.indication,
    }
    interventions: list[str] = []
    duration = session.duration_minutes
    if session.kind == SessionKind.NEEDLING:
        removed = sum(1 for s in sites if s.state == SiteState.REMOVED)
        lost = sum(1 for s in sites if s.state == SiteState.LOST)
        interventions.append(
            _(
                "Needles: %(count)s in, %(removed)s removed, %(lost)s missing. "
                "In %(start)s, out %(end)s (%(minutes)s min)."
            )
            % {
                "count": len(sites),
                "removed": removed,
                "lost": lost,
                "start": _time(session.inserted_at),
                "end": _time(session.removed_at),
                "minutes": duration if duration is not None else "–",
            }
        )
        interventions.extend(_site_line(site) for site in sites)
        if channels:
            interventions.append(_("Electrical stimulation:"))
            interventions.extend(_channel_line(channel) for channel in channels)
        else:
            interventions.append(_("No electrical stimulation."))
    else:
        if tens is not None:
            interventions.append(
                _("TENS, %(mode)s: %(frequency)s Hz, %(pulse)s µs, %(intensity)s mA, %(minutes)s min.")
                % {
                    "mode": tens.get_mode_display().lower(),
                    "frequency": tens.frequency_hz,
                    "pulse": tens.pulse_width_us,
                    "intensity": _number(tens.intensity_ma),
                    "minutes": tens.duration_minutes,
                }
            )
        interventions.append(
            _("Electrodes on %(start)s, off %(end)s.")
            % {"start": _time(session.inserted_at), "end": _time(session.removed_at)}
        )
        interventions.extend(
            _("Electrode %(number)s: %(region)s, %(side)s")
            % {"number": e.number, "region": e.region_label, "side": e.get_side_display().lower()}
            for e in electrodes
        )
    if time_warning:
        interventions.append(time_warning)
    findings = []
    if session.sensation:
        findings.append(_("Sensation: %(sensation)s.") % {"sensation": session.get_sensation_display().lower()})
    if session.pain_during is not None:
        findings.append(_("Pain during treatment: %(pain)s/10.") % {"pain": session.pain_during})
    findings.extend(_scores(measurements))
    assessment = [session.response.strip()] if session.response.strip() else []
    assessment.extend(
        _("Side effect: %(kind)s (%(severity)s). %(description)s")
        % {
            "kind": effect.get_kind_display(),
            "severity": effect.get_severity_display().lower(),
            "description": effect.description,
        }
        + (_(" Reported as deviation no. %(id)s.") % {"id": effect.deviation_id} if effect.deviation_id else "")
        for effect in side_effects
    )
    measures = [
        text
        for text in (
            plan.exercises and _("Exercises: %(text)s") % {"text": plan.exercises},
            plan.information and _("Information: %(text)s") % {"text": plan.information},
            plan.other_treatment and _("Other treatment: %(text)s") % {"text": plan.other_treatment},
        )
        if text
    ]
    return {
        "reason": reason,
        "findings": "\n".join(findings),
        "assessment": "\n".join(assessment),
        "interventions": "\n".join(interventions),
        "information": "",
        "plan": "\n".join(measures),
    }
