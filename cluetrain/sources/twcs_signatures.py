"""Agent signatures at the end of a brand tweet of the twcs data (see twcs.py).

Agents sign the brand account's tweets at the end of the text, optionally followed by
a part counter ("1/2", "(2/2)", "...1/2"), a link (attached media) and punctuation,
which are looked through.
- marked signatures, any brand: a marker `^ - – — ~ * / =` (or "--"), an optional space,
  then initials (1-4 capitals, dotted like "S.D." too; 1 letter only after "^";
  lower-case initials like "^cr" only after "^") or a first name ("Becky",
  "KellenF", "RayButler"). The marker must follow a space, punctuation or an emoji,
  not a letter or digit ("e-Mail", "T-Mobile", URLs are not signatures); "/" must
  follow white space; "^" may follow anything ("2/2^ML", "top up.^SB"). Names that
  are ordinary words ("Thanks", "Cheers", ...) are not signatures.
- per-brand styles seen in the data (see BRAND_STYLES): some brands sign without a
  marker after the end of a sentence — a first name (sainsburys "... for you. Robbie",
  GWRHelp "Phil.", Morrisons, ArgosHelpers, AirAsiaSupport "=) Yana") or initials
  (sprintcare "connection. KB", GloCare "much?EE", AmazonHelp Japanese "...。ET");
  AirAsiaSupport and Morrisons glue "-Name" to the previous word ("Thanks-Sha"),
  sprintcare "-AB" ("go-DD"); NeweggService signs with one letter ("-J").
Initials are upper-cased ("^cr" → "CR", "S.D." → "SD"); names are kept as written.
"""
from __future__ import annotations

import re

# Per-brand signature habits found in the data (keys: lower-case handles).
BRAND_STYLES: dict[str, set[str]] = {
    # "unmarked-name": a first name after the end of the last sentence
    "sainsburys": {"unmarked-name"},
    "tesco": {"unmarked-name"},
    "gwrhelp": {"unmarked-name"},
    "morrisons": {"unmarked-name", "glued-name"},
    "argoshelpers": {"unmarked-name"},
    "airasiasupport": {"unmarked-name", "glued-name"},
    "idea_cares": {"unmarked-name"},
    # "unmarked-initials": initials after the end of the last sentence or a link
    "sprintcare": {"unmarked-initials", "glued-initials"},
    "glocare": {"unmarked-initials"},
    "amazonhelp": {"unmarked-initials"},
    # "glued-name" / "glued-initials": "-Name" / "-AB" right after a word ("Thanks-Sha",
    # "go-DD"); other brands need a space or punctuation before the marker
    # "single-letter": one-letter initial after "-"
    "neweggservice": {"single-letter"},
}

_NOT_NAMES = frozenset(
    """thanks thank thx ty cheers regards rgds sorry please enjoy team yes no hi hello
    hey ok okay bye love help care support mobile fi in out up off on dm us here there
    now soon today tomorrow tonight yesterday great good nice cool awesome wow oops
    sigh edit update updated correction and or the a an to it is be we you they""".split()
)
# Words in capitals that may end a tweet without being initials (unmarked styles only;
# "KB" is left out on purpose: sprintcare's agent KB signs without a marker).
_NOT_INITIALS = frozenset(
    """DM OK US UK EU ID PM AM TV PC IT HD FAQ BTW LOL FYI NB PS ETA ATM USA GB MB TB
    UPS DHL NFL NBA PIN SIM SMS APP IOS OS XL XXL VIP ISP LTE""".split()
)

_TAIL = re.compile(
    r"(?:\s*(?:\.\.\.|…)?\s*\(?\d{1,2}/\d{1,2}\)?"  # part counter: " 1/2", "(2/2)", "...1/2"
    r"|\s*https?://\S+"  # a trailing link (media or quoted tweet) after the signature
    r"|\s+|\.|…)$"
)
_MARKED = re.compile(
    r"(?P<marker>\^|--|[-–—~*/=])[ \t]?"
    r"(?P<token>[A-Z](?:\.[A-Z]){1,3}\.?|[A-Z]{1,2}[a-z]+(?:[A-Z][a-z]*)*|[A-Z]{1,4}|[a-z]{2,3})$"
)
_UNMARKED_NAME = re.compile(r"(?:[.!?…:;)=\n]|[^\x00-\u024f])\s*(?P<token>[A-Z][a-z]{1,14})$")
_UNMARKED_INITIALS = re.compile(
    r"(?:[.!?。！？)]|[^\x00-\u024f]|https?://\S+\s)\s*(?P<token>[A-Z]{2,3})$"
)
_NAME = re.compile(r"[A-Z]{1,2}[a-z]+(?:[A-Z][a-z]*)*")


def find_signature(text: str, brand: str) -> tuple[str, str] | None:
    """The agent signature ending a brand tweet: (normalised signature, style) or None.

    `brand` is the lower-case handle (it selects the per-brand styles). The style is a
    short label such as "^INITIALS", "- Name", "unmarked Name" used for reporting.
    """
    styles = BRAND_STYLES.get(brand, ())
    body = _strip_tail(text)
    m = _MARKED.search(body)
    if m:
        marker, token = m.group("marker"), m.group("token")
        start = m.start()
        before = body[start - 1] if start > 0 else ""
        spaced = body[m.end("marker"):m.start("token")] != ""
        is_name = _NAME.fullmatch(token) is not None
        glued = "glued-name" in styles if is_name else "glued-initials" in styles
        ok = _marker_context_ok(marker, before, glued)
        is_lower = token.islower()
        is_single = len(token) == 1
        if ok and is_lower and marker != "^":
            ok = False
        if ok and is_single and marker != "^" and "single-letter" not in styles:
            ok = False
        if ok and is_name and token.lower() in _NOT_NAMES:
            ok = False
        if ok:
            sig, kind = _normalise(token)
            return sig, f"{marker}{' ' if spaced else ''}{kind}"
    if "unmarked-name" in styles:
        m = _UNMARKED_NAME.search(body)
        if m and m.group("token").lower() not in _NOT_NAMES:
            return m.group("token"), "unmarked Name"
    if "unmarked-initials" in styles:
        m = _UNMARKED_INITIALS.search(body)
        if m and m.group("token") not in _NOT_INITIALS:
            return m.group("token"), "unmarked INITIALS"
    return None


def _strip_tail(text: str) -> str:
    """Remove trailing white space, dots and part counters ("1/2", "(2/2)", "...1/2")."""
    body = text
    while True:
        stripped = _TAIL.sub("", body)
        if stripped == body:
            return body
        body = stripped


def _marker_context_ok(marker: str, before: str, glued: bool) -> bool:
    if marker == "^" or before == "":
        return True
    if marker == "/":
        return before.isspace()
    if before.isalnum():
        return glued and before.isalpha()
    return True


def _normalise(token: str) -> tuple[str, str]:
    letters = token.replace(".", "")
    if letters.isupper() or (letters.islower() and len(letters) <= 3):
        return letters.upper(), "INITIALS"
    return token, "Name"
