"""``govbot ingest …``: load a source, normalise it, and sync it into the index.

A thin client of the Python API (adapters → OZG enrichment → ``sync_tenant``),
plugged into ``govbot`` through the ``govbot.commands`` entry point. Each
command builds ``KnowledgeSettings()`` once. A GovBotError becomes ``Error: …`` on
stderr and exit code 2, without a traceback.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from ingest.chunking import chunk_service, chunking_identity
from ingest.dldb import load_dldb
from ingest.documents import document_files
from ingest.file_services import FileMetadata, LoadedFile, file_services, read_manifest
from ingest.files import read_text
from ingest.folder import load_folder
from ingest.integreat import attach_translations, load_integreat, load_translations
from ingest.ozg import DEFAULT_TENANT, catalogue_services, coverage, enrich, load_catalogue
from ingest.preview import preview
from ingest.sync import SyncReport, runs_file, sync_tenant
from ingest.web import WebLimits, load_web
from knowledge.embedding import build_embedder
from knowledge.embedding_cache import CachingEmbedder, embedding_cache_path
from knowledge.errors import GovBotError, SearchIndexError, SourceError
from knowledge.hub_cache import HubScoreCache, prepare_after_sync
from knowledge.index import IndexStore
from knowledge.models import Service, SourceKind, validate_tenant_slug
from knowledge.progress import progress_reporter
from knowledge.retrieval import open_retriever, open_store
from knowledge.settings import KnowledgeSettings, settings_from_environment
from knowledge.sparse import Bm25Encoder

EXIT_USER_ERROR = 2
DEFAULT_DATA = Path("data")
DEFAULT_CATALOGUE = DEFAULT_DATA / "ozg" / "leika_ozg.csv"
# The repository's data folder, for `govbot ingest demo` run outside the checkout.
REPOSITORY_DATA = Path(__file__).resolve().parents[1] / "data"
DEMO_TENANT = "muenchen"
DEMO_QUESTION = "Was brauche ich für einen neuen Personalausweis?"

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Load a source into the knowledge base. A sync: only new or changed services are "
    "embedded, services gone from the source are deleted.",
)

TenantOption = Annotated[str, typer.Option("--tenant", help="Tenant slug, e.g. muenchen.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the run report as JSON.")]
RebuildOption = Annotated[
    bool, typer.Option("--rebuild", help="Re-chunk and re-embed every service of this source.")
]


def _tenant(value: str) -> str:
    try:
        return validate_tenant_slug(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--tenant") from exc


@contextmanager
def _user_errors() -> Iterator[None]:
    """GovBotError → ``Error: …`` on stderr and exit code 2 (no traceback)."""
    try:
        yield
    except GovBotError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(EXIT_USER_ERROR) from None


def _settings() -> KnowledgeSettings:
    return settings_from_environment(KnowledgeSettings)


def _sync(
    services: list[Service],
    *,
    tenant: str,
    source: SourceKind,
    settings: KnowledgeSettings,
    rebuild: bool,
    merge_sections: bool = False,
    translations: bool = True,
) -> SyncReport:
    """Sync ``services`` with a progress bar on the embedding step."""
    embedder = CachingEmbedder(build_embedder(settings.embedding), embedding_cache_path(settings))
    store = open_store(settings)
    words, overlap = settings.retrieval.chunk_words, settings.retrieval.chunk_overlap_words
    chunker = partial(
        chunk_service,
        chunk_words=words,
        overlap_words=overlap,
        merge_sections=merge_sections,
        translations=translations,
    )
    # The BM25 parameters shape the stored sparse vectors too: a change re-encodes.
    chunking = "|".join(
        (
            chunking_identity(
                chunk_words=words,
                overlap_words=overlap,
                merge_sections=merge_sections,
                translations=translations,
            ),
            Bm25Encoder().name,
        )
    )
    try:
        previous = store.current_version()
        with progress_reporter(f"embedding {tenant}") as progress:
            report = sync_tenant(
                services,
                tenant=tenant,
                source=source.value,
                store=store,
                embedder=embedder,
                chunker=chunker,
                progress=progress,
                batch_size=settings.embedding.batch_size,
                runs_path=runs_file(settings),
                rebuild=rebuild,
                chunking=chunking,
            )
        _prepare_hub_scores(store, settings, previous=previous, report=report)
        return report
    finally:
        store.close()
        embedder.close()


def _prepare_hub_scores(
    store: IndexStore, settings: KnowledgeSettings, *, previous: str | None, report: SyncReport
) -> None:
    """The new version's hub scores, so that no citizen's first query computes them
    (knowledge/hub_cache.py); on stderr, the JSON report stays alone on stdout."""
    if settings.retrieval.hub_weight <= 0:
        return
    changed = report.added + report.updated + report.deleted + report.passages_embedded > 0
    cache = HubScoreCache(k=settings.retrieval.hub_k, directory=settings.data_dir / "cache")
    started = time.perf_counter()
    try:
        how = prepare_after_sync(
            store, cache, previous=previous, synced=report.tenant if changed else None
        )
    except (SearchIndexError, OSError) as exc:  # the version serves; the first query computes
        typer.echo(f"Hub scores not prepared ({exc}); the first query computes them", err=True)
        return
    done = ", ".join(f"{tenant} {state}" for tenant, state in how.items())
    typer.echo(f"Hub scores ready in {time.perf_counter() - started:.1f} s: {done}", err=True)


def _print_report(report: SyncReport, *, origin: str, loaded: int, as_json: bool) -> None:
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    rate = report.passages_embedded / report.duration_s if report.duration_s > 0 else 0.0
    typer.echo(f"Ingested {loaded} services for tenant {report.tenant!r} from {origin}")
    typer.echo(
        f"  added {report.added}, updated {report.updated}, deleted {report.deleted}, "
        f"unchanged {report.unchanged}"
    )
    typer.echo(
        f"  passages embedded {report.passages_embedded} ({rate:.1f}/s), "
        f"{report.passages_total} passages in the index"
    )
    typer.echo(
        f"  duration {report.duration_s:.1f} s, embedder {report.embedder}, "
        f"index version {report.index_version}"
    )


def _ingest(
    load: Callable[[], list[Service]],
    *,
    tenant: str,
    source: SourceKind,
    origin: str,
    rebuild: bool,
    as_json: bool,
    enrich_from: Path | None = None,
    merge_sections: bool = False,
    translations: bool = True,
) -> KnowledgeSettings:
    settings = _settings()
    services = load()
    if enrich_from is not None:
        catalogue = load_catalogue(enrich_from)
        services = enrich(services, catalogue)
        known = coverage(services, catalogue)
        typer.echo(
            f"OZG enrichment: {known.resolved} of {known.total} LeiKa keys resolved "
            f"({enrich_from})",
            err=as_json,
        )
    report = _sync(
        services,
        tenant=tenant,
        source=source,
        settings=settings,
        rebuild=rebuild,
        merge_sections=merge_sections,
        translations=translations,
    )
    _print_report(report, origin=origin, loaded=len(services), as_json=as_json)
    return settings


def default_catalogue() -> Path:
    """The OZG catalogue of ``govbot ingest ozg`` without a path: ./data/ozg/leika_ozg.csv,
    else the repository's copy (for a run outside the checkout)."""
    shipped = REPOSITORY_DATA / "ozg" / "leika_ozg.csv"
    return next((p for p in (DEFAULT_CATALOGUE, shipped) if p.is_file()), DEFAULT_CATALOGUE)


def _catalogue_for(explicit: Path | None, services_file: Path, *, skip: bool) -> Path | None:
    """The OZG catalogue used for enrichment: explicit, else ./data/ozg or next to the export."""
    if skip:
        return None
    if explicit is not None:
        return explicit
    beside = services_file.resolve().parent.parent / "ozg" / "leika_ozg.csv"
    return next((path for path in (DEFAULT_CATALOGUE, beside) if path.is_file()), None)


@app.command("dldb")
def dldb_command(
    path: Annotated[Path, typer.Argument(help="DLDB services export (services_de.json).")],
    tenant: TenantOption,
    locations: Annotated[
        Path | None, typer.Option(help="Locations file; default: locations_de.json next to PATH.")
    ] = None,
    ozg: Annotated[
        Path | None, typer.Option("--ozg", help="LeiKa→OZG catalogue CSV for enrichment.")
    ] = None,
    no_ozg: Annotated[bool, typer.Option("--no-ozg", help="Skip the OZG enrichment.")] = False,
    rebuild: RebuildOption = False,
    as_json: JsonOption = False,
) -> None:
    """Ingest a DLDB service export (Munich, Berlin) with offices from its locations file."""
    tenant = _tenant(tenant)
    with _user_errors():
        _ingest(
            lambda: load_dldb(path, tenant=tenant, locations_path=locations),
            tenant=tenant,
            source=SourceKind.DLDB,
            origin=str(path),
            rebuild=rebuild,
            as_json=as_json,
            enrich_from=_catalogue_for(ozg, path, skip=no_ozg),
        )


@app.command("integreat")
def integreat_command(
    path: Annotated[Path, typer.Argument(help="Integreat page dump (<region>_de_pages.json).")],
    tenant: TenantOption,
    whole_pages: Annotated[
        bool,
        typer.Option(
            "--whole-pages",
            help="~250-word chunks of the whole page instead of one group per heading section.",
        ),
    ] = False,
    translation: Annotated[
        list[Path] | None,
        typer.Option(
            "--translation",
            help="Dump of the same pages in another language (<region>_en_pages.json); "
            "repeat for more languages. Each page becomes a translation of its German document.",
        ),
    ] = None,
    search_translations: Annotated[
        bool,
        typer.Option(
            "--search-translations/--no-search-translations",
            help="Index the translations' passages for search too (a question in that "
            "language meets the page in its own words), or keep them for answers only.",
        ),
    ] = True,
    rebuild: RebuildOption = False,
    as_json: JsonOption = False,
) -> None:
    """Ingest Integreat CMS pages; pages without content are skipped.

    Sections (by heading) are kept for answers and the card; with --whole-pages the
    passages are ~250-word chunks of the whole page instead of section by section.
    With --translation the page's versions in other languages join the same documents:
    answers are shown in the citizen's language where the page has it.
    """
    tenant = _tenant(tenant)
    translated = translation or []

    def load() -> list[Service]:
        services = load_integreat(path, tenant=tenant)
        if not translated:
            return services
        dumps = [load_translations(dump, tenant=tenant) for dump in translated]
        services, joined = attach_translations(services, dumps)
        for dump in dumps:
            typer.echo(
                f"Translations ({dump.language}, {dump.pages_file.name}): "
                f"{joined[dump.language]} of {dump.total} pages joined their German document; "
                "the others have no German original with content",
                err=as_json,
            )
        return services

    with _user_errors():
        _ingest(
            load,
            tenant=tenant,
            source=SourceKind.INTEGREAT,
            origin=", ".join(str(p) for p in [path, *translated]),
            rebuild=rebuild,
            as_json=as_json,
            merge_sections=whole_pages,
            translations=search_translations,
        )


@app.command("folder")
def folder_command(
    directory: Annotated[Path, typer.Argument(help="Folder of .md/.html pages (front matter).")],
    tenant: TenantOption,
    rebuild: RebuildOption = False,
    as_json: JsonOption = False,
) -> None:
    """Ingest a folder of a city's own Markdown/HTML pages."""
    tenant = _tenant(tenant)
    with _user_errors():
        _ingest(
            lambda: load_folder(directory, tenant=tenant),
            tenant=tenant,
            source=SourceKind.FOLDER,
            origin=str(directory),
            rebuild=rebuild,
            as_json=as_json,
        )


@app.command("files")
def files_command(
    tenant: TenantOption,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="PDF, DOCX, HTML, Markdown, text files, FAQ tables (CSV/XLSX), folders."
        ),
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title (one document only).")] = None,
    url: Annotated[str | None, typer.Option(help="Source URL shown with answers.")] = None,
    valid_until: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Date after which the content is flagged."),
    ] = None,
    keywords: Annotated[
        str | None, typer.Option(help="Comma-separated keywords (other words citizens use).")
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(help="JSON list of files with id/title/url/valid_until/keywords each."),
    ] = None,
    source: Annotated[
        SourceKind,
        typer.Option(hidden=True, help="Source name; 'upload' is used by the console's uploads."),
    ] = SourceKind.FILES,
    show_preview: Annotated[
        bool, typer.Option("--preview", help="Show what would be indexed; change nothing.")
    ] = False,
    rebuild: RebuildOption = False,
    as_json: JsonOption = False,
) -> None:
    """Ingest documents and FAQ tables: a sync of exactly these files for the tenant.

    Files left out of a later run are deleted from the index; unchanged ones are not
    re-embedded. FAQ tables need a header row with Frage/Antwort (or question/answer).
    """
    tenant = _tenant(tenant)
    with _user_errors():
        if source not in (SourceKind.FILES, SourceKind.UPLOAD):
            raise SourceError(f"--source must be 'files' or 'upload', not {source.value!r}")
        entries = _file_entries(paths or [], manifest, title, url, valid_until, keywords)
        max_bytes = _settings().documents.max_file_bytes

        def read() -> list[LoadedFile]:
            return [
                file_services(
                    path, tenant=tenant, source=source, metadata=meta, max_bytes=max_bytes
                )
                for path, meta in entries
            ]

        def load() -> list[Service]:
            return [service for file in read() for service in file.services]

        if show_preview:
            _print_preview(read(), as_json=as_json)
            return
        _ingest(
            load,
            tenant=tenant,
            source=source,
            origin=f"{len(entries)} files" if manifest is None else str(manifest),
            rebuild=rebuild,
            as_json=as_json,
        )


def _file_entries(
    paths: list[Path],
    manifest: Path | None,
    title: str | None,
    url: str | None,
    valid_until: datetime | None,
    keywords: str | None,
) -> list[tuple[Path, FileMetadata]]:
    files = document_files(paths)
    if title and len(files) != 1:
        raise SourceError(f"--title names one document, but {len(files)} files were given")
    meta = FileMetadata(
        title=title or "",
        url=url or "",
        valid_until=valid_until.date() if valid_until else None,
        keywords=[k.strip() for k in (keywords or "").split(",") if k.strip()],
    )
    entries = [(file, meta) for file in files]
    if manifest is not None:
        entries.extend(read_manifest(manifest))
    if not entries and manifest is None:  # an empty manifest: every file was deleted
        raise SourceError("No files given; pass files or folders (or --manifest FILE)")
    return entries


def _print_preview(loaded: list[LoadedFile], *, as_json: bool) -> None:
    settings = _settings()
    chunker = partial(
        chunk_service,
        chunk_words=settings.retrieval.chunk_words,
        overlap_words=settings.retrieval.chunk_overlap_words,
    )
    report = preview(
        [service for file in loaded for service in file.services],
        chunker,
        [warning for file in loaded for warning in file.warnings],
    )
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    for document in report.documents:
        typer.echo(f"{document.doc_id}  {document.title}  (Stand: {document.updated or '-'})")
        for section in document.sections:
            typer.echo(f"  § {section.title}: {len(section.text.split())} words")
        typer.echo(f"  {len(document.passages)} passages")
    for warning in report.warnings:
        typer.echo(f"Warning: {warning}", err=True)


@app.command("web")
def web_command(
    tenant: TenantOption,
    url: Annotated[
        list[str] | None, typer.Option("--url", help="A page to fetch (repeatable).")
    ] = None,
    urls: Annotated[Path | None, typer.Option("--urls", help="File with one URL per line.")] = None,
    sitemap: Annotated[str | None, typer.Option("--sitemap", help="sitemap.xml URL.")] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option("--allow-host", help="Another host that may be fetched (repeatable)."),
    ] = None,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", min=1000, help="Largest page read, in bytes.")
    ] = 2_000_000,
    timeout_s: Annotated[
        float, typer.Option("--timeout-s", min=1, help="Seconds to wait for each page.")
    ] = 15.0,
    rebuild: RebuildOption = False,
    as_json: JsonOption = False,
) -> None:
    """Fetch web pages (URL list or sitemap) of the configured hosts and sync them.

    robots.txt is respected, pages fetched before are asked for with If-Modified-Since,
    pages that answer 404/410 leave the index; other failures keep the previous version
    and are listed as per-page errors on stderr.
    """
    tenant = _tenant(tenant)
    with _user_errors():
        pages = list(url or [])
        if urls is not None:
            pages.extend(
                line.strip()
                for line in read_text(urls, what="URL list").splitlines()
                if line.strip() and not line.lstrip().startswith("#")
            )
        settings = _settings()
        run = load_web(
            pages,
            tenant=tenant,
            state_path=settings.data_dir / "web" / f"{tenant}.json",
            sitemap=sitemap,
            allowed_hosts={host.lower() for host in allow_host or []},
            limits=WebLimits(max_bytes=max_bytes, timeout_s=timeout_s),
        )
        for page, error in run.errors.items():
            typer.echo(f"Page {page}: {error}", err=True)
        typer.echo(
            f"Fetched {run.fetched}, not modified {run.not_modified}, gone {len(run.gone)}, "
            f"errors {len(run.errors) - len(run.gone)}",
            err=True,
        )
        _ingest(
            lambda: run.services,
            tenant=tenant,
            source=SourceKind.WEB,
            origin=sitemap or f"{len(pages)} URLs",
            rebuild=rebuild,
            as_json=as_json,
        )


@app.command("ozg")
def ozg_command(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="LeiKa→OZG catalogue CSV; default: ./data/ozg/leika_ozg.csv or the "
            "repository's copy."
        ),
    ] = None,
    tenant: Annotated[str, typer.Option("--tenant", help="Shared tenant slug.")] = DEFAULT_TENANT,
    rebuild: RebuildOption = False,
    as_json: JsonOption = False,
) -> None:
    """Ingest the OZG catalogue as lightweight entries (4,810 passages: ~20-40 min on 2 cores)."""
    tenant = _tenant(tenant)
    path = path or default_catalogue()
    with _user_errors():
        _ingest(
            lambda: catalogue_services(load_catalogue(path), tenant=tenant),
            tenant=tenant,
            source=SourceKind.OZG,
            origin=str(path),
            rebuild=rebuild,
            as_json=as_json,
        )


@app.command("demo")
def demo_command(
    data: Annotated[
        Path | None,
        typer.Option(
            help="Data folder with muenchen/ and ozg/; default: ./data or the repository's."
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Only the first N services, for a quick look.")
    ] = None,
) -> None:
    """Ingest the Munich demo catalogue (CC BY 4.0, Landeshauptstadt München), then search it."""
    if data is None:
        data = next((d for d in (DEFAULT_DATA, REPOSITORY_DATA) if d.is_dir()), DEFAULT_DATA)
    services_file = data / "muenchen" / "services_de.json"
    catalogue = data / "ozg" / "leika_ozg.csv"
    with _user_errors():
        settings = _ingest(
            lambda: load_dldb(services_file, tenant=DEMO_TENANT)[:limit],
            tenant=DEMO_TENANT,
            source=SourceKind.DLDB,
            origin=str(services_file),
            rebuild=False,
            as_json=False,
            enrich_from=catalogue if catalogue.is_file() else None,
        )
        with open_retriever(settings) as retriever:
            hits = retriever.search(DEMO_QUESTION, tenant=DEMO_TENANT, k=3)
    typer.echo(f"\nSample search: {DEMO_QUESTION}")
    for rank, hit in enumerate(hits, start=1):
        typer.echo(f"  {rank}. {hit.doc_id}  {hit.title}  ({hit.section})  {hit.url}")
    typer.echo(f'Try your own: govbot search "…" --tenant {DEMO_TENANT}')
