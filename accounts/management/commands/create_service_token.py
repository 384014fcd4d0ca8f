from django.core.management.base import BaseCommand, CommandError

from accounts.errors import BusinessRuleViolation
from accounts.services.registration import service_token_create


class Command(BaseCommand):
    help = "Creates (or finds) a service user with feed rights and prints only its API token."

    def add_arguments(self, parser):
        parser.add_argument("name", help="username of the connected system, e.g. tax-xian")

    def handle(self, *args, name: str, **options):
        try:
            token = service_token_create(name=name)
        except BusinessRuleViolation as error:
            raise CommandError(error.message) from error
        self.stdout.write(token)
