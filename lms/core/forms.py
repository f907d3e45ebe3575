"""The base form: WTForms' own messages ("This field is required.") come from our catalogues.

WTForms ships Swedish but no Danish; with this Meta every built-in validator and field message
is translated from lms/translations like the rest of the interface.
"""

from __future__ import annotations

from flask_babel import get_translations, gettext
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _nl
from flask_wtf import FlaskForm


class _BabelTranslations:
    """The object WTForms asks for `gettext` and `ngettext` (it formats the result itself)."""

    def gettext(self, string: str) -> str:
        return gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


_TRANSLATIONS = _BabelTranslations()


class BaseForm(FlaskForm):
    """Every Fasthold form derives from this."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _TRANSLATIONS


# WTForms' messages that our forms can show, listed so `make extract-messages` finds them.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Invalid email address."),
    _l("Not a valid choice."),
    _l("Not a valid date value."),
    _l("Not a valid integer value."),
    _l("Invalid input."),
    _l("Field must be equal to %(other_name)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Invalid Choice: could not coerce."),
    _l("The CSRF token is missing."),
    _l("The CSRF token has expired."),
    _l("The CSRF token is invalid."),
    _nl("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1),
    _nl("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1),
    _nl("Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long.", 1),
)
