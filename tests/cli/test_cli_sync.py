"""``postil sync`` through the real command line: two data dirs (two machines), one sync folder,
libraries in different places; and ``--git`` with a local bare remote."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from reader.cli import main
from tests.support.paths import SEED


class Machine:
    """One machine's data dir, library and settings, driven through ``main``."""

    def __init__(self, root: Path, name: str, sync_dir: Path, *, setting: bool) -> None:
        self.root = root
        self.library = root / "library"
        self.library.mkdir(parents=True)
        shutil.copy(SEED, self.library / SEED.name)
        self.article = self.library / SEED.name
        self.config = root / "config.toml"
        lines = [f'device_name = "{name}"']
        if setting:  # one machine names the folder in its settings, the other by flag
            lines.append(f'sync_dir = "{sync_dir}"')
        self.config.write_text("\n".join(lines) + "\n")
        self.flags = ["--db", str(root / "data" / "postil.json"), "--library",
                      str(self.library), "--config", str(self.config)]
        if not setting:
            self.flags += ["--sync-dir", str(sync_dir)]

    def __call__(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        code = main([*self.flags, *args])
        out, err = capsys.readouterr()
        return code, out, err

    def notes(self, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
        code, out, err = self(capsys, "notes", str(self.article), "--json")
        assert code == 0, err
        return json.loads(out)  # type: ignore[no-any-return]


@pytest.fixture
def machines(tmp_path: Path) -> tuple[Machine, Machine, Path]:
    folder = tmp_path / "Sync"
    folder.mkdir()
    return (Machine(tmp_path / "laptop", "laptop", folder, setting=False),
            Machine(tmp_path / "server", "server", folder, setting=True), folder)


def test_two_machines_sync_through_one_folder(machines, capsys) -> None:
    laptop, server, _ = machines
    code, out, err = laptop(capsys, "highlight", str(laptop.article), "--quote", "Huawei",
                            "--note", "from the laptop", "--json")
    assert code == 0, err
    made = json.loads(out)
    code, out, err = laptop(capsys, "sync")
    assert code == 0, err
    assert out.splitlines()[0] == "nothing new"
    code, out, err = server(capsys, "sync")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "1 change from laptop"  # shared, and in the first export
    notes = server.notes(capsys)  # the article is found by content, in another folder
    assert [(n["id"], n["note"]) for n in notes] == [(made["id"], "from the laptop")]
    code, _, err = server(capsys, "edit", made["id"], "--note", "read on the server")
    assert code == 0, err
    code, _, err = server(capsys, "edit", made["id"][:8], "--color", "green")
    assert code == 0, err
    code, out, err = server(capsys, "sync")
    assert code == 0, err
    code, out, err = laptop(capsys, "sync")
    assert out.splitlines()[0] == "2 changes from server"
    [note] = laptop.notes(capsys)
    assert (note["note"], note["color"]) == ("read on the server", "green")
    code, out, err = laptop(capsys, "sync", "--status")
    assert code == 0, err
    rows = out.splitlines()
    assert rows[1].startswith("this device: laptop (")
    assert any(row.startswith("laptop (this device)") for row in rows)
    assert any(row.startswith("server ") for row in rows)
    code, out, err = laptop(capsys, "sync", "--status", "--json")
    status = json.loads(out)
    assert [d["name"] for d in status["devices"]] == ["laptop", "server"]
    assert status["devices"][1]["to_merge"] == 0


def test_sync_without_a_folder_says_how_to_set_one(tmp_path, capsys) -> None:
    code = main(["--db", str(tmp_path / "db.json"), "sync"])
    _, err = capsys.readouterr()
    assert code == 1
    assert "no sync folder is set" in err and "POSTIL_SYNC_DIR" in err


def test_the_environment_names_the_sync_folder(tmp_path, capsys, monkeypatch) -> None:
    folder = tmp_path / "Dropbox"
    folder.mkdir()
    monkeypatch.setenv("POSTIL_SYNC_DIR", str(folder))
    code = main(["--db", str(tmp_path / "db.json"), "sync", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["summary"] == "nothing new"
    assert (folder / "postil-sync").is_dir()


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_sync_through_a_local_bare_remote(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    (tmp_path / "gitconfig").write_text("[user]\n\tname = Test\n\temail = t@example.org\n"
                                        "[init]\n\tdefaultBranch = main\n")
    remote = tmp_path / "remote.git"
    _git("init", "--quiet", "--bare", str(remote), cwd=tmp_path)
    clones = []
    for name in ("laptop", "server"):
        work = tmp_path / f"{name}-notes"
        _git("clone", "--quiet", str(remote), str(work), cwd=tmp_path)
        clones.append(work)
    # A hook arriving with the synced repository must never run.
    marker = tmp_path / "hook-ran"
    for work in clones:
        hook = work / ".git" / "hooks" / "pre-commit"
        hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
        hook.chmod(0o755)
    laptop = Machine(tmp_path / "laptop", "laptop", clones[0], setting=False)
    server = Machine(tmp_path / "server", "server", clones[1], setting=True)
    code, out, err = laptop(capsys, "highlight", str(laptop.article), "--quote", "Huawei",
                            "--json")
    assert code == 0, err
    made = json.loads(out)
    code, out, err = laptop(capsys, "sync", "--git")
    assert code == 0, err
    code, out, err = server(capsys, "sync", "--git")
    assert code == 0, err
    assert out.splitlines()[0] == "1 change from laptop"
    code, _, err = server(capsys, "edit", made["id"], "--tag", "from-server")
    assert code == 0, err
    code, out, err = server(capsys, "sync", "--git")
    assert code == 0, err
    code, out, err = laptop(capsys, "sync", "--git")
    assert code == 0, err
    assert out.splitlines()[0] == "1 change from server"
    [note] = laptop.notes(capsys)
    assert note["tags"] == ["from-server"]
    assert not marker.exists()
    log = _git("log", "--format=%s", "--name-only", cwd=clones[0])
    assert "postil sync" in log
    assert _git("status", "--porcelain", cwd=clones[0]) == ""  # everything committed


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_sync_refuses_a_repository_config_that_runs_programs(tmp_path, capsys) -> None:
    work = tmp_path / "notes"
    _git("init", "--quiet", str(work), cwd=tmp_path)
    _git("config", "filter.evil.smudge", f"touch {tmp_path / 'ran'}", cwd=work)
    machine = Machine(tmp_path / "m", "m", work, setting=False)
    code, _, err = machine(capsys, "sync", "--git")
    assert code == 1
    assert "filter.evil.smudge" in err and "can run programs" in err
    assert not (tmp_path / "ran").exists()



def test_a_new_device_id_shares_everything_again(machines, capsys) -> None:
    laptop, server, _ = machines
    code, out, err = laptop(capsys, "highlight", str(laptop.article), "--quote", "Huawei",
                            "--json")
    assert code == 0, err
    laptop(capsys, "sync")
    device_file = laptop.root / "data" / "postil-device"
    old = device_file.read_text().strip()
    code, out, err = laptop(capsys, "sync", "--new-device-id")
    assert code == 0, err
    new = device_file.read_text().strip()
    assert new != old and f"device {new} (was {old})" in out
    code, out, err = laptop(capsys, "sync", "--json")
    assert code == 0, err
    assert json.loads(out)["shared"] >= 1  # everything again, under the new id
    code, out, err = server(capsys, "sync", "--status", "--json")
    assert [d["device"] for d in json.loads(out)["devices"]] == sorted([old, new])  # both
    code, out, err = server(capsys, "sync")
    assert code == 0, err
    assert len(server.notes(capsys)) == 1


def test_a_missing_sync_folder_is_said_clearly(tmp_path, capsys) -> None:
    """It once printed "nothing new" (and a warning), and --status an empty device table."""
    gone = tmp_path / "not-mounted"
    laptop = Machine(tmp_path / "laptop", "laptop", gone, setting=False)
    code, out, err = laptop(capsys, "sync")
    assert code == 1 and out == "" and "nothing new" not in err
    assert err.strip() == (f"postil: the sync folder {gone} does not exist (create it, or check "
                           "that the drive or share is mounted); this device's changes wait and "
                           "are shared at the next sync")
    code, out, _ = laptop(capsys, "sync", "--json")
    report = json.loads(out)
    assert code == 1 and "does not exist" in report["folder_missing"]
    assert report["summary"] == "nothing merged: the sync folder does not exist"
    code, out, _ = laptop(capsys, "sync", "--status")
    assert code == 0 and f"The sync folder {gone} does not exist" in out
    assert "DEVICE" not in out and not gone.exists()


def test_the_status_says_change_waits_and_changes_wait(tmp_path, capsys) -> None:
    gone = tmp_path / "not-mounted"
    laptop = Machine(tmp_path / "laptop", "laptop", gone, setting=False)
    for count, quote in enumerate(("Huawei", "government"), start=1):
        code, _, err = laptop(capsys, "highlight", str(laptop.article), "--quote", quote)
        assert code == 0, err
        code, out, _ = laptop(capsys, "sync", "--status")
        expected = ("1 change of this device waits" if count == 1
                    else "2 changes of this device wait")
        assert expected in out, out


def test_forget_marks_a_gone_device_and_refuses_this_one(machines, capsys,
                                                          monkeypatch) -> None:
    from annotations.sync import engine

    laptop, server, _ = machines
    code, _, err = laptop(capsys, "highlight", str(laptop.article), "--quote", "Huawei")
    assert code == 0, err
    for machine in (laptop, server, laptop):
        code, _, err = machine(capsys, "sync")
        assert code == 0, err
    code, out, _ = laptop(capsys, "sync", "--status", "--json")
    ids = {d["name"]: d["device"] for d in json.loads(out)["devices"]}
    code, out, err = laptop(capsys, "sync", "--forget", "server")
    assert (code, err) == (0, "")
    assert out.startswith(f"forgot server ({ids['server']}), last synced ")
    assert "no longer waits for it" in out and "if server syncs again, it counts again" in out
    code, out, _ = laptop(capsys, "sync", "--status")
    assert "server (forgotten)" in out and "--forget" in out
    code, out, _ = laptop(capsys, "sync", "--forget", ids["server"], "--json")
    assert code == 0 and json.loads(out)["already"] is True
    code, out, err = laptop(capsys, "sync", "--forget", "laptop")
    assert code == 1 and out == ""
    assert "cannot forget 'laptop'" in err and "is this device" in err
    code, _, err = laptop(capsys, "sync", "--forget", ids["laptop"])
    assert code == 1 and "is this device" in err
    code, _, err = laptop(capsys, "sync", "--forget", "printer")
    assert code == 1 and "no device 'printer'" in err and "--status" in err
    monkeypatch.setattr(engine, "_now", lambda: "2099-01-01T00:00:00+00:00")
    code, _, err = server(capsys, "sync")  # it comes back: waited for again
    assert code == 0, err
    code, out, _ = laptop(capsys, "sync", "--status")
    assert "(forgotten)" not in out
