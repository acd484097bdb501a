"""`-o` never damages what it points at; streams that are closed, full or endless; signals.

Process-level behaviour (signals, closed descriptors, real pipes) runs ccgrate as a real process;
the rest runs in-process. Device nodes and the full disk are made in temporary directories, never
the system's own /dev/null.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import EXAMPLES, ROOT

BROMLEY = EXAMPLES / "bromley.csv"
NATIONAL = EXAMPLES / "national-2018-19.csv"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run(*args: str, stdin=None, preexec=None, env=None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ccgrate", *map(str, args)],
        capture_output="stdout" not in kwargs,
        text=True,
        stdin=stdin,
        preexec_fn=preexec,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        timeout=120,
        **kwargs,
    )


def bromley_csv(ccgrate) -> str:
    return ccgrate("score", BROMLEY, "-f", "csv").stdout


# --- what -o points at --------------------------------------------------------------------------


def test_a_new_file_gets_the_umask_mode(ccgrate, tmp_path):
    old = os.umask(0o027)
    try:
        ccgrate("score", BROMLEY, "-f", "csv", "-o", tmp_path / "new.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o640


def test_an_existing_file_keeps_its_mode(ccgrate, tmp_path):
    target = tmp_path / "kept.csv"
    target.write_text("old\n")
    target.chmod(0o604)
    ccgrate("score", BROMLEY, "-f", "csv", "-o", target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o604
    assert target.read_text() == bromley_csv(ccgrate)


def test_a_symlink_is_followed_and_stays_a_link(ccgrate, tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "ratings.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    ccgrate("score", BROMLEY, "-f", "csv", "-o", link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == bromley_csv(ccgrate)
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["ratings.csv"]


def test_a_dangling_symlink_creates_its_target(ccgrate, tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "made.csv")
    ccgrate("score", BROMLEY, "-f", "csv", "-o", link)
    assert link.is_symlink() and (tmp_path / "made.csv").read_text() == bromley_csv(ccgrate)


def test_a_fifo_is_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    result = run("score", BROMLEY, "-f", "csv", "-o", fifo)
    received = reader.communicate(timeout=60)[0]
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received.startswith("org_code,") and received.count("\n") == 3


@pytest.mark.skipif(not IS_ROOT, reason="making a device node needs root")
def test_a_device_node_is_written_in_place_never_replaced(ccgrate, tmp_path):
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the same device as /dev/null
    for output_format in ("csv", "json", "table"):
        ccgrate("score", BROMLEY, "-f", output_format, "-o", null)
        assert stat.S_ISCHR(null.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_dash_means_standard_output(ccgrate):
    assert ccgrate("score", BROMLEY, "-f", "csv", "-o", "-").stdout == bromley_csv(ccgrate)


def test_an_empty_output_name_is_a_usage_error(ccgrate):
    result = ccgrate("score", BROMLEY, "-o", "", expect=2)
    assert result.stderr.endswith(
        "Error: Invalid value for '-o' / '--output': the file name is empty; give a file name, or - for standard output\n"
    )


def test_a_directory_as_output_is_a_usage_error(ccgrate, tmp_path):
    result = ccgrate("score", BROMLEY, "-o", tmp_path, expect=2)
    assert result.stderr.endswith(
        f"Error: Invalid value for '-o' / '--output': {tmp_path} is a directory; give a file name\n"
    )


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "dotted"])
def test_an_output_that_is_an_input_is_refused_before_anything_is_written(ccgrate, tmp_path, how):
    data = tmp_path / "data.csv"
    data.write_bytes(BROMLEY.read_bytes())
    output = {
        "same": data,
        "symlink": tmp_path / "link.csv",
        "hardlink": tmp_path / "hard.csv",
        "dotted": tmp_path / "." / "data.csv",
    }[how]
    if how == "symlink":
        output.symlink_to(data)
    if how == "hardlink":
        os.link(data, output)
    result = ccgrate("score", data, "-f", "csv", "-o", output, expect=2)
    assert (
        result.stderr == f"Error: -o {output} is also an input of this run ({data}); write the output to another file\n"
    )
    assert data.read_bytes() == BROMLEY.read_bytes()


@pytest.mark.parametrize(
    "command",
    [
        ["compare", "A", "B", "-o", "A"],
        ["compare", "A", "B", "--map", "MAP", "-o", "MAP"],
        ["whatif", "A", "--org", "SYN001", "--target", "Good", "-o", "A"],
        ["sensitivity", "A", "--draws", "10", "-o", "A"],
        ["calibrate", "A", "-o", "A"],
        ["calibrate", "A", "--framework", "FW", "-o", "FW"],
        ["funnel", "A", "--indicator", "126b", "-o", "A"],
        ["framework", "show", "FW", "-o", "FW"],
        ["score", "A", "--framework", "FW", "-o", "FW"],
    ],
)
def test_every_command_refuses_to_write_over_its_inputs(ccgrate, tmp_path, command):
    files = {"A": tmp_path / "a.csv", "B": tmp_path / "b.csv", "MAP": tmp_path / "map.csv", "FW": tmp_path / "fw.toml"}
    sources = {
        "A": NATIONAL,
        "B": EXAMPLES / "national-2019-20.csv",
        "MAP": EXAMPLES / "national-mergers.csv",
        "FW": ROOT / "frameworks" / "iaf-2018-19.toml",
    }
    for key, path in files.items():
        path.write_bytes(sources[key].read_bytes())
    args = [str(files.get(arg, arg)) for arg in command]
    result = ccgrate(*args, expect=2)
    assert " is also an input of this run " in result.stderr and result.stderr.count("\n") == 1
    for key, path in files.items():
        assert path.read_bytes() == sources[key].read_bytes()


def test_a_builtin_framework_file_is_never_an_output(ccgrate):
    from ccgrate._framework.loader import builtin_dir

    builtin = builtin_dir() / "iaf-2017-18.toml"  # the copy this installation reads
    before = builtin.read_bytes()
    try:
        result = ccgrate("calibrate", EXAMPLES / "national-2017-18.csv", "-o", builtin, expect=2)
        assert result.stderr.startswith(f"Error: -o {builtin} is also an input of this run")
    finally:
        if builtin.read_bytes() != before:
            builtin.write_bytes(before)
            pytest.fail("the built-in framework was overwritten (and has been put back)")


def test_calibrate_to_standard_output_sends_the_report_to_stderr(ccgrate):
    result = ccgrate("calibrate", EXAMPLES / "national-2017-18.csv", "-o", "-", "-f", "csv")
    assert result.stdout.startswith('[framework]\nid = "iaf-2017-18-calibrated"\n')
    assert result.stderr.splitlines()[:2] == [
        "rating,target,achieved,before,cut_before,cut_after",
        "Outstanding,20,20,20,75,75",
    ]


def test_writes_to_an_unwritable_place_name_the_file(ccgrate, tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "x.csv"
    assert ccgrate("score", BROMLEY, "-o", missing, expect=1).stderr == (
        f"Error: {missing}: cannot write: No such file or directory; check that the directory exists\n"
    )


@pytest.mark.skipif(not IS_ROOT or not Path("/bin/mount").exists(), reason="mounting a small tmpfs needs root")
def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        target = disk / "ratings.json"
        target.write_text("the old ratings\n")
        result = run("score", NATIONAL, "-f", "json", "-o", target, "-q")
        assert result.returncode == 1
        assert (
            result.stderr
            == f"Error: {target}: cannot write: No space left on device; free some space or write elsewhere\n"
        )
        assert target.read_text() == "the old ratings\n"
        assert sorted(p.name for p in disk.iterdir()) == ["ratings.json"]
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_two_runs_writing_the_same_output_leave_one_whole_file(tmp_path):
    target = tmp_path / "ratings.csv"
    command = [sys.executable, "-m", "ccgrate", "score", str(NATIONAL), "-f", "csv", "-o", str(target), "-q"]
    runs = [subprocess.Popen(command, cwd=ROOT) for _ in range(2)]
    assert [p.wait(timeout=120) for p in runs] == [0, 0]
    expected = run("score", NATIONAL, "-f", "csv", "-q").stdout
    assert target.read_text() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ratings.csv"]


# --- standard streams ---------------------------------------------------------------------------


def test_a_full_standard_output_is_a_one_line_error():
    with open("/dev/full", "w") as full:
        result = run("score", BROMLEY, "-f", "csv", stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 1
    assert result.stderr == "Error: cannot write to standard output: No space left on device\n"


def test_a_full_standard_output_for_a_table():
    with open("/dev/full", "w") as full:
        result = run("score", NATIONAL, "-q", stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 1
    assert result.stderr == "Error: cannot write to standard output: No space left on device\n"


def test_a_closed_standard_output():
    result = run("score", BROMLEY, "-f", "csv", preexec=lambda: os.close(1))
    assert result.returncode == 1
    assert result.stderr == "Error: standard output is closed; give -o FILE, or leave standard output open\n"


def test_a_closed_standard_output_does_not_matter_with_an_output_file(tmp_path):
    result = run("score", BROMLEY, "-f", "csv", "-o", tmp_path / "out.csv", preexec=lambda: os.close(1))
    assert result.returncode == 0 and (tmp_path / "out.csv").read_text().startswith("org_code,")


@pytest.mark.parametrize("silenced", ["closed", "full"])
def test_a_standard_error_nobody_can_read_costs_nothing_but_its_messages(silenced):
    """`2>&-` (or a standard error that fails) drops the warnings and notes: the data on standard
    output is complete, and the exit code is the one the run would have had."""

    def silence() -> None:
        if silenced == "closed":
            os.close(2)
        else:
            os.dup2(os.open("/dev/full", os.O_WRONLY), 2)

    expected = run("score", NATIONAL, "-f", "csv")
    assert expected.stderr  # the national run says what distribution it gave
    silent = run("score", NATIONAL, "-f", "csv", preexec=silence)
    assert (silent.returncode, silent.stdout) == (0, expected.stdout)
    gated = run("score", NATIONAL, "-f", "csv", "--fail-below", "Outstanding", preexec=silence)
    assert (gated.returncode, gated.stdout) == (4, expected.stdout)
    failed = run("score", BROMLEY, "-f", "csv", "--org", "NOPE", preexec=silence)
    assert (failed.returncode, failed.stdout) == (1, "")


@pytest.mark.parametrize(
    "command",
    [
        ["score", "examples/national-2018-19.csv"],
        ["score", "examples/national-2018-19.csv", "--explain"],
        ["score", "examples/national-2018-19.csv", "-f", "json"],
        ["score", "examples/national-2018-19.csv", "-f", "ndjson"],
        ["score", "examples/national-2018-19.csv", "-f", "markdown", "--explain"],
        ["compare", "examples/national-2017-18.csv", "examples/national-2018-19.csv"],
        ["compare", "examples/national-2017-18.csv", "examples/national-2018-19.csv", "-f", "csv"],
        ["sensitivity", "examples/national-2018-19.csv", "--draws", "200"],
        ["sensitivity", "examples/national-2018-19.csv", "--draws", "200", "-f", "json"],
        ["whatif", "examples/national-2018-19.csv", "--org", "SYN010", "--target", "Outstanding"],
        ["funnel", "examples/national-2018-19.csv", "--indicator", "126b"],
        ["framework", "show", "iaf-2018-19"],
        ["framework", "schema"],
        ["frameworks"],
    ],
)
def test_a_closed_pipe_exits_quietly_for_every_command(command):
    process = subprocess.Popen(
        [sys.executable, "-m", "ccgrate", *command, "-q"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.read(1)
    process.stdout.close()
    with process.stderr:
        stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, stderr
    assert first
    assert stderr == ""


# --- inputs that never end ----------------------------------------------------------------------


def test_a_device_is_refused_as_input(ccgrate):
    assert ccgrate("score", "/dev/zero", expect=1).stderr == (
        "Error: /dev/zero: is a device, not a file; give a regular file, a pipe or standard input\n"
    )


def test_a_device_on_standard_input_is_refused():
    with open("/dev/zero", "rb") as zero:
        result = run("score", "-", stdin=zero)
    assert result.returncode == 1
    assert result.stderr == "Error: <stdin>: is a device, not a file; give a regular file, a pipe or standard input\n"


def test_an_endless_pipe_stops_at_the_input_limit():
    zero = subprocess.Popen(["cat", "/dev/zero"], stdout=subprocess.PIPE)
    assert zero.stdout is not None
    with zero.stdout:
        result = run("score", "-", stdin=zero.stdout, env={"CCGRATE_MAX_INPUT_BYTES": "1000000"})
    zero.kill()
    zero.wait()
    assert result.returncode == 1
    assert result.stderr == (
        "Error: <stdin>: is larger than the input limit of 1,000,000 bytes; split the file, or raise "
        "the limit with CCGRATE_MAX_INPUT_BYTES\n"
    )


def test_a_regular_file_over_the_limit_is_refused_before_it_is_read(ccgrate, monkeypatch):
    monkeypatch.setenv("CCGRATE_MAX_INPUT_BYTES", "100")
    assert ccgrate("score", BROMLEY, expect=1).stderr == (
        f"Error: {BROMLEY}: is larger than the input limit of 100 bytes; split the file, or raise the limit with "
        "CCGRATE_MAX_INPUT_BYTES\n"
    )


def test_a_framework_that_is_a_device_is_refused(ccgrate):
    assert ccgrate("framework", "check", "/dev/zero", expect=3).stderr == (
        "Error: /dev/zero: is a device, not a file; give the path of a framework TOML file\n"
    )


def test_a_file_name_that_is_not_utf8_is_written_safely_everywhere(tmp_path):
    name = os.fsencode(str(tmp_path)) + b"/caf\xe9.csv"
    with open(name, "wb") as handle:
        handle.write(BROMLEY.read_bytes())
    shown = f"{tmp_path}/caf\\xe9.csv"
    for output_format in ("json", "ndjson", "csv", "markdown", "table"):
        result = subprocess.run(
            [sys.executable, "-m", "ccgrate", "score", name, "-f", output_format, "-v"],
            cwd=ROOT,
            capture_output=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        result.stdout.decode("utf-8")
        assert shown.encode() in result.stderr


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        ("punycode", '"punycode" is not a text encoding'),
        ("rot13", '"rot13" is not a text encoding'),
        ("base64", '"base64" is not a text encoding'),
        ("no-such-thing", 'unknown encoding "no-such-thing"'),
    ],
)
def test_encoding_accepts_text_encodings_only(ccgrate, encoding, message):
    result = ccgrate("score", BROMLEY, "--encoding", encoding, expect=2)
    assert result.stderr.endswith(
        f"Error: Invalid value for '--encoding': {message}; use a name such as utf-8, cp1252 or latin-1\n"
    )


# --- signals ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_input(tmp_path_factory) -> Path:
    """A national file large enough that writing its JSON takes a while (synthetic, fixed seed)."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "bench" / "generate.py"), "8000"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    path.write_bytes(result.stdout)
    return path


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL])
@pytest.mark.parametrize("delay", [0.05, 0.3, 0.8])
def test_a_signal_during_a_write_never_damages_the_output(tmp_path, big_input, signum, delay):
    target = tmp_path / "ratings.json"
    target.write_text("the old ratings\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "ccgrate", "score", str(big_input), "-f", "json", "-o", str(target), "-q"],
        cwd=ROOT,
        stderr=subprocess.PIPE,
    )
    time.sleep(delay)
    process.send_signal(signum)
    stderr = process.communicate(timeout=120)[1].decode()
    code = process.returncode
    content = target.read_text()
    assert content == "the old ratings\n" or (code == 0 and content.startswith("{"))
    assert "Traceback" not in stderr
    if code != 0:
        expected = {signal.SIGINT: 130}.get(signum, -signum)
        assert code == expected
        assert stderr in ("", "ccgrate: interrupted\n")
    left = sorted(p.name for p in tmp_path.iterdir())
    if signum == signal.SIGKILL:
        # Nothing can clean up after kill -9: at most one hidden temporary beside the intact file.
        assert left[-1] == "ratings.json" and all(n.endswith(".ccgrate-tmp") for n in left[:-1])
    else:
        assert left == ["ratings.json"]


# --- inputs that would block ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expect", "message"),
    [
        (
            ["score", "{fifo}"],
            1,
            "Error: {fifo}: is a named pipe that nothing is writing to; start the program "
            "that writes to it first, or give a regular file\n",
        ),
        (
            ["score", BROMLEY, "--framework", "{fifo}"],
            3,
            "Error: {fifo}: is a named pipe that nothing is writing to; give the path of a framework TOML file\n",
        ),
        (
            ["framework", "check", "{fifo}"],
            3,
            "Error: {fifo}: is a named pipe that nothing is writing to; give the path of a framework TOML file\n",
        ),
        (
            ["compare", NATIONAL, NATIONAL, "--map", "{fifo}", "-q"],
            1,
            "Error: {fifo}: is a named pipe that nothing "
            "is writing to; start the program that writes to it first, or give a regular file\n",
        ),
    ],
    ids=["data", "framework", "framework check", "merger map"],
)
def test_a_named_pipe_nothing_writes_to_is_refused_at_once(tmp_path, args, expect, message):
    fifo = tmp_path / "input"
    os.mkfifo(fifo)
    started = time.monotonic()
    result = run(*[str(a).format(fifo=fifo) for a in args])
    assert time.monotonic() - started < 30  # it used to wait for ever
    assert (result.returncode, result.stderr) == (expect, message.format(fifo=fifo))


def test_a_named_pipe_with_a_writer_is_read(tmp_path):
    fifo = tmp_path / "input"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as pipe:  # blocks until ccgrate opens the pipe to read it
            pipe.write(BROMLEY.read_bytes())

    writer = threading.Thread(target=write)
    writer.start()
    result = run("score", fifo, "-f", "csv", "-q")
    writer.join(timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout == run("score", BROMLEY, "-f", "csv", "-q").stdout.replace(str(BROMLEY), str(fifo))


def test_a_socket_is_refused_at_once(tmp_path):
    import socket

    path = tmp_path / "socket"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        result = run("score", path)
    assert (result.returncode, result.stderr) == (
        1,
        f"Error: {path}: is a socket, not a file; give a regular file, a pipe or standard input\n",
    )
