"""git as the transport: commit this device's files, pull the others', push.

The sync folder is (inside) a git work tree with a remote the user set up. Each device
commits only its own folder (``postil-sync/<device>/``), so merges never conflict: the other
devices' commits touch other files.

git runs with a safe environment, because a synced repository is data from other machines:

* no hooks run (``core.hooksPath`` points at an empty folder), no fsmonitor, no pager, no
  editor, no credential prompt, no commit signing program;
* the repository's own config may not name programs to run (filters, diff or merge drivers,
  ``core.sshCommand``, ``core.fsmonitor``...): postil refuses to run git there and says which
  setting is in the way (the user's global config is the user's own and is kept);
* of the caller's environment only what locates the user's own config, home and ssh agent is
  passed on (``GIT_DIR``, ``GIT_WORK_TREE`` and the like could point git elsewhere).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: How long one git command may take (a push over a slow link included).
GIT_TIMEOUT = 300.0
#: Repository settings that make git run a program: refused in the synced repository.
#: (Hooks, fsmonitor, pager, editor and askpass are overridden on the command line instead.)
_UNSAFE_CONFIG = re.compile(
    r"^(filter\..*\.(clean|smudge|process)|diff\..*\.(command|textconv)|merge\..*\.driver"
    r"|core\.(sshcommand|gitproxy|alternaterefscommand)|gpg\..*program|credential\..*helper"
    r"|credential\.helper|uploadpack\.packobjectshook|include\.path|includeif\..*\.path"
    r"|protocol\..*allow|remote\..*\.(uploadpack|receivepack|vcs))$"
)
#: The caller's environment passed on: where the user's own git config and ssh agent are.
_KEEP_ENV = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "TMPDIR", "SSH_AUTH_SOCK",
             "SSH_AGENT_PID", "XDG_CONFIG_HOME", "SYSTEMROOT", "GIT_CONFIG_GLOBAL",
             "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM", "GIT_SSH", "GIT_SSH_COMMAND")


class GitError(Exception):
    """git could not sync; ``str()`` is one line saying what to do."""


@dataclass(slots=True)
class GitReport:
    """What ``postil sync --git`` did with git.

    Attributes:
        committed: Whether this device's files were committed.
        pulled: Whether other devices' commits were merged in.
        pushed: Whether the result was pushed.
        notes: One line each, for the user.
    """

    committed: bool = False
    pulled: bool = False
    pushed: bool = False
    notes: list[str] = field(default_factory=list)


class Git:
    """git commands in one work tree, run safely (see the module docstring)."""

    def __init__(self, folder: Path, git: str = "git") -> None:
        self.folder = folder
        self.git = git
        self._empty_hooks = tempfile.mkdtemp(prefix="postil-no-hooks-")
        self.env = {name: os.environ[name] for name in _KEEP_ENV if name in os.environ}
        self.env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_EDITOR": "true", "GIT_PAGER": "cat",
                         "GIT_ASKPASS": "true", "SSH_ASKPASS": "true", "LC_ALL": "C",
                         "GIT_MERGE_AUTOEDIT": "no"})

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``git args`` in the work tree (raises :class:`GitError` on failure if
        ``check``)."""
        command = [self.git, "-c", f"core.hooksPath={self._empty_hooks}",
                   "-c", "core.fsmonitor=false", "-c", "core.pager=cat",
                   "-c", "commit.gpgSign=false", "-c", "tag.gpgSign=false",
                   "-c", "protocol.ext.allow=never", "-c", "submodule.recurse=false",
                   "-c", "fetch.recurseSubmodules=false",
                   "-C", str(self.folder), *args]
        try:
            result = subprocess.run(command, env=self.env, capture_output=True, text=True,
                                    errors="replace", timeout=GIT_TIMEOUT,
                                    stdin=subprocess.DEVNULL, check=False)
        except FileNotFoundError:
            raise GitError("git is not installed (or not on PATH)") from None
        except subprocess.TimeoutExpired:
            raise GitError(f"git {args[0]} took longer than {GIT_TIMEOUT:.0f} s; "
                           "try again") from None
        if check and result.returncode != 0:
            message = (result.stderr or result.stdout).strip().splitlines()
            detail = message[-1] if message else f"exit status {result.returncode}"
            raise GitError(f"git {args[0]} failed: {detail}")
        return result

    def close(self) -> None:
        """Remove the empty hooks folder."""
        try:
            os.rmdir(self._empty_hooks)
        except OSError:
            pass

    # ------------------------------------------------------------------ checks
    def top(self) -> Path:
        """The work tree's top folder (raises :class:`GitError` when not in one)."""
        result = self.run("rev-parse", "--show-toplevel", check=False)
        if result.returncode != 0:
            raise GitError(f"the sync folder {self.folder} is not inside a git work tree "
                           "(git init it and add a remote, or sync without --git)")
        return Path(result.stdout.strip())

    def check_config(self) -> None:
        """Refuse a repository whose own config names programs to run."""
        result = self.run("config", "--local", "--list", "--name-only", check=False)
        unsafe = sorted({line.strip() for line in result.stdout.splitlines()
                         if _UNSAFE_CONFIG.match(line.strip().lower())})
        if unsafe:
            raise GitError(
                "the repository's own config (.git/config) sets " + ", ".join(unsafe[:5])
                + ", which can run programs; postil runs git there only without them "
                "(move such settings to your global ~/.gitconfig if you trust them)")

    def remote(self) -> tuple[str, str] | None:
        """(remote, branch) to pull from and push to: the upstream, else ``origin`` (or the
        only remote) and the current branch; None without a remote."""
        branch = self.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        name = branch.stdout.strip()
        if branch.returncode != 0 or not name:
            raise GitError("the sync repository is not on a branch (detached HEAD); "
                           "check out a branch first")
        upstream = self.run("rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}",
                            check=False)
        if upstream.returncode == 0 and "/" in upstream.stdout.strip():
            remote, _, remote_branch = upstream.stdout.strip().partition("/")
            return remote, remote_branch
        remotes = self.run("remote", check=False).stdout.split()
        if not remotes:
            return None
        return ("origin" if "origin" in remotes else remotes[0]), name

    def has_identity(self) -> bool:
        """Whether commits have an author configured."""
        return bool(self.run("config", "user.email", check=False).stdout.strip())


def git_sync(folder: Path, own: Sequence[Path], merge: Callable[[], object],
             *, git: str = "git") -> GitReport:
    """Commit ``own`` (this device's files), pull, run ``merge`` (postil's merge of the sync
    folder), commit again (what was merged is recorded in ``device.json``), push.

    Raises :class:`GitError` with one line when git cannot do its part (postil's merge still
    ran if the pull worked).
    """
    repo = Git(folder, git)
    report = GitReport()
    try:
        repo.top()
        repo.check_config()
        target = repo.remote()
        report.committed = _commit(repo, own, report)
        if target is None:
            report.notes.append("the repository has no remote: committed only "
                                "(git remote add origin URL to share it)")
        else:
            report.pulled = _pull(repo, *target)
        merge()
        report.committed = _commit(repo, own, report) or report.committed
        if target is not None:
            report.pushed = _push(repo, *target, report)
    finally:
        repo.close()
    return report


def _commit(repo: Git, own: Sequence[Path], report: GitReport) -> bool:
    paths = [str(path) for path in own if path.exists()]
    if not paths:
        return False
    repo.run("add", "--all", "--", *paths)
    staged = repo.run("diff", "--cached", "--quiet", "--", *paths, check=False)
    if staged.returncode == 0:
        return False
    identity: list[str] = []
    if not repo.has_identity():
        identity = ["-c", "user.name=postil", "-c", "user.email=postil@localhost"]
        if "no git identity" not in " ".join(report.notes):
            report.notes.append("no git identity configured: committed as postil")
    command = [*identity, "commit", "--quiet", "--no-verify", "-m", "postil sync", "--",
               *paths]
    repo.run(*command)
    return True


def _pull(repo: Git, remote: str, branch: str) -> bool:
    fetched = repo.run("fetch", "--quiet", remote, check=False)
    if fetched.returncode != 0:
        lines = (fetched.stderr or fetched.stdout).strip().splitlines()
        raise GitError(f"git fetch from {remote} failed: {lines[-1] if lines else 'error'}")
    exists = repo.run("rev-parse", "--verify", "--quiet", f"refs/remotes/{remote}/{branch}",
                      check=False)
    if exists.returncode != 0:
        return False  # nothing pushed there yet
    merged = repo.run("merge", "--no-edit", "--no-verify", "--quiet",
                      f"{remote}/{branch}", check=False)
    if merged.returncode != 0:
        repo.run("merge", "--abort", check=False)
        raise GitError(f"git could not merge {remote}/{branch} (did something other than "
                       "postil change the sync repository?); nothing was lost, resolve it "
                       "with git and sync again")
    return True


def _push(repo: Git, remote: str, branch: str, report: GitReport) -> bool:
    for _ in range(3):  # another device may push in between: pull and try again
        pushed = repo.run("push", "--quiet", remote, f"HEAD:refs/heads/{branch}",
                          check=False)
        if pushed.returncode == 0:
            upstream = repo.run("rev-parse", "--abbrev-ref", "@{u}", check=False)
            if upstream.returncode != 0:
                repo.run("branch", "--quiet", f"--set-upstream-to={remote}/{branch}",
                         check=False)
            return True
        _pull(repo, remote, branch)
    lines = (pushed.stderr or pushed.stdout).strip().splitlines()
    report.notes.append(f"git push to {remote} failed: {lines[-1] if lines else 'error'}; "
                        "your changes are committed and go out with the next sync")
    return False
