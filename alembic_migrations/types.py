"""Column types shared by the migration chains and the head models.

The DDL type is all a migration cares about: Mistral's JSON columns are TEXT
on the wire, widened to MEDIUMTEXT or LONGTEXT on MySQL where the service
stores large documents.
"""
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


def MediumText():
    return sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')


def LongText():
    return sa.Text().with_variant(mysql.LONGTEXT(), 'mysql')
