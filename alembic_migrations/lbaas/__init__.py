"""The load-balancer service database (Octavia's schema)."""
from dbmanage.services import Service

# Octavia's operators keep the database's settings in octavia.conf.
SERVICE = Service(name='lbaas', program='lbaas-db-manage',
                  project='lbaas', package=__name__,
                  config_projects=('lbaas', 'octavia'))
