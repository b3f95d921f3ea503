"""What every FHIR resource broadtalk writes shares: code systems, ids, text, validation.

broadtalk has no registered namespace, so its own code systems and identifier systems are
``urn:broadtalk:…`` URIs, listed here and in docs/interoperability.md. Resources are plain
dicts (JSON as FHIR R4 writes it); ``validate`` checks them with ``fhir.resources``' R4B models,
which match R4 on the wire for every resource broadtalk writes (see DESIGN.md), and
``fhir.resources`` is imported only there, so the app and the other commands never load it.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from broadtalk.errors import InputError
from broadtalk.i18n import _, current_language

#: FHIR R4's version, as a Bundle or CapabilityStatement names it.
FHIR_VERSION = "4.0.1"

#: The identifier system of a referral's reference ("V-7KQ2MX"): the ServiceRequest and its Task.
REFERRAL_SYSTEM = "urn:broadtalk:referral"
#: broadtalk's own codes (what matters most, the client's own score, ...).
CODES = "urn:broadtalk:codes"
#: The code system of a conversation model's life domains and items (code = domain id or linkId).
MODEL_PREFIX = "urn:broadtalk:model:"
#: A conversation model as a Questionnaire: its canonical URL (``Questionnaire.version`` holds the version).
QUESTIONNAIRE_PREFIX = "urn:broadtalk:questionnaire:"
#: The complex extension that carries the consent's own wording (purpose, method, pieces).
CONSENT_STATEMENT = "urn:broadtalk:extension:consent-statement"

# Code systems of FHIR and HL7 terminology.
TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_ACTION = "http://terminology.hl7.org/CodeSystem/consentaction"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
LOINC = "http://loinc.org"
AGB_SYSTEM = "http://fhir.nl/fhir/NamingSystem/agb-z"
INTERPRETER_REQUIRED = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
NAME_QUALIFIER = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier"
OWN_PREFIX = "http://hl7.org/fhir/StructureDefinition/humanname-own-prefix"
OWN_NAME = "http://hl7.org/fhir/StructureDefinition/humanname-own-name"
LANGUAGE_SYSTEM = "urn:ietf:bcp:47"

# The Dutch nl-core profiles (Nictiz, zib2020, FHIR R4) a resource claims when it follows them.
_NL_CORE = "http://nictiz.nl/fhir/StructureDefinition/"
NL_CORE_PATIENT = _NL_CORE + "nl-core-Patient"
NL_CORE_PRACTITIONER = _NL_CORE + "nl-core-HealthProfessional-Practitioner"
NL_CORE_PRACTITIONER_ROLE = _NL_CORE + "nl-core-HealthProfessional-PractitionerRole"
NL_CORE_ORGANIZATION = _NL_CORE + "nl-core-HealthcareProvider-Organization"
NL_CORE_GOAL = _NL_CORE + "nl-core-TreatmentObjective"

#: Every id broadtalk gives a resource is a UUID made from what the resource stands for, so the
#: same referral exported twice has the same ids and a reply can point back at them.
_NAMESPACE = uuid.UUID("6f1c5b0e-2f4b-5d61-9a57-62726f616474")

# Control characters but tab, line feed and carriage return: FHIR strings may not hold them.
_NOT_IN_FHIR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def stable_id(*parts: object) -> str:
    """A resource id (a UUID) that is the same every time for the same parts."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def urn(resource_id: str) -> str:
    """A Bundle entry's fullUrl for a resource with this id."""
    return f"urn:uuid:{resource_id}"


def model_system(model_id: str) -> str:
    return MODEL_PREFIX + model_id


def questionnaire_url(model_id: str) -> str:
    return QUESTIONNAIRE_PREFIX + model_id


def text(value: str | None) -> str | None:
    """Text as FHIR may carry it: literal, without the control characters FHIR forbids; None
    when nothing is left (FHIR has no empty strings: the element is left out)."""
    if value is None:
        return None
    cleaned = _NOT_IN_FHIR.sub("", value)
    return cleaned if cleaned.strip() else None


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    return compact({"system": system, "code": code, "display": text(display)})


def concept(*codings: dict[str, Any], label: str | None = None) -> dict[str, Any]:
    """A CodeableConcept of codings and a text (either may be absent, not both)."""
    return compact({"coding": list(codings) or None, "text": text(label)})


def reference(resource_id: str, display: str | None = None) -> dict[str, Any]:
    return compact({"reference": urn(resource_id), "display": text(display)})


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def instant(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def compact(data: Mapping[str, Any]) -> dict[str, Any]:
    """The dict without its empty elements (None, "", [] and {}): FHIR allows none of them."""
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def profiled(resource: dict[str, Any], profile: str) -> dict[str, Any]:
    """The resource claiming ``profile`` in ``meta.profile`` (the caller knows it follows it)."""
    return {"resourceType": resource["resourceType"], "id": resource["id"], "meta": {"profile": [profile]}, **resource}


def language_code(name: str) -> str | None:
    """The BCP-47 code of a language typed by name in Dutch or English ("Arabisch", "turkish"),
    or None when it is not a language Babel knows by that name."""
    from broadtalk.text import fold

    return _language_codes().get(fold(" ".join(name.split())))


@lru_cache(maxsize=1)
def _language_codes() -> dict[str, str]:
    """Every language's name (Dutch, then English), folded, to its code: read once per process."""
    from babel import Locale

    from broadtalk.text import fold

    codes: dict[str, str] = {}
    for locale in ("en", "nl"):  # Dutch last: a Dutch name wins where the two languages differ
        codes.update({fold(label): code for code, label in Locale.parse(locale).languages.items() if "_" not in code})
    return codes


def language() -> str:
    """The language the texts are written in (``nl`` or ``en``), as FHIR names it."""
    return current_language()


def entry(resource: dict[str, Any]) -> dict[str, Any]:
    """A Bundle entry for a resource with an id."""
    return {"fullUrl": urn(resource["id"]), "resource": resource}


def to_bytes(resource: Mapping[str, Any]) -> bytes:
    """A resource as the file holds it: UTF-8 JSON, two-space indents, one line feed at the end."""
    return (json.dumps(resource, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# -- validation -------------------------------------------------------------------------------------


class FhirInvalid(InputError):
    """A resource does not validate: the message names the resource and each field."""

    def __init__(self, message: str, problems: tuple[str, ...]) -> None:
        super().__init__(message)
        self.problems = problems


def location(loc: Iterable[object]) -> str:
    """A pydantic error location as a FHIR path: ('entry', 3, 'resource', 'status') ->
    'entry[3].resource.status'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif str(part).endswith("Resource") or str(part)[:1].isupper() or str(part) == "__root__":
            continue  # the model's own name in a union or a root validator: not a field
        else:
            path += f".{part}" if path else str(part)
    return path


def problems_of(resource: Mapping[str, Any]) -> tuple[str, ...]:
    """What is wrong with a resource, one line a field ('Task.status: Field required'); empty
    when it validates. Needs ``fhir.resources``: imported here, when a FHIR command runs."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    kind = resource.get("resourceType") if isinstance(resource, Mapping) else None
    if not isinstance(kind, str) or not kind:
        return (_("there is no resourceType"),)
    try:
        model = get_fhir_model_class(kind)
    except (ValueError, KeyError):
        return (_("'{kind}' is not a FHIR resource type").format(kind=kind[:60]),)
    try:
        model.model_validate(dict(resource))
    except ValidationError as error:
        lines = []
        for item in error.errors(include_url=False, include_input=False):
            path = location(item.get("loc", ()))
            what = _what(str(item.get("type", "")))
            lines.append(f"{kind}.{path}: {what}" if path else f"{kind}: {what}")
        return tuple(dict.fromkeys(lines))
    except (TypeError, ValueError) as error:  # a root validator of fhir.resources
        return (f"{kind}: {type(error).__name__}",)
    return ()


def _what(kind: str) -> str:
    """What is wrong with a field, in words (pydantic's own messages are English only)."""
    if kind.endswith("missing"):
        return _("is required but missing")
    if kind == "extra_forbidden":
        return _("is no field of this resource")
    if kind.endswith("_type") or kind in ("json_invalid", "model_type", "dict_type", "list_type"):
        return _("has the wrong kind of value")
    if kind.endswith("too_long") or kind.endswith("too_short"):
        return _("has the wrong length")
    return _("has a value that is not allowed")


def validate(resource: Mapping[str, Any]) -> None:
    """Raise ``FhirInvalid`` unless the resource validates; a Bundle with each of its entries."""
    problems = list(problems_of(resource))
    if resource.get("resourceType") == "Bundle":
        for index, item in enumerate(resource.get("entry") or ()):
            inner = item.get("resource") if isinstance(item, Mapping) else None
            if isinstance(inner, Mapping):
                problems += [f"entry[{index}] {line}" for line in problems_of(inner)]
    if problems:
        raise FhirInvalid(
            _("The FHIR resource does not validate: {problems}").format(problems="; ".join(problems[:10])),
            tuple(problems),
        )
