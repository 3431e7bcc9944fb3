from django.db.utils import OperationalError
from django.http import Http404, JsonResponse

from notes.models import Note


def index(request):
    try:
        notes = [{"id": n.id, "title": n.title} for n in Note.objects.order_by("id")]
    except OperationalError:
        # The database in /tmp is new on each container until `lw manage migrate` runs.
        return JsonResponse({"notes": [], "hint": "run: lw manage migrate"}, status=200)
    return JsonResponse({"notes": notes})


def detail(request, note_id: int):
    try:
        note = Note.objects.get(pk=note_id)
    except Note.DoesNotExist:
        raise Http404("no such note")
    return JsonResponse({"id": note.id, "title": note.title, "body": note.body})
