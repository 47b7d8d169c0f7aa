"""Account pages (guide §3, §4, §9): thin handlers that call ``portal.accounts.service``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from portal.accounts import forms, service, throttling
from portal.accounts.forms import FieldSpec, FormContext
from portal.db import Database
from portal.registrations.service import has_active_registration, lock_office
from portal.settings import Settings
from portal.web.auth import current_account_id, requires_account
from portal.web.htmx import render, see_other
from portal.web.sessions import get_session

HOME = "/espace"
PASSWORD_FIELDS = {"password", "password_confirmation", "current_password"}
NO_STORE = {"Cache-Control": "no-store"}


# -- helpers -------------------------------------------------------------------------------------
def _db(request: Request) -> Database:
    return request.app.state.db


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _now(request: Request) -> datetime:
    return request.app.state.clock()


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else None
    return throttling.client_address(
        peer, request.headers.get("x-forwarded-for"), _settings(request).trusted_proxies
    )


def safe_next(target: str | None) -> str:
    """Only a local path: "/x", never "//host" or "/\\host" (open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return HOME


def _kept(values: dict[str, str]) -> dict[str, str]:
    """What comes back into the form after an error: everything typed, passwords excepted."""
    return {k: v for k, v in values.items() if k not in PASSWORD_FIELDS and k != "_csrf_token"}


def _field_views(
    specs: tuple[FieldSpec, ...], ctx: FormContext, check_url: str
) -> list[dict[str, Any]]:
    return [
        {"spec": spec, "options": ctx.options(spec.options), "check_url": check_url}
        for spec in specs
    ]


async def _form_context(request: Request, *, editing: bool = False) -> FormContext:
    return await service.form_context(
        _db(request), _settings(request), _now(request), editing=editing
    )


def _logged_in(request: Request) -> bool:
    return get_session(request).account_id is not None


CHECK_URLS = {
    "creer": "/compte/verifier/{name}?formulaire=creer",
    "modifier": "/compte/verifier/{name}?formulaire=modifier",
}


# -- visitor pages -------------------------------------------------------------------------------
class AccountsController(Controller):
    include_in_schema = False

    # "Créez votre compte" ---------------------------------------------------------------------
    @get("/compte/creer", name="accounts:signup")
    async def signup_form(self, request: Request) -> Response:
        if _logged_in(request):
            return Redirect(HOME)
        ctx = await _form_context(request)
        return self._signup_page(request, ctx, {}, {})

    def _signup_page(
        self, request: Request, ctx: FormContext, values: dict[str, str], errors: dict[str, str]
    ) -> Template:
        specs = forms.signup_fields(ctx.settings)
        return render(
            request,
            "accounts/signup.html.j2",
            {
                "fields": _field_views(specs, ctx, CHECK_URLS["creer"]),
                "groups": SIGNUP_GROUPS,
                "values": values,
                "errors": errors,
            },
        )

    @post("/compte/creer", name="accounts:signup_submit", status_code=200)
    async def signup(self, request: Request, data: URLEncodedBody[dict[str, str]]) -> Response:
        ctx = await _form_context(request)
        errors = forms.validate(forms.signup_fields(ctx.settings), data, ctx)
        if errors:
            return self._signup_page(request, ctx, _kept(data), errors)
        email = await service.sign_up(
            _db(request),
            _settings(request),
            _now(request),
            forms.identity_from(data),
            data["email"],
            data["password"],
            address=client_address(request),
        )
        get_session(request)["signup_email"] = email
        return see_other(request, "/compte/merci")

    @post("/compte/verifier/{name:str}", name="accounts:check_field", status_code=200)
    async def check_field(
        self,
        request: Request,
        name: FromPath[str],
        data: URLEncodedBody[dict[str, str]],
        formulaire: FromQuery[str] = "creer",
    ) -> Template:
        """Inline validation on leaving a field: the same validator, the field's partial back."""
        editing = formulaire == "modifier"
        ctx = await _form_context(request, editing=editing)
        specs = (
            (*forms.IDENTITY_FIELDS, *forms.credential_fields(ctx.settings))
            if editing
            else forms.signup_fields(ctx.settings)
        )
        spec = next((s for s in specs if s.name == name), None)
        if spec is None:
            raise NotFoundException()
        error = forms.VALIDATORS[name](data, ctx)
        return Template(
            template_name="accounts/partials/_field.html.j2",
            context={
                "field": {
                    "spec": spec,
                    "options": ctx.options(spec.options),
                    "check_url": CHECK_URLS["modifier" if editing else "creer"],
                },
                # the typed password stays in its box when its group is swapped
                "values": {name: data.get(name, "")},
                "keep_password": spec.kind == "password",
                "errors": {name: error} if error else {},
            },
            headers=NO_STORE,
        )

    @get("/compte/merci", name="accounts:thanks")
    async def thanks(self, request: Request) -> Template:
        return Template(
            template_name="accounts/thanks.html.j2",
            context={"email": get_session(request).get("signup_email")},
        )

    # activation -------------------------------------------------------------------------------
    @get("/compte/activer/{token:str}", name="accounts:activate")
    async def activate(self, request: Request, token: FromPath[str]) -> Response:
        try:
            outcome = await service.activate(_db(request), _settings(request), _now(request), token)
        except service.LinkInvalid as exc:
            return _link_invalid(
                request,
                "Activation impossible",
                exc.message,
                [
                    ("/compte/renvoyer-lien", "Renvoyer le lien"),
                    ("/compte/creer", "Créer un compte"),
                ],
                status_code=410 if exc.expired else 400,
            )
        message = (
            "Votre compte est activé. Vous pouvez maintenant vous connecter."
            if outcome == "activated"
            else "Votre compte est déjà activé. Vous pouvez vous connecter."
        )
        target = HOME if _logged_in(request) else "/connexion"
        return see_other(request, target, flash=message, kind="success")

    @get("/compte/renvoyer-lien", name="accounts:resend")
    async def resend_form(self, request: Request) -> Template:
        return _email_page(request, "accounts/resend.html.j2", {}, {}, sent=False)

    @post("/compte/renvoyer-lien", name="accounts:resend_submit", status_code=200)
    async def resend(self, request: Request, data: URLEncodedBody[dict[str, str]]) -> Template:
        problem = forms.email_problem(data.get("email"))
        if problem:
            return _email_page(
                request, "accounts/resend.html.j2", _kept(data), {"email": problem}, sent=False
            )
        await service.resend_activation(
            _db(request),
            _settings(request),
            _now(request),
            data["email"],
            address=client_address(request),
        )
        return _email_page(request, "accounts/resend.html.j2", _kept(data), {}, sent=True)

    # login ------------------------------------------------------------------------------------
    @get("/connexion", name="accounts:login")
    async def login_form(self, request: Request, suivant: FromQuery[str | None] = None) -> Response:
        if _logged_in(request):
            return Redirect(safe_next(suivant))
        return _login_page(request, {}, {}, suivant=safe_next(suivant))

    @post("/connexion", name="accounts:login_submit", status_code=200)
    async def login(self, request: Request, data: URLEncodedBody[dict[str, str]]) -> Response:
        target = safe_next(data.get("suivant"))
        values = _kept(data)
        errors: dict[str, str] = {}
        if not data.get("email", "").strip():
            errors["email"] = "Saisissez votre adresse mail."
        if not data.get("password"):
            errors["password"] = "Saisissez votre mot de passe."  # noqa: S105
        if errors:
            return _login_page(request, values, errors, suivant=target)
        try:
            account = await service.authenticate(
                _db(request),
                _settings(request),
                _now(request),
                data["email"],
                data["password"],
                address=client_address(request),
            )
        except service.AccountNotActive as exc:
            return _login_page(
                request, values, {"email": exc.message}, suivant=target, inactive=True
            )
        except service.AccountError as exc:
            return _login_page(request, values, {"email": exc.message}, suivant=target)
        get_session(request).login(account.id)  # type: ignore[arg-type]
        return see_other(request, target)

    @post("/deconnexion", name="accounts:logout")
    async def logout(self, request: Request) -> Redirect:
        state = get_session(request)
        account_id = state.account_id
        state.logout()
        if account_id is not None:
            service.security.info("logout (account=%s)", account_id)
        return see_other(request, "/", flash="Vous êtes déconnecté(e).", kind="success")

    # password reset ---------------------------------------------------------------------------
    @get("/mot-de-passe/oublie", name="accounts:forgot")
    async def forgot_form(self, request: Request) -> Template:
        return _email_page(request, "accounts/forgot.html.j2", {}, {}, sent=False)

    @post("/mot-de-passe/oublie", name="accounts:forgot_submit", status_code=200)
    async def forgot(self, request: Request, data: URLEncodedBody[dict[str, str]]) -> Template:
        problem = forms.email_problem(data.get("email"))
        if problem:
            return _email_page(
                request, "accounts/forgot.html.j2", _kept(data), {"email": problem}, sent=False
            )
        await service.request_reset(
            _db(request),
            _settings(request),
            _now(request),
            data["email"],
            address=client_address(request),
        )
        return _email_page(request, "accounts/forgot.html.j2", _kept(data), {}, sent=True)

    @get("/mot-de-passe/reinitialiser/{token:str}", name="accounts:reset")
    async def reset_form(self, request: Request, token: FromPath[str]) -> Template:
        try:
            await service.reset_target(_db(request), _settings(request), _now(request), token)
        except service.LinkInvalid as exc:
            return _reset_invalid(request, exc)
        return _reset_page(request, token, {})

    @post("/mot-de-passe/reinitialiser/{token:str}", name="accounts:reset_submit", status_code=200)
    async def reset(
        self, request: Request, token: FromPath[str], data: URLEncodedBody[dict[str, str]]
    ) -> Response:
        settings = _settings(request)
        ctx = FormContext(settings=settings, today=_now(request).date())
        errors = {}
        for name in ("password", "password_confirmation"):
            message = forms.VALIDATORS[name](data, ctx)
            if message:
                errors[name] = message
        try:
            if errors:
                await service.reset_target(_db(request), settings, _now(request), token)
                return _reset_page(request, token, errors)
            await service.reset_password(
                _db(request),
                settings,
                _now(request),
                token,
                data["password"],
                address=client_address(request),
            )
        except service.LinkInvalid as exc:
            return _reset_invalid(request, exc)
        state = get_session(request)
        if state.account_id is not None:
            state.logout()  # every session of the account has ended, this one too
        return see_other(
            request,
            "/connexion",
            flash="Votre mot de passe a été modifié. Vous pouvez vous connecter avec le nouveau mot de passe.",
            kind="success",
        )

    # new email confirmation -------------------------------------------------------------------
    @get("/compte/email/confirmer/{token:str}", name="accounts:confirm_email")
    async def confirm_email(self, request: Request, token: FromPath[str]) -> Response:
        try:
            await service.confirm_email(_db(request), _settings(request), _now(request), token)
        except service.AccountError as exc:
            return _link_invalid(
                request,
                "Confirmation impossible",
                exc.message,
                [("/compte/modifier", "Modifier mon compte")],
                status_code=400,
            )
        target = HOME if _logged_in(request) else "/connexion"
        return see_other(
            request,
            target,
            flash="Votre nouvelle adresse mail est confirmée : c'est désormais l'identifiant de votre compte.",
            kind="success",
        )


# -- candidate pages -----------------------------------------------------------------------------
class CandidateController(Controller):
    include_in_schema = False
    guards = [requires_account]

    @get("/espace", name="accounts:home")
    async def home(self, request: Request) -> Template:
        account = await service.get_account(_db(request), current_account_id(request))
        return Template(template_name="accounts/home.html.j2", context={"account": account})

    @get("/formulaires", name="accounts:forms")
    async def forms_page(self) -> Template:
        return Template(template_name="accounts/forms.html.j2")

    @get("/compte/modifier", name="accounts:edit")
    async def edit_form(self, request: Request) -> Template:
        account = await service.get_account(_db(request), current_account_id(request))
        assert account is not None
        return await _edit_page(request, account, forms.values_from_account(account), {})

    @post("/compte/modifier", name="accounts:edit_submit", status_code=200)
    async def edit(self, request: Request, data: URLEncodedBody[dict[str, str]]) -> Response:
        account_id = current_account_id(request)
        db, settings, now = _db(request), _settings(request), _now(request)
        account = await service.get_account(db, account_id)
        assert account is not None
        locked = await service.is_locked(db, account_id)
        ctx = await _form_context(request, editing=True)
        specs = (
            forms.credential_fields(settings)
            if locked
            else (*forms.IDENTITY_FIELDS, *forms.credential_fields(settings))
        )
        errors = forms.validate(specs, data, ctx)
        values = _kept(data)
        if locked:
            values.update(
                {
                    k: v
                    for k, v in forms.values_from_account(account).items()
                    if k in forms.IDENTITY_NAMES
                }
            )
        if errors:
            return await _edit_page(request, account, values, errors)
        try:
            changes = await service.update_account(
                db,
                settings,
                now,
                account_id,
                identity=None if locked else forms.identity_from(data),
                email=data.get("email", ""),
                new_password=data.get("password", ""),
                current_password=data.get("current_password", ""),
                keep_session=get_session(request).key,
                address=client_address(request),
            )
        except service.AccountError as exc:
            return await _edit_page(request, account, values, {exc.field or "email": exc.message})
        messages = []
        if changes.identity:
            messages.append("Vos informations ont été enregistrées.")
        if changes.password:
            messages.append(
                "Votre mot de passe a été modifié ; vos autres sessions ont été fermées."
            )
        if changes.email_pending:
            messages.append(
                f"Un mail de confirmation a été envoyé à {changes.email_pending} : la nouvelle "
                "adresse ne deviendra l'identifiant de votre compte qu'après avoir cliqué sur le lien."
            )
        if not messages:
            messages.append("Aucune modification n'a été faite.")
        return see_other(request, "/compte/modifier", flash=" ".join(messages), kind="success")

    @get("/compte/mes-donnees", name="accounts:my_data")
    async def my_data(self, request: Request) -> Response:
        data = await service.export_data(_db(request), current_account_id(request))
        data["exporte_le"] = _now(request).isoformat()
        return Response(
            content=json.dumps(data, ensure_ascii=False, indent=2).encode(),
            media_type="application/json; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="mes-donnees.json"',
                **NO_STORE,
            },
        )


# -- page builders -------------------------------------------------------------------------------
SIGNUP_GROUPS = (
    (
        "Votre identité",
        ("civility", "birth_name", "birth_name_confirmation", "usage_name", "first_names"),
    ),
    (
        "Votre naissance",
        (
            "birth_country",
            "birth_date",
            "birth_date_confirmation",
            "birth_department",
            "birth_city",
        ),
    ),
    (
        "Vos identifiants de connexion",
        ("email", "email_confirmation", "password", "password_confirmation", "current_password"),
    ),
)


def _login_page(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    suivant: str,
    inactive: bool = False,
) -> Template:
    return render(
        request,
        "accounts/login.html.j2",
        {
            "values": values,
            "errors": errors,
            "suivant": suivant,
            "inactive": inactive,
        },
    )


def _email_page(
    request: Request, page: str, values: dict[str, str], errors: dict[str, str], *, sent: bool
) -> Template:
    return render(request, page, {"values": values, "errors": errors, "sent": sent})


def _reset_page(request: Request, token: str, errors: dict[str, str]) -> Template:
    return render(
        request,
        "accounts/reset.html.j2",
        {
            "token": token,
            "errors": errors,
            "values": {},
            "rule": forms.password_rule(_settings(request)),
        },
    )


def _reset_invalid(request: Request, exc: service.LinkInvalid) -> Template:
    return _link_invalid(
        request,
        "Réinitialisation impossible",
        exc.message,
        [("/mot-de-passe/oublie", "Demander un nouveau lien")],
        status_code=410 if exc.expired else 400,
    )


def _link_invalid(
    request: Request, title: str, message: str, actions: list[tuple[str, str]], *, status_code: int
) -> Template:
    return Template(
        template_name="accounts/link_invalid.html.j2",
        context={"title": title, "message": message, "actions": actions},
        status_code=status_code,
    )


async def _edit_page(
    request: Request, account: Any, values: dict[str, str], errors: dict[str, str]
) -> Template:
    db = _db(request)
    async with db.read() as session:
        locked = await has_active_registration(session, account.id)
        office = await lock_office(session, account.id) if locked else None
    ctx = await _form_context(request, editing=True)
    return render(
        request,
        "accounts/edit.html.j2",
        {
            "account": account,
            "locked": locked,
            "office": office,
            "fields": _field_views(
                (*forms.IDENTITY_FIELDS, *forms.credential_fields(ctx.settings)),
                ctx,
                CHECK_URLS["modifier"],
            ),
            "groups": SIGNUP_GROUPS,
            "values": values,
            "errors": errors,
            "identity_names": forms.IDENTITY_NAMES,
            "identity_view": _identity_view(account, ctx),
        },
    )


def _identity_view(account: Any, ctx: FormContext) -> list[tuple[str, str]]:
    """The locked identity, as label/value pairs (read-only)."""
    countries = dict(ctx.countries)
    departments = dict(ctx.departments)
    return [
        ("Civilité", account.civility_label),
        ("Nom de famille (Nom de naissance)", account.birth_name),
        ("Nom d'usage", account.usage_name or "—"),
        ("Prénoms", account.first_names),
        (
            "Pays de naissance",
            countries.get(account.birth_country_code, account.birth_country_code),
        ),
        ("Date de naissance", account.birth_date.strftime("%d/%m/%Y")),
        (
            "Département, DOM ou COM de naissance",
            departments.get(account.birth_department_code or "", "—"),
        ),
        ("Commune de naissance", account.birth_city),
    ]
