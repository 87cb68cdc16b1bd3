"""Content credentials (core.filecheck.credentials): files signed here with c2pa-python's signer and a
certificate chain made here, read back offline, then tampered with."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import av
import c2pa
import cv2
import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core.filecheck import TrustListInvalid, inspect_file, load_trust_list, read_credentials
from core.filecheck.credentials import default_trust_list_path

AI = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
CAPTURED = {"action": "c2pa.created", "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"}


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Lab")])


@pytest.fixture(scope="module")
def chain():
    """(root CA PEM text, signer chain PEM bytes, signer key PEM bytes): a root and a signing leaf (C2PA
    refuses a self-signed signer)."""
    now = datetime.datetime.now(datetime.UTC)
    valid = {"not_valid_before": now - datetime.timedelta(days=1), "not_valid_after": now + datetime.timedelta(days=7)}
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Test Root")).issuer_name(_name("Test Root"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(valid["not_valid_before"]).not_valid_after(valid["not_valid_after"])
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(_name("Test Signer")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(valid["not_valid_before"]).not_valid_after(valid["not_valid_after"])
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))

    def pem(c):
        return c.public_bytes(serialization.Encoding.PEM)

    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return pem(ca).decode(), pem(leaf) + pem(ca), key_pem


def sign(chain, data: bytes, mime: str, actions: list[dict]) -> bytes:
    _, certs, key = chain
    manifest = {
        "claim_generator_info": [{"name": "test-suite", "version": "1.0"}],
        "title": "evidence",
        "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}],
    }
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, certs, key, None))
    context = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    out = io.BytesIO()
    c2pa.Builder(manifest, context=context).sign(signer, mime, io.BytesIO(data), out)
    return out.getvalue()


def jpeg() -> bytes:
    img = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return buf.tobytes()


def mp4(path: Path) -> Path:
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 20 * i, np.uint8), format="rgb24")
            for p in s.encode(frame):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    return path


def trust_file(path: Path, anchors: str, date: str = "2026-01-31") -> Path:
    path.write_text(f"# Name: test anchors\n# Date: {date}\n# Source: made by the test\n{anchors}")
    return path


def test_a_signed_jpeg_reads_back_valid_with_its_claims(chain, tmp_path):
    signed = tmp_path / "signed.jpg"
    signed.write_bytes(sign(chain, jpeg(), "image/jpeg",
                            [{"action": "c2pa.created", "digitalSourceType": AI}, {"action": "c2pa.edited"}]))
    c = read_credentials(signed)
    shipped, _ = load_trust_list()
    assert c.status == "valid_untrusted" and c.validation_state == "Valid"
    assert c.signer == "Test Signer" and c.issuer == "Test Lab"
    assert c.claim_generator.startswith("test-suite 1.0")
    assert [a.action for a in c.actions] == ["c2pa.created", "c2pa.edited"]
    assert c.ai_generated and c.edited
    assert c.trust_list == shipped
    assert "signer not in the shipped trust list" in c.summary
    assert shipped.name in c.summary and shipped.date in c.summary
    assert [f.code for f in c.failures] == ["signingCredential.untrusted"]


def test_the_signer_is_trusted_when_its_root_is_in_the_trust_list(chain, tmp_path):
    signed = tmp_path / "signed.jpg"
    signed.write_bytes(sign(chain, jpeg(), "image/jpeg", [CAPTURED]))
    anchors = trust_file(tmp_path / "anchors.pem", chain[0])
    c = read_credentials(signed, trust_list=anchors)
    assert c.status == "trusted" and c.trust_list.anchors == 1 and c.trust_list.date == "2026-01-31"
    assert not c.ai_generated and not c.edited and c.failures == ()


def test_a_tampered_jpeg_reads_invalid(chain, tmp_path):
    data = bytearray(sign(chain, jpeg(), "image/jpeg", [CAPTURED]))
    data[-100] ^= 0xFF  # inside the compressed picture, after the manifest segments
    tampered = tmp_path / "tampered.jpg"
    tampered.write_bytes(bytes(data))
    c = read_credentials(tampered)
    assert c.status == "invalid" and c.validation_state == "Invalid"
    assert "assertion.dataHash.mismatch" in {f.code for f in c.failures}
    assert "do not validate" in c.summary


def test_a_signed_mp4_and_a_tampered_copy_through_inspect_file(chain, tmp_path):
    signed = tmp_path / "signed.mp4"
    signed.write_bytes(sign(chain, mp4(tmp_path / "plain.mp4").read_bytes(), "video/mp4",
                            [CAPTURED]))
    r = inspect_file(signed)
    assert r.credentials.status == "valid_untrusted" and r.credentials.embedded
    assert r.finding("credentials.valid_untrusted") is not None and r.finding("credentials.none") is None
    assert any(b.note == "C2PA manifest" for b in r.atoms.boxes)

    mdat = next(b for b in r.atoms.boxes if b.type == "mdat")
    data = bytearray(signed.read_bytes())
    data[mdat.offset + mdat.size // 2] ^= 0xFF
    tampered = tmp_path / "tampered.mp4"
    tampered.write_bytes(bytes(data))
    t = inspect_file(tampered)
    assert t.credentials.status == "invalid"
    f = t.finding("credentials.invalid")
    assert f.level == "notable" and "changed after it was signed" in f.means


def test_no_manifest_is_neutral(tmp_path):
    plain = mp4(tmp_path / "plain.mp4")
    r = inspect_file(plain)
    assert r.credentials.status == "none"
    f = r.finding("credentials.none")
    assert f.level == "info" and "never evidence of manipulation" in f.does_not_mean


def test_a_remote_manifest_is_not_fetched(chain, tmp_path):
    _, certs, key = chain
    builder = c2pa.Builder({"claim_generator_info": [{"name": "test-suite"}],
                            "assertions": [{"label": "c2pa.actions", "data": {"actions": [CAPTURED]}}]},
                           context=c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}}}))
    builder.set_no_embed()
    builder.set_remote_url("http://127.0.0.1:9/manifest.c2pa")  # discard port: nothing answers there
    out = io.BytesIO()
    builder.sign(c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, certs, key, None)),
                 "image/jpeg", io.BytesIO(jpeg()), out)
    remote = tmp_path / "remote.jpg"
    remote.write_bytes(out.getvalue())
    c = read_credentials(remote)
    assert c.status == "not_checked" and c.remote_url == "http://127.0.0.1:9/manifest.c2pa"
    assert "offline" in c.summary


def test_an_unsupported_container_is_not_checked(tmp_path):
    mkv = tmp_path / "a.mkv"
    with av.open(str(mkv), "w") as out:
        s = out.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for p in s.encode(av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")):
            out.mux(p)
        for p in s.encode():
            out.mux(p)
    c = inspect_file(mkv).credentials
    assert c.status == "not_checked" and ".mkv" in c.reason


def test_the_shipped_trust_list_is_dated_and_named():
    info, pem = load_trust_list()
    assert info.path == str(default_trust_list_path())
    datetime.date.fromisoformat(info.date)
    assert info.name and info.source and len(info.sha256) == 64
    assert info.anchors == pem.count("BEGIN CERTIFICATE")


def test_a_trust_list_without_date_or_file_is_refused(tmp_path):
    undated = tmp_path / "undated.pem"
    undated.write_text("# Name: no date\n")
    with pytest.raises(TrustListInvalid):
        load_trust_list(undated)
    with pytest.raises(TrustListInvalid):
        load_trust_list(trust_file(tmp_path / "bad.pem", "", date="31/01/2026"))
    with pytest.raises(TrustListInvalid):
        load_trust_list(tmp_path / "missing.pem")


@pytest.mark.parametrize("via_app", [True, False])
def test_the_c2pa_library_is_never_loaded_from_the_working_directory(tmp_path, via_app):
    """c2pa-python's own loader tries the working directory first: a folder of received evidence
    holding a library of that name would run it. The app's loader takes only the package's copy
    (the direct import shows the hazard is real, so this test can fail)."""
    import shutil
    import subprocess
    import sys
    from importlib.util import find_spec
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    real = Path(find_spec("c2pa").origin).parent / "libs" / "libc2pa_c.so"
    if not real.is_file():
        pytest.skip("c2pa-python's Linux library not found")
    shutil.copy2(real, tmp_path / "libc2pa_c.so")  # a loadable library planted where the analyst works
    load = ("from core.filecheck.c2pa_loader import c2pa; c2pa()" if via_app else "import c2pa")
    code = (f"import sys; sys.path.insert(0, {str(root)!r}); {load}; "
            "print(sorted({l.split()[-1] for l in open('/proc/self/maps') if 'libc2pa_c' in l}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    from_cwd = str(tmp_path) in out.stdout
    assert from_cwd is not via_app, out.stdout
