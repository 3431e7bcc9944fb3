"""``lw manage seed_notes --count 3``: a management command run inside the deployment."""

from django.core.management.base import BaseCommand

from notes.models import Note


class Command(BaseCommand):
    help = "Create a few example notes."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=2)

    def handle(self, *args, count: int, **options):
        for number in range(1, count + 1):
            Note.objects.create(title=f"Note {number}", body="Created by seed_notes.")
        self.stdout.write(f"created {count} notes; {Note.objects.count()} in total")
