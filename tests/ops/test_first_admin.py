"""The first admin (docs/OPERATIONS.md): ``manage.py createsuperuser`` gives the admin role."""

import pytest
from django.core.management import call_command

from academy.people.models import User
from academy.people.roles import Role, user_has_role, user_is_staff_role


@pytest.mark.django_db
def test_createsuperuser_makes_an_admin_who_must_enrol_a_second_factor(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Bureau-owner-2026!")
    call_command("createsuperuser", "--no-input", "--email", "Owner@Bureau.example.cn",
                 verbosity=0)

    user = User.objects.get(email="owner@bureau.example.cn")
    assert user.is_superuser and user.is_staff
    assert user.check_password("Bureau-owner-2026!")
    assert user_has_role(user, Role.ADMIN)
    assert user_is_staff_role(user)  # so the MFA requirement applies to them too


@pytest.mark.django_db
def test_the_first_admin_is_sent_to_enrol_mfa_before_any_staff_page(client, settings):
    settings.ACADEMY_STAFF_MFA_REQUIRED = True
    user = User.objects.create_superuser("owner@bureau.example.cn", "Bureau-owner-2026!")
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]
