"""`manage.py erase_customer <email>`: answer a person's erasure request."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from privacy.requests import customer_erase


class Command(BaseCommand):
    help = "Erase every record about the person with this e-mail address (customers, leads, history, e-mails)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        try:
            counts = customer_erase(email=email)
        except ValidationError as exc:
            raise CommandError(exc.message_dict["email"][0], returncode=2) from None
        changed = {kind: count for kind, count in counts.items() if count}
        if not changed:
            self.stdout.write(f"Nothing held about {email.strip()}: nothing changed.")
            return
        self.stdout.write(f"Erased the personal data held about {email.strip()}:")
        for kind, count in changed.items():
            self.stdout.write(f"  {kind}: {count}")
