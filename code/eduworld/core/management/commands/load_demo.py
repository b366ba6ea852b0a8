from django.core.management.base import BaseCommand
from django.db import transaction

from eduworld.accounts.models import User
from eduworld.boards.models import Board
from eduworld.core import demo_data
from eduworld.curriculum.models import Node


class Command(BaseCommand):
    help = "Load the demo teacher, curriculum and board. Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        teacher = User.objects.filter(email=demo_data.TEACHER_EMAIL).first()
        if teacher is None:
            teacher = User.objects.create_user(demo_data.TEACHER_EMAIL, demo_data.TEACHER_PASSWORD,
                                               name=demo_data.TEACHER_NAME)
        if Node.objects.filter(owner=teacher).exists():
            self.stdout.write("Demo data is already there.")
            return
        count = sum(self.add(teacher, None, item) for item in demo_data.CURRICULUM)
        board = Board.create_with_code(demo_data.BOARD_NAME)
        self.stdout.write(f"Loaded {count} curriculum nodes, teacher {teacher.email}, "
                          f"board {board.name} (code {board.code}).")

    def add(self, teacher, parent, item):
        kind, title, language, tags, body, children = item
        fields = dict(kind=kind, title=title, language=language, tags=tags, body=body,
                      published=True, owner=teacher)
        node = Node.objects.add_node(parent, fields)
        return 1 + sum(self.add(teacher, node, child)
                       for child in children)
