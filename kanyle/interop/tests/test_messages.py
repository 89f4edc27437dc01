"""The message formats on their own: the GP report (MsgHead 1.2 + Dialogmelding 1.1) and the AppRec."""

from __future__ import annotations

import copy
import datetime
import uuid

import pytest
from lxml import etree

from kanyle.interop import apprec, dialogmelding, xsd

NS = {"mh": dialogmelding.MSGHEAD_NS, "dia": dialogmelding.DIALOG_NS, "fk1": dialogmelding.FK1_NS}


def context(**overrides) -> dialogmelding.ReportContext:
    values = {
        "message_id": str(uuid.uuid4()),
        "generated_at": datetime.datetime(2026, 11, 23, 10, 30, tzinfo=datetime.UTC),
        "sender_name": "Klinikk A",
        "sender_org_number": "912345602",
        "sender_her_id": "8095699",
        "receiver_practice": "Byen legesenter",
        "receiver_her_id": "79768",
        "gp": dialogmelding.Professional.from_full_name("Ola Fastlege", hpr_number="9144889", profession="LE"),
        "patient_given_name": "Kari",
        "patient_family_name": "Nordmann",
        "patient_id": "01010112345",
        "patient_id_type": "DNR",
        "text": "Ultralydveiledet injeksjon i høyre skulder 23.11.2026.\nLot ABC123.",
        "note_date": datetime.date(2026, 11, 23),
        "document_id": "rapport-1",
        "professionals": [dialogmelding.Professional("Per", "Fysio", "7654321", "FT", "Utførende fysioterapeut")],
    }
    values.update(overrides)
    return dialogmelding.ReportContext(**values)


def test_inj_g4_report_validates_against_msghead_and_dialogmelding_xsd():
    ctx = context()
    root = etree.fromstring(dialogmelding.build_gp_report(ctx))
    # The whole message against MsgHead (which checks its content strictly), and the notat on its own.
    assert xsd.combined(xsd.MSGHEAD, xsd.DIALOGMELDING).validate(root)
    dialog = root.find("mh:Document/mh:RefDoc/mh:Content/dia:Dialogmelding", NS)
    assert xsd.schema(xsd.DIALOGMELDING).validate(etree.ElementTree(copy.deepcopy(dialog)))
    assert root.findtext("mh:MsgInfo/mh:MsgId", namespaces=NS) == ctx.message_id
    assert root.find("mh:MsgInfo/mh:Type", NS).attrib == {"V": "DIALOG_NOTAT", "DN": "Notat"}
    assert root.findtext("mh:MsgInfo/mh:MIGversion", namespaces=NS) == "v1.2 2006-05-24"
    sender_ids = {
        i.find("mh:TypeId", NS).get("V"): i.findtext("mh:Id", namespaces=NS)
        for i in root.findall("mh:MsgInfo/mh:Sender/mh:Organisation/mh:Ident", NS)
    }
    assert sender_ids == {"ENH": "912345602", "HER": "8095699"}
    enh = root.find("mh:MsgInfo/mh:Sender/mh:Organisation/mh:Ident/mh:TypeId[@V='ENH']", NS)
    assert enh.get("S") == "2.16.578.1.12.4.1.1.9051"
    assert enh.get("DN") == "Organisasjonsnummeret i Enhetsregisteret"
    receiver = root.find("mh:MsgInfo/mh:Receiver/mh:Organisation", NS)
    assert receiver.findtext("mh:Ident/mh:Id", namespaces=NS) == "79768"
    assert receiver.findtext("mh:HealthcareProfessional/mh:Ident/mh:Id", namespaces=NS) == "9144889"
    patient_type = root.find("mh:MsgInfo/mh:Patient/mh:Ident/mh:TypeId", NS)
    assert (patient_type.get("V"), patient_type.get("S")) == ("DNR", "2.16.578.1.12.4.1.1.8116")
    assert root.findtext(".//dia:Notat/dia:Tema", namespaces=NS) == "Orientering om ultralydveiledet injeksjon"
    assert "Lot ABC123" in dialogmelding.report_text(root)
    hprs = [i.findtext("fk1:Id", namespaces=NS) for i in root.findall(".//dia:RollerRelatertNotat//dia:Ident", NS)]
    assert hprs == ["7654321", "9144889"]


def test_inj_g4_report_without_her_ids_still_validates():
    """Without the practice's HER-id the GP's HPR number names the receiver; without either, the notat does."""
    for gp in (
        dialogmelding.Professional.from_full_name("Ola Fastlege", hpr_number="9144889"),
        dialogmelding.Professional.from_full_name("Ola Fastlege"),
    ):
        xml = dialogmelding.build_gp_report(context(receiver_her_id="", sender_her_id="", gp=gp))
        root = dialogmelding.validate(xml)
        assert root.find(".//dia:RollerRelatertNotat/dia:HealthcareProfessional/dia:FamilyName", NS) is not None


def test_inj_g4_an_invalid_report_is_refused_before_it_leaves():
    ctx = context(patient_id_type="XYZ")
    with pytest.raises(KeyError):
        dialogmelding.build_gp_report(ctx)
    xml = dialogmelding.build_gp_report(context())
    broken = xml.replace(b"<MIGversion>v1.2 2006-05-24</MIGversion>", b"<MIGversion>v1.1</MIGversion>")
    with pytest.raises(xsd.InvalidXML) as error:
        dialogmelding.validate(broken)
    assert error.value.errors
    # The MsgHead is fine, but the embedded notat lacks its required topic code.
    no_topic = etree.fromstring(xml)
    notat = no_topic.find(".//dia:Notat", NS)
    notat.remove(notat.find("dia:TemaKodet", NS))
    with pytest.raises(xsd.InvalidXML):
        dialogmelding.validate(etree.tostring(no_topic))


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@pytest.mark.parametrize(
    ("status", "accepted"), [(apprec.OK, True), (apprec.REJECTED, False), (apprec.OK_WITH_ERRORS, True)]
)
def test_inj_g4_apprec_round_trip(version, status, accepted):
    msg_id = str(uuid.uuid4())
    errors = [("X99", "Annen feil")] if status != apprec.OK else []
    receipt = apprec.parse_apprec(apprec.build_apprec(msg_id, status, errors=errors, version=version))
    assert receipt.original_msg_id == msg_id
    assert receipt.status == status
    assert receipt.accepted is accepted
    assert receipt.version == version
    assert receipt.errors == (["X99 – Annen feil"] if errors else [])


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml at all",
        b"<AppRec xmlns='http://www.kith.no/xmlstds/apprec/2004-11-21'><Status V='1'/></AppRec>",
        b"<MsgHead xmlns='http://www.kith.no/xmlstds/msghead/2006-05-24'/>",
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
    ],
)
def test_inj_g4_bad_apprec_is_refused_with_a_reason(data):
    with pytest.raises(xsd.InvalidXML) as error:
        apprec.parse_apprec(data)
    assert str(error.value)


def test_inj_g4_control_characters_in_free_text_do_not_break_the_message():
    xml = dialogmelding.build_gp_report(context(text="Tiltak:\x0b ringte lege\x00.", sender_name="Klinikk\x1f A"))
    root = dialogmelding.validate(xml)
    assert dialogmelding.report_text(root) == "Tiltak: ringte lege."
