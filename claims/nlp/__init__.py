"""Natural-language helpers: sentence splitting and check-worthiness scoring.

Public API:
- ``split_sentences(text, language="en") -> list[tuple[int, int]]``: exact ``[start, end)``
  sentence spans.
- ``score_sentences(sentences, language="en") -> list[float]``: probability that each sentence
  is a check-worthy factual claim, by the model of that language.
- ``has_model(language) -> bool``: whether a check-worthiness model covers the language
  (English, and the languages in ``checkworthiness.TRAINED_LANGUAGES``; other articles are
  not scored).
"""

from claims.nlp.checkworthiness import has_model, score_sentences
from claims.nlp.splitting import split_sentences

__all__ = ["has_model", "score_sentences", "split_sentences"]
