from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Prints its arguments (used by the runtime tests of `lw manage`)."

    def add_arguments(self, parser):
        parser.add_argument("words", nargs="*")
        parser.add_argument("--shout", action="store_true")

    def handle(self, *args, **options):
        text = " ".join(options["words"]) or "pong"
        self.stdout.write(text.upper() if options["shout"] else text)
