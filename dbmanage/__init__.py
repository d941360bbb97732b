"""dbmanage: database migrations for OpenStack-style services (the core).

Everything a command needs to run where the database is, and nothing about
messaging: see README.md, "How the code is built", for its layers.
"""
