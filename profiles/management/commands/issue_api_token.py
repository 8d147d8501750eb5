"""`issue_api_token <username>`: create an API token for a user and print it (its last line) once."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from profiles.api_tokens import api_token_issue


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it as the last line; it is stored hashed, never shown again."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="Issued from the command line")

    def handle(self, *args, username: str, name: str, **options):
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.")
        try:
            token, plain = api_token_issue(user=user, name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages))
        self.stderr.write(f"Token {token.prefix}… for {username}; store it now, it is not shown again.")
        self.stdout.write(plain)
