"""EduWorld's database backend: Django's PostgreSQL backend whose schema changes replicate.

Set as ENGINE in settings. Without pglogical (one host, the fast tests) it behaves exactly
like Django's own backend. See chapter 3.
"""
