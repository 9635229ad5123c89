"""Offline language guess for texts without `lang` (English/French by stop words).

Cheap on purpose: it runs per event on the hot path. Returns "und" (undetermined)
when neither language has evidence; such texts are scored neutral and counted.
"""
from __future__ import annotations

import re

_WORD = re.compile(r"[a-zàâçéèêëîïôûùüÿœæ']+")
_STRIP = re.compile(r"(@\w+|#\w+|https?://\S+)")
_EN = frozenset("""the a an and or but is are was were be been am i you he she it we they my your our
their me him her us them this that these those to of in on at for with from by not no do does did
have has had can can't cannot won't don't didn't isn't it's i'm what when why how still just please
thanks thank help will would should could get got any again there here so if""".split())
_FR = frozenset("""le la les un une des et ou mais est sont été être je tu il elle nous vous ils elles
mon ma mes ton ta tes son sa ses notre votre leur ce cette ces de du au aux en dans sur pour avec par
pas ne plus que qui quoi quand pourquoi comment merci bonjour toujours encore déjà très bien aussi
c'est j'ai n'est avez avons suis ai a ça on se y chez depuis rien""".split())


def detect(text: str) -> str:
    words = _WORD.findall(_STRIP.sub(" ", text.lower()))
    en = sum(w in _EN for w in words)
    fr = sum(w in _FR for w in words)
    if en == fr:
        return "und" if en == 0 else "en"
    return "en" if en > fr else "fr"
