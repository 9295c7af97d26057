"""Seller digests: how the desk did over a period, in Japanese, English or Chinese.

``period`` names the days, ``history`` reads the store, ``figures`` computes the numbers
(pure), ``chart`` draws them, ``render`` writes them through ``templates/<lang>/digest*``,
``mail`` wraps them as an e-mail, ``build`` ties those together (``render_digest_text``),
``schedule`` sends them once per period and ``command`` is ``madoguchi digest``.
Submodules are imported where used, so the command line starts without loading them.
"""
