"""The application receipt (AppRec) the GP's system returns for our message.

``parse_apprec`` reads an uploaded receipt in AppRec 1.0 (namespace 2004-11-21) or 1.1 (2012-02-15),
validates it against that version's schema and returns what it says: the status (kodeverk 8221:
1 OK, 2 rejected, 3 OK with errors in part of the message), the id of the message it answers and the
error texts (kodeverk 8222). ``build_apprec`` makes a valid receipt for tests and the demo.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from lxml import etree

from kanyle.interop import xsd

NS_10 = "http://www.kith.no/xmlstds/apprec/2004-11-21"
NS_11 = "http://www.kith.no/xmlstds/apprec/2012-02-15"
SCHEMAS = {NS_10: xsd.APPREC_10, NS_11: xsd.APPREC_11}
MIG_VERSIONS = {NS_10: "1.0 2004-11-21", NS_11: "v1.1 2012-02-15"}

OK = "1"
REJECTED = "2"
OK_WITH_ERRORS = "3"
STATUS_TEXT = {OK: "OK", REJECTED: "Avvist", OK_WITH_ERRORS: "OK, feil i delmelding"}  # kodeverk 8221
ERROR_SYSTEM = "2.16.578.1.12.4.1.1.8222"


@dataclass(frozen=True)
class Receipt:
    status: str  # OK, REJECTED or OK_WITH_ERRORS
    status_text: str
    original_msg_id: str
    original_msg_type: str
    sender_name: str
    errors: list[str] = field(default_factory=list)
    version: str = "1.0"

    @property
    def accepted(self) -> bool:
        return self.status in (OK, OK_WITH_ERRORS)


def _text(node: etree._Element | None) -> str:
    return "" if node is None or node.text is None else node.text.strip()


def parse_apprec(xml_bytes: bytes) -> Receipt:
    """Read and validate an uploaded AppRec; raises ``xsd.InvalidXML`` with a reason if it is not one."""
    root = xsd.parse_untrusted(xml_bytes)
    qname = etree.QName(root)
    if qname.localname != "AppRec" or qname.namespace not in SCHEMAS:
        raise xsd.InvalidXML("The file is not an application receipt (AppRec 1.0 or 1.1).")
    ns = qname.namespace
    xsd.check(xsd.schema(SCHEMAS[ns]), root, "The application receipt")

    def find(path: str) -> etree._Element | None:
        return root.find("/".join(f"{{{ns}}}{part}" for part in path.split("/")))

    status = (find("Status").get("V") or "").strip()
    if status not in STATUS_TEXT:
        raise xsd.InvalidXML("The receipt's status is not one of OK, rejected or OK with errors.")
    errors = [
        " – ".join(part for part in (e.get("V", ""), e.get("DN", ""), e.get("OT", "")) if part)
        for e in root.findall(f"{{{ns}}}Error")
    ]
    inst = find("Sender/HCP/Inst/Name")
    prof = find("Sender/HCP/HCProf/Name")
    return Receipt(
        status=status,
        status_text=(find("Status").get("DN") or STATUS_TEXT[status]),
        original_msg_id=_text(find("OriginalMsgId/Id")),
        original_msg_type=(find("OriginalMsgId/MsgType").get("V") or ""),
        sender_name=_text(inst if inst is not None else prof),
        errors=errors,
        version="1.1" if ns == NS_11 else "1.0",
    )


def build_apprec(
    original_msg_id: str,
    status: str = OK,
    *,
    errors: list[tuple[str, str]] | None = None,
    sender_name: str = "Fastlegekontoret",
    sender_her_id: str = "",
    receiver_name: str = "Klinikken",
    receiver_her_id: str = "",
    issued_at: datetime.datetime | None = None,
    version: str = "1.0",
) -> bytes:
    """A receipt for ``original_msg_id`` (our DIALOG_NOTAT), validated; ``errors`` are (code, text) pairs."""
    ns = NS_11 if version == "1.1" else NS_10
    at = (issued_at or datetime.datetime.now(datetime.UTC)).isoformat(timespec="seconds")

    def el(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
        node = etree.SubElement(parent, f"{{{ns}}}{name}", {k: v for k, v in attrs.items() if v})
        if text is not None:
            node.text = text
        return node

    def party(parent: etree._Element, name: str, her_id: str) -> None:
        inst = el(el(parent, "HCP"), "Inst")
        el(inst, "Name", name)
        if her_id:
            el(inst, "Id", her_id)
            el(inst, "TypeId", V="HER", DN="HER-id")

    root = etree.Element(f"{{{ns}}}AppRec", nsmap={None: ns})
    el(root, "MsgType", V="APPREC", DN="Applikasjonskvittering")
    el(root, "MIGversion", MIG_VERSIONS[ns])
    el(root, "GenDate", at)
    el(root, "Id", str(uuid.uuid4()))
    party(el(root, "Sender"), sender_name, sender_her_id)
    party(el(root, "Receiver"), receiver_name, receiver_her_id)
    el(root, "Status", V=status, DN=STATUS_TEXT.get(status, ""))
    for code, text in errors or []:
        el(root, "Error", V=code, S=ERROR_SYSTEM, DN=text)
    original = el(root, "OriginalMsgId")
    el(original, "MsgType", V="DIALOG_NOTAT", DN="Notat")
    el(original, "IssueDate", at)
    el(original, "Id", str(original_msg_id))
    xsd.check(xsd.schema(SCHEMAS[ns]), root, "The application receipt")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
