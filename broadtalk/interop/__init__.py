"""FHIR R4 in and out: how broadtalk's data travels to systems that are not broadtalk.

- ``fhir``: the code systems and identifiers broadtalk uses, stable resource ids, text made fit
  for FHIR, and validation against a maintained FHIR library (``fhir.resources``, loaded only
  when a FHIR command runs).
- ``questionnaire``: a conversation model as a ``Questionnaire``.
- ``handover_fhir``: the handover of a referral as a ``Bundle`` (``ServiceRequest`` + ``Task``
  for the closed loop, the shared life domains as ``Observation``s, ``Goal``s, agreed actions as
  ``Task``s, the ``Consent``). Built from the handover *content* only, the output of the one pure
  function that applies the consent (``handover.content.build_handover``), like the PDF.

Nothing here queries the database or knows Qt. docs/interoperability.md maps the data to the
resources and says where broadtalk differs from the profiles it follows.
"""
