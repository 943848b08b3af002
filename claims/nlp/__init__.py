"""Natural-language helpers: sentence splitting and check-worthiness scoring.

Public API:
- ``split_sentences(text) -> list[tuple[int, int]]``: exact ``[start, end)`` sentence spans.
- ``score_sentences(sentences) -> list[float]``: probability that each sentence is a
  check-worthy factual claim.
"""

from claims.nlp.checkworthiness import score_sentences
from claims.nlp.splitting import split_sentences

__all__ = ["score_sentences", "split_sentences"]
