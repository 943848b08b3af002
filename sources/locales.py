"""Countries and languages of sources, from Babel's CLDR data (bundled with the package).

Countries are ISO 3166-1 alpha-2 codes (``GB``; ``XK`` for Kosovo, as CLDR has it);
languages are ISO 639 codes with an optional region (``en``, ``pt-BR``), stored with a
hyphen as in BCP 47. Input is forgiving (any case, an underscore, or the English name) and
:func:`country_code` / :func:`language_code` give the stored form. Pages show the names in
the interface's language (:func:`countries_shown`, :func:`languages_shown`,
:func:`country_name`, :func:`language_name`: CLDR's, through Babel).
"""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

# CLDR territories with two-letter codes that are not ISO 3166-1 countries (Ascension,
# Clipperton, Sark, Diego Garcia, Ceuta and Melilla, the EU, the eurozone, Canary Islands,
# outlying Oceania, Tristan da Cunha, the UN, pseudo-locales, unknown).
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)


@cache
def _english() -> Locale:
    return Locale("en")


@cache
def countries() -> dict[str, str]:
    """``{"GB": "United Kingdom", ...}``, sorted by name."""
    items = [
        (code, name)
        for code, name in _english().territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    ]
    return dict(sorted(items, key=lambda item: item[1]))


@cache
def languages() -> dict[str, str]:
    """``{"en": "English", "pt-BR": "Brazilian Portuguese", ...}``, sorted by name."""
    items = [(code.replace("_", "-"), name) for code, name in _english().languages.items()]
    return dict(sorted(items, key=lambda item: item[1]))


@cache
def _countries_by_key() -> dict[str, str]:
    found = {code.casefold(): code for code in countries()}
    found.update({name.casefold(): code for code, name in countries().items()})
    return found


@cache
def _languages_by_key() -> dict[str, str]:
    found = {code.casefold(): code for code in languages()}
    found.update({name.casefold(): code for code, name in languages().items()})
    return found


def country_code(value: str) -> str:
    """The stored code for a code or an English name (``"gb"``, ``"United Kingdom"`` ->
    ``"GB"``); ``""`` for blank. Raises ``ValidationError`` for anything else."""
    key = (value or "").strip().casefold()
    if not key:
        return ""
    try:
        return _countries_by_key()[key]
    except KeyError:
        raise ValidationError(
            _("“%(value)s” is not a country: use a two-letter ISO 3166 code such as GB or US.")
            % {"value": value.strip()[:60]},
            code="country",
        ) from None


def language_code(value: str) -> str:
    """The stored code for a code or an English name (``"pt_br"``, ``"Brazilian
    Portuguese"`` -> ``"pt-BR"``); ``""`` for blank. Raises ``ValidationError`` otherwise."""
    key = (value or "").strip().replace("_", "-").casefold()
    if not key:
        return ""
    try:
        return _languages_by_key()[key]
    except KeyError:
        raise ValidationError(
            _("“%(value)s” is not a language: use a code such as en, fr or pt-BR.")
            % {"value": value.strip()[:60]},
            code="language",
        ) from None


def validate_country(value: str) -> None:
    """Model validator: the value is a stored country code (or blank)."""
    if value and value not in countries():
        raise ValidationError(
            _("“%(value)s” is not a two-letter ISO 3166 country code.") % {"value": value},
            code="country",
        )


def validate_language(value: str) -> None:
    """Model validator: the value is a stored language code (or blank)."""
    if value and value not in languages():
        raise ValidationError(
            _("“%(value)s” is not a known language code.") % {"value": value}, code="language"
        )


@cache
def _locale(language: str) -> Locale | None:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None


@cache
def _shown(kind: str, language: str) -> dict[str, str]:
    english = countries() if kind == "territories" else languages()
    locale = _locale(language)
    names = getattr(locale, kind) if locale is not None else {}
    found = {code: names.get(code.replace("-", "_")) or name for code, name in english.items()}
    return dict(sorted(found.items(), key=lambda item: item[1].casefold()))


def countries_shown() -> dict[str, str]:
    """:func:`countries` named in the interface's language, sorted by that name."""
    return _shown("territories", translation.get_language() or "en")


def languages_shown() -> dict[str, str]:
    """:func:`languages` named in the interface's language, sorted by that name."""
    return _shown("languages", translation.get_language() or "en")


def country_name(code: str) -> str:
    return countries_shown().get(code, code)


def language_name(code: str) -> str:
    return languages_shown().get(code, code)
