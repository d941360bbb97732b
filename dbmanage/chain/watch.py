"""Whether a versions folder changed, in one system call (inotify)."""
import logging

LOG = logging.getLogger(__name__)

# Changes that make a folder's chain worth reading again.
_CHANGES = ('MODIFY', 'ATTRIB', 'CREATE', 'DELETE', 'MOVED_FROM', 'MOVED_TO',
            'DELETE_SELF', 'MOVE_SELF')


class Watch:
    """Whether a folder may have changed since the watch began, in one
    system call: the kernel (inotify) queues an event for any change to the
    folder or a file in it before the call that made the change returns."""

    def __init__(self, folder):
        import inotify_simple
        self._inotify = inotify_simple.INotify()
        mask = 0
        for name in _CHANGES:
            mask |= inotify_simple.flags[name]
        self._inotify.add_watch(str(folder), mask)

    @classmethod
    def on(cls, folder):
        """A watch, or None where inotify is not available."""
        try:
            return cls(folder)
        except Exception as exc:   # not Linux, or out of inotify instances
            LOG.debug('no watch on %s (%s): each call scans the folder', folder, exc)
            return None

    def changed(self):
        return bool(self._inotify.read(timeout=0))   # also overflow, unmount

    def close(self):
        self._inotify.close()
