"""Import oslo.messaging the way every dbmanage program wants it.

oslo.messaging pulls in eventlet even with the threading executor: skip its
green DNS module (a sizeable part of the import time) and its deprecation
banner, which would otherwise end up in every CLI run's stderr.
"""
import os
import warnings

os.environ.setdefault('EVENTLET_NO_GREENDNS', 'yes')
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

import oslo_messaging  # noqa: E402

__all__ = ['oslo_messaging']
