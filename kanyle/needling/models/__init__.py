"""Needle treatment and TENS: assessment, plan with shared decision, screening, sessions, side effects.

The rules (NAL-1..NAL-7, NAL-11, NAL-12) live in ``rules.py``; the database holds what it can check
itself: ranges of stimulation parameters, times in order, a lost needle tied to its side effect.
Billing reads ``Session`` (date, practitioner, patient, episode, kind) once it is signed.

``ranges`` (validation ranges), ``course`` (assessment, plan, goals, screening), ``sessions`` (sessions,
needles, stimulation, TENS, device loans) and ``safety`` (side effects and follow-ups).
"""

from kanyle.needling.models.course import (
    Assessment,
    Caution,
    CautionDecision,
    PainType,
    Plan,
    PlanGoal,
    Screening,
    ScreeningItem,
)
from kanyle.needling.models.ranges import (
    DURATION_MIN,
    DURATION_VALIDATORS,
    FREQUENCY_HZ,
    FREQUENCY_VALIDATORS,
    INTENSITY_MA,
    INTENSITY_VALIDATORS,
    MAX_ELECTRODES,
    MAX_NEEDLES,
    NEEDLE_GAUGE_MM,
    NEEDLE_LENGTH_MM,
    PAIN_VALIDATORS,
    PSFS_VALIDATORS,
    PULSE_WIDTH_US,
    PULSE_WIDTH_VALIDATORS,
)
from kanyle.needling.models.safety import (
    SERIOUS_SEVERITIES,
    FollowUp,
    SideEffect,
    SideEffectKind,
    SideEffectSeverity,
)
from kanyle.needling.models.sessions import (
    ElectroChannel,
    NeedleSite,
    Sensation,
    Session,
    SessionKind,
    SiteState,
    Stimulation,
    Technique,
    TensElectrode,
    TensLoan,
    TensMode,
    TensSetting,
    Waveform,
)

__all__ = [
    "DURATION_MIN",
    "DURATION_VALIDATORS",
    "FREQUENCY_HZ",
    "FREQUENCY_VALIDATORS",
    "INTENSITY_MA",
    "INTENSITY_VALIDATORS",
    "MAX_ELECTRODES",
    "MAX_NEEDLES",
    "NEEDLE_GAUGE_MM",
    "NEEDLE_LENGTH_MM",
    "PAIN_VALIDATORS",
    "PSFS_VALIDATORS",
    "PULSE_WIDTH_US",
    "PULSE_WIDTH_VALIDATORS",
    "SERIOUS_SEVERITIES",
    "Assessment",
    "Caution",
    "CautionDecision",
    "ElectroChannel",
    "FollowUp",
    "NeedleSite",
    "PainType",
    "Plan",
    "PlanGoal",
    "Screening",
    "ScreeningItem",
    "Sensation",
    "Session",
    "SessionKind",
    "SideEffect",
    "SideEffectKind",
    "SideEffectSeverity",
    "SiteState",
    "Stimulation",
    "Technique",
    "TensElectrode",
    "TensLoan",
    "TensMode",
    "TensSetting",
    "Waveform",
]
