from django.core.management.base import BaseCommand, CommandError

from accounts.errors import BusinessRuleViolation
from accounts.models import Region
from accounts.services.service_users import SCOPES, service_token_create


class Command(BaseCommand):
    help = (
        "Creates (or updates) a service user with exactly the given scopes and prints only its "
        "API token. feed: the /feed/ endpoints; settlement: wallet payments at one designated "
        "institution (--institution-code, and for a new one --institution-name and "
        "--institution-region)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="username of the connected system, e.g. tax-xian")
        parser.add_argument(
            "--scope",
            action="append",
            choices=sorted(SCOPES),
            help="feed (default) or settlement; repeat for both",
        )
        parser.add_argument("--institution-code", default="", help="定点医药机构编码")
        parser.add_argument("--institution-name", default="", help="定点医药机构名称 (new one)")
        parser.add_argument("--institution-region", default="", help="6-digit region code")

    def handle(self, *args, name: str, scope, institution_region: str, **options):
        region = None
        if institution_region:
            region = Region.objects.filter(code=institution_region).first()
            if region is None:
                raise CommandError(f"unknown region {institution_region}")
        try:
            token = service_token_create(
                name=name,
                scopes=tuple(scope or ["feed"]),
                institution_code=options["institution_code"],
                institution_name=options["institution_name"],
                institution_region=region,
            )
        except BusinessRuleViolation as error:
            raise CommandError(error.message) from error
        self.stdout.write(token)
