"""The KITH schemas (kanyle/interop/xsd/), loaded once per process and reused.

``schema(name)`` is one schema file with its imports. ``MsgHead`` wraps its document in
``<xsd:any processContents="strict">``, so a MsgHead with a Dialogmelding inside validates only against a
schema that knows both: ``combined(...)`` builds that from a small wrapper that imports each file.

Uploaded XML is parsed with ``parse_untrusted``: no DTD, no entity expansion, no network.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

XSD_DIR = Path(__file__).resolve().parent / "xsd"

MSGHEAD = "MsgHead-v1_2.xsd"
DIALOGMELDING = "dialogmelding-v1.1.xsd"
APPREC_10 = "apprec-v1.0.xsd"
APPREC_11 = "apprec-v1.1.xsd"

# The largest XML file the clinic accepts as an upload (a receipt is a few kilobytes).
MAX_UPLOAD_BYTES = 1_000_000


class InvalidXML(ValueError):
    """The XML is not well-formed or breaks its schema; ``errors`` lists what (line and text)."""

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


def _schema_parser() -> etree.XMLParser:
    # The schema files are ours; they still load only from the xsd folder, never from the network.
    return etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)


def target_namespace(name: str) -> str:
    root = etree.parse(str(XSD_DIR / name), _schema_parser()).getroot()
    return root.get("targetNamespace", "")


@cache
def schema(name: str) -> etree.XMLSchema:
    """One schema file (and what it imports), parsed once."""
    document = etree.parse(str(XSD_DIR / name), _schema_parser())
    return etree.XMLSchema(document)


@cache
def combined(*names: str) -> etree.XMLSchema:
    """One schema that imports every named file: for messages whose content is validated strictly."""
    imports = "".join(f'<xsd:import namespace="{target_namespace(name)}" schemaLocation="{name}"/>' for name in names)
    wrapper = (
        '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        f'targetNamespace="urn:kanyle:interop:wrapper">{imports}</xsd:schema>'
    )
    document = etree.fromstring(wrapper.encode(), _schema_parser(), base_url=str(XSD_DIR) + "/").getroottree()
    return etree.XMLSchema(document)


def errors_of(validator: etree.XMLSchema) -> list[str]:
    return [f"line {e.line}: {e.message}" for e in validator.error_log]


def check(validator: etree.XMLSchema, element: etree._Element | etree._ElementTree, what: str) -> None:
    """Raise ``InvalidXML`` with the schema's messages unless the element is valid."""
    if not validator.validate(element):
        raise InvalidXML(f"{what} does not follow its schema.", errors_of(validator))


def parse_untrusted(data: bytes) -> etree._Element:
    """Parse XML from outside (an upload): size-limited, no DTD, no entities, no network."""
    if not data or not data.strip():
        raise InvalidXML("The file is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidXML("The file is too large to be a receipt.")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise InvalidXML("The file is not well-formed XML.", [str(error)]) from None
    if root.getroottree().docinfo.doctype:
        raise InvalidXML("The file has a document type declaration, which receipts never have.")
    return root
