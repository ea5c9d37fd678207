"""Atomic file replacement: a save either completes or leaves the old file as it was.

The new content is written to a temporary file in the target's directory, flushed
to disk, then renamed over the target. Where the OS offers it (Linux'
``O_TMPFILE``) the temporary file has no name while it is written and is linked
under one only just before the rename, so a process killed mid-save leaves
nothing behind. Otherwise it is named ``.<target>.<pid>.<random>.cynn-tmp``, and
each save removes the ones of its target left by processes that no longer run.
"""
import errno
import os
import re
import secrets

__all__ = ["replace_atomically", "open_unnamed_temp_file"]

_TEMP_SUFFIX = ".cynn-tmp"
# Room for ".<stem>.<pid>.<12 hex>.cynn-tmp" within the usual 255-byte name limit.
_MAX_TEMP_STEM_BYTES = 200


def replace_atomically(target, write, open_unnamed):
    """Replace the file ``target`` by what ``write(f)`` writes, atomically.

    Args:
        target (str): an absolute path, symlinks already resolved.
        write: called once with a binary file open for writing.
        open_unnamed: ``open_unnamed_temp_file``, or a stand-in returning None to
            force a named temporary file (the package passes whatever its own
            ``_open_unnamed_temp_file`` attribute is, so tests can swap it).
    """
    directory, base = os.path.split(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, "cynn.save(): no such directory", directory)
    _remove_stale_temp_files(directory, base)
    temp_path = _write_temp_file(directory, base, target, write, open_unnamed)
    try:
        os.replace(temp_path, target)
    except BaseException:
        _unlink_quietly(temp_path)
        raise
    _fsync_directory(directory)


def _write_temp_file(directory, base, target, write, open_unnamed):
    """A complete, fsynced copy of the new file next to ``target``, under a temporary name.

    If anything fails, no temporary file remains.
    """
    fd = open_unnamed(directory)
    if fd is not None:
        temp_path = None
        try:
            with os.fdopen(fd, "wb") as f:
                _fill(f, write, target, None)
                temp_path = _link_unnamed_temp_file(f.fileno(), directory, base)
        except BaseException:
            if temp_path is not None:  # linked, then closing failed
                _unlink_quietly(temp_path)
            raise
        if temp_path is not None:
            return temp_path
    fd, temp_path = _create_named_temp_file(directory, base)
    try:
        with os.fdopen(fd, "wb") as f:
            _fill(f, write, target, temp_path)
    except BaseException:
        _unlink_quietly(temp_path)
        raise
    return temp_path


def _fill(f, write, target, temp_path):
    write(f)
    f.flush()
    os.fsync(f.fileno())
    try:
        mode = os.stat(target).st_mode & 0o7777  # an overwrite keeps the file's permissions
    except FileNotFoundError:
        return
    if os.chmod in os.supports_fd:
        os.chmod(f.fileno(), mode)
    else:
        os.chmod(temp_path, mode)


def open_unnamed_temp_file(directory):
    """An fd of a new file in ``directory`` that has no name yet (Linux O_TMPFILE), or None.

    The file vanishes with the process unless it is linked, so a kill -9 mid-write
    leaves nothing. Linking it needs /proc (see _link_unnamed_temp_file).
    """
    o_tmpfile = getattr(os, "O_TMPFILE", None)
    if (o_tmpfile is None or os.link not in os.supports_dir_fd
            or not os.path.isdir("/proc/self/fd")):
        return None
    try:
        # Created with the umask-governed mode a plain open() gives.
        return os.open(directory, o_tmpfile | os.O_WRONLY, 0o666)
    except OSError:  # this filesystem (or kernel) has no unnamed files: use a named one
        return None


def _link_unnamed_temp_file(fd, directory, base):
    """Give the unnamed file ``fd`` a temporary name in ``directory``; None if the OS refuses.

    linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/<fd> is the unprivileged way to do
    it (open(2)); a plain link() would try to link the /proc symlink itself.
    """
    try:
        proc_fd = os.open("/proc/self/fd", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None
    try:
        for _ in range(100):
            temp_path = _temp_path(directory, base)
            try:
                os.link(str(fd), temp_path, src_dir_fd=proc_fd, follow_symlinks=True)
                return temp_path
            except FileExistsError:
                continue
            except OSError:
                return None
    finally:
        os.close(proc_fd)
    raise FileExistsError(f"cynn.save(): could not create a temporary file in {directory!r}")


def _create_named_temp_file(directory, base):
    """A new named file next to the target, created with the mode a plain open() gives."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp_path = _temp_path(directory, base)
        try:
            return os.open(temp_path, flags, 0o666), temp_path
        except FileExistsError:
            continue
    raise FileExistsError(f"cynn.save(): could not create a temporary file in {directory!r}")


def _temp_stem(base):
    """``base``, shortened so that a temporary file's name stays within NAME_MAX."""
    stem = base
    while len(os.fsencode(stem)) > _MAX_TEMP_STEM_BYTES:
        stem = stem[:-1]
    return stem


def _temp_path(directory, base):
    # The pid lets a later save tell a dead process's leftover from a save in progress.
    name = f".{_temp_stem(base)}.{os.getpid()}.{secrets.token_hex(6)}{_TEMP_SUFFIX}"
    return os.path.join(directory, name)


def _remove_stale_temp_files(directory, base):
    """Delete the temporary files of ``base`` whose writing process no longer runs.

    Best effort: a directory that cannot be listed, or a file another save removes
    first, is no reason to fail this save.
    """
    pattern = re.compile(re.escape(f".{_temp_stem(base)}.") + r"([0-9]{1,10})\.[0-9a-f]{12}"
                         + re.escape(_TEMP_SUFFIX))
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match and not _process_may_run(int(match[1])):
            _unlink_quietly(os.path.join(directory, name))


def _process_may_run(pid):
    """False only when process ``pid`` certainly does not exist."""
    if os.name != "posix" or not 0 < pid < 2 ** 31 or pid == os.getpid():
        return True  # on Windows os.kill(pid, 0) would send CTRL_C_EVENT: never probe there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it runs, as another user
        return True
    return True


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_directory(directory):
    """Make the rename itself durable; not possible on every OS or filesystem."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
