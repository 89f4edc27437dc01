"""Human-readable labels for the dotted audit codes, shown in the log views."""

from django.utils.translation import gettext_lazy as _

from kanyle.clinics.models import Role

ACTION_LABELS = {
    "auth.login.succeeded": _("Logged in"),
    "auth.login.failed": _("Failed login"),
    "auth.login.locked_out": _("Account locked after repeated failed logins"),
    "auth.logout": _("Logged out"),
    "auth.session.timed_out": _("Logged out after inactivity"),
    "auth.password.changed": _("Changed own password"),
    "auth.totp.enrolled": _("Enrolled an authenticator app"),
    "auth.totp.reset": _("Authenticator reset by administrator"),
    "clinics.clinic.selected": _("Chose clinic"),
    "clinics.clinic.updated": _("Changed clinic profile"),
    "clinics.membership.created": _("Gave a role"),
    "clinics.membership.updated": _("Changed a role"),
    "staff.user.created": _("Created a staff user"),
    "staff.practitioner.updated": _("Changed practitioner profile"),
    "staff.credential.created": _("Registered a credential"),
    "staff.credential.verified": _("Verified a credential"),
    "staff.credential.evidence_viewed": _("Opened credential evidence"),
    "staff.insurance.created": _("Registered insurance cover"),
    "staff.agreement.created": _("Registered a municipal agreement"),
    "staff.agreement.hours_changed": _("Changed agreed opening hours"),
    "patients.patient.listed": _("Saw the patient in a search result"),
    "patients.patient.viewed": _("Opened the patient's details"),
    "patients.patient.created": _("Registered the patient"),
    "patients.patient.updated": _("Changed the patient's details"),
    "patients.national_id.revealed": _("Showed the full national ID"),
    "patients.risk_flag.created": _("Added a risk flag"),
    "patients.risk_flag.resolved": _("Marked a risk flag as no longer current"),
    "patients.access_log.viewed": _("Read the patient's access log"),
    "audit.log.viewed": _("Read the audit log"),
    "journal.chart.viewed": _("Opened the record"),
    "journal.note.created": _("Started a journal note"),
    "journal.note.updated": _("Changed a draft note"),
    "journal.note.signed": _("Signed a journal note"),
    "journal.note.discarded": _("Discarded a draft note"),
    "journal.coauthor.saved": _("Saved own part of a co-authored note"),
    "journal.coauthor.signed": _("Signed own part of a co-authored note"),
    "journal.amendment.created": _("Corrected a signed note"),
    "journal.attachment.added": _("Added an attachment"),
    "journal.attachment.viewed": _("Opened an attachment"),
    "journal.referral.created": _("Registered a referral"),
    "journal.referral.viewed": _("Read a referral"),
    "journal.referral.decided": _("Decided on a referral"),
    "journal.referral.document_viewed": _("Opened a referral document"),
    "journal.episode.created": _("Started an episode of care"),
    "journal.episode.viewed": _("Read an episode of care"),
    "journal.episode.updated": _("Changed an episode of care"),
    "journal.emergency_access.prompted": _("Was asked for a reason for emergency access"),
    "journal.emergency_access.granted": _("Opened the record with emergency access"),
    "journal.emergency_access.reviewed": _("Reviewed emergency accesses"),
    "journal.record.exported": _("Exported the whole record as PDF"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def role_label(code: str) -> str:
    return str(Role(code).label) if code in Role.values else code
