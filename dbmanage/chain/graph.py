"""A revision chain as a graph: revisions linked to their parents."""
import dataclasses

from dbmanage import errors


class AlembicNeeded(Exception):
    """A question only Alembic's revision map answers (in its own words)."""


@dataclasses.dataclass
class Revision:
    revision: str
    down_revision: object          # None, an id, or a tuple of ids (a merge)
    description: str
    path: str
    nextrev: list = dataclasses.field(default_factory=list)

    @property
    def down_revisions(self):
        if self.down_revision is None:
            return ()
        if isinstance(self.down_revision, str):
            return (self.down_revision,)
        return tuple(self.down_revision)

    @property
    def is_head(self):
        return not self.nextrev

    @property
    def is_branch_point(self):
        return len(self.nextrev) > 1


class Chain:
    """Revisions linked to their parents, newest first as Alembic walks them."""

    def __init__(self, revisions, heads, branches, ordered):
        self.by_id = {r.revision: r for r in revisions}
        self.heads, self.branches = list(heads), list(branches)
        self.ordered = ordered   # None where Alembic's order needs Alembic
        self.linear = ordered is not None
        # Alembic's reading of the same files, (script directory, (heads,
        # branch points)), made once a command needs it (``runner``). Files
        # that change make ``load`` answer with a new Chain, and so make
        # Alembic read them again too: a process has one view of the chain.
        self.alembic = None

    @classmethod
    def linear_from(cls, revisions):
        """The chain of one straight line of revisions; None if it is not one."""
        by_id = {r.revision: r for r in revisions}
        if len(by_id) != len(revisions):
            return None
        for rev in revisions:
            if isinstance(rev.down_revision, tuple) or (
                    rev.down_revision is not None and rev.down_revision not in by_id):
                return None
            if rev.down_revision is not None:
                by_id[rev.down_revision].nextrev.append(rev.revision)
        heads = [r for r in revisions if r.is_head]
        if len(heads) != 1 or any(r.is_branch_point for r in revisions):
            return None
        walked, rev = [], heads[0]
        while rev is not None and len(walked) <= len(revisions):
            walked.append(rev)
            rev = by_id.get(rev.down_revision)
        if len(walked) != len(revisions):
            return None
        return cls(revisions, [heads[0].revision], [], walked)

    def get(self, rev):
        """A revision by id or unique prefix, as Alembic resolves it.

        UsageError for an id the chain does not have.
        """
        found = self.by_id.get(rev)
        if found is not None:
            return found
        if rev in ('head', 'heads', 'base') or not rev or rev.startswith('+'):
            raise AlembicNeeded()
        matches = [r for r in self.by_id if len(r) > 3 and r.startswith(rev)]
        if len(matches) == 1:
            return self.by_id[matches[0]]
        if matches:
            raise AlembicNeeded()  # Alembic names the candidates in its order
        raise errors.UsageError("unknown revision %r: Can't locate revision "
                                "identified by '%s'" % (rev, rev))

    def between(self, upper, lower):
        """Revisions from ``upper`` down to ``lower`` (both kept), newest first."""
        walked = self.ordered
        if walked is None or lower in ('head', 'heads') or upper == 'base':
            raise AlembicNeeded()
        top = 0 if upper in ('head', 'heads') else walked.index(self.get(upper))
        if lower == 'base':
            return walked[top:]
        bottom = walked.index(self.get(lower))
        if bottom < top:
            raise AlembicNeeded()  # not an ancestor: Alembic words the error
        return walked[top:bottom + 1]
