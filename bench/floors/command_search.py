"""Floor for ``clients --search TEXT --json``: open the SQLCipher file with its passphrase, run the
query (every word part of the name or the start of the client number, in list order, with each
client's number of conversations) and print the rows as JSON.

``python bench/floors/command_search.py DATABASE TEXT`` with the passphrase in BROADTALK_PASSPHRASE.
"""

import json
import os
import sys

import sqlcipher3.dbapi2 as sqlcipher

QUERY = """
SELECT c.id, c.client_number, c.given_name, c.name_prefix, c.family_name, c.birth_date, c.city,
       (SELECT count(*) FROM conversation v WHERE v.client_id = c.id)
FROM client c
WHERE {where}
ORDER BY c.sort_key, c.birth_date, c.id
"""


def main() -> int:
    path, text = sys.argv[1], sys.argv[2]
    connection = sqlcipher.connect(path)
    connection.execute("PRAGMA key = '" + os.environ["BROADTALK_PASSPHRASE"].replace("'", "''") + "'")
    words = text.lower().split()
    where = " AND ".join("(c.search_key LIKE ? OR upper(c.client_number) LIKE ?)" for _ in words) or "1"
    parameters = [value for word in words for value in (f"%{word}%", f"{word.upper()}%")]
    rows = connection.execute(QUERY.format(where=where), parameters).fetchall()
    keys = ("id", "client_number", "given_name", "name_prefix", "family_name", "birth_date", "city", "conversations")
    print(json.dumps([dict(zip(keys, row, strict=True)) for row in rows], ensure_ascii=False, indent=2))
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
