from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo

from ..forms import BaseForm
from ..validators import Chars, GuessablePassword, Required


class LoginForm(BaseForm):
    username = StringField(
        _l("Username"),
        validators=[Required(), Chars(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[Required(), Chars(max=256)],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordForm(BaseForm):
    current = PasswordField(
        _l("Current password"),
        validators=[Required()],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("New password"),
        validators=[Required(), Chars(min=10, max=256), GuessablePassword()],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[Required(), EqualTo("new", _l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class LogoutForm(BaseForm):
    pass
