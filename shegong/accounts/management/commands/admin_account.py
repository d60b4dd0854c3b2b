"""The three administrator accounts (三员分立), managed on the server only.

No web session may create an administrator, give or take an administrator role, or
change, unlock or reset an administrator account: a stolen session or a rogue security
administrator could otherwise make a second account and turn it into the auditor. Doing
it here needs access to the server under the deployment's change control; every run
names who ran it and why, and is written to the audit log.

    manage.py admin_account create  --username U --role security_admin --reason "…"
    manage.py admin_account set-role --username U --role audit_admin   --reason "…"
    manage.py admin_account revoke  --username U --reason "…"     (back to no role, inactive)
    manage.py admin_account unlock  --username U --reason "…"     (lockout and second factor)
"""

import getpass
import os

from axes.utils import reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from shegong.accounts import throttle
from shegong.accounts.models import User
from shegong.accounts.roles import ADMIN_ROLES, Role
from shegong.audit.services import audit_log

ACTIONS = ("create", "set-role", "revoke", "unlock")


class Command(BaseCommand):
    help = "Create or change one of the three administrator accounts (audited)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=ACTIONS)
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", choices=sorted(ADMIN_ROLES))
        parser.add_argument("--reason", required=True, help="why: kept in the audit log")
        parser.add_argument("--full-name", default="")
        parser.add_argument(
            "--password-env",
            default="SHEGONG_ADMIN_PASSWORD",
            help="environment variable holding the initial password (create); "
            "asked for when it is not set",
        )

    def handle(self, *args, action, username, role, reason, full_name, password_env, **opts):
        if not reason.strip():
            raise CommandError("--reason must say why (it is kept in the audit log)")
        operator = f"server:{os.environ.get('SUDO_USER') or getpass.getuser()}"
        with transaction.atomic():
            user = User.objects.select_for_update().filter(username=username).first()
            if action == "create":
                self._create(user, username, role, full_name, password_env)
                user = User.objects.get(username=username)
                before = ""
            elif user is None:
                raise CommandError(f"no account {username!r}")
            else:
                before = user.role
                if action == "set-role":
                    if not role:
                        raise CommandError("set-role needs --role")
                    user.role = role
                    user.scope_region = None
                    user.station = None
                    user.agency = None
                    user.save()
                elif action == "revoke":
                    if user.role not in ADMIN_ROLES:
                        raise CommandError(f"{username!r} holds no administrator role")
                    user.role = ""
                    user.is_active = False
                    user.save(update_fields=["role", "is_active"])
                elif action == "unlock":
                    self._unlock(user)
            audit_log(
                action=f"shegong.user.admin_{action.replace('-', '_')}",
                actor_name=operator,
                obj=user,
                data={"operator": operator, "reason": reason, "from": before, "to": user.role},
            )
        self.stdout.write(f"{action}: {username} ({user.role or '-'}) by {operator}")

    def _create(self, user, username, role, full_name, password_env):
        if user is not None:
            raise CommandError(f"{username!r} exists already; use set-role")
        if role not in ADMIN_ROLES:
            raise CommandError("create needs --role system_admin, security_admin or audit_admin")
        password = os.environ.get(password_env) or getpass.getpass("Initial password: ")
        new = User(username=username, full_name=full_name, role=Role(role))
        try:
            validate_password(password, new)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        new.set_password(password)
        new.must_change_password = True
        new.save()

    def _unlock(self, user):

        reset(username=user.username)
        throttle.clear(user.username)
        TOTPDevice.objects.filter(user=user).delete()
