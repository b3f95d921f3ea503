"""Floor for ``clients --search TEXT --json`` on a server: connect with psycopg, open the practice
database with its passphrase (the practice key, ``server_key.py``), run the same search through the
search index (each word's keyed hash looked up, up to twelve letters of it; in list order, with each
client's number of conversations), open the names and the city (AES-GCM) and print the rows as JSON.

``python bench/floors/command_search_server.py URL TEXT`` with the passphrase in BROADTALK_PASSPHRASE.
"""

import json
import os
import sys
import unicodedata

import psycopg
from server_key import SETTINGS, Key

QUERY = """
SELECT c.id, c.client_number, c.given_name, c.name_prefix, c.family_name, c.birth_date, c.city,
       (SELECT count(*) FROM conversation v WHERE v.client_id = c.id)
FROM client c
WHERE {where}
ORDER BY c.sort_key, c.birth_date, c.id
"""
SECRET = {2: "client.given_name", 3: "client.name_prefix", 4: "client.family_name", 6: "client.city"}


def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def main() -> int:
    url, text = sys.argv[1], sys.argv[2]
    with psycopg.connect(url) as connection:
        key = Key(os.environ["BROADTALK_PASSPHRASE"], dict(connection.execute(SETTINGS).fetchall()))
        words = [fold(word)[:12] for word in text.split() if fold(word)]
        where = " AND ".join("c.id IN (SELECT client_id FROM client_search_token WHERE token = %s)" for _ in words)
        rows = connection.execute(QUERY.format(where=where or "true"), [key.name_token(w) for w in words]).fetchall()
    keys = ("id", "client_number", "given_name", "name_prefix", "family_name", "birth_date", "city", "conversations")
    found = []
    for row in rows:
        values = [key.open_text(value, SECRET[i]) if i in SECRET else value for i, value in enumerate(row)]
        values[5] = values[5].isoformat()
        found.append(dict(zip(keys, values, strict=True)))
    print(json.dumps(found, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
