"""Understanding buyer text: normalise, extract entities, tokenise, classify intent and anger.

Pure functions only: text in, :class:`Understanding` out. No I/O, no clock (the mail's own
date is passed in for resolving relative dates), no globals except the per-process tagger.
"""

from bot.nlp.understanding import TrackingNumber, Understanding, understand

__all__ = ["TrackingNumber", "Understanding", "understand"]
