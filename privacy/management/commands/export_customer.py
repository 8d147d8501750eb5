"""`manage.py export_customer <email>`: answer a person's access request with every record held about them."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from privacy.requests import customer_export


class Command(BaseCommand):
    help = "Print, as JSON, every record held about the person with this e-mail address."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        try:
            data = customer_export(email=email)
        except ValidationError as exc:
            raise CommandError(exc.message_dict["email"][0], returncode=2) from None
        if not (data["customers"] or data["team_memberships"] or data["email_deliveries"]):
            self.stderr.write(f"Nothing held about {data['email']}.")
        self.stdout.write(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
