"""Malformed predictions files: each is one clean ``Error:`` line naming the file and the spot.

Every bad file is built in ``tmp_path`` by a small builder and run through the CLI; the
assertions are the contract of section 4 (exit 1, no traceback, the file and the first
bad row, line or ``.npz`` member named). Limits that would need large files to reach
(the memory cap, the line limit, the streaming threshold) are patched down.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import struct
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from advisor import calibration as cal
from advisor.cli import main

FAST = ["--bootstrap", "20", "--resamples", "20", "--folds", "2"]
PROBS = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.5, 0.25, 0.25]])
LABELS = np.array([0, 1, 2, 1])


def run(path, *options):
    return CliRunner().invoke(main, ["calibration", str(path), *options])


# ---------------------------------------------------------------- builders of bytes

def npy_bytes(array, allow_pickle=False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def npy_header(shape, descr="<f8", fortran=False) -> bytes:
    """A .npy header declaring anything, with no data after it."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": fortran, "shape": shape})
    return buffer.getvalue()


def npy_magic(major, minor, length_format, text: bytes) -> bytes:
    return b"\x93NUMPY" + bytes([major, minor]) + struct.pack(length_format, len(text)) + text


def write_npz(path: Path, members: dict, compression=zipfile.ZIP_STORED) -> Path:
    """An archive of raw members: ``{"labels": bytes or array, ...}`` (a name ending in / is a folder)."""
    with zipfile.ZipFile(path, "w", compression) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a repeated name is the point of one case
        for name, content in members.items():
            if isinstance(content, np.ndarray):
                content = npy_bytes(content)
            archive.writestr(name if "." in name or name.endswith("/") else f"{name}.npy", content)
    return path


def write_pair(tmp_path: Path, labels, scores, kind="probs") -> Path:
    """``m.labels.npy`` and ``m.{kind}.npy`` (each an array or raw bytes); returns the labels file."""
    for name, content in (("labels", labels), (kind, scores)):
        raw = npy_bytes(content) if isinstance(content, np.ndarray) else content
        (tmp_path / f"m.{name}.npy").write_bytes(raw)
    return tmp_path / "m.labels.npy"


def local_header(raw: bytes, name: bytes) -> int:
    """Where the local header of member ``name`` starts."""
    local = raw.index(b"PK\x03\x04")
    while raw[local + 30:local + 30 + len(name)] != name:
        local = raw.index(b"PK\x03\x04", local + 4)
    return local


def patch_zip_entry(raw: bytes, name: bytes, local_offset: int, central_offset: int, value: bytes) -> bytes:
    """Overwrite a field of the local and the central header of one zip entry."""
    out = bytearray(raw)
    local = local_header(raw, name)
    out[local + local_offset:local + local_offset + len(value)] = value
    central = out.index(b"PK\x01\x02")
    while out[central + 46:central + 46 + len(name)] != name:
        central = out.index(b"PK\x01\x02", central + 4)
    out[central + central_offset:central + central_offset + len(value)] = value
    return bytes(out)


def member_data_offset(raw: bytes, name: bytes) -> int:
    """Where a stored member's bytes begin in the archive."""
    local = local_header(raw, name)
    name_length, extra_length = struct.unpack("<HH", raw[local + 26:local + 30])
    return local + 30 + name_length + extra_length


# ---------------------------------------------------------------- builders of bad files

def write_file(tmp_path, content, name="p.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def csv_long_field(tmp_path):
    return write_file(tmp_path, "label,p0,p1\n0,0.5,0.5\n0," + "1" * 131_073 + ",0\n")


def jsonl_deep(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    return write_file(tmp_path, '{"label":0,"probs":[0.5,0.5]}\n{"label":0,"probs":' + deep + "}\n", "p.jsonl")


def jsonl_long_label(tmp_path):
    return write_file(tmp_path, '{"label":0,"probs":[0.5,0.5]}\n{"label":' + "1" * 5000 + ',"probs":[0.5,0.5]}\n',
                    "p.jsonl")


def jsonl_huge_integer_probability(tmp_path):
    return write_file(tmp_path, '{"label":0,"probs":[1' + "0" * 400 + ",0]}\n", "p.jsonl")


def jsonl_long_text_label(tmp_path):
    return write_file(tmp_path, '{"label":"' + "x" * 5000 + '","probs":[0.5,0.5]}\n', "p.jsonl")


def npy_huge_labels(tmp_path):
    return write_pair(tmp_path, npy_header((10**12,), "<i8") + bytes(80), np.full((10, 2), 0.5))


def npy_short_probs(tmp_path):
    return write_pair(tmp_path, LABELS, npy_bytes(PROBS)[:-8])


def npy_object_probs(tmp_path):
    return write_pair(tmp_path, LABELS, npy_bytes(PROBS.astype(object), allow_pickle=True))


def npz_lying_probs(tmp_path, compression=zipfile.ZIP_STORED):
    lying = npy_header((10**12, 3)) + bytes(480)
    return write_npz(tmp_path / "p.npz", {"labels": np.zeros(20, np.int64), "probs": lying}, compression)


def npz_corrupt_stored_labels(tmp_path):
    raw = (write_npz(tmp_path / "p.npz", {"labels": LABELS, "probs": PROBS})).read_bytes()
    out = bytearray(raw)
    out[member_data_offset(raw, b"labels.npy") + 130] ^= 0x01  # in the data, after the 128-byte header
    (tmp_path / "p.npz").write_bytes(bytes(out))
    return tmp_path / "p.npz"


def npz_corrupt_deflated(tmp_path, member=b"labels.npy"):
    rng = np.random.default_rng(0)
    labels, probs = rng.integers(0, 3, 500), rng.dirichlet([1, 1, 1], 500)
    raw = write_npz(tmp_path / "p.npz", {"labels": labels, "probs": probs}, zipfile.ZIP_DEFLATED).read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        size = archive.getinfo(member.decode()).compress_size
    out = bytearray(raw)
    start = member_data_offset(raw, member)
    out[start + size - 40:start + size - 20] = bytes(20)  # late in the stream: the data, not the header
    (tmp_path / "p.npz").write_bytes(bytes(out))
    return tmp_path / "p.npz"


def npz_with_flag(tmp_path, local_offset, central_offset, value):
    raw = write_npz(tmp_path / "p.npz", {"labels": LABELS, "probs": PROBS}).read_bytes()
    (tmp_path / "p.npz").write_bytes(patch_zip_entry(raw, b"labels.npy", local_offset, central_offset, value))
    return tmp_path / "p.npz"


def npz(members, compression=zipfile.ZIP_STORED):
    return lambda tmp_path: write_npz(tmp_path / "p.npz", members, compression)


def pair(labels, scores, kind="probs"):
    return lambda tmp_path: write_pair(tmp_path, labels, scores, kind)


def text(content, name="p.csv"):
    return lambda tmp_path: write_file(tmp_path, content, name)


STRUCTURED = np.zeros(4, dtype=[("a", "<f8"), ("b", "<f8")])

# (id, builder, fragments the message must hold, settings of advisor.calibration.config)
BAD_FILES = [
    # CSV
    ("csv-field-over-limit", csv_long_field, ["line 3", "a field is longer than 131072 characters"], {}),
    ("csv-not-utf8", text(b"label,p0,p1\n0,0.5,0.5\n0,0.\xff5,0.5\n"),
     ["line 3", "byte 5 of the line (0xff) is not valid UTF-8"], {}),
    ("csv-binary", text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), ["line 1", "(0x89) is not valid UTF-8"], {}),
    ("csv-nul", text("label,p0,p1\n0,0.5\x00,0.5\n"), ["line 2 (row 1)", "p0: '0.5\\x00' is not a number"], {}),
    ("csv-header-only", text("label,p0,p1\r\n"), ["no predictions (0 rows)"], {}),
    ("csv-empty", text(""), ["no predictions (the file is empty)"], {}),
    ("csv-duplicate-columns", text("label,p0,p0\n0,0.5,0.5\n"), ["line 1", "got p0,p0"], {}),
    ("csv-blank-column", text("label,,p1\n0,0.5,0.5\n"), ["line 1", "got ,p1"], {}),
    ("csv-control-characters-in-header", text("label,\x1b[2J" + ",p" * 5000 + "\n0,1\n"),
     ["line 1", "got \\x1b[2j,p,p,p"], {}),  # lower-cased, as column names are compared
    ("csv-header-after-blank-lines", text("\n\nlabel,q0\n0,1\n"), ["line 3", "after 'label'"], {}),
    ("csv-line-over-limit", text("label,p0,p1\n0,0.5,0.5\n0,0.5,0.5" + " " * 200 + "\n"),
     ["line 3", "longer than 100 characters"], {"line_limit": 100}),
    ("csv-long-bad-label", text("label,p0,p1\n" + "7" * 300 + ".5,0.5,0.5\n"), ["line 2 (row 1)", "label 777"], {}),
    # JSONL
    ("jsonl-deeply-nested", jsonl_deep, ["line 2 (row 2)", "nested too deeply"], {}),
    ("csv-label-of-5001-digits", text(("label,p0,p1\n" + "9" * 5001 + ",0.5,0.5\n").encode(), "p.csv"),
     ["line 2 (row 1)", "is far outside the class range"], {}),
    ("jsonl-duplicate-key", text(b'{"label": 0, "probs": [0.5, 0.5], "label": 1}\n', "p.jsonl"),
     ["line 1 (row 1)", "the key 'label' appears twice"], {}),
    ("jsonl-text-label", text(b'{"label": "1", "probs": [0.5, 0.5]}\n', "p.jsonl"),
     ["line 1 (row 1)", "label '1' is text, not a JSON number"], {}),
    ("jsonl-5000-digit-label", jsonl_long_label, ["line 2 (row 2)", "label of 5,000 digits is far outside the class range"],
     {}),
    ("jsonl-not-utf8", text(b'{"label":0,"probs":[0.5,0.5]}\n{"label":0,"probs":[0.\xff5,0.5]}\n', "p.jsonl"),
     ["line 2", "byte 23 of the line (0xff) is not valid UTF-8"], {}),
    ("jsonl-line-over-limit", text('{"label":0,"probs":[0.5,0.5]}\n{"label":0,"probs":[0.5,0.5]}' + " " * 200,
                                   "p.jsonl"), ["line 2", "longer than 100 characters"], {"line_limit": 100}),
    ("jsonl-huge-integer-probability", jsonl_huge_integer_probability,
     ["line 1 (row 1)", "probability inf is greater than 1"], {}),
    ("jsonl-long-text-label", jsonl_long_text_label, ["line 1 (row 1)", "label 'xxxx"], {}),
    ("jsonl-nul", text('{"label":0,"probs":[0.5,0.5]}\n\x00\n', "p.jsonl"), ["line 2 (row 2)", "not valid JSON"], {}),
    # .npy pairs
    ("npy-labels-huge-shape", npy_huge_labels,
     ["m.labels.npy", "header declares shape (1000000000000,) of int64 (8,000,000,000,000 bytes) "
                      "but the file holds 80 bytes of data"], {}),
    ("npy-probs-cut-short", npy_short_probs, ["m.labels.npy: m.probs.npy: header declares shape (4, 3) of float64 (96 bytes) but the file holds 88 bytes"], {}),
    ("npy-streamed-probs-cut-short", npy_short_probs, ["m.probs.npy", "but the file holds 88 bytes"],
     {"stream_bytes": 0}),
    ("npy-object-probs", npy_object_probs, ["m.probs.npy", "holds Python objects (dtype object)"], {}),
    ("npy-empty-labels", pair(b"", PROBS), ["m.labels.npy", "not a .npy array"], {}),
    ("npy-cut-in-header", pair(npy_bytes(LABELS)[:40], PROBS), ["m.labels.npy", "ends within the .npy header"], {}),
    ("npy-version-9", pair(npy_magic(9, 0, "<H", b"{}"), PROBS),
     ["m.labels.npy", "unsupported .npy format version 9.0"], {}),
    ("npy-header-too-long", pair(npy_magic(2, 0, "<I", b" " * 100_000), PROBS),
     ["m.labels.npy", "the .npy header is 100,000 bytes long"], {}),
    ("npy-header-not-a-dict", pair(npy_magic(1, 0, "<H", b"print('hi')\n"), PROBS),
     ["m.labels.npy", "the .npy header cannot be parsed"], {}),
    ("npy-negative-shape", pair(npy_magic(1, 0, "<H", b"{'descr': '<i8', 'fortran_order': False, 'shape': (-1,)}"),
                                PROBS), ["m.labels.npy", "invalid shape or order"], {}),
    ("npy-labels-over-cap", pair(np.zeros(200, np.int64), np.full((200, 2), 0.5)),
     ["m.labels.npy", "which needs 1,600 bytes of memory (the limit for an array read whole is 1,024 bytes)"],
     {"memory_cap": 1024}),
    ("npy-int8-labels-widen-over-cap", pair(np.zeros(200, np.int8), np.full((200, 2), 0.5)),
     ["m.labels.npy", "which needs 1,600 bytes of memory"], {"memory_cap": 1024}),
    ("npy-fortran-over-cap", pair(np.zeros(100, np.int8), np.asfortranarray(np.full((100, 2), 0.5))),
     ["m.probs.npy", "only C-ordered 2-D float arrays are streamed"], {"memory_cap": 1024}),
    ("npy-3d-probs", pair(LABELS[:2], np.full((2, 2, 2), 0.5)),
     ["m.probs.npy", "probs must be 1-D (binary) or 2-D (N, K); got shape (2, 2, 2)"], {}),
    ("npy-0d-labels", pair(np.array(1), PROBS), ["m.labels.npy", "labels must be a 1-D array; got shape ()"], {}),
    ("npy-non-integral-label", pair(np.array([0.0, 2.5, 1.0, 1.0]), PROBS), ["row 2", "label 2.5 is not an integer"],
     {}),
    # .npz
    ("npz-object-member", npz({"labels": LABELS, "probs": npy_bytes(PROBS.astype(object), allow_pickle=True)}),
     ["member 'probs'", "holds Python objects (dtype object); advisor never unpickles data (allow_pickle=False)"],
     {}),
    ("npz-lying-header", npz_lying_probs,
     ["member 'probs'", "header declares shape (1000000000000, 3) of float64 (24,000,000,000,000 bytes) "
                        "but the member holds 480 bytes of data"], {}),
    ("npz-lying-header-deflated", lambda tmp_path: npz_lying_probs(tmp_path, zipfile.ZIP_DEFLATED),
     ["member 'probs'", "but the member holds 480 bytes of data"], {}),
    ("npz-duplicate-member", npz({"labels.npy": npy_bytes(LABELS), "labels": LABELS, "probs": PROBS}),
     ["the archive holds 2 members named 'labels.npy'"], {}),
    ("npz-text-member", npz({"labels": LABELS, "probs": np.array(["a", "bb", "c", "d"])}),
     ["member 'probs'", "holds text (dtype <U2)"], {}),
    ("npz-structured-member", npz({"labels": LABELS, "probs": STRUCTURED}),
     ["member 'probs'", "holds structured records"], {}),
    ("npz-complex-member", npz({"labels": LABELS, "logits": PROBS.astype(complex)}),
     ["member 'logits'", "holds complex numbers (dtype complex128)"], {}),
    ("npz-datetime-labels", npz({"labels": np.array(["2020-01-01"] * 4, "datetime64[D]"), "probs": PROBS}),
     ["member 'labels'", "holds dates"], {}),
    # int64 cannot hold these: the cast used to wrap 2**64 - 1 to -1 and name the wrong label
    ("npz-uint64-label-beyond-int64", npz({"labels": np.array([0, 2**64 - 1, 1, 1], np.uint64), "probs": PROBS}),
     ["row 2", "label 18446744073709551615 is far outside the class range"], {}),
    ("npz-float-label-beyond-int64", npz({"labels": np.array([0, 1e30, 1, 1]), "probs": PROBS}),
     ["row 2", "label 1e+30 is far outside the class range"], {}),
    ("npz-non-integral-label", npz({"labels": np.array([2.5, 0, 1, 1]), "probs": PROBS}),
     ["row 1", "label 2.5 is not an integer"], {}),
    ("npz-cut-in-half", lambda tmp_path: write_file(
        tmp_path, write_npz(tmp_path / "p.npz", {"labels": LABELS, "probs": PROBS}).read_bytes()[:300], "p.npz"),
     ["not a valid .npz file"], {}),
    ("npz-not-a-zip", text(bytes(range(256)), "p.npz"), ["not a valid .npz file (not a zip archive)"], {}),
    ("npz-garbage-member", npz({"labels": b"hello, world", "probs": PROBS}),
     ["member 'labels'", "not a .npy array"], {}),
    ("npz-folder-member", npz({"labels.npy/": b"", "probs": PROBS}), ["no 'labels' array"], {}),
    ("npz-control-characters-in-names", npz({"\x1b[2J.npy": LABELS, "probs": PROBS}),
     ["no 'labels' array (found: \\x1b[2J, probs)"], {}),
    ("npz-member-version-4", npz({"labels": LABELS, "probs": npy_magic(4, 0, "<I", b"{}")}),
     ["member 'probs'", "unsupported .npy format version 4.0"], {}),
    ("npz-bad-crc", npz_corrupt_stored_labels, ["member 'labels'", "cannot be read (Bad CRC-32"], {}),
    ("npz-corrupt-deflate", npz_corrupt_deflated, ["member 'labels'", "cannot be read"], {}),
    ("npz-streamed-corrupt-deflate", lambda tmp_path: npz_corrupt_deflated(tmp_path, b"probs.npy"),
     ["member 'probs'", "cannot be read"], {"stream_bytes": 0}),
    ("npz-encrypted-member", lambda tmp_path: npz_with_flag(tmp_path, 6, 8, b"\x01\x00"),
     ["member 'labels'", "is encrypted"], {}),
    ("npz-unknown-compression", lambda tmp_path: npz_with_flag(tmp_path, 8, 10, b"\x63\x00"),
     ["member 'labels'", "compression method is not supported"], {}),
    ("npz-labels-over-cap", npz({"labels": np.zeros(200, np.int64), "probs": np.full((200, 2), 0.5)},
                                zipfile.ZIP_DEFLATED),
     ["member 'labels'", "which needs 1,600 bytes of memory"], {"memory_cap": 1024}),
    ("npz-k1", npz({"labels": np.zeros(3, np.int64), "probs": np.ones((3, 1))}), ["1 column(s)"], {}),
    ("npz-n0", npz({"labels": np.zeros(0, np.int64), "probs": np.ones((0, 3))}), ["no predictions (0 rows)"], {}),
    ("npz-3d-logits", npz({"labels": LABELS[:2], "logits": np.zeros((2, 2, 2))}),
     ["member 'logits'", "got shape (2, 2, 2)"], {}),
    ("npz-0d-labels", npz({"labels": np.array(3), "probs": PROBS}),
     ["member 'labels'", "labels must be a 1-D array; got shape ()"], {}),
]


@pytest.mark.parametrize("build, fragments, patches", [case[1:] for case in BAD_FILES],
                         ids=[case[0] for case in BAD_FILES])
def test_bad_file_is_one_clean_error_line(tmp_path, build, fragments, patches):
    path = build(tmp_path)
    with cal.config_context(**patches):
        result = run(path, *FAST)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {path}: "), result.stderr
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 300 + len(str(path)), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


# ---------------------------------------------------------------- zip bombs

@pytest.mark.parametrize("bomb", ["labels", "probs"])
@cal.config_context(memory_cap=1 << 20)
def test_zip_bomb_is_refused_from_its_header(tmp_path, inflated, bomb):
    huge = np.zeros(1 << 18, np.int64 if bomb == "labels" else np.float64)  # 2 MiB, deflates to a few KiB
    members = {"labels": huge, "probs": np.full(4, 0.5)} if bomb == "labels" else {"labels": LABELS, "probs": huge}
    path = write_npz(tmp_path / "bomb.npz", members, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 64 << 10
    result = run(path, *FAST)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.stderr.startswith(f"Error: {path}: member '{bomb}': header declares shape (262144,)")
    assert "which needs 2,097,152 bytes of memory (the limit for an array read whole is 1,048,576 bytes)" \
        in result.stderr
    # only the headers were inflated (128 bytes each), not the data of either member
    assert inflated[f"{bomb}.npy"] <= 128
    assert all(count <= 128 for count in inflated.values()), inflated


def test_member_under_the_cap_is_read(tmp_path, monkeypatch, inflated):
    """The counting above does see data reads: a member within the cap is inflated whole."""
    labels = np.zeros(1 << 10, np.int64)
    path = write_npz(tmp_path / "ok.npz", {"labels": labels, "probs": np.full((1 << 10, 2), 0.5)},
                     zipfile.ZIP_DEFLATED)
    assert run(path, *FAST).exit_code == 0
    assert inflated["labels.npy"] >= labels.nbytes


# ---------------------------------------------------------------- files the OS refuses

@pytest.mark.parametrize("suffix", ["csv", "jsonl", "npy"])
def test_permission_denied_names_the_file(tmp_path, monkeypatch, suffix):
    if suffix == "npy":  # the sibling at fault is named after the file given
        path = write_pair(tmp_path, LABELS, PROBS)
        denied, named = tmp_path / "m.probs.npy", f"{tmp_path / 'm.labels.npy'}: m.probs.npy"
    else:
        path = denied = write_file(tmp_path, "label,p0,p1\n0,0.5,0.5\n", f"p.{suffix}")
        named = str(path)
    real_open = open

    def guarded_open(file, *args, **kwargs):
        if Path(file) == denied:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    result = run(path, *FAST)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.stderr == f"Error: {named}: cannot be read (Permission denied)\n"


def test_fifo_is_refused_without_opening_it(tmp_path, monkeypatch):
    path = tmp_path / "p.csv"
    os.mkfifo(path)
    real_open = open

    def guarded_open(file, *args, **kwargs):  # opening a FIFO with no writer would block forever
        assert Path(file) != path, "the loader opened the FIFO"
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    result = run(path, *FAST)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.stderr == f"Error: {path}: is not a regular file\n"


# ---------------------------------------------------------------- output files

def test_failed_run_leaves_output_untouched(tmp_path):
    bad = write_file(tmp_path, "label,p0,p1\n0,0.5,oops\n")
    existing = tmp_path / "out.json"
    existing.write_text("keep me\n")
    result = run(bad, "-o", str(existing), *FAST)
    assert result.exit_code == 1 and "line 2 (row 1)" in result.stderr
    assert existing.read_text() == "keep me\n"
    result = run(bad, "-o", str(tmp_path / "new.json"), *FAST)
    assert result.exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "p.csv"]


# ---------------------------------------------------------------- text that must keep working

def measured(path):
    result = run(path, "--format", "json", *FAST)
    assert result.exit_code == 0, result.output
    measures = json.loads(result.stdout)
    measures.pop("source")
    return measures


def plain_lines(kind):
    if kind == "csv":
        return ["label,p0,p1,p2"] + [f"{label},{','.join(map(str, row))}" for label, row in zip(LABELS, PROBS, strict=True)]
    return [json.dumps({"label": int(label), "probs": row.tolist()}) for label, row in zip(LABELS, PROBS, strict=True)]


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_bom_crlf_and_blank_lines_measure_as_the_plain_file(tmp_path, kind):
    lines = plain_lines(kind)
    plain = write_file(tmp_path, "\n".join(lines) + "\n", f"plain.{kind}")
    windows = write_file(tmp_path, b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n", f"windows.{kind}")
    spaced = write_file(tmp_path, "\n\n".join(lines) + "\n\n  \n", f"spaced.{kind}")
    reference = measured(plain)
    assert reference["n_samples"] == len(LABELS)
    assert measured(windows) == reference
    assert measured(spaced) == reference


def test_integral_float_labels_are_accepted(tmp_path):
    path = write_npz(tmp_path / "p.npz", {"labels": LABELS.astype(np.float32), "probs": PROBS})
    assert measured(path) == measured(write_npz(tmp_path / "q.npz", {"labels": LABELS, "probs": PROBS}))


def test_fortran_and_big_endian_arrays_load_as_written(tmp_path):
    path = write_pair(tmp_path, LABELS.astype(">i4"), np.asfortranarray(PROBS).astype(">f8"))
    preds = cal.load_predictions(path)
    np.testing.assert_array_equal(preds.labels, LABELS)
    np.testing.assert_array_equal(preds.probs, PROBS)


# ---------------------------------------------------------------- every cut is an input error

def valid_files(tmp_path) -> dict[str, bytes]:
    lines = plain_lines("csv")
    return {
        "p.csv": ("\n".join(lines) + "\n").encode(),
        "p.jsonl": ("\n".join(plain_lines("jsonl")) + "\n").encode(),
        "stored.npz": write_npz(tmp_path / "a.npz", {"labels": LABELS, "probs": PROBS}).read_bytes(),
        "deflated.npz": write_npz(tmp_path / "b.npz", {"labels": LABELS, "probs": PROBS},
                                  zipfile.ZIP_DEFLATED).read_bytes(),
        "m.probs.npy": npy_bytes(PROBS),
    }


def test_every_truncation_is_an_input_error_or_valid(tmp_path):
    (tmp_path / "m.labels.npy").write_bytes(npy_bytes(LABELS))
    for name, raw in valid_files(tmp_path).items():
        path = tmp_path / name
        for cut in range(len(raw)):
            path.write_bytes(raw[:cut])
            try:
                cal.load_predictions(path)
            except cal.PredictionsFormatError as exc:
                assert str(exc).startswith(f"{path.parent}"), str(exc)
