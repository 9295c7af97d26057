"""Madoguchi (窓口): a Japanese customer-service desk for online shops.

The package follows the flow in the design: ``mail`` (ingest, parse, compose, outbox) →
``nlp`` (understand) → ``router`` (route to ``handlers``) → ``act`` → outbox, with
``deadlines`` and ``digest`` beside them. ``store`` keeps every stage's state.
"""

__version__ = "0.1.0"
