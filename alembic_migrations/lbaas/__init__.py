"""The load-balancer service database (Octavia's schema)."""
from dbmanage.services import Service

SERVICE = Service(name='lbaas', program='lbaas-db-manage',
                  project='lbaas', package=__name__)
