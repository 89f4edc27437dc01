"""The report to the patient's GP (INJ-G4) as a Dialogmelding 1.1 notat inside a MsgHead 1.2 message.

Pure data in, XML bytes out: ``build_gp_report(ReportContext)`` knows nothing of the database, so the
message format can be tested on its own. Every message is validated before it leaves this module: the
whole MsgHead against MsgHead-v1_2.xsd (with the Dialogmelding schema known, because MsgHead validates
its content strictly) and the embedded Dialogmelding against dialogmelding-v1.1.xsd on its own.

Codes used (Helsedirektoratet's kodeverk, OIDs 2.16.578.1.12.4.1.1.<number>):
8279 message type (DIALOG_NOTAT "Notat"), 9051 organisation identifiers (ENH, HER),
8116 person identifiers (FNR, DNR, HNR, FHN, HPR), 7322 topic of the dialogue (6 "Henvendelse om pasient"),
9034 relation to the patient (6 "Fastlege"), 9060 profession (LE, FT).
"""

from __future__ import annotations

import copy
import datetime
import re
from dataclasses import dataclass, field

from lxml import etree

from kanyle.interop import xsd

MSGHEAD_NS = "http://www.kith.no/xmlstds/msghead/2006-05-24"
DIALOG_NS = "http://www.kith.no/xmlstds/dialog/2013-01-23"
# The Dialogmelding's Ident is typed fk1:Ident, so its children (Id, TypeId) are in this namespace.
FK1_NS = "http://www.kith.no/xmlstds/felleskomponent1"
MIG_VERSION = "v1.2 2006-05-24"

OID = "2.16.578.1.12.4.1.1."
MSG_TYPE = {"V": "DIALOG_NOTAT", "DN": "Notat"}  # kodeverk 8279
ORG_ID_TYPES = {
    "ENH": "Organisasjonsnummeret i Enhetsregisteret",
    "HER": "Identifikator fra Helsetjenesteenhetsregisteret (HER-id)",
}
PERSON_ID_TYPES = {
    "FNR": "Fødselsnummer",
    "DNR": "D-nummer",
    "HNR": "H-nummer",
    "FHN": "Felles hjelpenummer",
    "HPR": "HPR-nummer",
}
# Code values as the published volven code lists give them (cross-checked against KS' fiks-nhn-client, which
# sends Dialogmelding 1.1 on the health network): 9060 helsepersonellkategori, 7322 "Tema for helsefaglig
# dialog" (6 = Henvendelse om pasient), 9034 "Helsepersonells funksjoner" (6 = Fastlege).
PROFESSIONS = {"LE": "Lege", "FT": "Fysioterapeut"}  # kodeverk 9060
TOPIC = {"V": "6", "S": OID + "7322", "DN": "Henvendelse om pasient"}
TOPIC_TEXT = "Orientering om ultralydveiledet injeksjon"
GP_ROLE = {"V": "6", "S": OID + "9034", "DN": "Fastlege"}


@dataclass(frozen=True)
class Professional:
    """A named health professional with an HPR number (blank when not known)."""

    given_name: str
    family_name: str
    hpr_number: str = ""
    profession: str = ""  # "LE" doctor, "FT" physiotherapist (kodeverk 9060)
    role_text: str = ""  # the role in this report, in words ("Utførende fysioterapeut")

    @classmethod
    def from_full_name(cls, name: str, **kwargs: str) -> Professional:
        given, _, family = name.strip().rpartition(" ")
        return cls(given_name=given, family_name=family or name.strip(), **kwargs)


@dataclass(frozen=True)
class ReportContext:
    message_id: str
    generated_at: datetime.datetime
    sender_name: str
    sender_org_number: str
    sender_her_id: str
    receiver_practice: str
    receiver_her_id: str
    gp: Professional
    patient_given_name: str
    patient_family_name: str
    patient_id: str
    patient_id_type: str  # FNR, DNR, HNR or FHN
    text: str
    note_date: datetime.date
    document_id: str = ""
    professionals: list[Professional] = field(default_factory=list)


# Characters XML 1.0 cannot carry (control characters other than tab, newline and carriage return).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def _el(parent: etree._Element, ns: str, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{name}", {k: xml_safe(v) for k, v in attrs.items() if v})
    if text is not None:
        element.text = xml_safe(text)
    return element


def _ident(parent: etree._Element, ns: str, value: str, type_code: str, system: str, label: str) -> None:
    ident = _el(parent, ns, "Ident")
    child_ns = FK1_NS if ns == DIALOG_NS else ns
    _el(ident, child_ns, "Id", value)
    _el(ident, child_ns, "TypeId", V=type_code, S=system, DN=label)


def _org_ident(parent: etree._Element, value: str, code: str) -> None:
    _ident(parent, MSGHEAD_NS, value, code, OID + "9051", ORG_ID_TYPES[code])


def _person_ident(parent: etree._Element, ns: str, value: str, code: str) -> None:
    _ident(parent, ns, value, code, OID + "8116", PERSON_ID_TYPES[code])


def _msghead_professional(parent: etree._Element, person: Professional) -> None:
    hcp = _el(parent, MSGHEAD_NS, "HealthcareProfessional")
    if person.profession:
        _el(hcp, MSGHEAD_NS, "TypeHealthcareProfessional", V=person.profession, DN=PROFESSIONS[person.profession])
    _el(hcp, MSGHEAD_NS, "RoleToPatient", **GP_ROLE)
    _el(hcp, MSGHEAD_NS, "FamilyName", person.family_name)
    if person.given_name:
        _el(hcp, MSGHEAD_NS, "GivenName", person.given_name)
    _person_ident(hcp, MSGHEAD_NS, person.hpr_number, "HPR")


def _sender(info: etree._Element, ctx: ReportContext) -> None:
    organisation = _el(_el(info, MSGHEAD_NS, "Sender"), MSGHEAD_NS, "Organisation")
    _el(organisation, MSGHEAD_NS, "OrganisationName", ctx.sender_name)
    _org_ident(organisation, ctx.sender_org_number, "ENH")
    if ctx.sender_her_id:
        _org_ident(organisation, ctx.sender_her_id, "HER")


def _receiver(info: etree._Element, ctx: ReportContext) -> None:
    """The GP's practice (HER-id) with the GP (HPR number).

    MsgHead needs an identifier for a named organisation. Without the practice's HER-id the GP's HPR
    number identifies the receiver; with neither, the receiver is an empty organisation and the GP is
    named in the notat (RollerRelatertNotat). Such a message cannot be routed over Norsk Helsenett and is
    sent on paper; the report page says so.
    """
    organisation = _el(_el(info, MSGHEAD_NS, "Receiver"), MSGHEAD_NS, "Organisation")
    if not (ctx.receiver_her_id or ctx.gp.hpr_number):
        return
    _el(organisation, MSGHEAD_NS, "OrganisationName", ctx.receiver_practice or f"Fastlege {ctx.gp.family_name}")
    if ctx.receiver_her_id:
        _org_ident(organisation, ctx.receiver_her_id, "HER")
    else:
        _person_ident(organisation, MSGHEAD_NS, ctx.gp.hpr_number, "HPR")
    if ctx.gp.hpr_number:
        _msghead_professional(organisation, ctx.gp)


def _patient(info: etree._Element, ctx: ReportContext) -> None:
    patient = _el(info, MSGHEAD_NS, "Patient")
    _el(patient, MSGHEAD_NS, "FamilyName", ctx.patient_family_name)
    _el(patient, MSGHEAD_NS, "GivenName", ctx.patient_given_name)
    _person_ident(patient, MSGHEAD_NS, ctx.patient_id, ctx.patient_id_type)


def _dialog_professional(parent: etree._Element, person: Professional, *, gp: bool = False) -> None:
    role = _el(parent, DIALOG_NS, "RollerRelatertNotat")
    if gp:
        _el(role, DIALOG_NS, "RoleToPatient", **GP_ROLE)
    elif person.role_text:
        _el(role, DIALOG_NS, "RolleNotat", OT=person.role_text)
    hcp = _el(role, DIALOG_NS, "HealthcareProfessional")
    if person.profession:
        _el(hcp, DIALOG_NS, "TypeHealthcareProfessional", V=person.profession, DN=PROFESSIONS[person.profession])
    _el(hcp, DIALOG_NS, "FamilyName", person.family_name)
    if person.given_name:
        _el(hcp, DIALOG_NS, "GivenName", person.given_name)
    if person.hpr_number:
        _person_ident(hcp, DIALOG_NS, person.hpr_number, "HPR")


def build_dialogmelding(ctx: ReportContext) -> etree._Element:
    """The Dialogmelding 1.1 with one notat: topic, the readable text, date and the people involved."""
    root = etree.Element(f"{{{DIALOG_NS}}}Dialogmelding", nsmap={None: DIALOG_NS, "fk1": FK1_NS})
    notat = _el(root, DIALOG_NS, "Notat")
    _el(notat, DIALOG_NS, "TemaKodet", **TOPIC)
    _el(notat, DIALOG_NS, "Tema", TOPIC_TEXT)
    _el(notat, DIALOG_NS, "TekstNotatInnhold", ctx.text)
    if ctx.document_id:
        _el(notat, DIALOG_NS, "DokIdNotat", ctx.document_id)
    _el(notat, DIALOG_NS, "DatoNotat", ctx.note_date.isoformat())
    for person in ctx.professionals:
        _dialog_professional(notat, person)
    _dialog_professional(notat, ctx.gp, gp=True)
    return root


def build_msghead(ctx: ReportContext) -> etree._Element:
    root = etree.Element(f"{{{MSGHEAD_NS}}}MsgHead", nsmap={None: MSGHEAD_NS})
    info = _el(root, MSGHEAD_NS, "MsgInfo")
    _el(info, MSGHEAD_NS, "Type", **MSG_TYPE)
    _el(info, MSGHEAD_NS, "MIGversion", MIG_VERSION)
    _el(info, MSGHEAD_NS, "GenDate", ctx.generated_at.isoformat(timespec="seconds"))
    _el(info, MSGHEAD_NS, "MsgId", str(ctx.message_id))
    _el(info, MSGHEAD_NS, "Ack", V="J", DN="Ja")
    _sender(info, ctx)
    _receiver(info, ctx)
    _patient(info, ctx)
    document = _el(root, MSGHEAD_NS, "Document")
    _el(document, MSGHEAD_NS, "DocumentConnection", V="H", DN="Hoveddokument")
    ref = _el(document, MSGHEAD_NS, "RefDoc")
    _el(ref, MSGHEAD_NS, "IssueDate", V=ctx.generated_at.isoformat(timespec="seconds"))
    _el(ref, MSGHEAD_NS, "MsgType", V="XML", DN="XML-instans")
    if ctx.document_id:
        _el(ref, MSGHEAD_NS, "Id", ctx.document_id)
    content = _el(ref, MSGHEAD_NS, "Content")
    content.append(build_dialogmelding(ctx))
    return root


def embedded_dialogmelding(root: etree._Element) -> etree._Element:
    path = ("Document", "RefDoc", "Content")
    found = root.find("/".join(f"{{{MSGHEAD_NS}}}{part}" for part in path) + f"/{{{DIALOG_NS}}}Dialogmelding")
    if found is None:
        raise xsd.InvalidXML("The message holds no Dialogmelding.")
    return found


def validate(xml_bytes: bytes) -> etree._Element:
    """Parse and check the message: MsgHead 1.2 (with its content) and the Dialogmelding 1.1 on its own."""
    try:
        root = etree.fromstring(xml_bytes, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise xsd.InvalidXML("The message is not well-formed XML.", [str(error)]) from None
    xsd.check(xsd.combined(xsd.MSGHEAD, xsd.DIALOGMELDING), root, "The MsgHead")
    dialog = etree.ElementTree(copy.deepcopy(embedded_dialogmelding(root)))
    xsd.check(xsd.schema(xsd.DIALOGMELDING), dialog, "The Dialogmelding")
    return root


def build_gp_report(report_context: ReportContext) -> bytes:
    """The complete, validated message as UTF-8 bytes; raises ``xsd.InvalidXML`` if it breaks a schema."""
    xml_bytes = etree.tostring(build_msghead(report_context), xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(xml_bytes)
    return xml_bytes


def report_text(root: etree._Element) -> str:
    """The readable text of a message (TekstNotatInnhold)."""
    node = embedded_dialogmelding(root).find(f"{{{DIALOG_NS}}}Notat/{{{DIALOG_NS}}}TekstNotatInnhold")
    return "" if node is None else "".join(node.itertext())
