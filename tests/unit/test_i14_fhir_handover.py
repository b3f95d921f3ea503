"""Issue 14: the handover of a referral as FHIR R4 data, beside the PDF and from the same content.

What the consent lets through is tested with the PDF's own property test (test_handover_pdf.py
runs every generated case through ``handover_bundle`` as well); here: the shape of the closed
loop (ServiceRequest + Task), references that resolve inside the Bundle, stable ids, the Dutch
profiles claimed only where followed, the export as a disclosure like the PDF's, and that
``fhir.resources`` is loaded only when FHIR is made."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import select

from broadtalk import i18n
from broadtalk.consent import current_consent, withdraw_consent
from broadtalk.errors import InputError, RefusedError
from broadtalk.handover.content import HandoverContent
from broadtalk.handover.export import HANDOVER_FHIR, HANDOVER_PDF, export_document
from broadtalk.interop import fhir
from broadtalk.interop.handover_fhir import handover_bundle
from broadtalk.practitioners import Actor
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry, Disclosure
from tests.unit.test_handover_pdf import TODAY, Case, load, realistic_case, record_case


def _content(db: Database, actor: Actor, case: Case | None = None) -> HandoverContent:
    return load(db, actor, record_case(db, actor, case or realistic_case()))


def _resources(bundle: dict) -> list[dict]:
    return [item["resource"] for item in bundle["entry"]]


def _one(bundle: dict, kind: str) -> dict:
    found = [r for r in _resources(bundle) if r["resourceType"] == kind]
    assert len(found) == 1, (kind, len(found))
    return found[0]


def _references(resource: object) -> list[str]:
    if isinstance(resource, dict):
        found = [resource["reference"]] if isinstance(resource.get("reference"), str) else []
        return found + [r for value in resource.values() for r in _references(value)]
    if isinstance(resource, list):
        return [r for value in resource for r in _references(value)]
    return []


@pytest.fixture
def content(db: Database, actor: Actor) -> HandoverContent:
    return _content(db, actor)


def test_the_referral_is_a_service_request_and_a_task_for_the_recipient_to_update(content: HandoverContent):
    bundle = handover_bundle(content)
    fhir.validate(bundle)
    assert bundle["type"] == "collection"
    task, request = _resources(bundle)[0], _one(bundle, "ServiceRequest")
    assert task["resourceType"] == "Task" and task["intent"] == "order"
    assert task["code"]["coding"][0] == {
        "system": "http://hl7.org/fhir/CodeSystem/task-code",
        "code": "fulfill",
        "display": "Fulfill the focal request",
    }
    identifier = [{"system": fhir.REFERRAL_SYSTEM, "value": content.reference}]
    assert task["identifier"] == identifier and request["identifier"] == identifier
    assert task["focus"]["reference"] == fhir.urn(request["id"])
    recipient = next(r for r in _resources(bundle) if r["id"] == task["owner"]["reference"].removeprefix("urn:uuid:"))
    assert recipient["resourceType"] == "Organization" and recipient["name"] == "Welzijn Lokaal Utrecht"
    assert task["owner"]["display"] == content.recipient
    assert request["performer"] == [task["owner"]]
    assert request["priority"] == "urgent"  # "soon": within a week
    assert task["restriction"]["period"]["end"] == content.feedback_due.isoformat()
    assert request["note"][0]["text"] == content.question
    # Everything the request leans on is in the Bundle, and every reference resolves in it.
    full_urls = {item["fullUrl"] for item in bundle["entry"]}
    assert all(reference in full_urls for reference in _references(bundle))
    kinds = sorted(r["resourceType"] for r in _resources(bundle))
    assert kinds.count("Observation") == 3  # the three shared domains (what matters most was not ticked)
    assert kinds.count("Goal") == 2 and kinds.count("Consent") == 1


def test_the_consent_names_recipient_period_purpose_and_the_shared_domains(content: HandoverContent):
    consent = _one(handover_bundle(content), "Consent")
    provision = consent["provision"]
    assert provision["period"] == {
        "start": content.consent.given_on.isoformat(),
        "end": content.consent.valid_until.isoformat(),
    }
    assert provision["actor"][0]["reference"]["display"] == content.consent.recipient
    codes = [p["code"][0]["coding"][0]["code"] for p in provision["provision"] if p["code"][0].get("coding")]
    assert codes == [
        "mental-wellbeing",
        "meaningfulness",
        "participation",
        "identity-details",
        "goals-actions",
        "own-words",
    ]
    wording = {e["url"]: e for e in consent["extension"][0]["extension"]}
    assert wording["purpose"]["valueString"] == content.consent.purpose


def test_the_same_referral_gives_the_same_ids_and_another_practice_other_ones(content: HandoverContent):
    first, again = handover_bundle(content), handover_bundle(content)
    assert first == again
    elsewhere = handover_bundle(replace(content, source="another-practice"))
    assert not {r["id"] for r in _resources(first)} & {r["id"] for r in _resources(elsewhere)}


def test_identity_details_only_with_their_consent(db: Database, actor: Actor):
    shared = _one(handover_bundle(_content(db, actor)), "Patient")
    assert {t["system"] for t in shared["telecom"]} == {"phone", "email"}
    assert shared["address"] == [{"text": "Lindelaan 12, 3521 AB Utrecht"}]
    private = _one(handover_bundle(_content(db, actor, replace(realistic_case(), share_identity=False))), "Patient")
    assert "telecom" not in private and "address" not in private
    assert private["birthDate"] == "1980-11-04"
    assert private["name"][0]["family"] == "de Wit"


def test_the_patient_follows_nl_core_name_rules_and_claims_the_profile_only_when_its_language_is_coded(
    content: HandoverContent,
):
    patient = _one(handover_bundle(content), "Patient")
    assert patient["meta"]["profile"] == [fhir.NL_CORE_PATIENT]
    name = patient["name"][0]
    assert name["use"] == "official" and name["given"] == ["Ron"] and name["text"] == "Ron de Wit"
    assert name["_given"] == [{"extension": [{"url": fhir.NAME_QUALIFIER, "valueCode": "BR"}]}]
    assert name["_family"]["extension"] == [
        {"url": fhir.OWN_PREFIX, "valueString": "de"},
        {"url": fhir.OWN_NAME, "valueString": "Wit"},
    ]
    arabic = _one(handover_bundle(replace(content, client=replace(content.client, language="Arabisch"))), "Patient")
    assert arabic["communication"][0]["language"]["coding"] == [{"system": "urn:ietf:bcp:47", "code": "ar"}]
    assert arabic["meta"]["profile"] == [fhir.NL_CORE_PATIENT]
    unknown = _one(
        handover_bundle(replace(content, client=replace(content.client, language="Kinyabwisha-x"))), "Patient"
    )
    assert unknown["communication"][0]["language"] == {"text": "Kinyabwisha-x"}
    assert "meta" not in unknown


def test_the_referrer_practice_and_goals_claim_their_dutch_profiles(content: HandoverContent):
    claimed = {r["resourceType"]: r.get("meta", {}).get("profile") for r in _resources(handover_bundle(content))}
    assert claimed["Practitioner"] == [fhir.NL_CORE_PRACTITIONER]
    assert claimed["PractitionerRole"] == [fhir.NL_CORE_PRACTITIONER_ROLE]
    assert claimed["Goal"] == [fhir.NL_CORE_GOAL]
    assert claimed["ServiceRequest"] is None and claimed["Task"] is None  # SDOH CC needs US codes: no claim


def test_the_domain_observation_carries_score_scale_answers_notes_and_own_words(content: HandoverContent):
    bundle = handover_bundle(content)
    domain = next(d for d in content.domains if d.domain_id == "participation")
    observation = next(
        r
        for r in _resources(bundle)
        if r["resourceType"] == "Observation" and r["code"].get("coding", [{}])[0].get("code") == "participation"
    )
    assert observation["valueInteger"] == domain.score == 2
    assert observation["referenceRange"] == [{"low": {"value": 0}, "high": {"value": 10}}]
    assert [n["text"] for n in observation["note"]] == [domain.notes, domain.own_words]
    answers = [c["valueString"] for c in observation["component"] if "valueString" in c]
    assert answers[: len(domain.answers)] == [a.answer for a in domain.answers]
    codes = {c["code"]["coding"][0]["code"] for c in observation["component"]}
    assert "important" in codes


def test_a_draft_conversation_is_preliminary_and_an_unsent_referral_a_draft(content: HandoverContent):
    bundle = handover_bundle(replace(content, draft=True, sent_on=None))
    assert {r["status"] for r in _resources(bundle) if r["resourceType"] == "Observation"} == {"preliminary"}
    assert _one(bundle, "ServiceRequest")["status"] == "draft"
    assert _resources(bundle)[0]["status"] == "draft"
    sent = handover_bundle(replace(content, sent_on=TODAY))
    assert _one(sent, "ServiceRequest")["status"] == "active" and _resources(sent)[0]["status"] == "requested"


def test_english_texts_in_english(db: Database, actor: Actor):
    i18n.set_language("en")
    bundle = handover_bundle(_content(db, actor))
    assert bundle["language"] == "en"
    assert _one(bundle, "ServiceRequest")["code"]["text"] == "Warm handover"


def test_control_characters_are_dropped_and_empty_text_left_out():
    assert fhir.text("nul\x00teken\x1b[31m") == "nulteken[31m"
    assert fhir.text("regel1\nregel2\ttab") == "regel1\nregel2\ttab"
    assert fhir.text(" \x00 ") is None and fhir.text("") is None
    assert fhir.compact({"a": "", "b": [], "c": {}, "d": None, "e": 0, "f": False}) == {"e": 0, "f": False}


def test_an_invalid_resource_is_refused_naming_the_resource_and_the_field():
    with pytest.raises(fhir.FhirInvalid) as refused:
        fhir.validate({"resourceType": "Task", "intent": "order"})
    assert refused.value.problems == (f"Task.status: {i18n._('is required but missing')}",)
    with pytest.raises(fhir.FhirInvalid) as refused:
        fhir.validate({"resourceType": "Task", "status": "requested", "intent": "order", "bogus": 1, "for": "x"})
    assert {p.split(":")[0] for p in refused.value.problems} == {"Task.bogus", "Task.for"}, refused.value.problems
    with pytest.raises(fhir.FhirInvalid, match="Nonsense"):
        fhir.validate({"resourceType": "Nonsense"})
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Goal"}}]}
    with pytest.raises(fhir.FhirInvalid) as refused:
        fhir.validate(bundle)
    assert any(p.startswith("entry[0] Goal.") for p in refused.value.problems), refused.value.problems


# -- the export: a document like the PDF, with its own disclosure ----------------------------------------


def test_the_fhir_export_is_a_disclosure_with_an_audit_entry_and_an_owner_only_file(
    db: Database, actor: Actor, tmp_path: Path
):
    referral_id = record_case(db, actor, realistic_case())
    target = tmp_path / "handover.json"
    with db.transaction() as tx:
        export_document(tx, actor, referral_id, HANDOVER_PDF, tmp_path / "handover.pdf")
        export_document(tx, actor, referral_id, HANDOVER_FHIR, target)
    bundle = json.loads(target.read_text(encoding="utf-8"))
    fhir.validate(bundle)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    with db.transaction() as tx:
        disclosures = tx.exec(select(Disclosure).where(Disclosure.referral_id == referral_id)).all()
        kinds = sorted(d.kind for d in disclosures)
        scopes = {d.kind: json.loads(d.scope) for d in disclosures}
        details = sorted(
            e.detail for e in tx.exec(select(AuditEntry).where(AuditEntry.action == "export")).all() if e.detail
        )
    assert kinds == [HANDOVER_FHIR, HANDOVER_PDF]
    assert scopes[HANDOVER_FHIR] == scopes[HANDOVER_PDF]  # the same content, so the same scope
    assert details == [HANDOVER_FHIR, HANDOVER_PDF]


@pytest.mark.parametrize("name", ["handover.pdf", "handover.txt", "handover"])
def test_a_fhir_file_must_end_in_json_and_nothing_is_logged(db: Database, actor: Actor, tmp_path: Path, name: str):
    referral_id = record_case(db, actor, realistic_case())
    with pytest.raises(InputError, match=r"\.json"), db.transaction() as tx:
        export_document(tx, actor, referral_id, HANDOVER_FHIR, tmp_path / name)
    with db.transaction() as tx:
        assert tx.exec(select(Disclosure).where(Disclosure.referral_id == referral_id)).all() == []
    assert [p for p in tmp_path.iterdir() if not p.name.startswith("test.sqlite")] == []


def test_without_a_valid_consent_there_is_no_fhir_either(db: Database, actor: Actor, tmp_path: Path):
    referral_id = record_case(db, actor, realistic_case())
    with db.transaction() as tx:
        consent = current_consent(tx, actor, referral_id)
        withdraw_consent(tx, actor, consent.id, note="")
    with pytest.raises(RefusedError), db.transaction() as tx:
        export_document(tx, actor, referral_id, HANDOVER_FHIR, tmp_path / "handover.json")
    assert not (tmp_path / "handover.json").exists()


def test_fhir_resources_is_loaded_only_when_fhir_is_made():
    code = (
        "import sys\n"
        "import broadtalk.cli, broadtalk.handover.export, broadtalk.interop.fhir, broadtalk.interop.handover_fhir\n"
        "assert not [m for m in sys.modules if m.startswith('fhir')], 'loaded too early'\n"
        "from broadtalk.interop import fhir\n"
        "fhir.validate({'resourceType': 'Basic', 'code': {'text': 'x'}})\n"
        "assert 'fhir.resources' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
