"""What a file's structure suggests, in plain words: each finding says what it means and what it does not.

Findings describe how the file was written, not whether its picture is genuine. None of them is
evidence of manipulation on its own: a re-encode, an FFmpeg tag, a missing creation time or an odd
GOP are what ordinary sharing, editing and conversion produce too. ``level`` is "notable" where an
examiner may want to look closer and "info" for context; there is no stronger level.
"""

from __future__ import annotations

from core.filecheck.bitstream import encoder_from_sei, x264_options
from core.filecheck.model import ContainerInfo, ContentCredentials, Finding, MovieAtoms, StreamInfo

INFO = "info"
NOTABLE = "notable"

FFMPEG_HANDLERS = ("VideoHandler", "SoundHandler", "SubtitleHandler", "DataHandler", "TimeCodeHandler")
FPS_TOLERANCE = 0.01  # declared and measured frame rates further apart than this share are reported
DURATION_TOLERANCE_S = 0.5
EDIT_OFFSET_LIMIT_S = 1.0  # an edit list starting the track this far in hides the start
GOP_LIST_LIMIT = 5  # more irregular GOPs than this are summarised rather than listed
GAPS_LISTED = 5


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def container_findings(c: ContainerInfo, atoms: MovieAtoms | None, streams: tuple[StreamInfo, ...]) -> list[Finding]:
    out: list[Finding] = []
    enc = c.encoder
    if enc and enc.startswith("Lavf"):
        out.append(Finding(
            "encoder.ffmpeg", NOTABLE, "Written by FFmpeg-based software",
            f"The container's encoder tag is '{enc}' (FFmpeg's libavformat).",
            means="The file was last written (muxed) by software built on FFmpeg: a converter, an editor, a "
                  "download or screen-recording tool, or a platform's processing. This is often a re-encode "
                  "or a re-wrap of an earlier file.",
            does_not_mean="It does not show that the picture was changed, nor who wrote the file: many ordinary "
                          "tools and platforms use FFmpeg, and the tag can be set or removed by anyone.",
        ))
    elif enc:
        out.append(Finding(
            "encoder.named", INFO, f"Encoder tag: {enc}",
            f"The container names '{enc}' as the software or device that wrote it.",
            means="The software or device named says it wrote the file.",
            does_not_mean="The tag is plain text that any tool can write, change or remove; it does not prove "
                          "which software or device made the file.",
        ))
    else:
        out.append(Finding(
            "encoder.absent", INFO, "No encoder tag",
            "The container does not name the software that wrote it.",
            means="The writer did not name itself: many cameras and phones do not, FFmpeg leaves it out in "
                  "bit-exact mode, and metadata-cleaning tools remove it.",
            does_not_mean="It is not evidence of editing, nor of any particular origin.",
        ))
    if c.major_brand == "isom" and c.minor_version == "512" and "".join(c.compatible_brands).startswith("isomiso2"):
        out.append(Finding(
            "brand.ffmpeg", INFO, "FFmpeg's default MP4 brand",
            f"Major brand isom, minor version 512, compatible brands {' '.join(c.compatible_brands)}.",
            means="These are the file-type values FFmpeg's MP4 writer uses by default, so the file was most "
                  "likely written by FFmpeg-based software.",
            does_not_mean="Other writers can use the same values, and they say nothing about the picture.",
        ))
    if c.creation_time is None and (atoms is None or atoms.created is None):
        out.append(Finding(
            "creation_time.absent", INFO, "No creation time",
            "Neither the container's tags nor its movie header hold a creation time.",
            means="The file does not say when it was made: the writer recorded no time, or it was removed, as "
                  "re-encoding, re-wrapping, sharing platforms and privacy tools often do.",
            does_not_mean="It does not show that the file was manipulated, nor anything about when it was "
                          "recorded.",
        ))
    else:
        when = c.creation_time or (atoms.created if atoms else None)
        out.append(Finding(
            "creation_time.present", INFO, f"Creation time: {when}",
            f"The file states it was created at {when}.",
            means="The writing device or software recorded this time, usually from its own clock (often UTC).",
            does_not_mean="Clocks can be wrong and the value can be edited; re-wrapping tools often copy or reset "
                          "it. It is not proof of when the scene was filmed.",
        ))
    if atoms is not None and atoms.created and atoms.modified and atoms.created != atoms.modified:
        out.append(Finding(
            "creation_time.modified", NOTABLE, "Movie header modified after creation",
            f"The movie header says created {atoms.created}, modified {atoms.modified}.",
            means="Software that rewrote the file recorded a later modification time than the creation time.",
            does_not_mean="Some cameras write slightly different times, and a harmless re-wrap also updates it; "
                          "it does not say what was changed.",
        ))
    if c.location:
        out.append(Finding(
            "location.present", INFO, f"Location recorded: {c.location}",
            f"The container holds the position {c.location} (ISO 6709: latitude, longitude).",
            means="A position was written into the file, usually from a phone's GPS when recording.",
            does_not_mean="It can be edited or copied from another file; it does not prove where the scene was "
                          "filmed.",
        ))
    if c.make or c.model:
        device = " ".join(v for v in (c.make, c.model) if v)
        out.append(Finding(
            "device.present", INFO, f"Device named: {device}",
            f"The container's tags name the recording device as {device}.",
            means="The device (or software imitating it) wrote its make or model into the file.",
            does_not_mean="Tags can be edited; it does not prove the file came from that device.",
        ))
    handlers = sorted({s.handler_name for s in streams if s.handler_name in FFMPEG_HANDLERS})
    vendors = sorted({v for s in streams for k, v in s.tags if k == "vendor_id" and v == "FFMP"})
    if handlers or vendors:
        said = [f"track handler names {', '.join(handlers)}"] if handlers else []
        said += ["vendor code FFMP in the sample descriptions"] if vendors else []
        out.append(Finding(
            "handler.ffmpeg", INFO, "Track names of FFmpeg's MP4/MOV writer",
            f"The tracks carry {' and '.join(said)}.",
            means="These are the names FFmpeg gives tracks by default, so the tracks were written by FFmpeg-based "
                  "software (phones and cameras write their own names).",
            does_not_mean="It says nothing about the picture, only about the last writer of the tracks.",
        ))
    if atoms is not None:
        out.extend(_atom_findings(atoms))
    if not any(s.kind == "audio" for s in streams) and any(s.kind == "video" for s in streams):
        out.append(Finding(
            "audio.absent", INFO, "No audio track",
            "The file has video but no audio stream.",
            means="Phones and cameras record sound by default, so the sound may have been removed, or the video "
                  "came from a source without sound (screen capture, generated video, some CCTV).",
            does_not_mean="Many legitimate sources record no sound; it is not evidence of manipulation.",
        ))
    videos = [s for s in streams if s.kind == "video" and s.duration_s]
    audios = [s for s in streams if s.kind == "audio" and s.duration_s]
    if videos and audios:
        diff = abs(videos[0].duration_s - audios[0].duration_s)
        if diff > DURATION_TOLERANCE_S:
            out.append(Finding(
                "duration.mismatch", INFO, f"Audio and video lengths differ by {diff:.2f} s",
                f"Video {videos[0].duration_s:.2f} s, audio {audios[0].duration_s:.2f} s.",
                means="One track starts later or ends earlier than the other, as trimming one track or joining "
                      "files can leave it.",
                does_not_mean="Recorders and encoders often leave small differences; it is not a manipulation sign "
                              "on its own.",
            ))
    return out


def _atom_findings(atoms: MovieAtoms) -> list[Finding]:
    out: list[Finding] = []
    if atoms.moov_before_mdat:
        out.append(Finding(
            "layout.moov_first", INFO, "Index before the media data ('fast start')",
            "The movie box (moov) comes before the media data (mdat).",
            means="The file was written, or rewritten, so it can play while downloading, as editors, converters "
                  "and platforms do; many phones and cameras write the index at the end instead.",
            does_not_mean="Some devices write it first too; it says nothing about the picture.",
        ))
    if atoms.moov_count > 1 or atoms.mdat_count > 1:
        out.append(Finding(
            "layout.multiple", NOTABLE, "More than one movie or media-data box",
            f"{atoms.moov_count} movie (moov) and {atoms.mdat_count} media-data (mdat) boxes.",
            means="The file was appended to or partly rewritten; players use only the first index, so data may be "
                  "in the file that no player shows.",
            does_not_mean="Some recorders split media data on purpose; it does not say what the extra data is.",
        ))
    if atoms.missing_bytes:
        last = atoms.boxes[-1]
        out.append(Finding(
            "layout.truncated", NOTABLE, "The file is cut short",
            f"The last box ('{last.type}' at byte {last.offset:,}) declares {last.size:,} bytes; the file ends "
            f"{atoms.missing_bytes:,} bytes before that.",
            means="The file is incomplete: an interrupted copy, download or recording, or a deliberate cut. What "
                  "its index announces after that point is not in the file.",
            does_not_mean="It does not say why the end is missing, nor that what remains was altered.",
        ))
    odd = [b for b in atoms.boxes if b.note and b.note not in ("C2PA manifest", "XMP metadata")]
    if odd:
        out.append(Finding(
            "layout.unusual_box", INFO, "Unusual top-level boxes",
            "; ".join(f"'{b.type}' at byte {b.offset} ({b.size} bytes): {b.note}" for b in odd[:5]),
            means="The file holds boxes that standard writers do not put there: a tool's private data, or data "
                  "added after writing.",
            does_not_mean="Players ignore them; they do not change the picture, and many tools write their own.",
        ))
    for t in atoms.tracks:
        edits = t.edit_list
        if not edits or not atoms.timescale or not t.media_timescale:
            continue
        empty = [e for e in edits if e.media_time == -1]
        rates = [e for e in edits if e.media_time != -1 and e.rate != 1]
        starts = [e.media_time / t.media_timescale for e in edits if e.media_time >= 0]
        if len(edits) > 1 or empty or rates or (starts and starts[0] > EDIT_OFFSET_LIMIT_S):
            parts = []
            for e in edits[:5]:
                dur = e.segment_duration / atoms.timescale
                if e.media_time == -1:
                    parts.append(f"nothing shown for {dur:.3f} s")
                else:
                    parts.append(f"{dur:.3f} s from {e.media_time / t.media_timescale:.3f} s at rate {e.rate:g}")
            out.append(Finding(
                "edit_list", NOTABLE, f"Edit list on track {t.track_id} ({t.handler_type})",
                f"{len(edits)} edit(s): " + "; ".join(parts) + ".",
                means="Players show this track delayed, from a later start, in pieces or at another speed than "
                      "its stored frames: what trimming or joining without re-encoding writes. Frames outside "
                      "the edits are in the file but not shown.",
                does_not_mean="Encoders and cameras also write edit lists to align audio and video; it is not "
                              "evidence that the content was altered.",
            ))
    return out


def stream_findings(s: StreamInfo) -> list[Finding]:
    out: list[Finding] = []
    t = s.timing
    if s.video is not None:
        v = s.video
        if v.rotation:
            out.append(Finding(
                "rotation", INFO, f"Display rotation {v.rotation}° clockwise",
                f"Stream {s.index}: the {v.rotation_source} asks players to turn the picture {v.rotation}° "
                "clockwise.",
                means="Players turn the stored picture before showing it; phones write this when recording upright "
                      "or sideways. The analysis reads frames turned the same way.",
                does_not_mean="It is not an edit of the picture.",
                stream=s.index,
            ))
        if v.mirrored:
            out.append(Finding(
                "rotation.mirrored", NOTABLE, "Display matrix mirrors the picture",
                f"Stream {s.index}: the display matrix flips the picture left to right.",
                means="Players show the picture mirrored; front cameras and some editors do this.",
                does_not_mean="The stored frames are not changed by it; it is not evidence of manipulation.",
                stream=s.index,
            ))
        for text in v.encoder_sei:
            name, version = encoder_from_sei(text)
            opts = x264_options(text)
            keys = ("crf", "bitrate", "bframes", "keyint", "preset", "rc")
            settings = ", ".join(f"{k}={opts[k]}" for k in keys if k in opts)
            out.append(Finding(
                "encoder.software_sei", NOTABLE,
                f"Encoded with {name}" + (f" ({version})" if version else ""),
                f"Stream {s.index}: the video bitstream carries the encoder's own note: '{text[:120]}"
                f"{'...' if len(text) > 120 else ''}'" + (f" Settings: {settings}." if settings else ""),
                means=f"The picture was compressed by the {name} software encoder, which FFmpeg-based tools, editors "
                      "and platforms use. Phones and cameras use hardware encoders that do not write this note, "
                      "so the video was encoded, or re-encoded, by software at some point.",
                does_not_mean="It does not show what the picture looked like before, nor that its content was "
                              "altered: software encoding is routine for editing, sharing and conversion.",
                stream=s.index,
            ))
        if t.variable_rate:
            out.append(Finding(
                "vfr", INFO, "Variable frame rate",
                f"Stream {s.index}: frame intervals range from {_ms(t.interval_min_s)} to {_ms(t.interval_max_s)} "
                f"(usually {_ms(t.interval_median_s)}); {t.irregular_intervals} of {t.packets - 1} differ from "
                "the usual one.",
                means="Frames are not evenly spaced in time: phones (in low light), screen recorders and some "
                      "editors write this. Frame numbers and times then do not follow a fixed rate.",
                does_not_mean="It is not a sign of manipulation by itself.",
                stream=s.index,
            ))
        declared, measured = v.declared_fps, t.measured_fps
        if declared and measured and abs(declared - measured) > FPS_TOLERANCE * declared:
            out.append(Finding(
                "fps.mismatch", NOTABLE, "Declared and measured frame rates differ",
                f"Stream {s.index}: the container declares {declared:.3f} frames/s; the timestamps give "
                f"{measured:.3f} frames/s.",
                means="Times computed from the declared rate drift from the frames' own timestamps.",
                does_not_mean="Variable-rate recordings and some writers round the declared rate; it is not "
                              "evidence of manipulation.",
                stream=s.index,
            ))
        if s.frames_declared and s.frames_declared != t.packets:
            out.append(Finding(
                "frames.mismatch", NOTABLE, "Frame count differs from the declared one",
                f"Stream {s.index}: the container declares {s.frames_declared} frames, {t.packets} were found.",
                means="The index and the stored frames do not agree: a damaged, cut or carelessly rewritten file.",
                does_not_mean="It does not say which frames are missing or added, nor why.",
                stream=s.index,
            ))
        out.extend(_gop_findings(s))
    if t.gap_count:
        listed = "; ".join(f"frame {g.frame} at {g.time_s:.3f} s: {_ms(g.interval_s)} instead of "
                           f"{_ms(g.expected_s)}" for g in t.gaps[:GAPS_LISTED])
        more = f" and {t.gap_count - GAPS_LISTED} more" if t.gap_count > GAPS_LISTED else ""
        unit = "frame" if s.kind == "video" else "packet"
        out.append(Finding(
            "timestamp.gap", NOTABLE,
            f"Gap in {s.kind} timestamps at {unit} {t.gaps[0].frame} ({t.gaps[0].time_s:.3f} s)"
            + (f", {t.gap_count} in all" if t.gap_count > 1 else ""),
            f"Stream {s.index}: {listed}{more}.",
            means="Time jumps there: frames were dropped or removed, the recording paused, or two pieces were "
                  "joined without re-timing.",
            does_not_mean="It does not show what happened at that point: recorders drop frames under load too.",
            stream=s.index, frame=t.gaps[0].frame,
        ))
    if t.duplicate_pts or t.dts_out_of_order:
        out.append(Finding(
            "timestamp.disorder", NOTABLE, f"Repeated or backward timestamps in stream {s.index}",
            f"{t.duplicate_pts} repeated presentation times, {t.dts_out_of_order} decode times that do not "
            "increase.",
            means="The writer did not keep the timing consistent: a damaged file, a careless join, or a faulty "
                  "muxer.",
            does_not_mean="Players usually cope; it does not say the picture was changed.",
            stream=s.index,
        ))
    return out


def _gop_findings(s: StreamInfo) -> list[Finding]:
    g = s.video.gop
    if not g.irregular_at or g.gop_typical is None:
        return []
    lengths = g.gop_lengths[:-1]
    if len(g.irregular_at) <= GOP_LIST_LIMIT:
        where = ", ".join(str(f) for f in g.irregular_at)
        title = f"GOP irregular around frame {where}"
    else:
        title = f"GOP lengths vary ({len(g.irregular_at)} of {len(lengths)} differ from {g.gop_typical} frames)"
        where = ", ".join(str(f) for f in g.irregular_at[:GOP_LIST_LIMIT]) + ", ..."
    return [Finding(
        "gop.irregular", NOTABLE, title,
        f"Stream {s.index}: key frames usually every {g.gop_typical} frames (lengths from {min(lengths)} to "
        f"{max(lengths)}); a GOP of another length ends at frame {where}.",
        means="A key frame sits where the otherwise regular spacing would not put one: encoders do this at scene "
              "changes and when asked to, and a splice or a partly re-encoded file also starts a new GOP there.",
        does_not_mean="Most encoders place extra key frames at cuts in the scene; on its own this is not evidence "
                      "of editing.",
        stream=s.index, frame=g.irregular_at[0],
    )]


def credential_findings(c: ContentCredentials) -> list[Finding]:
    trust = f"{c.trust_list.name}, dated {c.trust_list.date}"
    if c.status == "none":
        return [Finding(
            "credentials.none", INFO, "No content credentials",
            "The file carries no C2PA manifest.",
            means="Nobody attached signed provenance to this file. Most cameras, phones and platforms write none, "
                  "and most sharing removes them.",
            does_not_mean="It is never evidence of manipulation, nor of authenticity.",
        )]
    if c.status == "not_checked":
        return [Finding(
            "credentials.not_checked", INFO, "Content credentials not checked",
            c.summary,
            means="Whether the file carries signed provenance could not be read here.",
            does_not_mean="It says nothing about the file's content.",
        )]
    out = []
    actions = ", ".join(dict.fromkeys(a.action for a in c.actions)) or "none declared"
    detail = (f"Signer: {c.signer or 'not named'} (issuer {c.issuer or 'not named'}); claim generator: "
              f"{c.claim_generator or 'not named'}; actions: {actions}; trust list: {trust}.")
    if c.status == "trusted":
        out.append(Finding(
            "credentials.trusted", INFO, f"Content credentials signed by {c.signer}, a trusted signer", detail,
            means=f"A C2PA manifest is attached, the file is unchanged since it was signed, and the signer's "
                  f"certificate chains to the shipped trust list ({trust}).",
            does_not_mean="It says who signed and that the file is unchanged since; it does not say the content is "
                          "true or that the signer's statements are.",
        ))
    elif c.status == "valid_untrusted":
        out.append(Finding(
            "credentials.valid_untrusted", NOTABLE,
            "Content credentials: signature valid, signer not in the shipped trust list", detail,
            means="The manifest is intact and the file is unchanged since signing, but the signer's certificate "
                  f"is not one the shipped list ({trust}) vouches for: anyone can make such a certificate.",
            does_not_mean="It does not mean the manifest is forged: the list may be out of date or the signer may "
                          "use its own authority.",
        ))
    else:
        failed = "; ".join(f"{f.code}: {f.explanation}" for f in c.failures if f.code != "signingCredential.untrusted")
        out.append(Finding(
            "credentials.invalid", NOTABLE, "Content credentials do not validate",
            detail + (f" Failures: {failed}." if failed else ""),
            means="The file has a C2PA manifest, but checking it failed: the file changed after it was signed (its "
                  "hash no longer matches) or the manifest itself is damaged or forged.",
            does_not_mean="It does not say what changed: re-saving metadata breaks the hash as surely as editing the "
                          "picture does.",
        ))
    if c.ai_generated:
        types = ", ".join(sorted({a.digital_source_type.rsplit("/", 1)[-1] for a in c.actions
                                  if a.digital_source_type}))
        out.append(Finding(
            "credentials.ai_generated", NOTABLE, "Content credentials declare AI-generated content",
            f"Digital source type: {types}.",
            means="The signer states that the content, or part of it, was made with generative AI.",
            does_not_mean="The statement is the signer's, worth what the signature is worth; its absence does not "
                          "mean the content is not AI-generated.",
        ))
    if c.edited:
        out.append(Finding(
            "credentials.edited", INFO, "Content credentials declare edits",
            f"Actions: {actions}.",
            means="The signer states the content was edited after capture or creation (the actions named).",
            does_not_mean="Edits can be routine (cropping, colour); the declaration does not say they changed what "
                          "the video shows.",
        ))
    return out
