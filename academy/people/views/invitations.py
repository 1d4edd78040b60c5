"""The public invitation page: the person sets a password and is signed in."""


from allauth.account.utils import perform_login
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from ..forms import InvitationAcceptForm
from ..services.invitations import (
    InvitationInvalid,
    invitation_accept,
    invitation_for_token,
    invitation_invalid_message,
)

# --- Invitations (public: the person has no password yet) ----------------------------------------


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def invitation_accept_view(request, token: str):
    """Set a password from an invitation link, then sign in. Bad links get a clear page."""
    lookup = invitation_for_token(token)
    if lookup.state != "valid" or lookup.invitation is None:
        return _invitation_invalid(request, lookup.state)
    user = lookup.invitation.user
    if request.method == "POST":
        form = InvitationAcceptForm(user, request.POST)
        if form.is_valid():
            try:
                user = invitation_accept(token=token, password=form.cleaned_data["new_password1"])
            except InvitationInvalid as exc:
                return _invitation_invalid(request, exc.reason)
            except ValidationError as exc:
                form.add_error("new_password2", exc)
            else:
                # allauth's own login flow: its signals, session records, stages and
                # redirect apply as for any sign-in (the address was just verified).
                response = perform_login(request, user, redirect_url=reverse("home"))
                if request.user.is_authenticated:
                    messages.success(
                        request, _("Welcome! Your password is set and you are logged in."))
                return response
    else:
        form = InvitationAcceptForm(user)
    return render(request, "people/invitation_accept.html", {
        "form": form, "invited": user, "invitation": lookup.invitation,
    })


def _invitation_invalid(request, state: str):
    return render(
        request,
        "people/invitation_invalid.html",
        {"state": state, "message": invitation_invalid_message(state)},
        status=404 if state == "unknown" else 410,
    )
