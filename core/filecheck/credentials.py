"""Content credentials (C2PA manifests): read and validated offline with c2pa-python.

The reader never touches the network: remote manifests are not fetched (a file whose manifest lives
at a URL reads as "not checked", with the URL) and certificate revocation (OCSP) is not asked.
Trust is decided against one list of root certificates shipped with the app
(``resources/c2pa/trust_anchors.pem``), whose name, date, source and SHA-256 every result carries so
a report can say which list it used. A signature that is valid but whose signer does not chain to
that list reads as "signature valid, signer not in the shipped trust list", never as trusted.

A file without a manifest has "no content credentials": neutral, never evidence of manipulation
(most cameras, phones and platforms write none, and most sharing removes them).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from core.errors import InspectorError
from core.filecheck.model import (
    ContentCredentials,
    CredentialAction,
    CredentialIngredient,
    TrustList,
    ValidationEntry,
)
from core.paths import resources_dir

_PEM_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----")
_HEADER = re.compile(r"^#\s*(Name|Date|Source)\s*:\s*(.+?)\s*$", re.MULTILINE)
_URL = re.compile(r"https?://\S+")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# IPTC digital source types that declare generative AI (https://cv.iptc.org/newscodes/digitalsourcetype/)
AI_SOURCE_TYPES = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia")
EDIT_ACTIONS = frozenset({
    "c2pa.color_adjustments", "c2pa.cropped", "c2pa.deleted", "c2pa.drawing", "c2pa.edited", "c2pa.filtered",
    "c2pa.orientation", "c2pa.placed", "c2pa.removed", "c2pa.resized", "c2pa.transcoded", "c2pa.converted",
})
UNTRUSTED = "signingCredential.untrusted"


class TrustListInvalid(InspectorError):
    """The shipped C2PA trust-anchor list is missing or has no Name/Date header (a packaging fault)."""


def default_trust_list_path() -> Path:
    return resources_dir() / "c2pa" / "trust_anchors.pem"


def load_trust_list(path: str | Path | None = None) -> tuple[TrustList, str]:
    """(the list's identity, its certificates as PEM text) from a PEM file with Name/Date/Source header lines."""
    p = Path(path) if path is not None else default_trust_list_path()
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise TrustListInvalid(f"The C2PA trust list {p} cannot be read ({e.strerror}).") from e
    text = raw.decode("utf-8", "replace")
    header = {k.lower(): v for k, v in _HEADER.findall(text)}
    if "name" not in header or "date" not in header:
        raise TrustListInvalid(f"The C2PA trust list {p} has no '# Name:' and '# Date:' lines; a report could "
                               "not say which list it used.")
    if not _DATE.match(header["date"]):
        raise TrustListInvalid(f"The C2PA trust list {p} has the date '{header['date']}', not YYYY-MM-DD.")
    blocks = _PEM_BLOCK.findall(text)
    info = TrustList(name=header["name"], date=header["date"], source=header.get("source", "not stated"),
                     path=str(p), sha256=hashlib.sha256(raw).hexdigest(), anchors=len(blocks))
    return info, "\n".join(blocks) + ("\n" if blocks else "")


def _settings(anchors_pem: str) -> dict:
    return {
        "verify": {
            "verify_after_reading": True,
            "verify_trust": True,
            "verify_timestamp_trust": True,
            "remote_manifest_fetch": False,  # offline: a manifest stored at a URL is not fetched
            "ocsp_fetch": False,  # nor is certificate revocation asked
        },
        # None, not "": the SDK rejects an empty PEM; with no anchors, no signer is trusted
        "trust": {"trust_anchors": anchors_pem or None},
    }


def _sdk_version() -> str:
    from importlib.metadata import version

    from core.filecheck.c2pa_loader import c2pa as _load

    c2pa = _load()
    return f"c2pa-python {version('c2pa-python')} (c2pa-rs {c2pa.sdk_version()})"


def _agent(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        name = value.get("name")
        version = value.get("version")
        return " ".join(str(v) for v in (name, version) if v) or None
    return str(value)


def _claim_generator(manifest: dict) -> str | None:
    info = manifest.get("claim_generator_info")
    if isinstance(info, list) and info:
        parts = []
        for item in info:
            if isinstance(item, dict):
                parts.append(_agent({"name": item.get("name"), "version": item.get("version")}) or "")
        text = "; ".join(p for p in parts if p)
        if text:
            return text
    gen = manifest.get("claim_generator")
    return str(gen) if gen else None


def _actions(manifest: dict) -> tuple[CredentialAction, ...]:
    out = []
    for assertion in manifest.get("assertions") or ():
        if not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for a in (assertion.get("data") or {}).get("actions") or ():
            out.append(CredentialAction(
                action=str(a.get("action", "")), when=a.get("when"), software_agent=_agent(a.get("softwareAgent")),
                digital_source_type=a.get("digitalSourceType"), description=a.get("description"),
            ))
    return tuple(out)


def _ingredients(manifest: dict) -> tuple[CredentialIngredient, ...]:
    return tuple(
        CredentialIngredient(title=i.get("title"), format=i.get("format"), relationship=i.get("relationship"),
                             has_manifest=bool(i.get("active_manifest") or i.get("manifest_data")))
        for i in manifest.get("ingredients") or ()
    )


def _is_ai(source_type: str | None) -> bool:
    return bool(source_type) and source_type.rstrip("/").rsplit("/", 1)[-1] in AI_SOURCE_TYPES


def _failures(store: dict) -> tuple[ValidationEntry, ...]:
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    entries = results.get("failure")
    if entries is None:  # older stores: a flat validation_status list holds the failures
        entries = store.get("validation_status") or ()
    return tuple(ValidationEntry(code=str(e.get("code", "")), explanation=str(e.get("explanation", "")))
                 for e in entries)


def _from_store(store: dict, state: str | None, embedded: bool | None, remote: str | None, trust: TrustList,
                sdk: str) -> ContentCredentials:
    label = store.get("active_manifest")
    manifests = store.get("manifests") or {}
    manifest = manifests.get(label) or {}
    sig = manifest.get("signature_info") or {}
    failures = _failures(store)
    actions = _actions(manifest)
    ingredients = _ingredients(manifest)
    ai = any(_is_ai(a.digital_source_type) for a in actions)
    signer = sig.get("common_name")
    listed = f"the shipped trust list ({trust.name}, {trust.date})"
    who = f"signed by {signer}" if signer else "signed"
    if state == "Trusted":
        status, summary = "trusted", f"Content credentials {who}: signature valid, signer in {listed}."
    elif state == "Valid":
        status = "valid_untrusted"
        summary = f"Content credentials {who}: signature valid, signer not in {listed}."
    else:
        status = "invalid"
        other = [f for f in failures if f.code != UNTRUSTED]
        why = "; ".join(f"{f.code}: {f.explanation}" for f in other[:3]) or f"validation state {state}"
        summary = f"Content credentials {who} do not validate ({why})."
    return ContentCredentials(
        status=status, summary=summary, trust_list=trust, sdk_version=sdk, manifest_count=len(manifests),
        active_manifest=label, embedded=embedded, remote_url=remote, signer=signer, issuer=sig.get("issuer"),
        signed_at=sig.get("time"), algorithm=sig.get("alg"), claim_generator=_claim_generator(manifest),
        title=manifest.get("title"), actions=actions, ingredients=ingredients, ai_generated=ai,
        edited=any(a.action in EDIT_ACTIONS for a in actions), validation_state=state, failures=failures,
    )


def read_credentials(path: str | Path, trust_list: str | Path | None = None) -> ContentCredentials:
    """The C2PA manifest of ``path``, validated offline against the shipped (or the given) trust list.

    Never raises for what the file holds: no manifest, an unsupported format, a remote-only manifest
    and a damaged manifest are each a status. Raises TrustListInvalid when the trust list is unusable.
    """
    from core.filecheck.c2pa_loader import c2pa as _load

    c2pa = _load()
    trust, anchors = load_trust_list(trust_list)
    sdk = _sdk_version()

    def not_checked(reason: str) -> ContentCredentials:
        return ContentCredentials(status="not_checked", summary=f"Content credentials not checked: {reason}.",
                                  trust_list=trust, sdk_version=sdk, reason=reason)

    context = c2pa.Context.from_dict(_settings(anchors))
    try:
        reader = c2pa.Reader.try_create(str(path), None, None, context)
    except c2pa.C2paError.NotSupported:
        return not_checked(f"the C2PA reader does not support this file type ({Path(path).suffix or 'no extension'})")
    except c2pa.C2paError.FileNotFound as e:
        return not_checked(f"the file cannot be opened ({e})")
    except c2pa.C2paError as e:
        # The SDK reports a manifest kept at a URL as RemoteManifest or as a plain error "Remote: ..."
        if isinstance(e, c2pa.C2paError.RemoteManifest) or str(e).startswith("Remote"):
            url = _URL.search(str(e))
            where = f" at {url.group(0)}" if url else ""
            return ContentCredentials(
                status="not_checked", trust_list=trust, sdk_version=sdk, embedded=False,
                remote_url=url.group(0) if url else None,
                summary=f"Content credentials not checked: the manifest is kept{where}, and the app does not "
                        "fetch anything (offline).",
                reason=f"remote manifest{where} not fetched (offline)",
            )
        # a manifest is there but cannot be parsed or verified at all
        return ContentCredentials(
            status="invalid", summary=f"Content credentials present but unreadable ({type(e).__name__}: {e}).",
            trust_list=trust, sdk_version=sdk, failures=(ValidationEntry(code=type(e).__name__, explanation=str(e)),),
        )
    if reader is None:
        return ContentCredentials(status="none", summary="No content credentials (no C2PA manifest in the file).",
                                  trust_list=trust, sdk_version=sdk)
    with reader:
        store = json.loads(reader.json())
        state = reader.get_validation_state()
        embedded = reader.is_embedded()
        remote = reader.get_remote_url()
    return _from_store(store, state, embedded, remote, trust, sdk)
