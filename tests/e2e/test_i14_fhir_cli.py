"""Issue 14 on the command line: ``forms export --fhir``, ``handover pdf --fhir`` and the batch
export's ``--fhir``: valid FHIR, a disclosure per document, one clear line and nothing changed
on bad input."""

from __future__ import annotations

import json
import os
import re
import stat

from sqlmodel import select

from broadtalk.interop import fhir
from broadtalk.store.tables import Disclosure
from tests import engines
from tests.e2e.test_cli import run
from tests.e2e.test_cli_handover import practice  # noqa: F401 (the fixture)


def _kinds(db) -> list[str]:
    reopened = engines.reopen(db)
    try:
        with reopened.transaction() as tx:
            return sorted(d.kind for d in tx.exec(select(Disclosure)).all())
    finally:
        reopened.close()


def test_forms_export_fhir_writes_a_valid_questionnaire_or_prints_it(practice, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "zrm.json"
    code, printed, err = run(
        ["--db", practice["path"], "forms", "export", "self-sufficiency", "--fhir", "--out", str(out)], capsys
    )
    assert code == 0, err
    resource = json.loads(out.read_text(encoding="utf-8"))
    fhir.validate(resource)
    assert resource["resourceType"] == "Questionnaire" and resource["version"] == "1"
    assert resource["url"] == fhir.questionnaire_url("self-sufficiency")
    code, printed, err = run(["--db", practice["path"], "forms", "export", "four-domains", "--fhir"], capsys)
    assert code == 0, err
    assert json.loads(printed)["resourceType"] == "Questionnaire"
    code, printed, err = run(["--db", practice["path"], "forms", "export", "four-domains"], capsys)
    assert code == 0 and json.loads(printed)["id"] == "four-domains"  # broadtalk's own summary


def test_forms_export_refuses_an_unknown_model_a_missing_version_and_a_bad_name(practice, tmp_path, capsys):  # noqa: F811
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    for argv, words in (
        (["forms", "export", "no-such-model", "--fhir"], "forms list"),
        (["forms", "export", "positive-health", "--version", "7", "--fhir"], ": 1."),
        (["forms", "export", "positive-health", "--fhir", "--out", str(tmp_path / "q.xml")], ".json"),
    ):
        code, printed, err = run(["--db", practice["path"], *argv], capsys)
        assert code == 1 and printed == "", argv
        assert len(err.strip().splitlines()) == 1 and words in err, err
    assert list(tmp_path.iterdir()) == []


def test_handover_pdf_with_fhir_writes_both_each_with_its_disclosure(practice, tmp_path, capsys):  # noqa: F811
    pdf, data = tmp_path / "handover.pdf", tmp_path / "handover.json"
    code, _printed, err = run(
        [
            "--db",
            practice["path"],
            "handover",
            "pdf",
            str(practice["consented"]),
            "--out",
            str(pdf),
            "--fhir",
            str(data),
        ],
        capsys,
    )
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")
    bundle = json.loads(data.read_text(encoding="utf-8"))
    fhir.validate(bundle)
    assert os.name != "posix" or stat.S_IMODE(data.stat().st_mode) == 0o600
    assert _kinds(practice["db"]) == ["handover_fhir", "handover_pdf"]
    text = data.read_text(encoding="utf-8")
    assert "De post maak ik niet meer open" in text  # own words: consented
    assert "housing" not in text  # a domain outside the consent: not even its code


def test_handover_pdf_with_a_bad_fhir_name_or_without_consent_writes_nothing(practice, tmp_path, capsys):  # noqa: F811
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    pdf = tmp_path / "handover.pdf"
    for referral, name in ((practice["consented"], "handover.txt"), (practice["bare"], "handover.json")):
        code, _printed, err = run(
            [
                "--db",
                practice["path"],
                "handover",
                "pdf",
                str(referral),
                "--out",
                str(pdf),
                "--fhir",
                str(tmp_path / name),
            ],
            capsys,
        )
        assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert list(tmp_path.iterdir()) == []
    assert _kinds(practice["db"]) == []


def test_the_batch_export_with_fhir_writes_a_bundle_beside_each_pdf(practice, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "batch"
    code, _printed, err = run(
        ["--db", practice["path"], "handover", "export", "--since", "2000-01-01", "--fhir", "--out", str(out)], capsys
    )
    assert code == 0, err
    files = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    pdfs = [name for name in files if name.endswith(".pdf")]
    bundles = [name for name in files if name.endswith(".json")]
    assert len(pdfs) == len(bundles) == 1
    assert bundles[0] == pdfs[0].removesuffix(".pdf") + ".json"
    fhir.validate(json.loads((out / bundles[0]).read_text(encoding="utf-8")))
    assert _kinds(practice["db"]) == ["handover_fhir", "handover_pdf"]
    index = (out / "index.csv").read_text(encoding="utf-8")
    assert bundles[0] in index


def test_the_recipients_task_comes_back_and_is_recorded_once(practice, tmp_path, capsys):  # noqa: F811
    pdf, data = tmp_path / "handover.pdf", tmp_path / "handover.json"
    args = ["--db", practice["path"]]
    code, _printed, err = run(
        [*args, "handover", "pdf", str(practice["consented"]), "--out", str(pdf), "--fhir", str(data)], capsys
    )
    assert code == 0, err
    task = json.loads(data.read_text(encoding="utf-8"))["entry"][0]["resource"]
    task["status"] = "accepted"
    answer = tmp_path / "answer.json"
    answer.write_text(json.dumps(task), encoding="utf-8")
    code, printed, err = run([*args, "referrals", "feedback", "import", str(answer)], capsys)
    assert code == 0, err
    assert task["identifier"][0]["value"] in printed
    code, printed, err = run([*args, "referrals", "--json"], capsys)
    assert code == 0
    assert {r["id"]: r["status"] for r in json.loads(printed)}[practice["consented"]] == "accepted"
    code, printed, err = run([*args, "referrals", "feedback", "import", str(answer)], capsys)
    assert code == 1 and printed == "" and len(err.strip().splitlines()) == 1  # a replay: refused
    code, printed, err = run([*args, "referrals", "feedback", "import", str(tmp_path / "none.json")], capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_a_record_exported_then_imported_as_a_moved_client_holds_the_same(practice, tmp_path, capsys):  # noqa: F811
    from broadtalk.store.tables import Client

    with practice["db"].transaction() as tx:
        client_id = tx.exec(select(Client.id)).first()
    first, again = tmp_path / "record.json", tmp_path / "again.json"
    args = ["--db", practice["path"]]
    code, _printed, err = run([*args, "record", "export", str(client_id), "--out", str(first)], capsys)
    assert code == 0, err
    bundle = json.loads(first.read_text(encoding="utf-8"))
    fhir.validate(bundle)
    code, _printed, err = run([*args, "record", "import", str(first)], capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1  # the same client number is here already
    # As another practice's client (another number), it is imported whole.
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["identifier"][0]["value"] = bundle["identifier"]["value"] = "MOV-002"
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps(bundle), encoding="utf-8")
    code, printed, err = run([*args, "record", "import", str(moved)], capsys)
    assert code == 0, err
    assert "MOV-002" in printed
    with practice["db"].transaction() as tx:
        new_id = tx.exec(select(Client.id).where(Client.client_number == "MOV-002")).one()
    code, _printed, err = run([*args, "record", "export", str(new_id), "--out", str(again)], capsys)
    assert code == 0, err

    # The same, but the ids and the referrals' references (taken here: they got new ones).
    def texts(data: dict) -> list[str]:
        return sorted(s for s in fhir_texts(data) if not s.startswith("urn:uuid:") and not re.fullmatch(r"V-\w{6}", s))

    assert texts(json.loads(again.read_text(encoding="utf-8"))) == texts(bundle)
    code, _printed, err = run([*args, "record", "import", str(tmp_path / "none.json")], capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1


def fhir_texts(resource: object) -> list[str]:
    if isinstance(resource, str):
        return [resource]
    if isinstance(resource, dict):
        return [t for key, value in resource.items() if key != "id" for t in fhir_texts(value)]
    if isinstance(resource, list):
        return [t for value in resource for t in fhir_texts(value)]
    return []
