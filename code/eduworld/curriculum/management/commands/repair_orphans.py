from django.core.management.base import BaseCommand

from eduworld.curriculum.models import Node
from eduworld.curriculum.orphans import orphans, repair_orphans


class Command(BaseCommand):
    help = ("Move each curriculum node whose parent is gone, with its subtree, under its "
            "owner's Recovered subject (only the orphans this host placed; the other host "
            "repairs its own), and delete the revisions of nodes that are gone. Safe to run "
            "at any time, on both hosts at once.")

    def handle(self, *args, **options):
        moved = repair_orphans()
        for node in Node.objects.filter(pk__in=moved).select_related("owner"):
            self.stdout.write(f"Moved {node.kind} {node.id} ({node.title!r}, "
                              f"{node.owner.email}) to {node.find_parent_id()}")
        left = orphans().count()
        self.stdout.write(f"{len(moved)} orphans moved; {left} left (the other host moves "
                          "the nodes it placed).")
