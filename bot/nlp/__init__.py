"""Understanding buyer text: normalise, extract entities, tokenise, classify intent and anger.

Pure functions only: text in, :class:`Understanding` out. No I/O, no clock (the mail's own
date is passed in for resolving relative dates), no globals except the per-process tagger and
read-only memos built on first use: the committed model, the cue table, the tagger's
analyses split into lemma and role, clause moods and the evidence text of feature names.

Train with ``python -m bot.nlp.train``; measure with ``madoguchi eval FILE.jsonl``. The hot
modules can be compiled (``make native``, :mod:`bot.nlp.native`); the sources run otherwise.
"""

from bot.nlp import native

# A current compiled build of the hot modules (``python -m bot.nlp.build_native``) loads instead of
# their sources; without one, or with any source changed since, the sources load.
if native.enable(__path__):
    native.enable_elsewhere()

from bot.nlp.understanding import TrackingNumber, Understanding, understand

__all__ = ["TrackingNumber", "Understanding", "understand"]
