"""A real process that writes to an encrypted database until it is killed, for the crash test
(tests/e2e/test_crash_writes.py).

Run as ``python tests/e2e/crash_writer.py DB [RUN] [SEED]`` with the passphrase in
``BROADTALK_PASSPHRASE``. It opens the database, creates a practitioner who chooses a PIN, then
writes changes through the app's own use cases, each in its own transaction, forever. Before a
transaction it prints ``try {json}`` (what it is about to write), after the commit
``ack {json}`` (what was written, with the ids the database gave); every line is flushed, so
a line the parent reads describes a write that was attempted, or committed.

Kinds of write (the JSON ``kind``):
  practitioner  create_practitioner                 id, name
  secret        choose_first_secret (signs in)      practitioner
  client        create_client                       id, number, given, prefix, family, birth
  conversation  start_conversation                  id, client, practitioner
  answer        record_answer (overwrites)          conversation, link, value
  round         assess_domain on every domain in ONE transaction (all or nothing)
                                                    conversation, score, own_words, domains
  goal          add_goal                            id, conversation, description
  unlock        unlock (an audit entry only)        practitioner
"""

from __future__ import annotations

import json
import os
import random
import sys
from datetime import date
from pathlib import Path

from broadtalk import conversations as conv
from broadtalk.clients import ClientInput, create_client
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.sign_in import choose_first_secret, unlock
from broadtalk.store.database import Database

MODEL_ID, MODEL_VERSION = "positive-health", 1
DOMAINS = (
    "bodily-functions",
    "mental-wellbeing",
    "meaningfulness",
    "quality-of-life",
    "participation",
    "daily-functioning",
)
TEXT_ITEMS = ("bodily-functions.going-well", "mental-wellbeing.going-well", "participation.going-well")
SECRET = "tulpen-2026"
GIVEN = ("Ümit", "Anouk", "Søren", "Fatma", "Jan-Willem", "Zoë")
FAMILY = (("", "Çelik"), ("van der", "Berg"), ("", "Ødegård"), ("de", "Vries"), ("", "Nguyễn"))
#: A long story now and then: a commit that spans many database pages.
LONG = "De schulden houden me wakker en ik durf de post niet meer open te maken. " * 150


def say(word: str, **fields: object) -> None:
    # One write per line; a line with a long story is longer than a pipe writes at once, so a
    # kill can still cut it: the test counts only lines that arrived whole.
    sys.stdout.write(f"{word} {json.dumps(fields, ensure_ascii=True, sort_keys=True)}\n")
    sys.stdout.flush()


def main() -> None:
    path = Path(sys.argv[1])
    run = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else run)
    db = Database.open(path, passphrase=os.environ["BROADTALK_PASSPHRASE"])

    name = f"Verpleegkundige {run}"
    say("try", kind="practitioner", name=name)
    with db.transaction() as tx:
        actor = create_practitioner(tx, name, Role.PRACTICE_NURSE)
    say("ack", kind="practitioner", id=actor.id, name=name)
    say("try", kind="secret", practitioner=actor.id)
    with db.transaction() as tx:
        choose_first_secret(tx, actor.id, SECRET, SECRET)
    say("ack", kind="secret", practitioner=actor.id)
    print("ready", flush=True)

    clients: list[int] = []
    conversations: list[int] = []
    counter = 0
    while True:
        counter += 1
        kinds = ["client"]
        if clients:
            kinds.append("conversation")
        if conversations:
            kinds += ["answer", "answer", "round", "round", "goal"]
        if counter % 25 == 0:
            kinds = ["unlock"]  # scrypt is slow: now and then only
        kind = rng.choice(kinds)

        if kind == "client":
            prefix, family = rng.choice(FAMILY)
            given = f"{rng.choice(GIVEN)} {run}-{counter}"
            birth = date(1940 + counter % 60, 1 + counter % 12, 1 + counter % 28).isoformat()
            fields = dict(given=given, prefix=prefix, family=family, birth=birth)
            say("try", kind=kind, **fields)
            with db.transaction() as tx:
                record = create_client(tx, actor, ClientInput(given, family, birth, name_prefix=prefix))
            clients.append(record.id)
            say("ack", kind=kind, id=record.id, number=record.client_number, **fields)

        elif kind == "conversation":
            client_id = rng.choice(clients)
            say("try", kind=kind, client=client_id, practitioner=actor.id)
            with db.transaction() as tx:
                summary = conv.start_conversation(tx, actor, client_id, MODEL_ID, MODEL_VERSION)
            conversations.append(summary.id)
            say("ack", kind=kind, id=summary.id, client=client_id, practitioner=actor.id)

        elif kind == "answer":
            conversation_id = rng.choice(conversations)
            link = rng.choice(TEXT_ITEMS)
            value = f"antwoord {run}-{counter}: gaat beter, één stap tegelijk"
            if rng.random() < 0.1:
                value = f"{counter} {LONG}".strip()
            fields = dict(conversation=conversation_id, link=link, value=value)
            say("try", kind=kind, **fields)
            with db.transaction() as tx:
                conv.record_answer(tx, actor, conversation_id, link, value)
            say("ack", kind=kind, **fields)

        elif kind == "round":
            conversation_id = rng.choice(conversations)
            fields = dict(
                conversation=conversation_id,
                score=counter % 11,
                own_words=f"ronde {run}-{counter}: het gaat ✓",
                domains=list(DOMAINS),
            )
            say("try", kind=kind, **fields)
            with db.transaction() as tx:
                for domain_id in DOMAINS:
                    conv.assess_domain(
                        tx, actor, conversation_id, domain_id, score=counter % 11, own_words=fields["own_words"]
                    )
            say("ack", kind=kind, **fields)

        elif kind == "goal":
            conversation_id = rng.choice(conversations)
            description = f"doel {run}-{counter}: de post elke week samen openmaken"
            say("try", kind=kind, conversation=conversation_id, description=description)
            with db.transaction() as tx:
                goal = conv.add_goal(tx, actor, conversation_id, description)
            say("ack", kind=kind, id=goal.id, conversation=conversation_id, description=description)

        else:
            say("try", kind="unlock", practitioner=actor.id)
            unlock(db, actor, SECRET)  # its own transaction
            say("ack", kind="unlock", practitioner=actor.id)


if __name__ == "__main__":
    main()
