"""The release catalogue (``src/corridor/sources/releases.yaml``) is complete and agrees with the mirror.

What this proves: every release carries the provenance issue 2 asks for (id, series, vintage,
publisher, licence, files with a 64-hex sha256 and a mirror path); ids are unique; the release ids the
issue names exist; every layout and concept the catalogue names is registered; each pinned sha256
agrees with the 16-hex prefix the mirror's ``MANIFEST.md`` gives for that file; and every release the
MANIFEST says comes from a public repository is marked as a third-party copy (``copy_of``, naming the
same repository and commit) and points at the publisher's original publication.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from corridor.reference.concepts import concepts
from corridor.sources.catalogue import release, releases
from corridor.sources.layouts import known_layouts

#: The release ids issue 2 names ("Release catalogue and mirror").
ISSUE_2_IDS = [
    "undesa-ims-2019-od", "undesa-ims-2020-sex-destination", "undesa-ims-2019-totals",
    "wpp2019-population", "wpp2024-births-deaths", "wpp2024-net-migration",
    "wb-bilateral-migration-2017", "wb-bilateral-remittances-2017", "wb-rpw-corridor-costs", "unhcr-2020",
]

HEX64 = re.compile(r"[0-9a-f]{64}")


def test_every_release_has_its_provenance_fields() -> None:
    assert releases(), "the catalogue is empty"
    for rel in releases().values():
        for name in ("id", "series", "vintage", "publisher", "licence", "title"):
            value = getattr(rel, name)
            assert isinstance(value, str) and value.strip(), f"{rel.id}: {name} is empty"
        assert rel.files, f"{rel.id}: no files"
        for f in rel.files:
            assert HEX64.fullmatch(f.sha256), f"{rel.id}: {f.name}: sha256 {f.sha256!r} is not 64 hex digits"
            assert f.mirror and not f.mirror.startswith("/"), f"{rel.id}: {f.name}: mirror path {f.mirror!r}"
            assert Path(f.mirror).name == f.name, f"{rel.id}: mirror path {f.mirror} is not the file {f.name}"
            if f.download:
                assert f.download.startswith("https://"), f"{rel.id}: {f.name}: download {f.download!r}"
        assert rel.kind in (None, "census", "register", "survey", "estimate"), f"{rel.id}: kind {rel.kind!r}"
        assert rel.access in ("public", "restricted"), f"{rel.id}: access {rel.access!r}"
        # unknown keys in a record land in ``extra``: a typo in the YAML must not vanish silently
        assert rel.extra == {}, f"{rel.id}: unknown catalogue field(s) {sorted(rel.extra)}"


def test_ids_are_unique_in_the_yaml() -> None:
    # releases() is a dict, so a duplicate id would silently replace the first record: read the YAML.
    text = resources.files("corridor.sources").joinpath("releases.yaml").read_text(encoding="utf-8")
    ids = [rec["id"] for rec in yaml.safe_load(text)["releases"]]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert duplicates == []
    assert len(ids) == len(releases())
    for rid in ids:
        assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*", rid), f"release id {rid!r} is not a stable slug"


@pytest.mark.parametrize("release_id", ISSUE_2_IDS)
def test_the_ids_named_in_issue_2_exist(release_id: str) -> None:
    rel = release(release_id)
    assert rel.id == release_id
    assert rel.layout is not None, f"{release_id} must be ingestible (have a layout)"
    assert rel.concept, f"{release_id} must say which concept its numbers use"


def test_unknown_release_lists_the_known_ones() -> None:
    from corridor.errors import InputError

    with pytest.raises(InputError) as info:
        release("undesa-ims-1999")
    message = str(info.value)
    assert "unknown release 'undesa-ims-1999'" in message
    for rid in ISSUE_2_IDS:
        assert rid in message


def test_every_layout_named_exists_in_the_registry() -> None:
    known = set(known_layouts())
    named = {rel.layout for rel in releases().values() if rel.layout}
    assert named - known == set()


def test_every_concept_named_exists_in_the_registry() -> None:
    registry = concepts()
    for rel in releases().values():
        if rel.concept is not None:
            assert rel.concept in registry, f"{rel.id}: concept {rel.concept!r} not in the concept registry"


# --- agreement with the mirror's MANIFEST.md ------------------------------------------------------


def manifest_entries(text: str) -> list[dict]:
    """Parse ``MANIFEST.md``'s bullet entries into path -> sha16 and the source repository.

    An entry is a bullet ``- `path`[, `path` ...] — owner/repo @commit : where. ... sha H1 / H2``
    (continuation lines indented). A second path without a folder sits in the first path's folder;
    ``same repo`` / ``same:`` refer to the previous entry's repository.
    """
    bullets: list[str] = []
    for line in text.splitlines():
        if line.startswith("- `"):
            bullets.append(line[2:])
        elif bullets and line.startswith("  ") and line.strip():
            bullets[-1] += " " + line.strip()
        elif not line.strip() or line.startswith("#"):
            if bullets and not bullets[-1].endswith("\n"):
                bullets[-1] += "\n"
    entries = []
    previous: tuple[str, str] | None = None
    for bullet in bullets:
        head, _, rest = bullet.partition(" — ")
        names = re.findall(r"`([^`]+)`", head)
        folder = str(Path(names[0]).parent)
        paths = [n if "/" in n else f"{folder}/{n}" for n in names]
        shas = re.search(r"sha ([0-9a-f]{16}(?: / [0-9a-f]{16})*)", rest)
        assert shas, f"no sha in MANIFEST entry {head}"
        sha16 = shas.group(1).split(" / ")
        assert len(sha16) == len(paths), f"MANIFEST entry {head}: {len(paths)} paths, {len(sha16)} shas"
        repo = re.match(r"([\w.-]+/[\w.-]+) ?@ ?([0-9a-f]{7,40})", rest)
        if repo:
            source = (repo.group(1), repo.group(2))
        elif rest.startswith("same"):
            source = previous
        else:
            source = None  # not from a repository (e.g. a Debian package written out)
        previous = source
        entries.append({"paths": dict(zip(paths, sha16, strict=True)), "repo": source})
    return entries


@pytest.fixture(scope="module")
def manifest(mirror: Path) -> list[dict]:
    entries = manifest_entries((mirror / "MANIFEST.md").read_text(encoding="utf-8"))
    assert len(entries) >= 20, "MANIFEST.md parse found too few entries"
    return entries


def test_manifest_parser_reads_multi_file_and_same_repo_entries(manifest: list[dict]) -> None:
    by_path = {p: e for e in manifest for p in e["paths"]}
    # MANIFEST.md, "World Population Prospects": popM/popF on one line, two shas
    assert by_path["wpp2019/popF.txt"]["paths"]["wpp2019/popF.txt"] == "5ddbfbd2bb9fd0d3"
    assert by_path["wpp2019/popM.txt"]["repo"] == ("PPgp/wpp2019", "d0c446d")
    # "wpp2019/migration.txt — same:" inherits the repository of the entry above
    assert by_path["wpp2019/migration.txt"]["repo"] == ("PPgp/wpp2019", "d0c446d")
    # "cps_00160.xml" is written without its folder
    assert "microdata/cps_00160.xml" in by_path


def test_catalogue_sha256_agrees_with_the_manifest(manifest: list[dict]) -> None:
    sha16 = {p: s for e in manifest for p, s in e["paths"].items()}
    for rel in releases().values():
        for f in rel.files:
            assert f.mirror in sha16, f"{rel.id}: {f.mirror} is not in the mirror's MANIFEST.md"
            assert f.sha256[:16] == sha16[f.mirror], (
                f"{rel.id}: {f.mirror}: catalogue sha256 {f.sha256[:16]}… but MANIFEST {sha16[f.mirror]}"
            )


def test_every_mirror_file_in_the_manifest_is_catalogued(manifest: list[dict]) -> None:
    catalogued = {f.mirror for rel in releases().values() for f in rel.files}
    listed = {p for e in manifest for p in e["paths"]}
    assert listed - catalogued == set()


def test_third_party_copies_say_so_and_point_at_the_original(manifest: list[dict]) -> None:
    repo_of = {p: e["repo"] for e in manifest for p in e["paths"]}
    problems = []
    for rel in releases().values():
        repos = {repo_of[f.mirror] for f in rel.files if repo_of.get(f.mirror)}
        if not repos:
            continue
        for owner_name, commit in repos:
            # copy_of names the same repository @ commit as the MANIFEST
            if not rel.copy_of or not re.match(rf"{re.escape(owner_name)} ?@ ?{commit[:7]}", rel.copy_of):
                problems.append(f"{rel.id}: copy_of {rel.copy_of!r} does not name {owner_name} @ {commit}")
        assert rel.is_third_party_copy
        # the original publication is the publisher's, not the copy's repository
        if not rel.original:
            problems.append(f"{rel.id}: no 'original' (the publisher's own publication)")
        elif any(owner_name in rel.original for owner_name, _ in repos):
            problems.append(f"{rel.id}: original {rel.original!r} points at the copy, not the publisher")
    assert problems == [], "\n".join(problems)


def test_repository_download_addresses_match_the_copy() -> None:
    # A raw.githubusercontent.com address must fetch the very copy ``copy_of`` names: same repository,
    # same commit, a path listed there (otherwise the sha256 cannot match what the address serves).
    checked = 0
    for rel in releases().values():
        for f in rel.files:
            m = re.fullmatch(r"https://raw\.githubusercontent\.com/([^/]+/[^/]+)/([0-9a-f]{7,40})/(.+)",
                             f.download or "")
            if not m:
                continue
            repo, commit, path = m.groups()
            assert rel.copy_of and rel.copy_of.startswith(f"{repo} @ {commit}"), (rel.id, f.download, rel.copy_of)
            assert path in rel.copy_of, f"{rel.id}: {path} is not the path copy_of names ({rel.copy_of})"
            assert Path(path).name == f.name
            checked += 1
    assert checked >= 8
