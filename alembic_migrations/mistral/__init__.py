"""Mistral's workflow service database."""
from dbmanage.services import Service

SERVICE = Service(name='mistral', program='mistral-db-manage',
                  project='mistral', package=__name__, sequential_ids=True)
