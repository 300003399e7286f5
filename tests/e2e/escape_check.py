"""Checks what heapglass printed over the hostile corpus (tests/e2e/escape.sh).

DIR holds N.name (what ran), N.out (its stdout) and N.err (its stderr).  For
each run, one "ok -" or "not ok -" line: every byte must be safe for a
terminal, judged with Python's own Unicode tables (unicodedata) and the
installed Unicode data files, not with heapglass's:

- valid UTF-8, no C0 control but the newline, no DEL, no C1 control;
- no format character (Cf), line or paragraph separator (Zl, Zp), and no
  Default_Ignorable_Code_Point (DerivedCoreProperties.txt when installed,
  else the Unicode 15 list written out below);
- a literal backslash is escaped: the names spelled MARK, backslash, e show
  as MARK\\e, never as MARK\e (which would read as MARK and an ESC);
- JSON output parses, and every string in it passes the same checks;
- something was escaped (the run did show hostile text), else the check
  proves nothing; unless N.plain says the run need show nothing hostile.
N.tabs allows tabs (a DOT file Graphviz indents).
"""
import json
import os
import re
import sys
import unicodedata

# Default_Ignorable_Code_Point of Unicode 15, for machines without
# /usr/share/unicode (Debian's unicode-data).
DI_FALLBACK = [
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
]


def default_ignorable():
    path = "/usr/share/unicode/DerivedCoreProperties.txt"
    ranges = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if not line.endswith("Default_Ignorable_Code_Point"):
                    continue
                cps = line.split(";")[0].strip()
                lo, _, hi = cps.partition("..")
                ranges.append((int(lo, 16), int(hi or lo, 16)))
    except OSError:
        return DI_FALLBACK
    return ranges


DI = default_ignorable()
UNESCAPED_BACKSLASH = re.compile(r"MARK\\e")
ESCAPED_SOMETHING = re.compile(r"\\(e|x[0-9a-f]{2}|u\{[0-9A-F]{4,6}\}|\\)")


def bad_char(ch, tabs):
    cp = ord(ch)
    if cp < 0x20 and ch != "\n" and not (tabs and ch == "\t"):
        return "control U+%04X" % cp
    if cp == 0x7F or 0x80 <= cp < 0xA0:
        return "control U+%04X" % cp
    if unicodedata.category(ch) in ("Cf", "Zl", "Zp"):
        return "%s character U+%04X" % (unicodedata.category(ch), cp)
    for lo, hi in DI:
        if lo <= cp <= hi:
            return "default-ignorable U+%04X" % cp
    return None


def check_text(text, tabs=False):
    for i, ch in enumerate(text):
        why = bad_char(ch, tabs)
        if why:
            return "%s at character %d: ...%r..." % (why, i, text[max(0, i - 30):i + 10])
    m = UNESCAPED_BACKSLASH.search(text)
    if m:
        return "an unescaped backslash: ...%r..." % text[max(0, m.start() - 30):m.end() + 10]
    return None


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)


def check_run(base):
    data = b""
    for ext in (".out", ".err"):
        try:
            with open(base + ext, "rb") as f:
                data += f.read()
        except OSError:
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return "invalid UTF-8 at byte %d: %r" % (e.start, data[max(0, e.start - 30):e.start + 10])
    why = check_text(text, os.path.exists(base + ".tabs"))
    if why:
        return why
    name = open(base + ".name", encoding="utf-8").read().strip()
    if "--json" in name:
        try:
            with open(base + ".out", encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            return "JSON does not parse: %s" % e
        for s in strings(doc):
            why = check_text(s)
            if why:
                return "in a JSON string: " + why
        if not any(ESCAPED_SOMETHING.search(s) for s in strings(doc)):
            return "no escaped text in the JSON: the check proves nothing"
    elif not ESCAPED_SOMETHING.search(text) and not os.path.exists(base + ".plain"):
        return "nothing was escaped: the check proves nothing: %r" % text[:300]
    return None


def main():
    d = sys.argv[1]
    failed = 0
    runs = sorted(f[:-5] for f in os.listdir(d) if f.endswith(".name"))
    for r in runs:
        base = os.path.join(d, r)
        name = open(base + ".name", encoding="utf-8").read().strip()
        why = check_run(base)
        if why:
            failed += 1
            print("not ok - %s: %s" % (name, why))
        else:
            print("ok - %s: every byte safe for a terminal" % name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
