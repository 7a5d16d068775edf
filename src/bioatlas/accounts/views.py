"""Account pages: sign-up, e-mail verification, login, logout, password reset, my account (and
its notification language), export and deletion of my data, and the admin's audit log."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from bioatlas.accounts import audit, service
from bioatlas.accounts.middleware import SESSION_COOKIE
from bioatlas.accounts.oidc import enabled as oidc_enabled, router as oidc_router
from bioatlas.accounts.policy import Principal, client_ip, require
from bioatlas.accounts.deps import forget_account, rate_limit, safe_next
from bioatlas.core.deps import SessionDep, SettingsDep, TranslatorDep
from bioatlas.core.moments import zone_names
from bioatlas.web.pages import redirect, render

router = APIRouter(include_in_schema=False)
Anyone = Annotated[Principal, Depends(require("public.form"))]
Me = Annotated[Principal, Depends(require("account.self"))]
Admin = Annotated[Principal, Depends(require("audit.read"))]
Text = Annotated[str, Form(max_length=400)]


@router.get("/account/signup", response_class=HTMLResponse)
def signup_form(request: Request, t: TranslatorDep):
    return render(request, t, "accounts/signup.html")


@router.post("/account/signup", response_class=HTMLResponse)
def signup(request: Request, session: SessionDep, settings: SettingsDep, t: TranslatorDep, _: Anyone,
           email: Text = "", password: Text = "", display_name: Text = ""):
    rate_limit(request, "signup", "rate_limit_signup")
    try:
        service.register(session, settings=settings, language=t.lang, email=email, password=password,
                         display_name=display_name, ip=client_ip(request))
    except service.AccountError as exc:
        return render(request, t, "accounts/signup.html", 422, error=t(str(exc)), email=email,
                      display_name=display_name)
    return render(request, t, "accounts/message.html", message=t("Check your mailbox: we sent you a link to confirm your address."))


@router.get("/account/verify", response_class=HTMLResponse)
def verify(request: Request, session: SessionDep, t: TranslatorDep, token: Annotated[str, Query(max_length=200)] = ""):
    try:
        service.confirm_email(session, token=token, ip=client_ip(request))
    except service.AccountError as exc:
        return render(request, t, "accounts/message.html", 400, error=t(str(exc)))
    return render(request, t, "accounts/message.html", message=t("Your address is confirmed. You can log in."),
                  login_link=True)


@router.get("/account/login", response_class=HTMLResponse)
def login_form(request: Request, t: TranslatorDep, settings: SettingsDep,
               next: Annotated[str, Query(max_length=500)] = ""):
    return render(request, t, "accounts/login.html", next=safe_next(next),
                  oidc_name=settings.oidc_provider_name or "OpenID Connect" if oidc_enabled(settings) else "")


@router.post("/account/login", response_class=HTMLResponse)
def login(request: Request, session: SessionDep, settings: SettingsDep, t: TranslatorDep, _: Anyone,
          email: Text = "", password: Text = "", next: Text = ""):
    rate_limit(request, "login", "rate_limit_login", account=service.email_key(email)[:320])
    try:
        raw = service.log_in(session, email=email, password=password, old_token=request.cookies.get(SESSION_COOKIE),
                             days=settings.session_days, ip=client_ip(request), language=request.cookies.get("lang"))
    except service.LoginRefused as exc:
        return render(request, t, "accounts/login.html", 401, error=t(str(exc)), email=email, next=safe_next(next))
    response = redirect(safe_next(next))
    response.set_cookie(SESSION_COOKIE, raw, max_age=settings.session_days * 86400, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")
    return response


@router.post("/account/logout")
def logout(request: Request, session: SessionDep, me: Me):
    service.log_out(session, token=request.cookies.get(SESSION_COOKIE), user_id=me.user_id, ip=client_ip(request))
    response = redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account/reset", response_class=HTMLResponse)
def reset_form(request: Request, t: TranslatorDep):
    return render(request, t, "accounts/reset.html")


@router.post("/account/reset", response_class=HTMLResponse)
def reset_request(request: Request, session: SessionDep, settings: SettingsDep, t: TranslatorDep, _: Anyone,
                  email: Text = ""):
    rate_limit(request, "reset", "rate_limit_login", account=service.email_key(email)[:320])
    service.request_reset(session, settings=settings, email=email)
    return render(request, t, "accounts/message.html",
                  message=t("If an account uses this address, we sent it a link to choose a new password."))


@router.get("/account/reset/confirm", response_class=HTMLResponse)
def reset_confirm_form(request: Request, t: TranslatorDep, token: Annotated[str, Query(max_length=200)] = ""):
    return render(request, t, "accounts/reset_confirm.html", token=token)


@router.post("/account/reset/confirm", response_class=HTMLResponse)
def reset_confirm(request: Request, session: SessionDep, t: TranslatorDep, _: Anyone, token: Text = "",
                  password: Text = ""):
    try:
        service.confirm_reset(session, token=token, password=password, ip=client_ip(request))
    except service.AccountError as exc:
        return render(request, t, "accounts/reset_confirm.html", 400, error=t(str(exc)), token=token)
    return render(request, t, "accounts/message.html", message=t("Your password is changed. You can log in."),
                  login_link=True)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, session: SessionDep, t: TranslatorDep, me: Me):
    user = service.get_user(session, user_id=me.user_id)
    return render(request, t, "accounts/account.html", user=user, grants=user.roles, zones=zone_names())


@router.post("/account/language", response_class=HTMLResponse)
def account_language(request: Request, session: SessionDep, t: TranslatorDep, me: Me,
                     language: Annotated[str, Form(max_length=10)] = "",
                     time_zone: Annotated[str, Form(max_length=64)] = ""):
    """The account's language and, when the form gives one, the time zone of its pages."""
    try:
        service.set_language(session, user_id=me.user_id, language=language)
        if time_zone:
            service.set_time_zone(session, user_id=me.user_id, time_zone=time_zone)
    except service.AccountError as exc:
        user = service.get_user(session, user_id=me.user_id)
        return render(request, t, "accounts/account.html", 422, user=user, grants=user.roles, error=t(str(exc)),
                      zones=zone_names())
    return redirect("/account")


@router.get("/account/export")
def account_export(request: Request, session: SessionDep, me: Me):
    body = json.dumps(service.my_data(session, user_id=me.user_id), ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="bioatlas-my-data.json"',
                             "Cache-Control": "no-store"})  # personal data: never kept by a cache


@router.post("/account/delete", response_class=HTMLResponse)
def account_delete(request: Request, session: SessionDep, t: TranslatorDep, me: Me, password: Text = ""):
    try:
        key = service.delete_account(session, user_id=me.user_id, password=password, ip=client_ip(request))
    except service.AccountError as exc:
        user = service.get_user(session, user_id=me.user_id)
        return render(request, t, "accounts/account.html", 403, user=user, grants=user.roles, error=t(str(exc)))
    forget_account(request, key)
    response = render(request, t, "accounts/message.html", message=t("Your account and personal data are deleted."))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: SessionDep, t: TranslatorDep, _: Admin,
               event: Annotated[str, Query(max_length=40)] = "",
               page: Annotated[int, Query(ge=1, le=10_000)] = 1):
    rows = audit.query(session, event=event or None, limit=100, offset=(page - 1) * 100)
    return render(request, t, "accounts/audit.html", rows=rows, event=event, events=audit.EVENTS, page=page)


router.include_router(oidc_router)  # /account/oidc/login and /callback (optional OpenID Connect)
