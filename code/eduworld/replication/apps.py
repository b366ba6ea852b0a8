from django.apps import AppConfig


class ReplicationConfig(AppConfig):
    name = "eduworld.replication"
    label = "replication"
    verbose_name = "Two-way replication: heartbeats and status"
