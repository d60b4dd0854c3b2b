"""Fill Chinese translations into django.po from a small TSV of new strings, then compile.

    .venv/bin/python scripts/po_fill.py new.tsv   # msgid<TAB>msgstr per line
                                                  # (context|msgid for a pgettext string)

makemessages marks near-matches fuzzy with a guessed translation; those are cleared and
filled from the TSV too, so nothing half-translated ships. Any string left without a
translation is listed and the script exits 1.
"""

import csv
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "shegong/locale/zh_Hans/LC_MESSAGES/django.po"


def main() -> int:
    extra = {}
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as fh:
            extra = {row[0]: row[1] for row in csv.reader(fh, delimiter="\t") if len(row) == 2}
    po = polib.pofile(str(PO))
    missing = []
    for entry in po:
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.previous_msgid = None
            entry.previous_msgid_plural = None
            entry.previous_msgctxt = None
        key = f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid
        if key in extra:
            entry.msgstr = extra[key]
        if not entry.msgid_plural and not entry.msgstr:
            missing.append(entry.msgid)
    po.save()
    po.save_as_mofile(str(PO.with_suffix(".mo")))
    if missing:
        print("untranslated:", *missing, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
