from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from accounts.identity import mask_national_id
from accounts.models import Notification


class Command(BaseCommand):
    help = (
        "Show the messages (one-time codes, notices) the default sender stored in the outbox, "
        "to persons and employers."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            metavar="NATIONAL_ID or EMPLOYER_CODE",
            help="only messages to this person or employer",
        )
        parser.add_argument("--last", action="store_true", help="only the newest message")
        parser.add_argument("--limit", type=int, default=20, help="at most this many (20)")

    def handle(self, *args, **options):
        messages = (
            Notification.objects.filter(in_outbox=True)
            .select_related("person", "employer")
            .order_by("-created_at", "-pk")
        )
        if options["to"]:
            to = options["to"].strip().upper()
            messages = messages.filter(Q(person__national_id=to) | Q(employer__code=to))
        limit = 1 if options["last"] else max(options["limit"], 1)
        rows = list(messages[:limit])
        if not rows:
            if options["last"]:
                raise CommandError("no message in the outbox")
            self.stdout.write("outbox is empty")
            return
        for message in reversed(rows):
            when = timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M:%S")
            if message.person_id:
                who = mask_national_id(message.person.national_id)
            else:
                who = message.employer.code
            self.stdout.write(f"{when}  {who}  {message.phone or '-'}  {message.text}")
