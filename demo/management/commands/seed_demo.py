import time

from django.core.management.base import BaseCommand, CommandError

from accounts.errors import BusinessRuleViolation
from demo.services import DEMO_PASSWORD, demo_data_seed, synthetic_persons_seed


class Command(BaseCommand):
    help = (
        "Idempotent demo data: staff, employers, insured persons and enrollments; prints the "
        "demo logins. --persons N also makes N synthetic persons exist (bulk, for load tests)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=0, metavar="N")

    def handle(self, *args, persons: int, **options):
        if persons < 0:
            raise CommandError("--persons must not be negative.")
        logins = demo_data_seed()
        self.stdout.write("演示账号 (username / role / name → what to try):")
        for login in logins:
            tip = f" → {login.tip}" if login.tip else ""
            self.stdout.write(f"  {login.username:<20} {login.role:<16} {login.name}{tip}")
        self.stdout.write(f"密码 (password for all demo logins): {DEMO_PASSWORD}")
        self.stdout.write(
            "登录 (sign in): 参保人和参保单位 /login/ (persons, employers); "
            "经办人员 /admin/ (staff)"
        )
        if persons:
            started = time.monotonic()
            try:
                created = synthetic_persons_seed(count=persons)
            except BusinessRuleViolation as error:
                raise CommandError(error.message) from error
            self.stdout.write(
                f"Synthetic persons: {created} created ({persons} wanted) "
                f"in {time.monotonic() - started:.1f}s."
            )
